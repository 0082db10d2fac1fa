"""Conflicts of interest: staff never act on their own affairs.

Every staff service that decides, takes payment for, refunds or verifies something on behalf of
a citizen asks :func:`conflict_reason` first, on the row it has locked, and refuses with
:class:`ConflictOfInterest` when there is one. Views ask the same function to explain on the page
why an action is not offered.

A conflict is the staff member acting for themselves (another account holding the staff member's
own national ID, or an unclaimed bill made out to it, counts as themselves), or, where the agency counts relatives
(``Agency.relatives_are_conflicts``, on by default), for someone declared as a relative
(``StaffRelative``) in either direction: the staff member declared the citizen, or the citizen,
being staff too, declared the staff member. Without an agency, relatives always count.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class ConflictOfInterest(PermissionDenied):
    """Raised by a staff service when the actor would act on their own (or a relative's) affairs."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _own_reason() -> str:
    return str(_("You cannot act on your own application, bill, payment or identity. Ask a colleague."))


def _relative_reason() -> str:
    return str(
        _(
            "This person is declared as your relative, so you cannot act on their application, bill, "
            "payment or identity. Ask a colleague."
        )
    )


def _staff_national_id_index(staff_id: Any) -> Any:
    """A subquery: the blind index of *staff_id*'s own national ID (no row when they have none)."""
    from ecitizen.accounts.models import Profile

    return Profile.objects.filter(user_id=staff_id).exclude(national_id_index="").values("national_id_index")[:1]


def conflict_reason(*, staff: Any, citizen: Any, agency: Any = None, national_id_index: str = "") -> str | None:
    """Why *staff* may not act on *citizen*'s affairs for *agency*, or None when they may.

    *citizen* may be a user or None (an anonymous payer, a record without an account). The same
    person behind two accounts counts as oneself: *citizen*'s profile holds the same national ID
    (blind index) as *staff*'s. *national_id_index*, when given, is the blind index of the person
    concerned where there may be no account (an unclaimed register tax bill's payer, the ID about
    to be bound at a counter): *staff*'s own national ID there is a conflict too.
    """
    if staff is None:
        return None
    staff_id = getattr(staff, "pk", None)
    citizen_id = getattr(citizen, "pk", citizen) if citizen is not None else None
    if staff_id is None:
        return None
    if citizen_id is not None and staff_id == citizen_id:
        return _own_reason()
    if _same_national_id(staff_id, citizen_id, national_id_index):
        return _own_reason()
    if citizen_id is None or not _relatives_count(agency):
        return None
    from django.db.models import Q

    from ecitizen.agencies.models import StaffRelative

    related = StaffRelative.objects.filter(
        Q(staff_id=staff_id, relative_id=citizen_id) | Q(staff_id=citizen_id, relative_id=staff_id)
    )
    if related.exists():
        return _relative_reason()
    return None


def _same_national_id(staff_id: Any, citizen_id: Any, national_id_index: str) -> bool:
    """Is *staff_id*'s own national ID that of account *citizen_id* or the given blind index? (One query.)"""
    from django.db.models import Q

    from ecitizen.accounts.models import Profile

    same = Q()
    if national_id_index:
        same |= Q(national_id_index=national_id_index)
    if citizen_id is not None:
        same |= Q(
            national_id_index__in=Profile.objects.filter(user_id=citizen_id)
            .exclude(national_id_index="")
            .values("national_id_index")
        )
    if not same:
        return False
    return Profile.objects.filter(same, user_id=staff_id).exclude(national_id_index="").exists()


def conflict_reasons_by_citizen(*, staff: Any, citizen_ids: Any, agency: Any = None) -> dict[Any, str]:
    """:func:`conflict_reason` for many citizens at once (a list page): ``{citizen_id: reason}``
    for those of *citizen_ids* that *staff* may not act on for *agency*; the others are left out.

    At most two queries, however many ids: whether the agency counts relatives, and which of the
    ids hold *staff*'s own national ID (another account of the same person) or are declared
    relatives of *staff* (either way round). ``None`` ids (anonymous payers) are ignored. Pages
    use it to explain why an action is not offered; services still ask :func:`ensure_no_conflict`
    on the row they lock.
    """
    staff_id = getattr(staff, "pk", None) if staff is not None else None
    ids = {getattr(citizen, "pk", citizen) for citizen in citizen_ids} - {None}
    if staff_id is None or not ids:
        return {}
    reasons: dict[Any, str] = {}
    if staff_id in ids:
        reasons[staff_id] = _own_reason()
    others = ids - {staff_id}
    if not others:
        return reasons
    from django.contrib.auth import get_user_model
    from django.db.models import Exists, OuterRef, Q

    from ecitizen.accounts.models import Profile
    from ecitizen.agencies.models import StaffRelative

    same_person = Exists(
        Profile.objects.filter(user_id=OuterRef("pk"), national_id_index=_staff_national_id_index(staff_id)).exclude(
            national_id_index=""
        )
    )
    users = get_user_model().objects.filter(pk__in=others).annotate(same_person=same_person)
    wanted = Q(same_person=True)
    if _relatives_count(agency):
        related = Exists(
            StaffRelative.objects.filter(
                Q(staff_id=staff_id, relative_id=OuterRef("pk")) | Q(relative_id=staff_id, staff_id=OuterRef("pk"))
            )
        )
        users = users.annotate(related=related)
        wanted |= Q(related=True)
    for user_id, is_same in users.filter(wanted).values_list("pk", "same_person"):
        reasons[user_id] = _own_reason() if is_same else _relative_reason()
    return reasons


def conflicted_citizen_ids(*, staff: Any, citizen_ids: Any, agency: Any = None) -> set[Any]:
    """The ids among *citizen_ids* that *staff* may not act on for *agency* (see
    :func:`conflict_reasons_by_citizen`, at most two queries)."""
    return set(conflict_reasons_by_citizen(staff=staff, citizen_ids=citizen_ids, agency=agency))


def _relatives_count(agency: Any) -> bool:
    """Does *agency* (an Agency, its id, or None) count declared relatives as conflicts?"""
    if agency is None:
        return True
    from ecitizen.agencies.models import Agency

    agency_id = getattr(agency, "pk", agency)
    value = Agency.objects.filter(pk=agency_id).values_list("relatives_are_conflicts", flat=True).first()
    return True if value is None else bool(value)


def ensure_no_conflict(*, staff: Any, citizen: Any, agency: Any = None, national_id_index: str = "") -> None:
    """Raise :class:`ConflictOfInterest` if :func:`conflict_reason` finds one."""
    reason = conflict_reason(staff=staff, citizen=citizen, agency=agency, national_id_index=national_id_index)
    if reason:
        raise ConflictOfInterest(reason)
