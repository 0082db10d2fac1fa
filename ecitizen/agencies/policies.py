"""Who may do what in the back office."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from ecitizen.agencies.models import Agency, Role
from ecitizen.agencies.selectors import agencies_where
from ecitizen.core.models import AuditLog
from ecitizen.core.policies import M, Policy


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


class AgencyAdminPolicy(Policy[M]):
    """Objects an agency owns (``agency`` field) that only its agency admins manage.

    Subclasses name the ``model`` and the ``ACTIONS`` it knows. Others get 403
    from :meth:`can`; an admin asking for another agency's object gets 404
    through :func:`~ecitizen.core.policies.access`.
    """

    ACTIONS: frozenset[str] = frozenset()

    def agencies(self, user: Any) -> QuerySet[Agency]:
        """The agencies in which *user* is an agency admin."""
        return agencies_where(user, Role.AGENCY_ADMIN)

    def can(self, user: Any, action: str) -> bool:
        if action not in self.ACTIONS or not getattr(user, "is_authenticated", False):
            return False
        return self.agencies(user).exists()

    def scope(self, user: Any, action: str) -> QuerySet[M]:
        if not self.can(user, action):
            return self.model.objects.none()
        return self.model.objects.filter(agency__in=self.agencies(user))

    def can_create_in(self, user: Any, agency: Agency) -> bool:
        return self.can(user, "create") and self.agencies(user).filter(pk=agency.pk).exists()


def staff_scope_filter(user: Any) -> Q:
    """A Q matching rows whose ``agency`` the user works for, in any role."""
    return Q(agency__memberships__user=user, agency__is_active=True)


audit_log_policy = AuditLogPolicy()
identity_check_policy = IdentityCheckPolicy()
