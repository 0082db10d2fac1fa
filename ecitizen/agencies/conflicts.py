"""Conflicts of interest: staff never act on their own affairs.

Every staff service that decides, takes payment for, refunds or verifies something on behalf of
a citizen asks :func:`conflict_reason` first, on the row it has locked, and refuses with
:class:`ConflictOfInterest` when there is one. Views ask the same function to explain on the page
why an action is not offered.

Today a conflict is the staff member acting for themselves. Agencies may also count the relatives
a staff member has declared (see ``StaffRelative`` once it exists); that check lives here too, so
every caller gets it without change.
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
    return None


def ensure_no_conflict(*, staff: Any, citizen: Any, agency: Any = None) -> None:
    """Raise :class:`ConflictOfInterest` if :func:`conflict_reason` finds one."""
    reason = conflict_reason(staff=staff, citizen=citizen, agency=agency)
    if reason:
        raise ConflictOfInterest(reason)
