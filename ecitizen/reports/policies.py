"""Who may see and act on problem reports.

The public sees public reports (confirmed, not hidden) through selectors,
with no policy needed. Caseworkers and agency admins work the confirmed
reports of their agency; moderators (and agency admins) of an agency hide and
show its reports and updates. Agency admins manage their agency's categories
and areas. Everyone else gets 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ecitizen.agencies.models import Role
from ecitizen.agencies.policies import AgencyAdminPolicy
from ecitizen.agencies.selectors import agencies_where
from ecitizen.core.policies import Policy
from ecitizen.reports.models import Area, Category, Report

WORK_ROLES = (Role.CASEWORKER, Role.AGENCY_ADMIN)
MODERATE_ROLES = (Role.MODERATOR, Role.AGENCY_ADMIN)
WORK_ACTIONS = frozenset({"view", "status", "note", "assign", "merge", "forward"})
MODERATE_ACTIONS = frozenset({"moderate"})


class StaffReportPolicy(Policy[Report]):
    model = Report

    def _roles(self, action: str) -> tuple[Role, ...]:
        return MODERATE_ROLES if action in MODERATE_ACTIONS else WORK_ROLES

    def can(self, user: Any, action: str) -> bool:
        if not getattr(user, "is_authenticated", False) or action not in WORK_ACTIONS | MODERATE_ACTIONS:
            return False
        return agencies_where(user, *self._roles(action)).exists()

    def scope(self, user: Any, action: str) -> QuerySet[Report]:
        if not self.can(user, action):
            return Report.objects.none()
        return Report.objects.filter(agency__in=agencies_where(user, *self._roles(action)), confirmed_at__isnull=False)


class CategoryPolicy(AgencyAdminPolicy[Category]):
    model = Category
    ACTIONS = frozenset({"view", "create", "edit"})


class AreaPolicy(AgencyAdminPolicy[Area]):
    model = Area
    ACTIONS = frozenset({"view", "create", "edit"})


staff_report_policy = StaffReportPolicy()
category_policy = CategoryPolicy()
area_policy = AreaPolicy()
