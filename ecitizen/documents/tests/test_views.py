"""The citizen's pages: their documents, one document, its PDF. Nobody else sees them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ecitizen.documents.services import document_issue, document_revoke

pytestmark = pytest.mark.django_db


def test_list_shows_the_citizens_documents(client, citizen, document):
    client.force_login(citizen)

    response = client.get("/documents/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Street trading permit" in body
    assert document.number in body
    assert reverse("documents:detail", kwargs={"number": document.number}) in body


def test_list_does_not_show_other_peoples_documents(client, other_citizen, document):
    client.force_login(other_citizen)

    response = client.get("/documents/")

    assert document.number not in response.content.decode()
    assert list(response.context["documents"]) == []


def test_list_needs_sign_in(client, db):
    response = client.get("/documents/")

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_detail_shows_the_document_and_a_check_link(client, citizen, document):
    client.force_login(citizen)

    response = client.get(f"/documents/{document.number}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Amina Haddad" in body
    assert "Sell goods from a stall on a public street." in body
    assert f"/documents/verify/?t={document.token}" in body
    assert f"/documents/{document.number}/pdf/" in body


def test_detail_in_french_uses_the_french_title(client, citizen, document):
    client.force_login(citizen)
    citizen.profile.preferred_language = "fr"
    citizen.profile.save()

    response = client.get(f"/documents/{document.number}/")

    assert "Permis de commerce de rue" in response.content.decode()


def test_detail_of_a_revoked_document_says_so(client, citizen, caseworker_a, document):
    document_revoke(actor=caseworker_a, document=document, reason="Issued in error")
    client.force_login(citizen)

    body = client.get(f"/documents/{document.number}/").content.decode()

    assert "This document was revoked on" in body
    assert "Issued in error" in body


def test_pdf_download(client, citizen, document):
    client.force_login(citizen)

    response = client.get(f"/documents/{document.number}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="permit-CC-2026-000123.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize("who", ["other_citizen", "caseworker_a", "caseworker_b", "auditor_a"])
def test_only_the_holder_sees_the_document_and_pdf(request, client, document, who):
    client.force_login(request.getfixturevalue(who))

    assert client.get(f"/documents/{document.number}/").status_code == 404
    assert client.get(f"/documents/{document.number}/pdf/").status_code == 404


def test_unknown_number_is_404(client, citizen, db):
    client.force_login(citizen)

    assert client.get("/documents/CC-2026-999999/").status_code == 404


def test_filename_is_ascii_even_for_odd_numbers(client, make_application, caseworker_a, citizen):
    document = document_issue(actor=caseworker_a, application=make_application("CC-2026-0001"))
    document.number = 'CC/"é 1'
    document.kind = "licence"

    from ecitizen.documents.views import _ascii_filename

    assert _ascii_filename(document) == "licence-CC-1.pdf"


def test_pages_refuse_post(client, citizen, document):
    client.force_login(citizen)

    assert client.post("/documents/").status_code == 405
    assert client.post(f"/documents/{document.number}/pdf/").status_code == 405


def test_staff_opening_the_revoke_page_is_shown_to_the_holder(client, caseworker_a, document):
    from ecitizen.privacy.models import AccessRecord

    client.force_login(caseworker_a)
    assert client.get(f"/staff/documents/{document.number}/revoke/").status_code == 200
    record = AccessRecord.objects.get()
    assert (record.staff, record.citizen, record.purpose_code, record.purpose_reference) == (
        caseworker_a,
        document.holder,
        "document",
        document.number,
    )
