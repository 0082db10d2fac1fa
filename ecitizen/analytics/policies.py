"""Who may read the staff dashboards and change what they are built on.

* Dashboards (services and problem reports): caseworkers, agency admins and auditors read
  their agencies'; platform admins (superusers) read every active agency's.
* Caseworker workload: agency admins of the agency; platform admins may read it too.
* Costs per channel and alert rules: agency admins of the agency only (they are the agency's
  own settings, so a platform admin who is not one of its admins does not change them).

Objects outside someone's scope answer 404 through :func:`ecitizen.core.policies.access`:
another agency's service or alert is never revealed. Everyone else (citizens, moderators)
gets 403 from the views.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ecitizen.agencies.models import Agency, Role
from ecitizen.agencies.selectors import agencies_where
from ecitizen.analytics.models import AlertRule, ChannelCost, WorkloadSnapshot
from ecitizen.catalogue.models import Service
from ecitizen.core.policies import Policy

#: Roles that read the agency's dashboards.
VIEW_ROLES = (Role.CASEWORKER, Role.AGENCY_ADMIN, Role.AUDITOR)
#: Roles that read the workload page and set costs and alerts.
MANAGE_ROLES = (Role.AGENCY_ADMIN,)


def _active_agencies() -> QuerySet[Agency]:
    return Agency.objects.filter(is_active=True)


def dashboard_agencies(user: Any) -> QuerySet[Agency]:
    """Agencies whose dashboards *user* may read."""
    if not getattr(user, "is_authenticated", False):
        return Agency.objects.none()
    if user.is_superuser:
        return _active_agencies()
    return agencies_where(user, *VIEW_ROLES)


def workload_agencies(user: Any) -> QuerySet[Agency]:
    """Agencies whose caseworkers' workload *user* may read: managers, and platform admins."""
    if not getattr(user, "is_authenticated", False):
        return Agency.objects.none()
    if user.is_superuser:
        return _active_agencies()
    return agencies_where(user, *MANAGE_ROLES)


def settings_agencies(user: Any) -> QuerySet[Agency]:
    """Agencies whose channel costs and alert rules *user* may change (their agency admins)."""
    if not getattr(user, "is_authenticated", False):
        return Agency.objects.none()
    return agencies_where(user, *MANAGE_ROLES)


class DashboardServicePolicy(Policy[Service]):
    """The services whose figures *user* may read: those of :func:`dashboard_agencies`."""

    model = Service

    def can(self, user: Any, action: str) -> bool:
        return action == "view" and dashboard_agencies(user).exists()

    def scope(self, user: Any, action: str) -> QuerySet[Service]:
        if action != "view":
            return Service.objects.none()
        return Service.objects.filter(agency__in=dashboard_agencies(user))


class AlertRulePolicy(Policy[AlertRule]):
    """Alert rules of the agencies *user* manages; ``delete`` as ``view``."""

    model = AlertRule

    def can(self, user: Any, action: str) -> bool:
        return action in {"view", "delete"} and settings_agencies(user).exists()

    def scope(self, user: Any, action: str) -> QuerySet[AlertRule]:
        if action not in {"view", "delete"}:
            return AlertRule.objects.none()
        return AlertRule.objects.filter(agency__in=settings_agencies(user))


class ChannelCostPolicy(Policy[ChannelCost]):
    """Costs per channel: read with the dashboards (cost per transaction), changed by agency admins."""

    model = ChannelCost

    def _agencies(self, user: Any, action: str) -> QuerySet[Agency]:
        return dashboard_agencies(user) if action == "view" else settings_agencies(user)

    def can(self, user: Any, action: str) -> bool:
        return action in {"view", "change"} and self._agencies(user, action).exists()

    def scope(self, user: Any, action: str) -> QuerySet[ChannelCost]:
        if action not in {"view", "change"}:
            return ChannelCost.objects.none()
        return ChannelCost.objects.filter(agency__in=self._agencies(user, action))


class WorkloadPolicy(Policy[WorkloadSnapshot]):
    """Caseworkers' workload: for the managers of their agency (and platform admins) only."""

    model = WorkloadSnapshot

    def can(self, user: Any, action: str) -> bool:
        return action == "view" and workload_agencies(user).exists()

    def scope(self, user: Any, action: str) -> QuerySet[WorkloadSnapshot]:
        if action != "view":
            return WorkloadSnapshot.objects.none()
        return WorkloadSnapshot.objects.filter(agency__in=workload_agencies(user))


dashboard_service_policy = DashboardServicePolicy()
alert_rule_policy = AlertRulePolicy()
channel_cost_policy = ChannelCostPolicy()
workload_policy = WorkloadPolicy()
