"""The printable document."""

from __future__ import annotations

import pytest
from django.utils import translation

from ecitizen.documents.pdf import qr_payload, render_document_pdf
from ecitizen.documents.services import document_revoke

from .conftest import pdf_text

pytestmark = pytest.mark.django_db


def test_pdf_holds_the_document(document, settings):
    data = render_document_pdf(document, language="en")

    text = pdf_text(data)
    assert data.startswith(b"%PDF")
    assert b"CC-2026-000123" in text
    assert b"Amina Haddad" in text
    assert b"Street trading permit" in text
    assert b"Sell goods from a stall" in text
    assert settings.PLATFORM_NAME.encode() in text
    assert b"/Title (Permit CC-2026-000123)" in data


def test_pdf_in_french(document):
    text = pdf_text(render_document_pdf(document, language="fr"))

    assert b"Permis de commerce de rue" in text


def test_pdf_in_a_right_to_left_language_uses_the_default_text_where_there_is_no_translation(document):
    with translation.override("ar"):
        text = pdf_text(render_document_pdf(document, language="ar"))

    assert b"Street trading permit" in text


def test_pdf_of_a_revoked_document_says_so(document, caseworker_a):
    assert b"Revoked on" not in pdf_text(render_document_pdf(document, language="en"))

    revoked = document_revoke(actor=caseworker_a, document=document, reason="Issued in error")

    assert b"Revoked on" in pdf_text(render_document_pdf(revoked, language="en"))


def test_qr_payload_is_the_verify_url_with_the_token(document, settings):
    settings.SITE_URL = "https://ecitizen.example"

    assert qr_payload(document) == f"https://ecitizen.example/documents/verify/?t={document.token}"


def test_pdf_dates_are_local_days(caseworker_a, application, settings):
    """Issued at 00:30 BST on 1 June is 23:30 UTC on 31 May: the document says 1 June."""
    import datetime

    import time_machine

    from ecitizen.documents.services import document_issue

    settings.TIME_ZONE = "Europe/London"
    with time_machine.travel(datetime.datetime(2027, 5, 31, 23, 30, tzinfo=datetime.UTC), tick=False):
        document = document_issue(actor=caseworker_a, application=application)

    text = pdf_text(render_document_pdf(document, language="en"))

    assert b"1 June 2027" in text or b"June 1, 2027" in text
    assert b"31 May 2027" not in text and b"May 31, 2027" not in text
