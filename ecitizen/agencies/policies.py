"""Who may do what in the back office."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from ecitizen.agencies.models import Agency, Role
from ecitizen.agencies.selectors import agencies_where
from ecitizen.core.models import AuditLog
from ecitizen.core.policies import Policy


class AuditLogPolicy(Policy[AuditLog]):
    """Auditors read their agency's audit rows; platform auditors (the
    ``core.view_all_auditlog`` permission) read every row. Nobody writes."""

    model = AuditLog

    def can(self, user: Any, action: str) -> bool:
        if action != "view" or not user.is_authenticated:
            return False
        return user.has_perm("core.view_all_auditlog") or agencies_where(user, Role.AUDITOR).exists()

    def scope(self, user: Any, action: str) -> QuerySet[AuditLog]:
        if not self.can(user, action):
            return AuditLog.objects.none()
        if user.has_perm("core.view_all_auditlog"):
            return AuditLog.objects.all()
        return AuditLog.objects.filter(agency__in=agencies_where(user, Role.AUDITOR))


class IdentityCheckPolicy:
    """Caseworkers and agency admins may verify a citizen's identity in person for their agency."""

    ROLES = (Role.CASEWORKER, Role.AGENCY_ADMIN)

    def agencies(self, user: Any) -> QuerySet[Agency]:
        return agencies_where(user, *self.ROLES)

    def can(self, user: Any) -> bool:
        return self.agencies(user).exists()


def staff_scope_filter(user: Any) -> Q:
    """A Q matching rows whose ``agency`` the user works for, in any role."""
    return Q(agency__memberships__user=user, agency__is_active=True)


audit_log_policy = AuditLogPolicy()
identity_check_policy = IdentityCheckPolicy()
