"""Revoking a document: who may, what it records, and the back-office page."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecitizen.cases.models import ApplicationEvent, EventKind
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.documents.models import DocumentStatus
from ecitizen.documents.services import document_revoke

pytestmark = pytest.mark.django_db


def _url(document):
    return f"/staff/documents/{document.number}/revoke/"


def test_caseworker_of_the_agency_revokes(caseworker_a, citizen, document):
    # when
    revoked = document_revoke(actor=caseworker_a, document=document, reason="  Issued in error  ")

    # then
    assert revoked.revoked_at is not None
    assert revoked.revoked_by == caseworker_a
    assert revoked.revoke_reason == "Issued in error"
    assert revoked.status == DocumentStatus.REVOKED
    event = ApplicationEvent.objects.get(kind=EventKind.DOCUMENT_REVOKED)
    assert (event.application_id, event.actor, event.message) == (
        document.application_id,
        caseworker_a,
        "Issued in error",
    )
    assert event.visible_to_citizen is True
    row = AuditLog.objects.get(action=AuditAction.DOCUMENT_REVOKED)
    assert row.actor == caseworker_a
    assert row.subject_id == str(document.pk)
    assert row.subject_user == citizen
    assert row.agency == document.agency
    assert row.extra == {"number": document.number, "reason": "Issued in error"}


def test_agency_admin_revokes(admin_a, document):
    assert document_revoke(actor=admin_a, document=document, reason="Fraud").revoked_by == admin_a


def test_revoking_twice_changes_nothing(caseworker_a, admin_a, document):
    first = document_revoke(actor=caseworker_a, document=document, reason="First")

    second = document_revoke(actor=admin_a, document=document, reason="Second")

    assert (second.revoked_at, second.revoked_by, second.revoke_reason) == (first.revoked_at, caseworker_a, "First")
    assert AuditLog.objects.filter(action=AuditAction.DOCUMENT_REVOKED).count() == 1


def test_reason_is_required(caseworker_a, document):
    with pytest.raises(ValidationError) as excinfo:
        document_revoke(actor=caseworker_a, document=document, reason="   ")

    assert "reason" in excinfo.value.message_dict
    document.refresh_from_db()
    assert document.revoked_at is None


@pytest.mark.parametrize("who", ["citizen", "other_citizen", "caseworker_b", "auditor_a"])
def test_others_may_not_revoke(request, document, who):
    actor = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        document_revoke(actor=actor, document=document, reason="Because")

    document.refresh_from_db()
    assert document.revoked_at is None
    assert not AuditLog.objects.filter(action=AuditAction.DOCUMENT_REVOKED).exists()


# --- The back-office page ------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("citizen", 404), ("other_citizen", 404), ("caseworker_b", 404), ("auditor_a", 403), ("caseworker_a", 200)],
)
def test_revoke_page_permission_matrix(request, client, document, who, status):
    # given
    client.force_login(request.getfixturevalue(who))

    # when
    get = client.get(_url(document))
    post = client.post(_url(document), {"reason": "Because"})

    # then
    assert get.status_code == status
    assert post.status_code == (302 if status == 200 else status)
    document.refresh_from_db()
    assert (document.revoked_at is not None) is (status == 200)
    assert AuditLog.objects.filter(action=AuditAction.DOCUMENT_REVOKED).count() == (1 if status == 200 else 0)


def test_revoke_page_needs_sign_in(client, document):
    response = client.get(_url(document))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_revoke_page_without_reason_shows_the_error(client, caseworker_a, document):
    client.force_login(caseworker_a)

    response = client.post(_url(document), {"reason": ""})

    assert response.status_code == 200
    assert "Enter the reason for revoking the document" in response.content.decode()
    document.refresh_from_db()
    assert document.revoked_at is None


def test_revoke_page_after_revoking_shows_the_outcome(client, admin_a, document):
    client.force_login(admin_a)

    response = client.post(_url(document), {"reason": "Holder moved away"}, follow=True)

    body = response.content.decode()
    assert "This document has been revoked" in body
    assert "Holder moved away" in body


def test_staff_without_mfa_are_sent_to_set_it_up(client, make_user, agency_a, document):
    from ecitizen.agencies.models import Membership

    staff = make_user("nomfa@council.example")
    Membership.objects.create(user=staff, agency=agency_a, role="caseworker")
    client.force_login(staff)

    response = client.post(_url(document), {"reason": "Because"})

    assert response.status_code == 302
    document.refresh_from_db()
    assert document.revoked_at is None
