"""Issuing a document when an application is approved."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from ecitizen.cases.models import ApplicationEvent, EventKind, Status
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.documents import jws
from ecitizen.documents.models import IssuedDocument, SigningKey
from ecitizen.documents.selectors import documents_for_citizen, signing_jwks
from ecitizen.documents.services import document_issue

pytestmark = pytest.mark.django_db


def test_issue_creates_a_signed_document(caseworker_a, citizen, application, settings):
    # when: issued on 29 February 2028
    with time_machine.travel(datetime.datetime(2028, 2, 29, 10, 0, tzinfo=datetime.UTC), tick=False):
        document = document_issue(actor=caseworker_a, application=application)

    # then
    today = datetime.date(2028, 2, 29)
    assert document.number == document.reference == "CC-2026-000123"
    assert document.holder == citizen
    assert document.holder_name == "Amina Haddad"
    assert document.kind == "permit"
    assert document.title["fr"] == "Permis de commerce de rue"
    assert document.display_permitted("en") == "Sell goods from a stall on a public street."
    assert document.valid_from == today
    assert document.valid_until == datetime.date(2029, 2, 27)  # 365 days, the first and the last included
    assert document.issued_by == caseworker_a
    assert document.agency == application.agency
    claims = jws.verify(document.token, jwks=signing_jwks())
    assert claims["iss"] == settings.SITE_URL
    assert claims["sub"] == "CC-2026-000123"
    assert claims["ref"] == "CC-2026-000123"
    assert claims["kind"] == "permit"
    assert claims["name"] == "Amina Haddad"
    assert {"iat", "nbf", "exp"} <= claims.keys()
    assert document.kid == jws.unverified_header(document.token)["kid"]


def test_issue_writes_a_visible_event_and_one_audit_row(caseworker_a, citizen, application):
    # when
    document = document_issue(actor=caseworker_a, application=application)

    # then
    event = ApplicationEvent.objects.get(application=application, kind=EventKind.DOCUMENT_ISSUED)
    assert event.visible_to_citizen is True
    assert event.actor == caseworker_a
    row = AuditLog.objects.get(action=AuditAction.DOCUMENT_ISSUED)
    assert row.actor == caseworker_a
    assert row.subject_type == "documents.issueddocument"
    assert row.subject_id == str(document.pk)
    assert row.subject_user == citizen
    assert row.agency == application.agency
    assert row.extra == {"number": "CC-2026-000123", "kind": "permit", "kid": document.kid}


def test_issue_is_idempotent(caseworker_a, application):
    # given
    first = document_issue(actor=caseworker_a, application=application)

    # when
    second = document_issue(actor=caseworker_a, application=application)

    # then
    assert second.pk == first.pk
    assert second.token == first.token
    assert IssuedDocument.objects.count() == 1
    assert ApplicationEvent.objects.filter(kind=EventKind.DOCUMENT_ISSUED).count() == 1
    assert AuditLog.objects.filter(action=AuditAction.DOCUMENT_ISSUED).count() == 1


def test_first_issue_creates_the_signing_key_once(caseworker_a, make_application):
    assert not SigningKey.objects.exists()

    document_issue(actor=caseworker_a, application=make_application("CC-2026-000001"))
    document_issue(actor=caseworker_a, application=make_application("CC-2026-000002"))

    assert SigningKey.objects.count() == 1
    assert AuditLog.objects.filter(action=AuditAction.SIGNING_KEY_CREATED).count() == 1


def test_no_expiry_when_validity_is_zero(caseworker_a, make_application, make_version):
    application = make_application(version=make_version(validity_days=0, issues="certificate"))

    document = document_issue(actor=caseworker_a, application=application)

    assert document.valid_until is None
    assert document.kind == "certificate"
    assert "exp" not in jws.verify(document.token, jwks=signing_jwks())


def test_system_may_issue(application):
    document = document_issue(actor=None, application=application)

    assert document.issued_by is None
    assert AuditLog.objects.get(action=AuditAction.DOCUMENT_ISSUED).actor is None


@pytest.mark.parametrize("status", [Status.SUBMITTED, Status.REFUSED, Status.DRAFT])
def test_only_approved_applications_get_documents(caseworker_a, make_application, status):
    application = make_application(status=status)

    with pytest.raises(ValidationError):
        document_issue(actor=caseworker_a, application=application)
    assert not IssuedDocument.objects.exists()


def test_staff_of_another_agency_and_citizens_cannot_issue(caseworker_b, auditor_a, citizen, application):
    for actor in (caseworker_b, auditor_a, citizen):
        with pytest.raises(PermissionDenied):
            document_issue(actor=actor, application=application)
    assert not IssuedDocument.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.DOCUMENT_ISSUED).exists()


def test_admin_of_the_agency_may_issue(admin_a, application):
    assert document_issue(actor=admin_a, application=application).issued_by == admin_a


def test_a_service_that_issues_nothing_is_refused(caseworker_a, make_application, make_version):
    application = make_application(version=make_version(issues=""))

    with pytest.raises(ValidationError):
        document_issue(actor=caseworker_a, application=application)


def test_documents_for_citizen_lists_only_theirs(caseworker_a, citizen, other_citizen, make_application):
    mine = document_issue(actor=caseworker_a, application=make_application("CC-2026-000001"))
    document_issue(actor=caseworker_a, application=make_application("CC-2026-000002", holder=other_citizen))

    assert list(documents_for_citizen(citizen)) == [mine]
