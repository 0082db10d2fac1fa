"""Declaring relatives: staff declare their own, agency admins manage their staff's; all audited."""

from __future__ import annotations

import pytest

from ecitizen.agencies.models import StaffRelative
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db


def test_staff_declare_a_relative_on_their_page(client, caseworker_a, agency_a, citizen):
    client.force_login(caseworker_a)
    assert "staff" not in client.get("/staff/relatives/").context["form"].fields  # only for themselves
    response = client.post("/staff/relatives/", {"email": "AMINA@example.org", "relationship": "partner"})
    assert response.status_code == 302
    declaration = StaffRelative.objects.get()
    assert (declaration.staff, declaration.relative, declaration.declared_by) == (caseworker_a, citizen, caseworker_a)
    row = AuditLog.objects.get(action=AuditAction.STAFF_RELATIVE_DECLARED)
    assert (row.actor, row.agency, row.subject_user, row.extra) == (
        caseworker_a,
        agency_a,
        citizen,
        {"staff": caseworker_a.pk, "relationship": "partner"},
    )
    assert "amina@example.org" in client.get("/staff/relatives/").content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "nobody@example.org", "relationship": "partner"}, "No account uses this email address."),
        ({"email": "caseworker@council.example", "relationship": "partner"}, "not your own"),
        ({"email": "amina@example.org", "relationship": "cousin"}, "Select a valid choice"),
    ],
)
def test_bad_declarations_get_a_clear_error(client, caseworker_a, citizen, data, message):
    client.force_login(caseworker_a)
    response = client.post("/staff/relatives/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not StaffRelative.objects.exists()


def test_a_duplicate_declaration_is_refused(client, caseworker_a, citizen):
    client.force_login(caseworker_a)
    client.post("/staff/relatives/", {"email": citizen.email, "relationship": "partner"})
    response = client.post("/staff/relatives/", {"email": citizen.email, "relationship": "child"})
    assert "already declared" in response.content.decode()
    assert StaffRelative.objects.count() == 1


def test_staff_cannot_remove_their_own_declaration(client, caseworker_a, citizen):
    declaration = StaffRelative.objects.create(staff=caseworker_a, relative=citizen, relationship="partner")
    client.force_login(caseworker_a)
    assert client.post(f"/staff/relatives/{declaration.pk}/remove/").status_code in (403, 404)
    assert StaffRelative.objects.exists()


def test_an_agency_admin_declares_for_and_removes_from_their_staff(client, admin_a, caseworker_a, agency_a, citizen):
    client.force_login(admin_a)
    response = client.post(
        "/staff/relatives/", {"staff": caseworker_a.pk, "email": citizen.email, "relationship": "sibling"}
    )
    assert response.status_code == 302
    declaration = StaffRelative.objects.get(staff=caseworker_a)
    assert declaration.declared_by == admin_a
    response = client.post(f"/staff/relatives/{declaration.pk}/remove/")
    assert response.status_code == 302
    assert not StaffRelative.objects.exists()
    row = AuditLog.objects.get(action=AuditAction.STAFF_RELATIVE_REMOVED)
    assert (row.actor, row.agency, row.subject_user) == (admin_a, agency_a, citizen)


def test_an_agency_admin_cannot_remove_their_own_declaration(client, admin_a, citizen):
    declaration = StaffRelative.objects.create(staff=admin_a, relative=citizen, relationship="partner")
    client.force_login(admin_a)
    assert client.post(f"/staff/relatives/{declaration.pk}/remove/").status_code in (403, 404)
    assert StaffRelative.objects.exists()


def test_another_agencys_admin_sees_and_manages_nothing(client, make_user, with_mfa, agency_b, caseworker_a, citizen):
    from ecitizen.agencies.models import Membership

    admin_b = make_user("admin@transport.example")
    Membership.objects.create(user=admin_b, agency=agency_b, role="agency_admin")
    with_mfa(admin_b)
    declaration = StaffRelative.objects.create(staff=caseworker_a, relative=citizen, relationship="partner")
    client.force_login(admin_b)
    assert "amina@example.org" not in client.get("/staff/relatives/").content.decode()
    assert client.post(f"/staff/relatives/{declaration.pk}/remove/").status_code == 404
    client.post("/staff/relatives/", {"staff": caseworker_a.pk, "email": citizen.email, "relationship": "child"})
    # caseworker_a is not theirs to declare for: at most a declaration of their own
    assert list(StaffRelative.objects.values_list("staff__email", flat=True).order_by("pk")) == [
        caseworker_a.email,
        admin_b.email,
    ]


def test_citizens_have_no_relatives_page(client, citizen):
    client.force_login(citizen)
    assert client.get("/staff/relatives/").status_code == 403


def test_the_service_rechecks_who_may_declare_for_whom(caseworker_a, caseworker_b, citizen):
    from django.core.exceptions import PermissionDenied

    from ecitizen.agencies.services import staff_relative_declare

    with pytest.raises(PermissionDenied):
        staff_relative_declare(actor=caseworker_b, staff=caseworker_a, relative=citizen, relationship="child")
    with pytest.raises(PermissionDenied):  # a citizen is not staff
        staff_relative_declare(actor=citizen, staff=citizen, relative=caseworker_a, relationship="child")
    assert not StaffRelative.objects.exists()


def test_an_agency_admin_cannot_remove_a_declaration_naming_them(client, admin_a, caseworker_a):
    """Staff B declared admin A as a relative: A may not drop it and then act on B's affairs."""
    from ecitizen.agencies.policies import staff_relative_policy

    declaration = StaffRelative.objects.create(staff=caseworker_a, relative=admin_a, relationship="sibling")
    assert not staff_relative_policy.scope(admin_a, "remove").filter(pk=declaration.pk).exists()
    client.force_login(admin_a)
    assert client.post(f"/staff/relatives/{declaration.pk}/remove/").status_code in (403, 404)
    assert StaffRelative.objects.filter(pk=declaration.pk).exists()
    assert not AuditLog.objects.filter(action=AuditAction.STAFF_RELATIVE_REMOVED).exists()
