"""Receipts are printed in the payer's language, Arabic shaped and right to left."""

from __future__ import annotations

import io
import unicodedata

import pytest
from pypdf import PdfReader

from ecitizen.payments import services
from ecitizen.payments.pdf import render_receipt_pdf

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def arabic_payment(make_bill, agency_a, citizen, pay_by_card):
    citizen.profile.preferred_language = "ar"
    citizen.profile.save()
    bill = make_bill(agency_a, citizen, description={"en": "Resident parking permit", "ar": "تصريح وقوف السيارات"})
    return pay_by_card(services.payment_create(payer=citizen, bill=bill, idempotency_key="k"))


def test_the_receipt_is_in_the_payers_language(arabic_payment):
    data = render_receipt_pdf(arabic_payment)

    text = _text(data)
    folded = unicodedata.normalize("NFKC", text)
    assert any("\ufb50" <= char <= "\ufeff" for char in text)  # shaped Arabic
    assert "تصريح وقوف السيارات" in folded or "تصريح وقوف السيارات"[::-1] in folded
    assert arabic_payment.reference in text
    assert b"/Lang (ar)" in data


def test_the_receipt_in_english_on_request(arabic_payment):
    text = _text(render_receipt_pdf(arabic_payment, language="en"))

    assert "Resident parking permit" in text
    assert "Payment receipt" in text
