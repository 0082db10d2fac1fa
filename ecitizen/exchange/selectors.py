from __future__ import annotations

import datetime
import math
import re
import unicodedata

from django.db.models import Case, Q, Value, When

from ecitizen.core.crypto import blind_index
from ecitizen.exchange.models import Address, PopulationRecord, address_normalise, postcode_key

NATIONAL_ID_CONTEXT = "national_id"


def national_id_blind_index(national_id: str) -> str:
    """The blind index every table uses for national ID numbers, so they can be joined."""
    return blind_index(national_id, context=NATIONAL_ID_CONTEXT)


def _name_key(name: str) -> str:
    """Compare names without case, accents or extra spaces: 'José  Núñez' == 'jose nunez'."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def population_record_matching(
    *, national_id: str, given_name: str, family_name: str, date_of_birth: datetime.date
) -> PopulationRecord | None:
    """The living person in the register with exactly these details, or None.

    Found by the blind index of the national ID; names and date of birth must
    then match too, so a guessed ID alone verifies nothing.
    """
    record = PopulationRecord.objects.filter(
        national_id_index=national_id_blind_index(national_id), is_deceased=False
    ).first()
    if record is None or not population_record_agrees(
        record, given_name=given_name, family_name=family_name, date_of_birth=date_of_birth
    ):
        return None
    return record


def population_record_for(national_id: str) -> PopulationRecord | None:
    """The register's record for this national ID, living or not, found by its blind index; None if unknown."""
    return PopulationRecord.objects.filter(national_id_index=national_id_blind_index(national_id)).first()


def population_record_agrees(
    record: PopulationRecord, *, given_name: str, family_name: str, date_of_birth: datetime.date
) -> bool:
    """Do these names and date of birth match *record* (ignoring case, accents and extra spaces)?"""
    return (
        record.date_of_birth == date_of_birth
        and _name_key(record.given_name) == _name_key(given_name)
        and _name_key(record.family_name) == _name_key(family_name)
    )


ADDRESS_QUERY_MAX_LENGTH = 200  # characters; anything longer is cut off
ADDRESS_QUERY_MIN_LENGTH = 3  # letters and digits, after normalising
ADDRESS_QUERY_MAX_WORDS = 8
ADDRESS_SEARCH_MAX_LIMIT = 50
NEAREST_ADDRESS_WITHIN_M = 200.0
EARTH_RADIUS_M = 6_371_008.8
_FULL_POSTCODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}")


def address_search(query: str, *, limit: int = 10) -> list[Address]:
    """Active addresses that match *query*, best first, at most *limit* (capped at 50).

    The query is normalised like ``Address.search_text`` (case, accents and
    punctuation ignored) and split into words; every word must begin a word
    of the address line or postcode, so "12 mill" finds "12 Mill Lane" and
    "120 Millbrook Road" but "ill" finds nothing. An address whose postcode
    is exactly the query, in any case and with or without spaces, also
    matches. Addresses with exactly that postcode come first, then the rest
    by line. A query shorter than three letters or digits finds nothing;
    only its first 200 characters and eight words count.

    Cost: when the query is a whole postcode, the postcode index answers it
    (O(log N)) and nothing else runs if it fills *limit*. Otherwise one
    query whose ``LIKE '% word%'`` conditions no B-tree index can serve: a
    scan of the N rows, O(N × words), plus sorting the m matches. That is a
    few milliseconds for a city's register (10⁵ rows) on SQLite or
    PostgreSQL without extensions; a national register (10⁷ rows) would want
    PostgreSQL's pg_trgm GIN index or a search engine behind this function.
    The longest word is tested first, as the likeliest to rule a row out.
    """
    limit = min(int(limit), ADDRESS_SEARCH_MAX_LIMIT)
    normalised = address_normalise((query or "")[:ADDRESS_QUERY_MAX_LENGTH])
    compact = normalised.replace(" ", "")
    if limit < 1 or len(compact) < ADDRESS_QUERY_MIN_LENGTH:
        return []
    words = sorted(set(normalised.split()), key=lambda word: (-len(word), word))[:ADDRESS_QUERY_MAX_WORDS]
    key = postcode_key(normalised)
    active = Address.objects.filter(is_active=True)

    if _FULL_POSTCODE.fullmatch(key):
        exact = list(active.filter(postcode_key=key).order_by("line", "uprn")[:limit])
        if len(exact) == limit:
            return exact

    match = Q()
    for word in words:
        match &= Q(search_text__contains=" " + word)
    if len(key) <= Address._meta.get_field("postcode_key").max_length:
        match |= Q(postcode_key=key)
    return list(
        active.filter(match)
        .annotate(postcode_rank=Case(When(postcode_key=key, then=Value(0)), default=Value(1)))
        .order_by("postcode_rank", "line", "uprn")[:limit]
    )


def address_get(uprn: str, *, include_inactive: bool = False) -> Address | None:
    """The address with this unique property reference, or None; retired ones only if asked for."""
    uprn = (uprn or "").strip()
    if not uprn:
        return None
    addresses = Address.objects.all() if include_inactive else Address.objects.filter(is_active=True)
    return addresses.filter(uprn=uprn).first()


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two points (haversine formula)."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlmb = phi2 - phi1, math.radians(lng2 - lng1)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def address_nearest(lat: float, lng: float, *, within_m: float = NEAREST_ADDRESS_WITHIN_M) -> Address | None:
    """The active address nearest to (*lat*, *lng*), if one is within *within_m* metres (200 by default).

    The (latitude, longitude) index narrows the search to a box just larger
    than the circle; the exact haversine distance then picks among the few
    addresses in it. Ties go to the lower UPRN. Coordinates that are not
    numbers or out of range find nothing.
    """
    try:
        lat, lng, within_m = float(lat), float(lng), float(within_m)
    except (TypeError, ValueError):
        return None
    if not all(math.isfinite(v) for v in (lat, lng, within_m)) or within_m < 0:
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None

    dlat = math.degrees(within_m / EARTH_RADIUS_M)
    cos_lat = math.cos(math.radians(lat))
    dlng = 180.0 if cos_lat < 1e-9 else min(180.0, dlat / cos_lat)
    box = Q(latitude__gte=lat - dlat, latitude__lte=lat + dlat)
    west, east = lng - dlng, lng + dlng
    if dlng >= 180.0:
        pass  # every longitude is near enough to need checking
    elif west < -180:  # the box crosses the antimeridian
        box &= Q(longitude__gte=west + 360) | Q(longitude__lte=east)
    elif east > 180:
        box &= Q(longitude__gte=west) | Q(longitude__lte=east - 360)
    else:
        box &= Q(longitude__gte=west, longitude__lte=east)

    best: tuple[float, str, Address] | None = None
    for address in Address.objects.filter(box, is_active=True):
        candidate = (distance_m(lat, lng, address.latitude, address.longitude), address.uprn, address)
        if candidate[0] <= within_m and (best is None or candidate[:2] < best[:2]):
            best = candidate
    return best[2] if best is not None else None
