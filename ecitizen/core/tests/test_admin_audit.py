import pytest
from django.contrib import admin
from django.contrib.auth.models import Group

from ecitizen.core.admin_audit import AuditedModelAdmin
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db


def test_every_registered_admin_is_audited():
    unaudited = [m._meta.label for m, a in admin.site._registry.items() if not isinstance(a, AuditedModelAdmin)]
    assert unaudited == []


@pytest.fixture
def platform_admin(make_user, with_mfa):
    user = make_user("root@ecitizen.example")
    user.is_staff = user.is_superuser = True
    user.save()
    with_mfa(user)
    return user


def test_admin_change_writes_an_audit_row(client, platform_admin):
    client.force_login(platform_admin)
    response = client.post("/django-admin/auth/group/add/", {"name": "Helpers", "permissions": []})
    assert response.status_code == 302
    group = Group.objects.get(name="Helpers")
    row = AuditLog.objects.get(action=AuditAction.ADMIN_OBJECT_ADDED)
    assert (row.actor, row.subject_type, row.subject_id, row.extra) == (
        platform_admin,
        "auth.group",
        str(group.pk),
        {"fields": ["name"]},
    )


def test_agency_created_in_admin_is_audited_through_the_service(client, platform_admin):
    client.force_login(platform_admin)
    response = client.post(
        "/django-admin/agencies/agency/add/",
        {
            "name": "Parks Department",
            "slug": "parks",
            "code": "PK",
            "email": "",
            "is_active": "on",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    row = AuditLog.objects.get(action=AuditAction.AGENCY_CREATED)
    assert row.actor == platform_admin and row.agency.code == "PK"
    assert not AuditLog.objects.filter(action=AuditAction.ADMIN_OBJECT_ADDED).exists()  # one row, not two
