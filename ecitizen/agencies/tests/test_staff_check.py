"""``user_is_staff`` and ``can_read_every_audit_log``: the same answers as ``has_perm`` and the
memberships, in one query for a citizen, and a change shows on the next request."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from ecitizen.accounts.models import User
from ecitizen.agencies.models import Agency, Membership
from ecitizen.agencies.selectors import can_read_every_audit_log, user_is_staff

pytestmark = pytest.mark.django_db


def _fresh(user) -> User:
    """The user as the next request loads it (nothing remembered)."""
    return User.objects.get(pk=user.pk)


def _audit_permission() -> Permission:
    return Permission.objects.get(content_type__app_label="core", codename="view_all_auditlog")


def _persona(name: str, make_user) -> User:
    user = make_user(f"{name}@example.org")
    if name == "direct":
        user.user_permissions.add(_audit_permission())
    elif name == "grouped":
        group = Group.objects.create(name="Platform auditors")
        group.permissions.add(_audit_permission())
        user.groups.add(group)
    elif name == "other_permission":
        user.user_permissions.add(Permission.objects.exclude(codename="view_all_auditlog").first())
    elif name == "inactive_with_permission":
        user.user_permissions.add(_audit_permission())
        user.is_active = False
        user.save()
    elif name == "superuser":
        user.is_superuser = True
        user.save()
    elif name == "django_staff":
        user.is_staff = True
        user.save()
    elif name in ("member", "member_of_closed_agency"):
        agency = Agency.objects.create(name=name, slug=name.replace("_", "-"), code=name[:4].upper())
        Membership.objects.create(user=user, agency=agency, role="caseworker")
        if name == "member_of_closed_agency":
            agency.is_active = False
            agency.save()
    return _fresh(user)


@pytest.mark.parametrize(
    "name,staff",
    [
        ("citizen", False),
        ("direct", True),
        ("grouped", True),
        ("other_permission", False),
        ("inactive_with_permission", False),
        ("superuser", True),
        ("django_staff", True),
        ("member", True),
        ("member_of_closed_agency", False),
    ],
)
def test_same_answers_as_has_perm_and_memberships(make_user, name, staff):
    user = _persona(name, make_user)
    assert can_read_every_audit_log(user) == _fresh(user).has_perm("core.view_all_auditlog")
    assert user_is_staff(_fresh(user)) is staff


def test_a_citizen_costs_one_query_and_the_answer_is_remembered_for_the_request(citizen, django_assert_num_queries):
    user = _fresh(citizen)
    with django_assert_num_queries(1):
        assert user_is_staff(user) is False
        assert can_read_every_audit_log(user) is False
        assert user_is_staff(user) is False


def test_a_permission_granted_shows_on_the_next_request(client, citizen):
    staff_link = f'href="{reverse("staff:home")}"'
    client.force_login(citizen)
    assert staff_link not in client.get(reverse("cases:mine")).content.decode()
    group = Group.objects.create(name="Platform auditors")
    group.permissions.add(_audit_permission())
    citizen.groups.add(group)
    assert staff_link in client.get(reverse("cases:mine")).content.decode()
    citizen.groups.remove(group)
    assert staff_link not in client.get(reverse("cases:mine")).content.decode()


def test_platform_auditor_sees_the_audit_log_in_the_back_office_menu(client, platform_auditor, caseworker_a):
    client.force_login(platform_auditor)
    assert "Audit log" in client.get(reverse("staff:home")).content.decode()
    client.force_login(caseworker_a)
    assert "Audit log" not in client.get(reverse("staff:home")).content.decode()
