"""Approving asks first: a page shows exactly what will be issued, and only its POST decides."""

from __future__ import annotations

import pytest

from ecitizen.cases.models import Status
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.documents.models import IssuedDocument

from .conftest import make_version, submit_permit_application

pytestmark = pytest.mark.django_db


def _use_document_settings(version, **changes):
    version.snapshot = {**version.snapshot, **changes}
    version.save(update_fields=["snapshot"])
    return version


@pytest.fixture
def staff(client, caseworker_a):
    client.force_login(caseworker_a)
    return client


def test_the_case_page_links_to_the_confirmation_instead_of_approving(staff, submitted):
    body = staff.get(f"/staff/cases/{submitted.pk}/").content.decode()

    assert f'href="/staff/cases/{submitted.pk}/approve/"' in body
    assert "Approve and issue" in body


def test_the_confirmation_shows_what_will_be_issued_and_decides_nothing(staff, submitted, permit_version):
    _use_document_settings(
        permit_version, document_name={"en": "Resident parking permit"}, document_fields=["registration"]
    )

    response = staff.get(f"/staff/cases/{submitted.pk}/approve/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Check the document before you issue it" in body
    assert "Resident parking permit" in body
    assert submitted.answers["registration"] in body  # the answer shown for checking
    assert "Valid from" in body and "Valid until" in body
    assert ">Issue document</button>" in body
    assert f'href="/staff/cases/{submitted.pk}/"' in body  # Cancel
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert not IssuedDocument.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.CASE_APPROVED).exists()


def test_a_post_without_confirmation_only_shows_the_confirmation(staff, submitted):
    response = staff.post(f"/staff/cases/{submitted.pk}/approve/", {"version": submitted.version})

    assert response.status_code == 200
    assert "Check the document before you issue it" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert not IssuedDocument.objects.exists()


def test_confirming_approves_and_issues(staff, submitted, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/staff/cases/{submitted.pk}/approve/", {"version": submitted.version, "confirm": "yes"})

    assert response.status_code == 302 and response["Location"] == f"/staff/cases/{submitted.pk}/"
    submitted.refresh_from_db()
    assert submitted.status == Status.APPROVED
    assert IssuedDocument.objects.filter(application=submitted).count() == 1
    assert "The document has been issued" in staff.get(response["Location"]).content.decode()


def test_a_decided_case_has_no_confirmation(staff, submitted):
    staff.post(f"/staff/cases/{submitted.pk}/approve/", {"version": submitted.version, "confirm": "yes"})

    response = staff.get(f"/staff/cases/{submitted.pk}/approve/")

    assert response.status_code == 302 and response["Location"] == f"/staff/cases/{submitted.pk}/"


def test_staff_of_another_agency_see_no_confirmation(client, caseworker_b, submitted):
    client.force_login(caseworker_b)

    assert client.get(f"/staff/cases/{submitted.pk}/approve/").status_code == 404


def test_a_service_without_a_document_is_approved_without_one(
    staff, verified_citizen, agency_a, django_capture_on_commit_callbacks
):
    version = _use_document_settings(make_version(agency_a, slug="no-document"), issues="")
    application = submit_permit_application(verified_citizen, version)

    case_page = staff.get(f"/staff/cases/{application.pk}/").content.decode()
    confirmation = staff.get(f"/staff/cases/{application.pk}/approve/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"/staff/cases/{application.pk}/approve/", {"version": application.version, "confirm": "yes"})

    assert "Approve and issue" not in case_page and ">Approve</a>" in case_page
    assert "This service issues no document" in confirmation
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert not IssuedDocument.objects.exists()
