from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ecitizen.agencies.models import Agency, Membership, Role


def user_is_staff(user: Any) -> bool:
    """Agency staff, platform auditors and platform admins: people who must use MFA.

    Remembered on the user object, which lives for one request: the MFA middleware, the
    header and the landing page ask the same question of the same person several times.
    """
    if not user.is_authenticated:
        return False
    known = getattr(user, "_ecitizen_is_staff", None)
    if known is None:
        known = bool(
            user.is_staff
            or user.is_superuser
            or user.has_perm("core.view_all_auditlog")
            or Membership.objects.filter(user=user, agency__is_active=True).exists()
        )
        user._ecitizen_is_staff = known
    return known


def memberships_for(user: Any) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user, agency__is_active=True).select_related("agency")


def agencies_where(user: Any, *roles: Role) -> QuerySet[Agency]:
    """Active agencies in which *user* holds any of *roles*."""
    if not user.is_authenticated:
        return Agency.objects.none()
    return Agency.objects.filter(is_active=True, memberships__user=user, memberships__role__in=list(roles)).distinct()
