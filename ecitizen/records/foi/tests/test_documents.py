"""Released documents: the public reads the redacted version; the original is the agency's staff's only."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.records.foi.tests.conftest import PDF

pytestmark = pytest.mark.django_db

REDACTED = PDF.replace(b"<<>>endobj", b"<</R 1>>endobj")
ORIGINAL = PDF.replace(b"<<>>endobj", b"<</O 1>>endobj")


def _upload(client, foi, **files):
    return client.post(
        f"/staff/information-requests/{foi.pk}/documents/",
        {"title": "Roof contract", **files},
    )


def test_redacted_version_is_published_and_the_original_kept_for_staff(
    pinned, private_media, client, make_request, caseworker_a, caseworker_b, other_citizen
):
    foi = make_request()
    client.force_login(caseworker_a)
    response = _upload(
        client,
        foi,
        public_file=SimpleUploadedFile("contract-redacted.pdf", REDACTED, "application/pdf"),
        original_file=SimpleUploadedFile("contract.pdf", ORIGINAL, "application/pdf"),
    )
    assert response.status_code == 302
    document = foi.documents.get()
    assert document.is_redacted
    row = AuditLog.objects.get(action=AuditAction.FOI_DOCUMENT_ADDED)
    assert row.extra == {"request": foi.pk, "redacted": True}

    client.force_login(other_citizen)
    public = client.get(f"/information-requests/{foi.pk}/documents/{document.pk}/")
    assert public.status_code == 200
    assert b"".join(public.streaming_content) == REDACTED
    original_url = f"/staff/information-requests/{foi.pk}/documents/{document.pk}/original/"
    assert client.get(original_url).status_code == 404

    client.force_login(caseworker_b)
    assert client.get(original_url).status_code == 404

    client.force_login(caseworker_a)
    original = client.get(original_url)
    assert b"".join(original.streaming_content) == ORIGINAL
    assert original["Cache-Control"] == "private, no-store"
    assert AuditLog.objects.filter(action=AuditAction.FOI_ORIGINAL_VIEWED, actor=caseworker_a).count() == 1


def test_a_file_of_the_wrong_kind_is_a_field_error(pinned, private_media, client, make_request, caseworker_a):
    foi = make_request()
    client.force_login(caseworker_a)
    response = _upload(client, foi, public_file=SimpleUploadedFile("virus.exe", b"MZ\x90\x00", "application/pdf"))
    assert response.status_code == 400
    assert not foi.documents.exists()


def test_documents_of_another_request_are_not_found(pinned, private_media, client, make_request, caseworker_a):
    foi, other = make_request(), make_request("Other")
    client.force_login(caseworker_a)
    _upload(client, foi, public_file=SimpleUploadedFile("a.pdf", PDF, "application/pdf"))
    document = foi.documents.get()
    assert client.get(f"/information-requests/{other.pk}/documents/{document.pk}/").status_code == 404
    assert client.get(f"/information-requests/{foi.pk}/documents/99999999999999/").status_code == 404


def test_a_document_lost_from_storage_is_not_found(pinned, private_media, client, make_request, caseworker_a):
    from ecitizen.cases.uploads import private_storage

    foi = make_request()
    client.force_login(caseworker_a)
    _upload(client, foi, public_file=SimpleUploadedFile("contract.pdf", REDACTED, "application/pdf"))
    document = foi.documents.get()
    private_storage().delete(document.public_name)
    assert client.get(f"/information-requests/{foi.pk}/documents/{document.pk}/").status_code == 404


def test_staff_who_asked_cannot_read_the_originals(pinned, private_media, client, make_request, caseworker_a, admin_a):
    foi = make_request(by=caseworker_a)
    client.force_login(admin_a)
    _upload(
        client,
        foi,
        public_file=SimpleUploadedFile("redacted.pdf", REDACTED, "application/pdf"),
        original_file=SimpleUploadedFile("original.pdf", ORIGINAL, "application/pdf"),
    )
    document = foi.documents.get()
    client.force_login(caseworker_a)
    response = client.get(f"/staff/information-requests/{foi.pk}/documents/{document.pk}/original/")
    assert response.status_code in (403, 404)
    assert not AuditLog.objects.filter(action=AuditAction.FOI_ORIGINAL_VIEWED).exists()


def test_a_long_file_name_is_shortened_to_fit(pinned, private_media, client, make_request, caseworker_a):
    foi = make_request()
    client.force_login(caseworker_a)
    name = "x" * 230 + ".pdf"
    assert _upload(client, foi, public_file=SimpleUploadedFile(name, REDACTED, "application/pdf")).status_code == 302
    filename = foi.documents.get().filename
    assert len(filename) <= 200 and filename.endswith(".pdf")
