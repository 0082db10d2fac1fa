from __future__ import annotations

import datetime
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Case, Count, F, IntegerField, Q, QuerySet, Value, When

from ecitizen.core.crypto import blind_index
from ecitizen.exchange.models import Address, PopulationRecord, address_normalise, house_number_key, postcode_key

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


_HOUSE_NUMBER = re.compile(r"[0-9]+[a-z]?")


@dataclass(frozen=True)
class _AddressQuery:
    words: list[str]  # every one must begin a word of the line or postcode
    postcode: str  # the query as a postcode key ("NB12AB")
    street: str  # the query without its house number, as a street key ("mill lane")
    number: tuple[int | None, str]  # the house number in the query, (None, "") when there is none


def _parse_address_query(query: str) -> _AddressQuery | None:
    normalised = address_normalise((query or "")[:ADDRESS_QUERY_MAX_LENGTH])
    if len(normalised.replace(" ", "")) < ADDRESS_QUERY_MIN_LENGTH:
        return None
    words = sorted(set(normalised.split()), key=lambda word: (-len(word), word))[:ADDRESS_QUERY_MAX_WORDS]
    tokens = normalised.split()
    numbers = [token for token in tokens if _HOUSE_NUMBER.fullmatch(token)]
    number = house_number_key(numbers[0]) if len(numbers) == 1 else (None, "")
    street = " ".join(token for token in tokens if token not in numbers) if number[0] is not None else normalised
    return _AddressQuery(words=words, postcode=postcode_key(normalised), street=street, number=number)


def _address_matches(parsed: _AddressQuery) -> QuerySet[Address]:
    """Active addresses matching *parsed*, ranked and in the order people expect."""
    match = Q()
    for word in parsed.words:
        match &= Q(search_text__contains=" " + word)
    postcode_ok = len(parsed.postcode) <= Address._meta.get_field("postcode_key").max_length
    if postcode_ok:
        match |= Q(postcode_key=parsed.postcode)
    ranks = [When(postcode_key=parsed.postcode, then=Value(0))] if postcode_ok else []
    if parsed.street:
        value, suffix = parsed.number
        if value is not None:
            ranks.append(When(street_key=parsed.street, number_value=value, number_suffix=suffix, then=Value(1)))
        ranks += [
            When(street_key=parsed.street, then=Value(2)),
            When(street_key__startswith=parsed.street, then=Value(3)),
        ]
    return (
        Address.objects.filter(match, is_active=True)
        .annotate(search_rank=Case(*ranks, default=Value(4), output_field=IntegerField()))
        .order_by(
            "search_rank",
            "street_key",
            "town",
            F("number_value").asc(nulls_last=True),
            "number_suffix",
            "number",
            "line",
            "uprn",
        )
    )


@dataclass(frozen=True)
class AddressPage:
    """One page of an address search: ``items`` are results ``start`` to ``end`` of ``total``."""

    items: list[Address]
    number: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def start(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.items else 0

    @property
    def end(self) -> int:
        return self.start + len(self.items) - 1 if self.items else 0

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def address_search_page(query: str, *, page: int | str | None = 1, per_page: int = 10) -> AddressPage:
    """Page *page* (from 1; out of range or not a number: the nearest page) of the addresses matching *query*.

    Matching is that of :func:`address_search`. The ranking: an address whose postcode is the
    query; the exact street (with the house number asked for, then the rest of the street); streets
    that begin with the query; then every other match. Within each, by street, town and house
    number in natural order (1, 2, 10, 10A, 11, then named houses). Two queries: a count and
    the page.
    """
    per_page = max(1, min(int(per_page), ADDRESS_SEARCH_MAX_LIMIT))
    parsed = _parse_address_query(query)
    if parsed is None:
        return AddressPage(items=[], number=1, per_page=per_page, total=0)
    matches = _address_matches(parsed)
    total = matches.count()
    pages = max(1, math.ceil(total / per_page))
    try:
        number = min(max(int(page or 1), 1), pages)
    except (TypeError, ValueError):
        number = 1
    offset = (number - 1) * per_page
    items = list(matches[offset : offset + per_page]) if total else []
    return AddressPage(items=items, number=number, per_page=per_page, total=total)


def address_search(query: str, *, limit: int = 10) -> list[Address]:
    """Active addresses that match *query*, best first, at most *limit* (capped at 50).

    The query is normalised like ``Address.search_text`` (case, accents and
    punctuation ignored) and split into words; every word must begin a word
    of the address line or postcode, so "12 mill" finds "12 Mill Lane" and
    "120 Millbrook Road" but "ill" finds nothing. An address whose postcode
    is exactly the query, in any case and with or without spaces, also
    matches. The order is that of :func:`address_search_page`. A query
    shorter than three letters or digits finds nothing; only its first 200
    characters and eight words count.

    Cost: the ``LIKE '% word%'`` conditions cannot use a B-tree index: a
    scan of the N active rows, O(N × words), then sorting the m matches by
    the stored street key and house number. That is a few milliseconds for a
    city's register (10⁵ rows) on SQLite or PostgreSQL without extensions;
    a national register (10⁷ rows) would want PostgreSQL's pg_trgm GIN index
    or a search engine behind this function. The ranking compares the
    indexed ``street_key`` column (equality and prefix), never a computed
    expression.
    """
    limit = min(int(limit), ADDRESS_SEARCH_MAX_LIMIT)
    parsed = _parse_address_query(query)
    if limit < 1 or parsed is None:
        return []
    return list(_address_matches(parsed)[:limit])


def address_search_find(query: str, uprn: str) -> Address | None:
    """The address *uprn* if it is among the matches of *query* (on whichever page), else None."""
    parsed = _parse_address_query(query)
    if parsed is None or not uprn:
        return None
    return _address_matches(parsed).filter(uprn=uprn).first()


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


@dataclass(frozen=True)
class District:
    """A district of the address register: its name, its number of active addresses, and its
    centre (the mean of their coordinates), where a map puts a district's figure."""

    name: str
    addresses: int
    latitude: float
    longitude: float


def district_for_postcode(postcode: str) -> str:
    """The district (``Address.locality``) of the active addresses with this postcode, or "".

    A postcode whose addresses lie in more than one district answers the one most of them are in
    (ties to the first name in alphabetical order); an unknown postcode answers "".
    """
    key = postcode_key(postcode or "")
    if not key:
        return ""
    row = _district_query(key).first()
    return row["locality"] if row else ""


def district_for_postcode_sql(postcode: str) -> tuple[str, list[Any]]:
    """:func:`district_for_postcode` as a SQL expression (and its parameters) that a statement can
    embed, for a service that writes a row with its district in one statement. Written out rather
    than compiled from the queryset: it is built on every petition signature, and compiling costs
    more than the lookup (``test_district_sql_agrees_with_the_queryset`` keeps the two equal)."""
    key = postcode_key(postcode or "")
    if not key:
        return "%s", [""]
    table = Address._meta.db_table
    return (
        f"COALESCE((SELECT locality FROM {table} WHERE is_active AND postcode_key = %s AND locality <> '' "  # noqa: S608
        "GROUP BY locality ORDER BY COUNT(*) DESC, locality ASC LIMIT 1), '')",
        [key],
    )


def _district_query(key: str) -> QuerySet:
    return (
        Address.objects.filter(postcode_key=key, is_active=True)
        .exclude(locality="")
        .values("locality")
        .annotate(n=Count("pk"))
        .order_by("-n", "locality")
    )


def districts() -> list[District]:
    """Every district with at least one active address, by name."""
    rows = (
        Address.objects.filter(is_active=True)
        .exclude(locality="")
        .values("locality")
        .annotate(n=Count("pk"), lat=Avg("latitude"), lng=Avg("longitude"))
        .order_by("locality")
    )
    return [District(r["locality"], r["n"], r["lat"], r["lng"]) for r in rows]
