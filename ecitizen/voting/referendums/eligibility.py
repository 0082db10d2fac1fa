"""Who may vote in a referendum: the electorate frozen when voting opens.

The rules are the referendum's (``min_age``, ``residents_only`` with its ``districts``,
``identity_level``), read with participatory budgeting's helpers so that both votes agree on who
someone is, how old they are and where they live:

- **Age** on the opening day, from the population register (the record the account's bound
  national ID points to); with a minimum age, an account the register does not know is not in the
  electorate (it cannot prove an age).
- **Residence**: the profile's address is found in the address register and placed in one of the
  referendum's districts (problem-report areas), or, when it names none, in any active area of the
  agency. The district found is kept with the entry, for turnout by district. Without
  ``residents_only`` the district is still looked up (for turnout) but not required.
- **Identity**: the account's identity level (the rule of
  :func:`~ecitizen.accounts.selectors.identity_level_for`) says whether the person can vote
  *online*: only they get a credential. Someone below the level is still in the electorate when
  their account is bound to a national ID, so that they can vote on paper at a counter (found by
  that ID); an account with neither is left out, as nobody could ever find it.

One person, one entry: the voter key (:func:`~ecitizen.voting.budgeting.eligibility.voter_key_for`)
is the national-ID blind index of a bound account, else ``user:<id>``.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress

from ecitizen.accounts.models import Profile, VerificationMethod
from ecitizen.exchange.models import Address, PopulationRecord, address_normalise, postcode_key
from ecitizen.reports import geo
from ecitizen.reports.models import Area
from ecitizen.voting.budgeting.eligibility import (
    LEVEL_ORDER,
    VoterProfile,
    address_point,
    age_on,
    bound_national_id_index,
)
from ecitizen.voting.referendums import conf
from ecitizen.voting.referendums.models import Referendum


@dataclass(frozen=True)
class Elector:
    """One person of the electorate, as the opening writes them down."""

    user_id: int
    voter_key: str
    district_id: int | None
    online: bool  # reaches the identity level and has an email address: gets a credential
    email: str
    language: str


def identity_level(*, identity_verified: bool, verification_method: str, email_confirmed: bool) -> str:
    """The identity level of an account, by the rule of ``accounts.selectors.identity_level_for``
    (read here for many accounts at once; ``test_staff_eligibility`` checks both agree)."""
    if identity_verified:
        return "verified"
    if verification_method == VerificationMethod.DOCUMENT_ONLY:
        return "document"
    return "basic" if email_confirmed else "none"


def referendum_areas(referendum: Referendum) -> list[Area]:
    """Where residents live: the referendum's districts, or every active area of its agency."""
    areas = list(referendum.districts.filter(is_active=True).order_by("size", "pk"))
    if not areas:
        areas = list(Area.objects.filter(agency=referendum.agency_id, is_active=True).order_by("size", "pk"))
    return areas


# As ``budgeting.eligibility.address_point`` reads them: the first 200 active addresses of a postcode.
_CANDIDATES = 200


def _placed(candidates: list[tuple[str, float, float]], line: str) -> tuple[float, float] | None:
    """``address_point``'s choice among the active addresses of a postcode (in register order),
    for a profile whose first line, normalised, is *line*: the one address; among several, the one
    whose first line starts with it, or their point when they all share one; else None.
    ``test_review_performance`` checks that both agree."""
    if len(candidates) > 1:
        matching = [c for c in candidates if line and address_normalise(c[0]).startswith(line)]
        same_point = len({(round(c[1], 5), round(c[2], 5)) for c in candidates}) == 1
        candidates = matching or ([candidates[0]] if same_point else [])
    if len(candidates) != 1:
        return None
    return candidates[0][1], candidates[0][2]


class _Places:
    """The district of an address point: the smallest of the areas containing it (their shapes
    built once), with the address register's answers kept per postcode and first line. The
    register is read for many profiles at once (:meth:`load`, one query a batch), not once per
    address."""

    def __init__(self, areas: list[Area]):
        self.areas = [(area, geo.AreaShape(geo.from_geojson(area.geometry))) for area in areas]
        self._points: dict[tuple[str, str], tuple[float, float] | None] = {}

    def load(self, addresses: Iterable[tuple[str, str]]) -> None:
        """Read the address register once for every ``(postcode, first line)`` of *addresses* not
        looked up yet."""
        wanted: dict[str, list[tuple[str, str]]] = {}
        for postcode, line in addresses:
            key = (postcode_key(postcode or ""), address_normalise(line or ""))
            if key[0] and key not in self._points:
                wanted.setdefault(key[0], []).append(key)
        if not wanted:
            return
        candidates: dict[str, list[tuple[str, float, float]]] = {code: [] for code in wanted}
        rows = (
            Address.objects.filter(postcode_key__in=list(wanted), is_active=True)
            .order_by("id")
            .values_list("postcode_key", "line", "latitude", "longitude")
        )
        for code, line, lat, lng in rows.iterator(chunk_size=5000):
            found = candidates[code]
            if len(found) < _CANDIDATES:
                found.append((line, lat, lng))
        for code, keys in wanted.items():
            for key in keys:
                self._points[key] = _placed(candidates[code], key[1])

    def point(self, postcode: str, line: str) -> tuple[float, float] | None:
        key = (postcode_key(postcode or ""), address_normalise(line or ""))
        if not key[0]:
            return None
        if key not in self._points:
            self._points[key] = address_point(VoterProfile(postcode=postcode, address_line_1=line))
        return self._points[key]

    def district(self, postcode: str, line: str) -> Area | None:
        point = self.point(postcode, line)
        if point is None:
            return None
        lat, lng = point
        for area, shape in self.areas:  # smallest first
            if area.min_lat <= lat <= area.max_lat and area.min_lng <= lng <= area.max_lng and shape.contains(lat, lng):
                return area
        return None


def _chunks(referendum: Referendum) -> Iterator[list[tuple]]:
    rows = (
        Profile.objects.filter(user__is_active=True)
        .order_by("user_id")
        .values_list(
            "user_id",
            "user__email",
            "identity_verified",
            "verification_method",
            "national_id_index",
            "postcode",
            "address_line_1",
            "preferred_language",
        )
    )
    size = conf.electorate_chunk()
    chunk: list[tuple] = []
    for row in rows.iterator(chunk_size=size):
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def electors(referendum: Referendum, day: datetime.date) -> list[Elector]:
    """Everyone who may vote in *referendum*, with ages counted on *day* (the opening day)."""
    needed = LEVEL_ORDER.get(referendum.identity_level, LEVEL_ORDER["verified"])
    places = _Places(referendum_areas(referendum))
    found: dict[str, Elector] = {}
    for chunk in _chunks(referendum):
        bound = {}
        for row in chunk:
            profile = VoterProfile(identity_verified=row[2], verification_method=row[3], national_id_index=row[4] or "")
            bound[row[0]] = bound_national_id_index(profile)
        born = _dates_of_birth([index for index in bound.values() if index])
        places.load((row[5], row[6]) for row in chunk if (row[5] or "").strip())
        confirmed = (
            _confirmed_emails([row[0] for row in chunk if not row[2]]) if needed <= LEVEL_ORDER["basic"] else set()
        )
        for user_id, email, verified, method, _index, postcode, line, language in chunk:
            index = bound[user_id]
            if referendum.min_age:
                birthday = born.get(index) if index else None
                if birthday is None or age_on(birthday, day) < referendum.min_age:
                    continue
            district = places.district(postcode, line) if (postcode or "").strip() else None
            if referendum.residents_only and district is None:
                continue
            level = identity_level(
                identity_verified=verified, verification_method=method or "", email_confirmed=user_id in confirmed
            )
            reaches = LEVEL_ORDER[level] >= needed
            if not reaches and not index:
                continue
            key = index or f"user:{user_id}"
            if key in found:
                continue
            found[key] = Elector(
                user_id=user_id,
                voter_key=key,
                district_id=district.pk if district is not None else None,
                online=reaches and bool((email or "").strip()),
                email=(email or "").strip(),
                language=language or "",
            )
    return list(found.values())


def _dates_of_birth(indexes: list[str]) -> dict[str, datetime.date]:
    """The register's date of birth of each living person among *indexes* (national-ID blind indexes)."""
    if not indexes:
        return {}
    rows = PopulationRecord.objects.filter(national_id_index__in=indexes, is_deceased=False).values_list(
        "national_id_index", "date_of_birth"
    )
    return dict(rows)


def _confirmed_emails(user_ids: list[int]) -> set[int]:
    """Which of *user_ids* have confirmed an email address (the "basic" identity level)."""
    if not user_ids:
        return set()
    return set(EmailAddress.objects.filter(user_id__in=user_ids, verified=True).values_list("user_id", flat=True))


def elector_for(referendum: Referendum, user: Any, day: datetime.date) -> Elector | None:
    """*user*'s place in the electorate the rules would make on *day* (for the staff pages and
    tests; the opening computes everyone at once)."""
    return next((e for e in electors(referendum, day) if e.user_id == user.pk), None)
