"""The sandbox gateway: test cards, its card page, signed callbacks, refunds and its own records."""

from __future__ import annotations

import datetime
import json

import pytest

from ecitizen.payments import services
from ecitizen.payments.models import BillStatus, PaymentStatus, SandboxCharge
from ecitizen.payments.providers import get_provider, sandbox
from ecitizen.payments.providers.base import BadSignature, ProviderUnavailable

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider():
    return get_provider("sandbox")


@pytest.fixture
def payment(open_bill, citizen):
    return services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")


def test_luhn_and_brands():
    assert sandbox.luhn_valid("4444333322221111") and sandbox.luhn_valid("4000000000000002")
    assert not sandbox.luhn_valid("4444333322221112") and not sandbox.luhn_valid("44443333x2221111")
    assert [sandbox.card_brand(n) for n in ("4444", "5105", "2221", "3782", "6011")] == [
        "Visa",
        "Mastercard",
        "Mastercard",
        "American Express",
        "Card",
    ]


@pytest.mark.parametrize(
    ("number", "status", "code"),
    [
        ("4444333322221111", "success", ""),
        ("4000000000000002", "failed", "card_declined"),
        ("4000000000000069", "failed", "card_expired"),
        ("4000000000000119", "error", "processing_error"),
        ("5105105105105100", "success", ""),
    ],
)
def test_test_cards(payment, pay_by_card, open_bill, number, status, code):
    paid = pay_by_card(payment, number)
    open_bill.refresh_from_db()
    assert (paid.status, paid.failure_code) == (status, code)
    assert open_bill.status == (BillStatus.PAID if status == "success" else BillStatus.OPEN)
    charge = SandboxCharge.objects.get(provider_id=payment.provider_id)
    assert charge.card_last4 == number[-4:] and charge.status == status


def test_card_details_wait_for_settlement(payment, provider, settings):
    # given the card was entered but the gateway has not confirmed yet (its delay is not over)
    settings.SANDBOX_CONFIRM_DELAY_SECONDS = 60
    sandbox.submit_card(provider_id=payment.provider_id, card_number="4444333322221111")
    assert provider.get_status(payment.provider_id).status == PaymentStatus.SUBMITTED
    # a second submission (double click) changes nothing
    assert sandbox.submit_card(provider_id=payment.provider_id, card_number="4000000000000002").card_last4 == "1111"
    # when the gateway settles, the callback arrives
    sandbox.settle_charge(payment.provider_id)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCESS
    assert payment.events.last().source == "callback"


def test_gateway_answers_once_the_delay_is_over_even_without_its_callback(payment, provider, settings):
    settings.SANDBOX_CONFIRM_DELAY_SECONDS = 0
    sandbox.submit_card(provider_id=payment.provider_id, card_number="4000000000000002")  # task never runs here
    answer = provider.get_status(payment.provider_id)
    assert (answer.status, answer.failure_code) == ("failed", "card_declined")


def test_payer_cancels_on_the_card_page(payment):
    sandbox.cancel_by_payer(provider_id=payment.provider_id)
    sandbox.settle_charge(payment.provider_id)
    payment.refresh_from_db()
    assert (payment.status, payment.failure_code) == ("cancelled", "cancelled_by_user")


def test_callback_signature(provider):
    body = json.dumps({"event_id": "e1", "provider_id": "p1", "status": "success", "amount": 5, "currency": "GBP"})
    body = body.encode()
    event = provider.parse_callback(body=body, headers={"x-sandbox-signature": sandbox.sign(body)})
    assert (event.event_id, event.provider_id, event.payment.status, event.payment.amount) == ("e1", "p1", "success", 5)
    for headers in ({}, {"X-Sandbox-Signature": sandbox.sign(body + b" ")}):
        with pytest.raises(BadSignature):
            provider.parse_callback(body=body, headers=headers)
    with pytest.raises(BadSignature):  # signed, but not a callback
        provider.parse_callback(body=b"[]", headers={"X-Sandbox-Signature": sandbox.sign(b"[]")})


def test_refunds_at_the_gateway_never_exceed_the_charge(payment, pay_by_card, provider):
    pay_by_card(payment)
    assert provider.refund(payment.provider_id, amount=2000, reference="r1").status == "success"
    assert provider.refund(payment.provider_id, amount=1001, reference="r2").status == "failed"
    assert provider.refund(payment.provider_id, amount=1000, reference="r3").status == "success"


def test_the_same_refund_reference_refunds_once(payment, pay_by_card, provider):
    """The refund reference is the idempotency key (as Stripe's): a refund sent twice is made once."""
    pay_by_card(payment)
    first = provider.refund(payment.provider_id, amount=1000, reference="PAY-1-R1")
    again = provider.refund(payment.provider_id, amount=1000, reference="PAY-1-R1")
    assert (again.provider_refund_id, again.status, again.amount) == (first.provider_refund_id, "success", 1000)
    charge = SandboxCharge.objects.get(provider_id=payment.provider_id)
    assert [(r["id"], r["amount"], r["reference"]) for r in charge.refunds] == [
        (first.provider_refund_id, 1000, "PAY-1-R1")
    ]
    # the same key with another amount is refused, and refunds nothing
    assert provider.refund(payment.provider_id, amount=500, reference="PAY-1-R1").status == "failed"
    # a fully refunded charge still answers a repeat of the refund that emptied it
    last = provider.refund(payment.provider_id, amount=2000, reference="PAY-1-R2")
    assert provider.refund(payment.provider_id, amount=2000, reference="PAY-1-R2").provider_refund_id == (
        last.provider_refund_id
    )
    charge.refresh_from_db()
    assert sum(r["amount"] for r in charge.refunds) == 3000 and len(charge.refunds) == 2


def test_unknown_charge_is_a_provider_error(provider):
    with pytest.raises(ProviderUnavailable):
        provider.get_status("sbx_nope")


def test_list_payments_reports_the_days_charges(payment, pay_by_card, provider):
    pay_by_card(payment)
    # made at 00:30 on 5 June 2027 in London: 4 June in UTC, the day reconciliation asks for
    SandboxCharge.objects.update(created_at=datetime.datetime(2027, 6, 4, 23, 30, tzinfo=datetime.UTC))
    listed = provider.list_payments(datetime.date(2027, 6, 4))
    assert [(p.provider_id, p.status, p.amount) for p in listed] == [(payment.provider_id, "success", 3000)]
    assert provider.list_payments(datetime.date(2027, 6, 5)) == []


def test_card_page_validates_the_card(client, payment):
    url = payment.next_url
    response = client.get(url)
    assert response.status_code == 200
    assert b"This is a test payment page" in response.content
    response = client.post(url, {"card_number": "4444 3333 2222 1112", "expiry": "1/20", "name": "", "cvc": "12"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "govuk-error-summary" in content
    for message in (
        "Enter a valid card number: check it and try again",
        "The expiry date must be in the future",
        "Enter the name as it appears on your card",
        "Enter the 3 or 4 digit card security code",
    ):
        assert message in content
    assert SandboxCharge.objects.get(provider_id=payment.provider_id).status == "created"


def test_card_page_sends_the_payer_back(client, payment, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            payment.next_url, {"card_number": "4444 3333 2222 1111", "expiry": "12/40", "name": "A H", "cvc": "123"}
        )
    assert response.status_code == 302 and response["Location"] == f"/payments/return/{payment.reference}/"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCESS
    # the page of a finished charge only sends the payer back
    assert client.get(payment.next_url)["Location"] == f"/payments/return/{payment.reference}/"
    assert client.get("/payments/sandbox/pay/sbx_unknown/").status_code == 404
