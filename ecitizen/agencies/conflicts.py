"""Conflicts of interest: staff never act on their own affairs.

Every staff service that decides, takes payment for, refunds or verifies something on behalf of
a citizen asks :func:`conflict_reason` first, on the row it has locked, and refuses with
:class:`ConflictOfInterest` when there is one. Views ask the same function to explain on the page
why an action is not offered.

A conflict is the staff member acting for themselves, or, where the agency counts relatives
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


def conflict_reason(*, staff: Any, citizen: Any, agency: Any = None) -> str | None:
    """Why *staff* may not act on *citizen*'s affairs for *agency*, or None when they may.

    *citizen* may be a user or None (an anonymous payer, a record without an account), in which
    case there is no conflict to find.
    """
    if staff is None or citizen is None:
        return None
    staff_id = getattr(staff, "pk", None)
    citizen_id = getattr(citizen, "pk", citizen)
    if staff_id is not None and staff_id == citizen_id:
        return str(_("You cannot act on your own application, bill, payment or identity. Ask a colleague."))
    if staff_id is None or citizen_id is None or not _relatives_count(agency):
        return None
    from django.db.models import Q

    from ecitizen.agencies.models import StaffRelative

    related = StaffRelative.objects.filter(
        Q(staff_id=staff_id, relative_id=citizen_id) | Q(staff_id=citizen_id, relative_id=staff_id)
    )
    if related.exists():
        return str(
            _(
                "This person is declared as your relative, so you cannot act on their application, bill, "
                "payment or identity. Ask a colleague."
            )
        )
    return None


def conflict_reasons_by_citizen(*, staff: Any, citizen_ids: Any, agency: Any = None) -> dict[Any, str]:
    """:func:`conflict_reason` for many citizens at once (a list page): ``{citizen_id: reason}``
    for those of *citizen_ids* that *staff* may not act on for *agency*; the others are left out.

    At most two queries, however many ids: whether the agency counts relatives, and which of the
    ids are declared relatives of *staff* (either way round). ``None`` ids (anonymous payers) are
    ignored. Pages use it to explain why an action is not offered; services still ask
    :func:`ensure_no_conflict` on the row they lock.
    """
    staff_id = getattr(staff, "pk", None) if staff is not None else None
    ids = {getattr(citizen, "pk", citizen) for citizen in citizen_ids} - {None}
    if staff_id is None or not ids:
        return {}
    reasons: dict[Any, str] = {}
    if staff_id in ids:
        reasons[staff_id] = str(
            _("You cannot act on your own application, bill, payment or identity. Ask a colleague.")
        )
    others = ids - {staff_id}
    if not others or not _relatives_count(agency):
        return reasons
    from django.db.models import Q

    from ecitizen.agencies.models import StaffRelative

    pairs = StaffRelative.objects.filter(
        Q(staff_id=staff_id, relative_id__in=others) | Q(relative_id=staff_id, staff_id__in=others)
    ).values_list("staff_id", "relative_id")
    relative = str(
        _(
            "This person is declared as your relative, so you cannot act on their application, bill, "
            "payment or identity. Ask a colleague."
        )
    )
    for declared_by, declared in pairs:
        reasons[declared if declared_by == staff_id else declared_by] = relative
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


def ensure_no_conflict(*, staff: Any, citizen: Any, agency: Any = None) -> None:
    """Raise :class:`ConflictOfInterest` if :func:`conflict_reason` finds one."""
    reason = conflict_reason(staff=staff, citizen=citizen, agency=agency)
    if reason:
        raise ConflictOfInterest(reason)
