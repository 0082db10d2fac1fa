from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, QuerySet

from ecitizen.agencies.models import Agency, Membership, Role

AUDIT_ALL_PERMISSION = ("core", "view_all_auditlog")


def _staff_facts(user: Any) -> tuple[bool, bool]:
    """(member of an active agency, holds ``core.view_all_auditlog``) for a signed-in *user*, in one query.

    The permission is read as ``user.has_perm`` reads it with the model backends we use: an
    active user's own permissions and their groups' permissions (a superuser holds every
    permission; an inactive user none). Remembered on the user object, which lives for one
    request, so a permission granted or a membership added shows on the next request.
    """
    known = getattr(user, "_ecitizen_staff_facts", None)
    if known is not None:
        return known
    app_label, codename = AUDIT_ALL_PERMISSION
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    annotations = {"member": Exists(Membership.objects.filter(user=OuterRef("pk"), agency__is_active=True))}
    every_permission = bool(user.is_active and user.is_superuser)
    if user.is_active and not every_permission:
        annotations["direct"] = Exists(permission.filter(user=OuterRef("pk")))
        annotations["grouped"] = Exists(permission.filter(group__user=OuterRef("pk")))
    row = get_user_model().objects.filter(pk=user.pk).annotate(**annotations).values(*annotations).first() or {}
    known = (bool(row.get("member")), every_permission or bool(row.get("direct") or row.get("grouped")))
    user._ecitizen_staff_facts = known
    return known


def can_read_every_audit_log(user: Any) -> bool:
    """``user.has_perm("core.view_all_auditlog")`` with at most one query per request (shared with
    :func:`user_is_staff`)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return _staff_facts(user)[1]


def user_is_staff(user: Any) -> bool:
    """Agency staff, platform auditors and platform admins: people who must use MFA.

    Remembered on the user object, which lives for one request: the MFA middleware, the
    header and the landing page ask the same question of the same person several times.
    A citizen costs one query (membership and the audit permission asked together).
    """
    if not user.is_authenticated:
        return False
    known = getattr(user, "_ecitizen_is_staff", None)
    if known is None:
        known = bool(user.is_staff or user.is_superuser or any(_staff_facts(user)))
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
