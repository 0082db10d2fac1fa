"""Who may vote in a participatory budget, and in which of its budgets; who may enter paper ballots.

Each process says who may vote (:class:`~ecitizen.voting.budgeting.models.Process`'s ``min_age``,
``residents_only`` and ``identity_level``). :func:`eligibility_for` answers, for a person and a
process, either the budget they vote in or the first reason they cannot, as a translated sentence
that says what to do about it.

- **Age** is read from the population register (the record the profile's national-ID blind index
  points to); a person the register does not know cannot prove an age. It is the age *on the day
  the person votes* (as in CONSUL and Decidim: someone who turns 16 during the voting weeks may
  vote from their birthday on). A paper ballot typed in after voting closed counts the age on the
  last day of voting, the latest day the sheet can have been filled in (:func:`voting_day`).
- **District**: the profile's postcode (and first address line, when the postcode has several
  addresses) is looked up in the address register; the point found is placed in the problem-report
  area (:class:`~ecitizen.reports.models.Area`) of one of the process's budgets. With one
  whole-area budget, a resident is anyone whose address lies in any of the agency's areas.
- **Identity**: the account's level (:func:`~ecitizen.accounts.selectors.identity_level_for`) must
  reach the process's.

The voter key (:func:`voter_key_for`) makes one person one ballot across channels: the national-ID
blind index once an account is bound to a national ID, otherwise ``user:<id>``.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ecitizen.accounts.models import Profile, VerificationMethod
from ecitizen.accounts.selectors import identity_level_for
from ecitizen.agencies.models import Role
from ecitizen.agencies.selectors import agencies_where
from ecitizen.core.policies import Policy
from ecitizen.exchange.models import Address, PopulationRecord, address_normalise, postcode_key
from ecitizen.reports import geo
from ecitizen.reports.models import Area
from ecitizen.voting.budgeting.models import Budget, PaperEntry, Phase, Process

# The order of identity levels: a process asking for one accepts it and every higher one.
LEVEL_ORDER = {"none": 0, "basic": 1, "document": 2, "verified": 3}
# Staff who may type in paper ballots (the agency admin is also the supervisor of mismatches).
PAPER_ROLES = (Role.CASEWORKER, Role.AGENCY_ADMIN)
SUPERVISOR_ROLES = (Role.AGENCY_ADMIN,)


class Reason(enum.StrEnum):
    SIGN_IN = "sign_in"
    IDENTITY = "identity"
    NOT_IN_REGISTER = "not_in_register"
    TOO_YOUNG = "too_young"
    NO_ADDRESS = "no_address"
    ADDRESS_UNKNOWN = "address_unknown"
    NOT_RESIDENT = "not_resident"


@dataclass(frozen=True)
class Eligibility:
    """Either ``budget`` (the person may vote there), or ``choose_from`` (the person may vote in
    the district of their choice among these budgets: a process open to non-residents, with a
    budget per district, and a voter whose address is in none of them), or ``reason`` with a
    sentence (``message``) and, where something can be done, a link (``action_url``,
    ``action_label``)."""

    budget: Budget | None = None
    choose_from: tuple[Budget, ...] = ()
    reason: Reason | None = None
    message: str = ""
    action_url: str = ""
    action_label: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.budget is not None or bool(self.choose_from)

    def budget_for(self, chosen: Budget | int | None) -> Budget | None:
        """The budget this person votes in when they chose *chosen* (a budget or its id): their
        own when they have one (whatever they chose), else the chosen one if it is among
        ``choose_from``; None when they must choose and did not choose a valid one."""
        if self.budget is not None:
            return self.budget
        pk = getattr(chosen, "pk", chosen)
        return next((b for b in self.choose_from if b.pk == pk), None)


def voting_day(process: Process, now: datetime.datetime | None = None) -> datetime.date:
    """The day whose age counts: today, or the last day of voting once voting has closed."""
    now = now or timezone.now()
    return timezone.localdate(min(now, process.voting_close_at - datetime.timedelta(microseconds=1)))


def age_on(born: datetime.date, day: datetime.date) -> int:
    """Whole years from *born* to *day* (someone born on 29 February turns a year older on 1 March
    in years without one)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def bound_national_id_index(profile: Any) -> str:
    """The blind index of the national ID the account is bound to ("" when none): set by a
    verification against the register or a document check, never by a mere attempt."""
    if not profile.national_id_index:
        return ""
    if profile.identity_verified or profile.verification_method == VerificationMethod.DOCUMENT_ONLY:
        return profile.national_id_index
    return ""


def voter_key_for(user: Any, profile: Any | None = None) -> str:
    profile = profile if profile is not None else voter_profile(user)
    return bound_national_id_index(profile) or f"user:{user.pk}"


def living_record(national_id_index: str) -> PopulationRecord | None:
    if not national_id_index:
        return None
    return PopulationRecord.objects.filter(national_id_index=national_id_index, is_deceased=False).first()


def address_point(profile: Any) -> tuple[float, float] | None:
    """Where the profile's address is, from the address register: the one active address with its
    postcode, or among several the one whose first line matches; None when not found."""
    key = postcode_key(profile.postcode or "")
    if not key:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT line, latitude, longitude FROM {Address._meta.db_table} "  # noqa: S608
            "WHERE postcode_key = %s AND is_active ORDER BY id LIMIT 200",
            [key],
        )
        candidates = cursor.fetchall()
    if len(candidates) > 1:
        line = address_normalise(profile.address_line_1 or "")
        matching = [c for c in candidates if line and address_normalise(c[0]).startswith(line)]
        candidates = matching or ([candidates[0]] if _same_point(candidates) else [])
    if len(candidates) != 1:
        return None
    return candidates[0][1], candidates[0][2]


def _same_point(candidates: list[tuple[str, float, float]]) -> bool:
    return len({(round(c[1], 5), round(c[2], 5)) for c in candidates}) == 1


def _areas_at(lat: float, lng: float, areas: QuerySet[Area]) -> list[Area]:
    """The areas of *areas* containing the point, smallest first (the smaller wins an overlap)."""
    near = areas.filter(is_active=True, min_lat__lte=lat, max_lat__gte=lat, min_lng__lte=lng, max_lng__gte=lng)
    return [area for area in near.order_by("size", "pk") if area.contains(lat, lng)]


def _area_contains(area: Area, lat: float, lng: float) -> bool:
    """``area.contains`` with the area's shape built once per loaded row (a process's budgets are
    loaded once per request, or once per thread in the benchmark)."""
    if not (area.is_active and area.min_lat <= lat <= area.max_lat and area.min_lng <= lng <= area.max_lng):
        return False
    shape = getattr(area, "_pb_shape", None)
    if shape is None:
        shape = area._pb_shape = geo.AreaShape(geo.from_geojson(area.geometry))
    return shape.contains(lat, lng)


def process_budgets(process: Process) -> list[Budget]:
    """The process's budgets with their areas: those prefetched with the process
    (``prefetch_related("budgets__area")``) when they were, else one query."""
    if "budgets" in getattr(process, "_prefetched_objects_cache", {}):
        return list(process.budgets.all())
    return list(process.budgets.select_related("area").order_by("pk"))


def budget_at(process: Process, lat: float, lng: float) -> Budget | None:
    """The budget of *process* whose district contains the point; with one whole-area budget, that
    budget when the point is in any of the agency's areas."""
    budgets = process_budgets(process)
    whole = [b for b in budgets if b.area_id is None]
    if whole:
        return whole[0] if _areas_at(lat, lng, Area.objects.filter(agency=process.agency_id)) else None
    inside = [b for b in budgets if _area_contains(b.area, lat, lng)]
    return min(inside, key=lambda b: (b.area.size, b.area_id)) if inside else None


@dataclass
class VoterProfile:
    """What the checks of a vote read from a profile (the attributes have the profile's names)."""

    identity_verified: bool = False
    verification_method: str = ""
    verified_at: datetime.datetime | None = None
    national_id_index: str = ""
    postcode: str = ""
    address_line_1: str = ""
    # The date of birth the population register holds for the national ID the account is bound to.
    register_born: datetime.date | None = None


def _as_date(value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _as_datetime(value: Any) -> datetime.datetime | None:
    if value is None or isinstance(value, datetime.datetime):
        return value if value is None or timezone.is_aware(value) else timezone.make_aware(value, datetime.UTC)
    parsed = parse_datetime(str(value))
    return parsed if parsed is None or timezone.is_aware(parsed) else timezone.make_aware(parsed, datetime.UTC)


def voter_profile(user: Any) -> VoterProfile:
    """*user*'s profile as the checks of a vote need it, with the register's date of birth for the
    national ID the account is bound to, in one statement. Written out rather than built with the
    ORM: it is read on every ballot cast, and building the query was a third of a cast's CPU
    (``test_ballots_eligibility`` checks it against the profile and the register)."""
    profiles, register = Profile._meta.db_table, PopulationRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.identity_verified, p.verification_method, p.verified_at, p.national_id_index, p.postcode, "  # noqa: S608
            f"p.address_line_1, CASE WHEN p.identity_verified OR p.verification_method = %s THEN (SELECT "
            f"r.date_of_birth FROM {register} r WHERE r.national_id_index = p.national_id_index AND "
            f"r.national_id_index <> '' AND NOT r.is_deceased) END FROM {profiles} p WHERE p.user_id = %s",
            [VerificationMethod.DOCUMENT_ONLY.value, user.pk],
        )
        row = cursor.fetchone()
    if row is None:
        return VoterProfile()
    return VoterProfile(
        identity_verified=bool(row[0]),
        verification_method=row[1] or "",
        verified_at=_as_datetime(row[2]),
        national_id_index=row[3] or "",
        postcode=row[4] or "",
        address_line_1=row[5] or "",
        register_born=_as_date(row[6]),
    )


def _identity_level(user: Any, profile: Any) -> str:
    # A verified profile is the highest level: no need to ask accounts again (one query less per
    # ballot); every other case is accounts' to answer.
    if profile.identity_verified:
        return "verified"
    return identity_level_for(user)


def _refuse(reason: Reason, **extra: Any) -> Eligibility:
    messages = {
        Reason.SIGN_IN: (_("Sign in to vote."), "account_login", _("Sign in")),
        Reason.IDENTITY: (
            _("You need to prove who you are before you can vote. It takes a few minutes."),
            "accounts:identity",
            _("Verify your identity"),
        ),
        Reason.NOT_IN_REGISTER: (
            _(
                "This vote has a minimum age, and we cannot confirm your date of birth because the "
                "population register does not know you. Vote on paper at a service counter with "
                "an identity document."
            ),
            "",
            "",
        ),
        Reason.TOO_YOUNG: (
            _("You must be %(age)s or older to vote in this budget.") % {"age": extra.get("min_age")},
            "",
            "",
        ),
        Reason.NO_ADDRESS: (
            _("Only residents can vote. Add your home address to your profile so we can find your district."),
            "accounts:profile",
            _("Add your address"),
        ),
        Reason.ADDRESS_UNKNOWN: (
            _(
                "We could not find your address in the address register. Check the postcode and first "
                "line of your address in your profile."
            ),
            "accounts:profile",
            _("Check your address"),
        ),
        Reason.NOT_RESIDENT: (
            _("Only residents of the area can vote, and your address is outside it."),
            "accounts:profile",
            _("Check your address"),
        ),
    }
    message, url_name, label = messages[reason]
    return Eligibility(
        reason=reason,
        message=message,
        action_url=reverse(url_name) if url_name else "",
        action_label=label,
        extra=extra,
    )


def eligibility_for(
    user: Any, process: Process, *, profile: Any | None = None, now: datetime.datetime | None = None
) -> Eligibility:
    """May *user* vote in *process*, and in which budget? Does not look at the phase or at a
    ballot already cast (the services and the vote page do)."""
    if not user.is_authenticated:
        return _refuse(Reason.SIGN_IN)
    profile = profile if profile is not None else voter_profile(user)
    needed = LEVEL_ORDER.get(process.identity_level, LEVEL_ORDER["verified"])
    if LEVEL_ORDER[_identity_level(user, profile)] < needed:
        return _refuse(Reason.IDENTITY)
    if process.min_age:
        if hasattr(profile, "register_born"):
            born = profile.register_born
        else:
            record = living_record(bound_national_id_index(profile))
            born = record.date_of_birth if record is not None else None
        if born is None:
            return _refuse(Reason.NOT_IN_REGISTER)
        if age_on(born, voting_day(process, now)) < process.min_age:
            return _refuse(Reason.TOO_YOUNG, min_age=process.min_age)
    budgets = process_budgets(process)
    if not process.residents_only and len(budgets) == 1:
        return Eligibility(budget=budgets[0])
    if not (profile.postcode or "").strip():
        return _refuse(Reason.NO_ADDRESS)
    point = address_point(profile)
    if point is None:
        return _refuse(Reason.ADDRESS_UNKNOWN)
    budget = budget_at(process, *point)
    if budget is None:
        # Open to everyone, but with a budget per district: a voter from outside chooses the
        # district they vote in (the vote page asks); residents vote in their own.
        if not process.residents_only and budgets:
            return Eligibility(choose_from=tuple(budgets))
        return _refuse(Reason.NOT_RESIDENT)
    return Eligibility(budget=budget)


def paper_voter_eligibility(
    *, process: Process, national_id_index: str, budget: Budget, now: datetime.datetime | None = None
) -> Eligibility:
    """May the person with this national ID (its blind index) vote on paper in *budget*? Staff
    have seen their identity document at the counter; the register must know them when the
    process has a minimum age or asks for a verified identity. The district is the one staff
    chose from the voter's proof of address (the register holds no addresses)."""
    record = living_record(national_id_index)
    if record is None and (process.min_age or process.identity_level == "verified"):
        return _refuse(Reason.NOT_IN_REGISTER)
    if process.min_age and age_on(record.date_of_birth, voting_day(process, now)) < process.min_age:
        return _refuse(Reason.TOO_YOUNG, min_age=process.min_age)
    if budget.process_id != process.pk:
        return _refuse(Reason.NOT_RESIDENT)
    return Eligibility(budget=budget)


class PaperEntryPolicy(Policy[PaperEntry]):
    """Caseworkers and agency admins of the process's agency type in paper ballots; agency admins
    discard entries that did not agree. Nobody handles a paper ballot of their own identity (the
    services check the voter; this policy checks the staff member's role)."""

    model = PaperEntry

    def can(self, user: Any, action: str) -> bool:
        if action in ("view", "enter", "confirm"):
            return agencies_where(user, *PAPER_ROLES).exists()
        if action == "discard":
            return agencies_where(user, *SUPERVISOR_ROLES).exists()
        return False

    def processes(self, user: Any, action: str = "enter") -> QuerySet[Process]:
        """The processes whose paper ballots *user* may handle."""
        roles = SUPERVISOR_ROLES if action == "discard" else PAPER_ROLES
        return Process.objects.filter(agency__in=agencies_where(user, *roles), paper_voting=True).exclude(
            published_at__isnull=True
        )

    def scope(self, user: Any, action: str) -> QuerySet[PaperEntry]:
        if not user.is_authenticated:
            return PaperEntry.objects.none()
        entries = PaperEntry.objects.filter(process__in=self.processes(user, action))
        if action == "confirm":
            return entries.filter(state="waiting").exclude(entered_by=user)
        if action == "discard":
            return entries.filter(Q(state="waiting") | Q(state="mismatch"))
        return entries


paper_policy = PaperEntryPolicy()


def paper_phase_open(process: Process, now: datetime.datetime | None = None) -> bool:
    """Paper ballots are typed in while voting is open and during the count, until results are
    published (sheets from the counters arrive after the close)."""
    return process.paper_voting and process.phase(now) in (Phase.VOTING, Phase.COUNTING)
