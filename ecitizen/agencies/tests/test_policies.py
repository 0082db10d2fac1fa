"""Who sees what in the back office: citizens, staff of two agencies, auditors."""

import pytest
from django.http import Http404

from ecitizen.agencies.policies import audit_log_policy, identity_check_policy
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.core.policies import access

pytestmark = pytest.mark.django_db


@pytest.fixture
def rows(agency_a, agency_b, citizen):
    return {
        "a": audit_record(actor=citizen, agency=agency_a, action=AuditAction.AGENCY_UPDATED),
        "b": audit_record(actor=citizen, agency=agency_b, action=AuditAction.AGENCY_UPDATED),
        "none": audit_record(actor=citizen, action=AuditAction.LOGIN_SUCCEEDED),
    }


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("citizen", set()),
        ("other_citizen", set()),
        ("caseworker_a", set()),
        ("caseworker_b", set()),
        ("admin_a", set()),
        ("auditor_a", {"a"}),
        ("platform_auditor", {"a", "b", "none"}),
    ],
)
def test_audit_log_scope_matrix(request, rows, persona, visible):
    user = request.getfixturevalue(persona)
    scope = set(audit_log_policy.scope(user, "view").values_list("pk", flat=True))
    assert scope == {rows[key].pk for key in visible}
    assert audit_log_policy.can(user, "view") == bool(visible)
    assert not audit_log_policy.can(user, "change")


def test_access_answers_404_outside_scope(rows, auditor_a):
    assert access(audit_log_policy, auditor_a, "view", pk=rows["a"].pk) == rows["a"]
    with pytest.raises(Http404):
        access(audit_log_policy, auditor_a, "view", pk=rows["b"].pk)
    with pytest.raises(Http404):
        access(audit_log_policy, auditor_a, "view", pk="not-a-number")


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("citizen", False), ("caseworker_a", True), ("admin_a", True), ("auditor_a", False), ("platform_auditor", False)],
)
def test_identity_check_matrix(request, persona, allowed):
    assert identity_check_policy.can(request.getfixturevalue(persona)) is allowed


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("citizen", 403),
        ("caseworker_a", 403),
        ("caseworker_b", 403),
        ("auditor_a", 200),
        ("platform_auditor", 200),
    ],
)
def test_audit_page_matrix(client, request, rows, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/staff/audit/").status_code == status


def test_audit_page_filters_and_is_itself_audited(client, rows, platform_auditor, agency_b):
    client.force_login(platform_auditor)
    response = client.get("/staff/audit/", {"action": AuditAction.AGENCY_UPDATED.value})
    page = response.context["page"]
    assert {row.pk for row in page} == {rows["a"].pk, rows["b"].pk}
    viewed = AuditLog.objects.filter(action=AuditAction.AUDIT_LOG_VIEWED).get()
    assert viewed.actor == platform_auditor
    assert viewed.extra == {"filters": {"action": "agency.updated"}, "page": 1}


def test_audit_page_rejects_a_reversed_date_range(client, platform_auditor):
    client.force_login(platform_auditor)
    response = client.get("/staff/audit/", {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert response.status_code == 200
    assert b"govuk-error-summary" in response.content


def test_auditor_of_agency_a_sees_only_agency_a_rows_on_the_page(client, rows, auditor_a):
    client.force_login(auditor_a)
    page = client.get("/staff/audit/").context["page"]
    # the auditor's own AUDIT_LOG_VIEWED row has no agency, so it is not in their scope either
    assert {row.pk for row in page} == {rows["a"].pk}


def test_staff_without_mfa_cannot_reach_the_back_office(client, make_user, agency_a):
    from ecitizen.agencies.models import Membership

    user = make_user("new-staff@council.example")
    Membership.objects.create(user=user, agency=agency_a, role="caseworker")
    client.force_login(user)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/"


def test_staff_with_mfa_reach_the_back_office(client, caseworker_a):
    client.force_login(caseworker_a)
    assert client.get("/staff/").status_code == 200


def test_platform_admin_needs_mfa_for_django_admin(client, make_user):
    admin = make_user("root@ecitizen.example")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    assert client.get("/django-admin/").status_code == 302


def test_password_only_session_of_staff_is_asked_for_the_second_factor(client, caseworker_a):
    # a sign-in that skipped MFA (e.g. a session opened by another door) has no "mfa" record
    from django.test import Client

    plain = Client()
    plain.login(email=caseworker_a.email, password="correct horse battery")
    response = plain.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/?next=%2Fstaff%2F")


def test_django_admin_login_page_is_the_platform_sign_in(client):
    response = client.get("/django-admin/login/?next=/django-admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fdjango-admin%2F"


def test_platform_auditor_counts_as_staff(platform_auditor):
    from ecitizen.agencies.selectors import user_is_staff

    assert user_is_staff(platform_auditor)
