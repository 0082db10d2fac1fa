"""A provider's report must name the payment's own amount and currency (issue 9, 2.7).

A correctly signed sandbox callback saying "success, amount 1" once marked a £1,110 bill paid.
Now a report of another amount or currency is never applied: it is audited once, kept as an
event, and listed by reconciliation. The same holds for Stripe's webhooks, for status checks
and at expiry. The sandbox itself is off unless explicitly enabled.
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.utils import timezone

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.payments import services
from ecitizen.payments.models import BillStatus, Payment, PaymentStatus
from ecitizen.payments.providers import get_provider, sandbox
from ecitizen.payments.providers.base import ProviderPayment
from ecitizen.payments.reconciliation import MismatchKind, reconcile

pytestmark = pytest.mark.django_db


def _callback(payment, *, status="success", amount=None, currency=None, event_id=None):
    body = json.dumps(
        {
            "event_id": event_id or f"{payment.provider_id}.{status}.{amount}.{currency}",
            "provider_id": payment.provider_id,
            "status": status,
            "amount": payment.amount if amount is None else amount,
            "currency": currency or payment.currency,
        }
    ).encode()
    return body, {"X-Sandbox-Signature": sandbox.sign(body)}


@pytest.fixture
def big_bill(make_bill, agency_a, citizen):
    return make_bill(agency_a, citizen, amount=111000)


@pytest.fixture
def payment(big_bill, citizen):
    return services.payment_create(payer=citizen, bill=big_bill, idempotency_key="key-1")


def _mismatch_rows():
    return AuditLog.objects.filter(action=AuditAction.PAYMENT_AMOUNT_MISMATCH)


def test_a_signed_success_for_one_penny_does_not_pay_the_bill(payment, big_bill):
    body, headers = _callback(payment, amount=1)

    result = services.callback_handle(provider_name="sandbox", body=body, headers=headers)

    big_bill.refresh_from_db()
    assert result.status == PaymentStatus.CREATED
    assert big_bill.status == BillStatus.OPEN
    [row] = _mismatch_rows()
    assert row.subject_id == str(payment.pk) and row.agency_id == big_bill.agency_id
    assert row.extra == {
        "reference": payment.reference,
        "status": "created",
        "reported": "success",
        "amount": 111000,
        "currency": "GBP",
        "reported_amount": 1,
        "reported_currency": "GBP",
        "source": "callback",
    }
    event = payment.events.last()
    assert (event.from_status, event.to_status, event.data["amount_mismatch"]) == ("created", "created", True)
    assert not AuditLog.objects.filter(action=AuditAction.PAYMENT_SUCCEEDED).exists()


def test_a_success_in_another_currency_does_not_pay_the_bill(payment, big_bill):
    body, headers = _callback(payment, currency="EUR")

    services.callback_handle(provider_name="sandbox", body=body, headers=headers)

    big_bill.refresh_from_db()
    payment.refresh_from_db()
    assert (payment.status, big_bill.status) == (PaymentStatus.CREATED, BillStatus.OPEN)
    assert _mismatch_rows().get().extra["reported_currency"] == "EUR"


def test_a_lowercase_currency_of_the_right_amount_is_the_same_currency(payment, big_bill):
    body, headers = _callback(payment, currency="gbp")

    services.callback_handle(provider_name="sandbox", body=body, headers=headers)

    big_bill.refresh_from_db()
    assert big_bill.status == BillStatus.PAID
    assert not _mismatch_rows().exists()


def test_the_same_wrong_report_again_is_recorded_once(payment):
    for event_id in ("evt-1", "evt-2"):
        body, headers = _callback(payment, amount=1, event_id=event_id)
        services.callback_handle(provider_name="sandbox", body=body, headers=headers)

    assert _mismatch_rows().count() == 1
    assert payment.events.filter(from_status="created", to_status="created").count() == 1


def test_the_genuine_callback_still_pays_after_a_wrong_one(payment, big_bill):
    body, headers = _callback(payment, amount=1)
    services.callback_handle(provider_name="sandbox", body=body, headers=headers)

    body, headers = _callback(payment)
    result = services.callback_handle(provider_name="sandbox", body=body, headers=headers)

    big_bill.refresh_from_db()
    assert result.status == PaymentStatus.SUCCESS and big_bill.status == BillStatus.PAID


def test_a_wrong_amount_never_fails_or_cancels_a_payment_either(payment):
    body, headers = _callback(payment, status="failed", amount=5)

    result = services.callback_handle(provider_name="sandbox", body=body, headers=headers)

    assert result.status == PaymentStatus.CREATED
    assert _mismatch_rows().get().extra["reported"] == "failed"


def test_a_status_check_reporting_another_amount_is_not_applied(payment, big_bill, monkeypatch):
    wrong = ProviderPayment(provider_id=payment.provider_id, status="success", amount=1, currency="GBP")
    monkeypatch.setattr(sandbox.SandboxProvider, "get_status", lambda self, provider_id: wrong)

    result = services.payment_sync(payment=payment)

    big_bill.refresh_from_db()
    assert result.status == PaymentStatus.CREATED and big_bill.status == BillStatus.OPEN
    assert _mismatch_rows().get().extra["source"] == "status_check"


@pytest.mark.parametrize("cancel_says_paid", [False, True])
def test_at_expiry_a_wrong_success_is_left_open_for_review(payment, big_bill, monkeypatch, cancel_says_paid):
    """The provider says the payer paid another amount: never expired (the money would be kept)."""
    wrong = ProviderPayment(provider_id=payment.provider_id, status="success", amount=1, currency="GBP")
    # the status check still says "created"; only the answer to cancel says "paid 1" (a last-moment payment)
    before = ProviderPayment(provider_id=payment.provider_id, status="created", amount=111000, currency="GBP")
    monkeypatch.setattr(
        sandbox.SandboxProvider, "get_status", lambda self, provider_id: before if cancel_says_paid else wrong
    )
    monkeypatch.setattr(sandbox.SandboxProvider, "cancel", lambda self, provider_id: wrong)
    Payment.objects.filter(pk=payment.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    result = services.payment_expire(payment=payment)
    assert services.expire_abandoned_payments() == 0  # the sweep leaves it open too

    big_bill.refresh_from_db()
    result.refresh_from_db()
    assert (result.status, result.failure_code) == (PaymentStatus.CREATED, "")
    assert big_bill.status == BillStatus.OPEN
    assert _mismatch_rows().count() == 1
    assert _mismatch_rows().get().extra["source"] == "expiry"
    # reconciliation lists it as needing a refund
    report = reconcile(day=timezone.now().astimezone(datetime.UTC).date(), provider_name="sandbox")
    kinds = {m.kind for m in report.mismatches if m.reference == payment.reference}
    assert MismatchKind.REPORTED_PAID_NOT_APPLIED in kinds


def test_at_expiry_a_wrong_failure_still_expires(payment, big_bill, monkeypatch):
    declined = ProviderPayment(provider_id=payment.provider_id, status="failed", amount=1, currency="GBP")
    monkeypatch.setattr(sandbox.SandboxProvider, "get_status", lambda self, provider_id: declined)
    monkeypatch.setattr(sandbox.SandboxProvider, "cancel", lambda self, provider_id: declined)
    Payment.objects.filter(pk=payment.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))

    result = services.payment_expire(payment=payment)

    assert (result.status, result.failure_code) == (PaymentStatus.CANCELLED, services.EXPIRED)
    assert _mismatch_rows().count() == 1


def test_reconciliation_lists_the_refused_report(payment, big_bill):
    body, headers = _callback(payment, amount=1)
    services.callback_handle(provider_name="sandbox", body=body, headers=headers)

    report = reconcile(day=timezone.now().astimezone(datetime.UTC).date(), provider_name="sandbox")

    # the gateway's own list agrees with us (the charge is for 1,110.00): only the report differs
    [m] = report.mismatches
    assert (m.kind, m.reference, m.bill_reference) == (
        MismatchKind.REPORTED_PAID_NOT_APPLIED,
        payment.reference,
        big_bill.reference,
    )
    assert (m.our_amount, m.currency, m.their_amount, m.their_currency, m.their_status) == (
        111000,
        "GBP",
        1,
        "GBP",
        "success",
    )


def test_the_reconciliation_page_shows_the_refused_report(client, caseworker_a, payment):
    body, headers = _callback(payment, amount=1)
    services.callback_handle(provider_name="sandbox", body=body, headers=headers)
    client.force_login(caseworker_a)

    day = timezone.now().astimezone(datetime.UTC).date().isoformat()
    response = client.get("/staff/payments/reconciliation/", {"day": day, "provider": "sandbox"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Provider reported another amount as paid: check it and refund the payer" in html
    assert payment.reference in html


# --- Stripe -----------------------------------------------------------------------------


def test_a_signed_stripe_event_for_another_amount_does_not_pay(settings, big_bill, citizen):
    from ecitizen.payments.tests.test_stripe import SESSION_ID, WEBHOOK_SECRET, recorded, signed

    settings.STRIPE_SECRET_KEY = "sk_test_recorded"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    stripe_payment = Payment.objects.create(
        reference="PAY-STRIP-E0001",
        bill=big_bill,
        payer=citizen,
        amount=big_bill.total,
        currency="GBP",
        method="stripe",
        provider_id=SESSION_ID,
    )
    body = recorded("event_checkout_session_completed.json")  # a paid session of 3000 GBP
    assert json.loads(body)["data"]["object"]["amount_total"] == 3000

    result = services.callback_handle(provider_name="stripe", body=body.encode(), headers=signed(body))

    big_bill.refresh_from_db()
    assert result.pk == stripe_payment.pk and result.status == PaymentStatus.CREATED
    assert big_bill.status == BillStatus.OPEN
    row = _mismatch_rows().get()
    assert (row.extra["reported_amount"], row.extra["amount"], row.extra["source"]) == (3000, 111000, "callback")


def test_a_signed_stripe_event_for_the_right_amount_pays(settings, make_bill, agency_a, citizen):
    from ecitizen.payments.tests.test_stripe import SESSION_ID, WEBHOOK_SECRET, recorded, signed

    settings.STRIPE_SECRET_KEY = "sk_test_recorded"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    bill = make_bill(agency_a, citizen, amount=3000)
    Payment.objects.create(
        reference="PAY-STRIP-E0002",
        bill=bill,
        payer=citizen,
        amount=3000,
        currency="GBP",
        method="stripe",
        provider_id=SESSION_ID,
    )
    body = recorded("event_checkout_session_completed.json")

    result = services.callback_handle(provider_name="stripe", body=body.encode(), headers=signed(body))

    bill.refresh_from_db()
    assert result.status == PaymentStatus.SUCCESS and bill.status == BillStatus.PAID


# --- the sandbox is off unless enabled ---------------------------------------------------


def test_the_sandbox_is_no_provider_unless_enabled(settings, client, payment):
    settings.PAYMENTS_SANDBOX_ENABLED = False
    body, headers = _callback(payment)

    with pytest.raises(KeyError):
        get_provider("sandbox")
    with pytest.raises(KeyError):
        services.callback_handle(provider_name="sandbox", body=body, headers=headers)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED


def test_production_settings_leave_the_sandbox_off():
    import os
    import subprocess
    import sys

    from django.conf import settings

    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "PAYMENTS_SANDBOX_ENABLED")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY="a-production-grade-secret-key-with-plenty-of-entropy-0123456789-abcdefgh",
        FIELD_ENCRYPTION_KEYS=settings.FIELD_ENCRYPTION_KEYS,
        BLIND_INDEX_KEY=settings.BLIND_INDEX_KEY,
        ALLOWED_HOSTS="ecitizen.example",
        DOTENV_DISABLED="1",
    )
    code = (
        "from django.conf import settings as s;"
        "print(s.PAYMENTS_SANDBOX_ENABLED, 'sandbox' in s.PAYMENT_PROVIDERS, s.PAYMENT_PROVIDER)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django;django.setup();{code}"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split() == ["False", "False", "stripe"], result.stderr
