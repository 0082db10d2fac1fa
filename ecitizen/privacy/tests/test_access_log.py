"""Who looked at my data: the record staff access leaves, and the page that shows it to the citizen."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from ecitizen.agencies.models import Membership, Role
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.privacy.models import AccessRecord
from ecitizen.privacy.services import access_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def looked_at(caseworker_a, agency_a, citizen):
    """Caseworker A looked at Amina's data for an application."""
    return access_record(
        staff=caseworker_a, agency=agency_a, citizen=citizen, purpose="Application CC-2026-000123", subject=citizen
    )


def test_access_is_recorded_with_the_role_held_in_that_agency(looked_at, caseworker_a, agency_a, citizen):
    record = AccessRecord.objects.get()
    assert record == looked_at
    assert (record.citizen, record.staff, record.agency) == (citizen, caseworker_a, agency_a)
    assert record.role == "Caseworker"
    assert record.purpose == "Application CC-2026-000123"
    assert (record.subject_type, record.subject_id) == ("accounts.user", str(citizen.pk))


def test_access_writes_one_exact_audit_row(looked_at, caseworker_a, agency_a, citizen):
    row = AuditLog.objects.get()
    assert row.action == AuditAction.STAFF_VIEWED_CITIZEN
    assert row.actor == caseworker_a
    assert row.actor_email == "caseworker@council.example"
    assert row.agency == agency_a
    assert row.subject_user == citizen
    assert (row.subject_type, row.subject_id) == ("accounts.user", str(citizen.pk))
    assert row.extra == {"purpose": "Application CC-2026-000123", "role": "Caseworker"}


def test_several_roles_are_joined_in_a_fixed_order_and_other_agencies_ignored(
    caseworker_a, agency_a, agency_b, citizen
):
    Membership.objects.create(user=caseworker_a, agency=agency_a, role=Role.AUDITOR)
    Membership.objects.create(user=caseworker_a, agency=agency_a, role=Role.AGENCY_ADMIN)
    Membership.objects.create(user=caseworker_a, agency=agency_b, role=Role.MODERATOR)

    record = access_record(staff=caseworker_a, agency=agency_a, citizen=citizen, purpose="Check", subject=None)

    assert record.role == "Caseworker, Agency admin, Auditor"
    assert (record.subject_type, record.subject_id) == ("", "")


def test_the_stored_role_is_english_whatever_the_staff_member_reads(caseworker_a, agency_a, citizen):
    with translation.override("es"):
        record = access_record(staff=caseworker_a, agency=agency_a, citizen=citizen, purpose="x", subject=None)

    assert record.role == "Caseworker"


def test_a_lazy_purpose_is_stored_in_the_deployments_language(caseworker_a, agency_a, citizen):
    from django.utils.text import format_lazy
    from django.utils.translation import gettext_lazy

    purpose = format_lazy(gettext_lazy("{month} check"), month=gettext_lazy("January"))
    with translation.override("es"):
        record = access_record(staff=caseworker_a, agency=agency_a, citizen=citizen, purpose=purpose, subject=None)

    assert record.purpose == "January check"


def test_recording_is_cheap(caseworker_a, agency_a, citizen):
    with CaptureQueriesContext(connection) as captured:
        access_record(staff=caseworker_a, agency=agency_a, citizen=citizen, purpose="x", subject=citizen)

    statements = [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"].upper()]
    assert len(statements) == 3, statements  # the roles, the access record, the audit row


def test_the_citizen_sees_their_own_records(client, looked_at, caseworker_a, agency_b, caseworker_b, other_citizen):
    access_record(staff=caseworker_b, agency=agency_b, citizen=other_citizen, purpose="Ben's permit", subject=None)
    client.force_login(looked_at.citizen)

    response = client.get("/account/privacy/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "City Council" in body
    assert "Caseworker" in body
    assert "Application CC-2026-000123" in body
    assert "Ben&#x27;s permit" not in body and "Transport Agency" not in body
    assert caseworker_a.email not in body  # the citizen sees the agency and role, not the person
    assert 'aria-current="page">Who looked at my data</a>' in body


def test_another_citizen_sees_none_of_them(client, looked_at, other_citizen):
    client.force_login(other_citizen)

    body = client.get("/account/privacy/").content.decode()

    assert "Application CC-2026-000123" not in body
    assert "City Council" not in body
    assert "No member of staff has looked at your data." in body


def test_the_list_is_paginated_newest_first(client, caseworker_a, agency_a, citizen):
    for number in range(30):
        access_record(staff=caseworker_a, agency=agency_a, citizen=citizen, purpose=f"Visit {number:02}", subject=None)
    client.force_login(citizen)

    first = client.get("/account/privacy/").content.decode()
    second = client.get("/account/privacy/?page=2").content.decode()

    assert "Visit 29" in first and "Visit 05" in first and "Visit 04" not in first
    assert "Visit 04" in second and "Visit 00" in second and "Visit 29" not in second
    assert "Page 1 of 2" in first


def test_visitors_are_sent_to_sign_in(client):
    response = client.get("/account/privacy/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_role_is_shown_in_the_citizens_language(client, caseworker_a, agency_a, make_user):
    carmen = make_user("carmen@example.org", preferred_language="es")
    access_record(staff=caseworker_a, agency=agency_a, citizen=carmen, purpose="x", subject=None)
    client.force_login(carmen)

    with translation.override("en"):  # the middleware switches to Spanish; put it back afterwards
        body = client.get("/account/privacy/").content.decode()

    assert 'lang="es"' in body
    assert "Gestor de expedientes" in body  # the stored "Caseworker", translated on display
