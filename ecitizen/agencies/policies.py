"""Who may do what in the back office."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from ecitizen.agencies.models import Agency, IdentityReview, Membership, Role, StaffRelative
from ecitizen.agencies.selectors import agencies_where, user_is_staff
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


class StaffRelativePolicy(Policy[StaffRelative]):
    """Declared relatives (conflicts of interest).

    ``view``: staff see their own declarations; agency admins also those of the staff of their
    agencies. ``declare``: staff for themselves, agency admins for their agencies' staff.
    ``remove``: agency admins only, and never their own declarations nor those naming them as a
    relative (so nobody can drop a declaration to act on a relative's affairs); platform admins
    use the Django admin.
    """

    model = StaffRelative

    def _staff_ids_managed_by(self, user: Any) -> QuerySet:
        return Membership.objects.filter(agency__in=agencies_where(user, Role.AGENCY_ADMIN)).values("user_id")

    def can(self, user: Any, action: str) -> bool:
        if action not in {"view", "declare", "remove"} or not getattr(user, "is_authenticated", False):
            return False
        if action == "remove":
            return agencies_where(user, Role.AGENCY_ADMIN).exists()
        return user_is_staff(user)

    def scope(self, user: Any, action: str) -> QuerySet[StaffRelative]:
        if not self.can(user, action):
            return StaffRelative.objects.none()
        managed = Q(staff_id__in=self._staff_ids_managed_by(user))
        if action == "remove":
            # Never a declaration by the admin, nor one naming the admin as someone's relative
            # (dropping either would let them act on that person's affairs).
            return StaffRelative.objects.filter(managed).exclude(Q(staff=user) | Q(relative=user))
        return StaffRelative.objects.filter(managed | Q(staff=user))

    def can_declare_for(self, user: Any, staff: Any) -> bool:
        if not self.can(user, "declare") or staff is None:
            return False
        return staff.pk == user.pk or self._staff_ids_managed_by(user).filter(user_id=staff.pk).exists()

    def staff_managed_by(self, user: Any) -> QuerySet:
        """The staff members *user* may declare relatives for (themselves included)."""
        from django.contrib.auth import get_user_model

        ids = Q(pk__in=self._staff_ids_managed_by(user)) | Q(pk=user.pk)
        return get_user_model().objects.filter(ids).order_by("email")


class IdentityReviewPolicy(Policy[IdentityReview]):
    """Refused identity checks flagged for review.

    ``view``: agency admins and auditors of the review's agency; platform auditors (the
    ``core.view_all_auditlog`` permission) every review, including citizens' own register
    checks (no agency). ``close``: agency admins of the review's agency.
    """

    model = IdentityReview
    VIEW_ROLES = (Role.AGENCY_ADMIN, Role.AUDITOR)

    def can(self, user: Any, action: str) -> bool:
        if action not in {"view", "close"} or not getattr(user, "is_authenticated", False):
            return False
        if action == "close":
            return agencies_where(user, Role.AGENCY_ADMIN).exists()
        return user.has_perm("core.view_all_auditlog") or agencies_where(user, *self.VIEW_ROLES).exists()

    def scope(self, user: Any, action: str) -> QuerySet[IdentityReview]:
        if not self.can(user, action):
            return IdentityReview.objects.none()
        if action == "view" and user.has_perm("core.view_all_auditlog"):
            return IdentityReview.objects.all()
        roles = (Role.AGENCY_ADMIN,) if action == "close" else self.VIEW_ROLES
        return IdentityReview.objects.filter(agency__in=agencies_where(user, *roles))


def staff_scope_filter(user: Any) -> Q:
    """A Q matching rows whose ``agency`` the user works for, in any role."""
    return Q(agency__memberships__user=user, agency__is_active=True)


audit_log_policy = AuditLogPolicy()
identity_check_policy = IdentityCheckPolicy()
staff_relative_policy = StaffRelativePolicy()
identity_review_policy = IdentityReviewPolicy()
