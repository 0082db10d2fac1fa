"""When payments end without the payer: expiry, a provider that cannot be reached, and the sweeps.

Written from the survivors of ``make mutation`` in ``payments.services``: each test pins what
a payer, or staff reading the payment's history and the audit log, would see.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.payments import services
from ecitizen.payments.models import BillStatus, Payment, PaymentStatus, Refund, RefundStatus, SandboxCharge
from ecitizen.payments.providers.base import BadSignature, ProviderPayment, ProviderUnavailable
from ecitizen.payments.providers.sandbox import SandboxProvider

pytestmark = pytest.mark.django_db


@pytest.fixture
def payment(open_bill, citizen):
    return services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")


def _overdue(*payments):
    Payment.objects.filter(pk__in=[p.pk for p in payments]).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )


# --- expiry ------------------------------------------------------------------------------------


def test_an_expired_payment_says_why_to_the_payer(payment):
    _overdue(payment)
    expired = services.payment_expire(payment=payment)
    assert (expired.status, expired.failure_code, expired.failure_message) == (
        PaymentStatus.CANCELLED,
        "expired",
        "The payment was not completed in time.",
    )


def test_expiry_records_a_success_found_at_the_provider_as_coming_from_expiry(payment, open_bill, pay_by_card):
    SandboxCharge.objects.filter(provider_id=payment.provider_id).update(status=PaymentStatus.SUCCESS)
    _overdue(payment)
    result = services.payment_expire(payment=payment)
    assert result.status == PaymentStatus.SUCCESS
    assert result.events.last().source == "expiry"
    open_bill.refresh_from_db()
    assert open_bill.status == BillStatus.PAID


def test_a_payment_paid_while_it_was_being_cancelled_is_recorded_as_paid(payment, open_bill, monkeypatch):
    _overdue(payment)

    def paid_at_the_last_moment(self, provider_id):
        return ProviderPayment(
            provider_id=provider_id, status=PaymentStatus.SUCCESS, amount=payment.amount, currency="GBP"
        )

    monkeypatch.setattr(SandboxProvider, "cancel", paid_at_the_last_moment)
    result = services.payment_expire(payment=payment)
    assert result.status == PaymentStatus.SUCCESS
    assert result.events.last().source == "expiry"
    open_bill.refresh_from_db()
    assert open_bill.status == BillStatus.PAID


def test_the_sweep_counts_each_payment_it_ended(payment, make_bill, agency_a, citizen):
    second = services.payment_create(payer=citizen, bill=make_bill(agency_a, citizen), idempotency_key="key-2")
    third = services.payment_create(payer=citizen, bill=make_bill(agency_a, citizen), idempotency_key="key-3")
    _overdue(payment, second, third)
    assert services.expire_abandoned_payments() == 3
    assert set(Payment.objects.values_list("status", flat=True)) == {PaymentStatus.CANCELLED}


# --- the provider cannot be reached ------------------------------------------------------------


def test_an_unreachable_provider_ends_the_attempt_and_frees_its_key(open_bill, citizen, monkeypatch):
    def down(self, **kwargs):
        raise ProviderUnavailable("connection refused by the provider")

    monkeypatch.setattr(SandboxProvider, "create", down)
    with pytest.raises(ValidationError):
        services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")
    payment = Payment.objects.get()
    assert (payment.status, payment.failure_code, payment.failure_message, payment.idempotency_key) == (
        PaymentStatus.ERROR,
        "provider_unavailable",
        "The payment service could not be reached.",
        "",
    )
    assert payment.finished_at is not None
    event = payment.events.last()
    assert (event.to_status, event.source) == (PaymentStatus.ERROR, "provider")
    assert event.data["idempotency_key"] == "key-1" and "connection refused" in event.data["detail"]
    row = AuditLog.objects.filter(action=AuditAction.PAYMENT_STATUS_CHANGED, subject_id=str(payment.pk)).get()
    assert (row.subject_user, row.agency) == (citizen, open_bill.agency)
    assert row.extra == {
        "reference": payment.reference,
        "from": PaymentStatus.CREATED,
        "to": PaymentStatus.ERROR,
        "code": "provider_unavailable",
    }
    # the same key again is a new attempt, not a replay of the failure
    monkeypatch.undo()
    again = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")
    assert again.pk != payment.pk and again.status == PaymentStatus.CREATED


def test_a_forged_callback_is_recorded_with_the_reason(payment):
    with pytest.raises(BadSignature):
        services.callback_handle(provider_name="sandbox", body=b"{}", headers={"X-Sandbox-Signature": "0" * 64})
    row = AuditLog.objects.get(action=AuditAction.PAYMENT_CALLBACK_REJECTED)
    assert row.extra["provider"] == "sandbox" and row.extra["reason"]


def test_the_refund_sweep_counts_the_refunds_that_got_an_answer(open_bill, citizen, pay_by_card):
    paid = pay_by_card(services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1"))
    waiting = [
        Refund.objects.create(payment=paid, amount=500, reason="Duplicate", status=RefundStatus.PENDING, automatic=True)
        for _ in range(2)
    ]
    assert services.retry_waiting_refunds() == 2
    assert {Refund.objects.get(pk=r.pk).status for r in waiting} == {RefundStatus.SUCCESS}
