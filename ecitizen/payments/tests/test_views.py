"""The citizen's payment pages and the provider callback endpoint."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.payments import services
from ecitizen.payments.models import Bill, Payment, PaymentStatus
from ecitizen.payments.providers import sandbox
from ecitizen.payments.providers.base import ProviderUnavailable
from ecitizen.payments.providers.sandbox import SandboxProvider

pytestmark = pytest.mark.django_db


def _key(content: bytes) -> str:
    return re.search(rb'name="idempotency_key" value="([0-9a-f-]{36})"', content).group(1).decode()


@pytest.fixture
def signed_in(client, citizen):
    client.force_login(citizen)
    return client


def _pay(client, bill, key):
    return client.post(f"/payments/bills/{bill.reference}/pay/", {"idempotency_key": key})


def test_your_payments_lists_bills_to_pay_with_overdue_ones_marked(signed_in, make_bill, agency_a, citizen):
    make_bill(agency_a, citizen, 3000)
    late = make_bill(agency_a, citizen, 1250, due_in_days=-2)
    Bill.objects.filter(pk=late.pk).update(due_date=timezone.localdate() - datetime.timedelta(days=2))
    content = signed_in.get("/payments/").content.decode()
    assert "£30.00" in content and "£12.50" in content
    assert content.count("Overdue") == 1 and "You have not made any payments yet." in content


def test_bill_page_shows_lines_and_a_one_time_key(signed_in, open_bill):
    first = signed_in.get(f"/payments/bills/{open_bill.reference}/")
    second = signed_in.get(f"/payments/bills/{open_bill.reference}/")
    assert first.status_code == 200
    assert b"Resident parking permit" in first.content and b"Total to pay" in first.content
    assert b"There are no other fees or card charges." in first.content
    assert _key(first.content) != _key(second.content)


def test_pressing_pay_twice_makes_one_payment(signed_in, open_bill):
    key = _key(signed_in.get(f"/payments/bills/{open_bill.reference}/").content)
    first, second = _pay(signed_in, open_bill, key), _pay(signed_in, open_bill, key)
    payment = Payment.objects.get()
    assert first["Location"] == second["Location"] == payment.next_url


def test_provider_outage_shows_a_clear_error_and_a_fresh_key(signed_in, open_bill, monkeypatch):
    def down(self, **kwargs):
        raise ProviderUnavailable("timeout")

    monkeypatch.setattr(SandboxProvider, "create", down)
    key = _key(signed_in.get(f"/payments/bills/{open_bill.reference}/").content)
    response = _pay(signed_in, open_bill, key)
    assert response.status_code == 400
    content = response.content.decode()
    assert "govuk-error-summary" in content and "You have not been charged." in content
    assert _key(response.content) != key and "Pay now" in content


def test_tampered_key_is_an_error_not_a_crash(signed_in, open_bill):
    response = _pay(signed_in, open_bill, "not-a-uuid")
    assert response.status_code == 400 and b"govuk-error-summary" in response.content
    assert not Payment.objects.exists()


def test_declined_then_paid_journey(signed_in, open_bill, citizen, django_capture_on_commit_callbacks):
    # declined
    key = _key(signed_in.get(f"/payments/bills/{open_bill.reference}/").content)
    card_page = _pay(signed_in, open_bill, key)["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        back = signed_in.post(
            card_page, {"card_number": "4000000000000002", "expiry": "12/40", "name": "A", "cvc": "111"}
        )
    page = signed_in.get(back["Location"])
    assert b"Your card was declined. You have not been charged." in page.content and b"Try again" in page.content
    # try again with a good card
    card_page = _pay(signed_in, open_bill, _key(page.content))["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        back = signed_in.post(
            card_page, {"card_number": "4444333322221111", "expiry": "12/40", "name": "A", "cvc": "111"}
        )
    page = signed_in.get(back["Location"])
    assert b"govuk-panel--confirmation" in page.content and b"Payment received" in page.content
    paid = Payment.objects.get(status=PaymentStatus.SUCCESS)
    assert paid.reference.encode() in page.content
    receipt = signed_in.get(f"/payments/receipts/{paid.reference}/")
    assert b"Card (sandbox)" in receipt.content and b"\xc2\xa330.00" in receipt.content
    pdf = signed_in.get(f"/payments/receipts/{paid.reference}/pdf/")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"] == f'attachment; filename="receipt-{paid.reference}.pdf"'


def test_return_page_waits_for_confirmation_and_asks_the_provider(signed_in, open_bill, citizen, settings):
    settings.SANDBOX_CONFIRM_DELAY_SECONDS = 60
    payment = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="k")
    sandbox.submit_card(provider_id=payment.provider_id, card_number="4444333322221111")  # not settled yet
    page = signed_in.get(f"/payments/return/{payment.reference}/")
    content = page.content.decode()
    assert "Your payment is being confirmed" in content and "Check again now" in content
    assert signed_in.get(f"/payments/return/{payment.reference}/status.json").json()["version"] == 0
    # the gateway settles but its callback is late: the return page asks and shows the result
    from ecitizen.payments.models import SandboxCharge

    SandboxCharge.objects.filter(provider_id=payment.provider_id).update(status="success")
    assert signed_in.get(f"/payments/return/{payment.reference}/status.json").json() == {
        "version": 1,
        "status": "success",
        "label": "Successful",
    }
    assert b"Payment received" in signed_in.get(f"/payments/return/{payment.reference}/").content
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCESS and payment.events.last().source == "status_check"


def test_other_people_get_404(client, other_citizen, open_bill, citizen, pay_by_card):
    paid = pay_by_card(services.payment_create(payer=citizen, bill=open_bill, idempotency_key="k"))
    client.force_login(other_citizen)
    for url in (
        f"/payments/bills/{open_bill.reference}/",
        f"/payments/return/{paid.reference}/",
        f"/payments/receipts/{paid.reference}/",
        f"/payments/receipts/{paid.reference}/pdf/",
    ):
        assert client.get(url).status_code == 404, url
    assert _pay(client, open_bill, "0" * 8 + "-0000-0000-0000-" + "0" * 12).status_code == 404
    assert client.get("/payments/").content.count(b"CC-B-") == 0


def test_receipt_only_for_successful_payments(signed_in, open_bill, citizen):
    payment = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="k")
    assert signed_in.get(f"/payments/receipts/{payment.reference}/").status_code == 404


def test_pages_need_sign_in(client, open_bill):
    assert client.get("/payments/")["Location"].startswith("/accounts/login/")
    assert client.get(f"/payments/bills/{open_bill.reference}/").status_code == 302


def test_callback_endpoint(client, open_bill, citizen):
    payment = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="k")
    sandbox.submit_card(provider_id=payment.provider_id, card_number="4444333322221111")
    SandboxCharge = sandbox.SandboxCharge
    SandboxCharge.objects.filter(provider_id=payment.provider_id).update(status="success")
    body = sandbox.callback_body(SandboxCharge.objects.get(provider_id=payment.provider_id))
    # forged
    forged = client.post(
        "/payments/callback/sandbox/", body, content_type="application/json", HTTP_X_SANDBOX_SIGNATURE="00"
    )
    assert forged.status_code == 400
    row = AuditLog.objects.get(action=AuditAction.PAYMENT_CALLBACK_REJECTED)
    assert row.extra["provider"] == "sandbox" and row.extra["ip"] == "127.0.0.1"
    # genuine, then replayed
    headers = {"HTTP_X_SANDBOX_SIGNATURE": sandbox.sign(body)}
    for _ in range(2):
        assert (
            client.post("/payments/callback/sandbox/", body, content_type="application/json", **headers).status_code
            == 200
        )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.SUCCESS and payment.events.count() == 2
    assert client.post("/payments/callback/nope/", body, content_type="application/json").status_code == 404
    assert client.get("/payments/callback/sandbox/").status_code == 405
