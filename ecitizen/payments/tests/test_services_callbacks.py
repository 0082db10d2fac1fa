"""Provider callbacks (replays, forgeries), duplicate payments refunded automatically, and expiry."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from ecitizen.core import context
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.payments import services
from ecitizen.payments.models import BillStatus, Payment, PaymentStatus, ProviderCallback, RefundStatus, SandboxCharge
from ecitizen.payments.providers import sandbox
from ecitizen.payments.providers.base import BadSignature, ProviderUnavailable
from ecitizen.payments.providers.sandbox import SandboxProvider

pytestmark = pytest.mark.django_db


def _callback(payment, status="success", event_id=None, **extra):
    body = json.dumps(
        {
            "event_id": event_id or f"{payment.provider_id}.{status}",
            "provider_id": payment.provider_id,
            "status": status,
            "amount": payment.amount,
            "currency": payment.currency,
            **extra,
        }
    ).encode()
    return body, {"X-Sandbox-Signature": sandbox.sign(body)}


@pytest.fixture
def payment(open_bill, citizen):
    return services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")


# --- callbacks ---------------------------------------------------------------------------


def test_signed_callback_settles_the_payment(payment, open_bill):
    body, headers = _callback(payment)
    result = services.callback_handle(provider_name="sandbox", body=body, headers=headers)
    open_bill.refresh_from_db()
    assert result.pk == payment.pk and result.status == PaymentStatus.SUCCESS
    assert open_bill.status == BillStatus.PAID
    assert ProviderCallback.objects.get().event_id == f"{payment.provider_id}.success"
    assert payment.events.last().source == "callback"


def test_replayed_callback_changes_nothing(payment):
    body, headers = _callback(payment)
    services.callback_handle(provider_name="sandbox", body=body, headers=headers)
    events, audits = payment.events.count(), AuditLog.objects.count()
    # when the very same event arrives again
    again = services.callback_handle(provider_name="sandbox", body=body, headers=headers)
    # then
    assert again.status == PaymentStatus.SUCCESS
    assert (payment.events.count(), AuditLog.objects.count(), ProviderCallback.objects.count()) == (events, audits, 1)


def test_forged_callback_is_refused_and_audited(payment):
    body, _headers = _callback(payment)
    token = context.set_current(context.RequestContext(request_id="req-1", ip="203.0.113.9"))
    try:
        with pytest.raises(BadSignature):
            services.callback_handle(provider_name="sandbox", body=body, headers={"X-Sandbox-Signature": "0" * 64})
    finally:
        context.reset(token)
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CREATED
    row = AuditLog.objects.get(action=AuditAction.PAYMENT_CALLBACK_REJECTED)
    assert (row.extra["provider"], row.extra["ip"], row.ip) == ("sandbox", "203.0.113.9", "203.0.113.9")
    assert not ProviderCallback.objects.exists()


def test_callback_for_an_unknown_payment_is_recorded_and_ignored(payment):
    body, headers = _callback(payment, event_id="evt-x")
    body = body.replace(payment.provider_id.encode(), b"sbx_unknown")
    headers = {"X-Sandbox-Signature": sandbox.sign(body)}
    assert services.callback_handle(provider_name="sandbox", body=body, headers=headers) is None
    assert ProviderCallback.objects.filter(event_id="evt-x").exists()


# --- duplicates --------------------------------------------------------------------------


def test_second_successful_payment_is_refunded_automatically(
    payment, open_bill, citizen, caseworker_a, mailoutbox, django_capture_on_commit_callbacks, pay_by_card
):
    # given the citizen is at the card page while the fee is paid in cash at a counter
    with django_capture_on_commit_callbacks(execute=True):
        cash = services.counter_payment_record(actor=caseworker_a, bill=open_bill, method="cash", amount=3000)
    mailoutbox.clear()
    # when the card payment goes through too
    duplicate = pay_by_card(payment)
    # then
    assert duplicate.status == PaymentStatus.SUCCESS
    refund = duplicate.refunds.get()
    assert (refund.amount, refund.status, refund.automatic, refund.requested_by) == (3000, "success", True, None)
    assert services.refundable_amount(duplicate) == 0
    assert SandboxCharge.objects.get(provider_id=duplicate.provider_id).refunds[0]["amount"] == 3000
    open_bill.refresh_from_db()
    assert open_bill.status == BillStatus.PAID and set(open_bill.payments.filter(status="success")) == {cash, duplicate}
    dup = AuditLog.objects.get(action=AuditAction.PAYMENT_DUPLICATE)
    assert dup.extra["reference"] == duplicate.reference and dup.subject_user == citizen
    issued = AuditLog.objects.get(action=AuditAction.REFUND_ISSUED)
    assert issued.extra["automatic"] is True and issued.actor is None
    assert [m.subject for m in mailoutbox] == ["You paid twice: we are refunding £30.00"]
    assert "had already been paid" in mailoutbox[0].body and "You do not need to do anything" in mailoutbox[0].body


def test_duplicate_refund_waits_for_the_provider_if_it_is_down(
    payment, open_bill, caseworker_a, monkeypatch, django_capture_on_commit_callbacks
):
    services.counter_payment_record(actor=caseworker_a, bill=open_bill, method="cash", amount=3000)

    def down(self, provider_id, **kwargs):
        raise ProviderUnavailable("timeout")

    monkeypatch.setattr(SandboxProvider, "refund", down)
    with django_capture_on_commit_callbacks(execute=True):
        sandbox.submit_card(provider_id=payment.provider_id, card_number="4444333322221111")
        sandbox.settle_charge(payment.provider_id)
    refund = Payment.objects.get(pk=payment.pk).refunds.get()
    # reserved with the payment, sent after commit, kept for a retry: nobody else would ask for it
    assert (refund.status, refund.provider_refund_id, refund.failure_code) == (
        RefundStatus.PENDING,
        "",
        "provider_unavailable",
    )
    assert services.refundable_amount(payment) == 0  # the money is spoken for
    # when the provider is back, the retry sends it
    monkeypatch.undo()
    refund = services.refund_retry(refund=refund)
    assert refund.status == RefundStatus.SUCCESS and refund.provider_refund_id.startswith("sbxr_")
    assert refund.failure_code == ""
    assert AuditLog.objects.filter(action=AuditAction.REFUND_UPDATED).count() == 1
    assert len(SandboxCharge.objects.get(provider_id=payment.provider_id).refunds) == 1
    # the sweep finds nothing more to send
    assert services.retry_waiting_refunds() == 0


def test_an_automatic_refund_is_sent_only_after_the_payment_is_recorded(payment, open_bill, caseworker_a, monkeypatch):
    """Without the commit (the callback's transaction never ended), nothing reaches the provider."""
    services.counter_payment_record(actor=caseworker_a, bill=open_bill, method="cash", amount=3000)
    monkeypatch.setattr(SandboxProvider, "refund", lambda *a, **k: pytest.fail("called inside the transaction"))
    sandbox.submit_card(provider_id=payment.provider_id, card_number="4444333322221111")
    sandbox.settle_charge(payment.provider_id)
    refund = Payment.objects.get(pk=payment.pk).refunds.get()
    assert (refund.status, refund.automatic) == (RefundStatus.PENDING, True)
    # a process that stopped here leaves it for the sweep, which sends it once
    monkeypatch.undo()
    assert services.retry_waiting_refunds() == 1
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCESS
    assert AuditLog.objects.get(action=AuditAction.REFUND_ISSUED).extra["automatic"] is True


# --- expiry ------------------------------------------------------------------------------


def _overdue(payment):
    Payment.objects.filter(pk=payment.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))


def test_abandoned_payment_expires(payment, open_bill):
    _overdue(payment)
    expired = services.payment_expire(payment=payment)
    assert (expired.status, expired.failure_code) == (PaymentStatus.CANCELLED, "expired")
    assert SandboxCharge.objects.get(provider_id=payment.provider_id).status == "cancelled"
    assert expired.events.last().source == "expiry"
    open_bill.refresh_from_db()
    assert open_bill.status == BillStatus.OPEN


def test_payment_that_succeeded_at_the_provider_is_not_expired(payment, open_bill):
    sandbox.submit_card(provider_id=payment.provider_id, card_number="4444333322221111")
    SandboxCharge.objects.filter(provider_id=payment.provider_id).update(status="success")  # callback lost
    _overdue(payment)
    result = services.payment_expire(payment=payment)
    open_bill.refresh_from_db()
    assert result.status == PaymentStatus.SUCCESS and open_bill.status == BillStatus.PAID


def test_payment_not_yet_due_to_expire_is_left_alone(payment):
    assert services.payment_expire(payment=payment).status == PaymentStatus.CREATED


def test_expiry_waits_while_the_provider_cannot_answer(payment, monkeypatch):
    _overdue(payment)

    def down(self, provider_id):
        raise ProviderUnavailable("timeout")

    monkeypatch.setattr(SandboxProvider, "get_status", down)
    assert services.payment_expire(payment=payment).status == PaymentStatus.CREATED


def test_sweep_task_and_command_expire_overdue_payments(payment, make_bill, agency_a, citizen, capsys):
    from ecitizen.payments.tasks import expire_abandoned_payments, expire_payment

    later = services.payment_create(payer=citizen, bill=make_bill(agency_a, citizen), idempotency_key="key-2")
    _overdue(payment)
    call_command("expire_payments")
    assert "1 payment(s) ended." in capsys.readouterr().out
    assert Payment.objects.get(pk=payment.pk).status == PaymentStatus.CANCELLED
    assert Payment.objects.get(pk=later.pk).status == PaymentStatus.CREATED
    _overdue(later)
    assert expire_payment.enqueue(later.pk).return_value == "cancelled"
    assert expire_abandoned_payments.enqueue().return_value == 0


def test_immediate_backend_cannot_defer_so_expiry_is_left_to_the_sweep(payment):
    from ecitizen.payments.tasks import expire_payment

    # The test backend refuses run_after; payment_create must not fail because of it.
    assert expire_payment.get_backend().supports_defer is False
    from ecitizen.payments.receivers import _enqueue_at

    assert _enqueue_at(expire_payment, timezone.now(), payment.pk) is False
