from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import QuerySet

from ecitizen.agencies.models import Agency, Membership, Role

AUDIT_ALL_PERMISSION = ("core", "view_all_auditlog")


@functools.cache
def _staff_facts_sql() -> str:
    """The query behind :func:`_staff_facts`, written once per process.

    Built by hand from the models' table names: the same three EXISTS through the ORM cost
    several milliseconds of query compilation on every signed-in request, many times the
    database's own time (a few index probes)."""
    user_model = get_user_model()
    q = connection.ops.quote_name
    membership, agency = Membership._meta.db_table, Agency._meta.db_table
    permission, content_type = Permission._meta.db_table, ContentType._meta.db_table
    user_permissions = user_model._meta.get_field("user_permissions").remote_field.through._meta.db_table
    user_groups = user_model._meta.get_field("groups").remote_field.through._meta.db_table
    group_permissions = Group._meta.get_field("permissions").remote_field.through._meta.db_table
    membership, agency, permission, content_type = map(q, (membership, agency, permission, content_type))
    user_permissions, user_groups, group_permissions = map(q, (user_permissions, user_groups, group_permissions))
    # Table names from the models' metadata, quoted; every value is a query parameter.
    wanted = (
        f"SELECT p.id FROM {permission} p INNER JOIN {content_type} ct ON ct.id = p.content_type_id"  # noqa: S608
        " WHERE ct.app_label = %s AND p.codename = %s"
    )
    return (
        f"SELECT EXISTS (SELECT 1 FROM {membership} m INNER JOIN {agency} a ON a.id = m.agency_id"  # noqa: S608
        " WHERE m.user_id = %s AND a.is_active),"
        f" EXISTS (SELECT 1 FROM {user_permissions} up WHERE up.user_id = %s AND up.permission_id IN ({wanted})),"
        f" EXISTS (SELECT 1 FROM {user_groups} ug INNER JOIN {group_permissions} gp ON gp.group_id = ug.group_id"
        f" WHERE ug.user_id = %s AND gp.permission_id IN ({wanted}))"
    )


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
    with connection.cursor() as cursor:
        cursor.execute(_staff_facts_sql(), [user.pk, user.pk, app_label, codename, user.pk, app_label, codename])
        member, direct, grouped = cursor.fetchone()
    every_permission = bool(user.is_active and user.is_superuser)
    holds = every_permission or bool(user.is_active and (direct or grouped))
    known = (bool(member), holds)
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
