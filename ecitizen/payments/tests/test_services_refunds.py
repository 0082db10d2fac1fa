"""Refunds (never more than is left) and payments taken at a counter."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.payments import refunds, services
from ecitizen.payments.models import (
    AgencyPaymentSettings,
    BillStatus,
    PaymentStatus,
    Refund,
    RefundStatus,
    SandboxCharge,
)
from ecitizen.payments.providers.base import ProviderRefund, ProviderUnavailable
from ecitizen.payments.providers.sandbox import SandboxProvider

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(open_bill, citizen, pay_by_card):
    return pay_by_card(services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1"))


def _code(exc) -> str:
    error = exc.value
    return error.code if hasattr(error, "code") else next(iter(error.error_dict.values()))[0].code


def _refund(actor, payment, amount):
    return refunds.refund_issue(actor=actor, payment=payment, amount=amount, reason="Overcharged")


# --- refunds ----------------------------------------------------------------------------


def test_partial_refunds_up_to_what_was_paid(
    paid, caseworker_a, citizen, mailoutbox, django_capture_on_commit_callbacks
):
    # when
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = _refund(caseworker_a, paid, 1000)
        second = _refund(caseworker_a, paid, 2000)
    # then
    assert (first.status, second.status) == (RefundStatus.SUCCESS, RefundStatus.SUCCESS)
    assert first.requested_by == caseworker_a and first.provider_refund_id.startswith("sbxr_")
    assert services.refundable_amount(paid) == 0
    provider_refunds = SandboxCharge.objects.get(provider_id=paid.provider_id).refunds
    assert [r["amount"] for r in provider_refunds] == [1000, 2000]
    # each refund goes to the provider under its own reference (the idempotency key)
    assert [r["reference"] for r in provider_refunds] == [
        f"{paid.reference}-R{first.pk}",
        f"{paid.reference}-R{second.pk}",
    ]
    row = AuditLog.objects.get(action=AuditAction.REFUND_ISSUED, subject_id=str(second.pk))
    assert (row.actor, row.subject_user, row.extra["amount"], row.extra["automatic"], row.extra["status"]) == (
        caseworker_a,
        citizen,
        2000,
        False,
        "success",
    )
    assert [m.subject for m in mailoutbox] == [
        f"Refund of £10.00 (receipt {paid.reference})",
        f"Refund of £20.00 (receipt {paid.reference})",
    ]


def test_refund_beyond_what_is_left_is_refused(paid, caseworker_a):
    _refund(caseworker_a, paid, 2500)
    with pytest.raises(ValidationError) as exc:
        _refund(caseworker_a, paid, 501)
    assert _code(exc) == "too_much"
    assert exc.value.message_dict == {"amount": ["You can refund at most £5.00 from this payment."]}
    assert _refund(caseworker_a, paid, 500).status == RefundStatus.SUCCESS
    with pytest.raises(ValidationError) as exc:
        _refund(caseworker_a, paid, 1)
    assert exc.value.message_dict == {"amount": ["Nothing more can be refunded from this payment."]}
    assert Refund.objects.count() == 2


def test_failed_and_rejected_refunds_do_not_count(paid, caseworker_a):
    Refund.objects.create(payment=paid, amount=2000, reason="x", status=RefundStatus.FAILED)
    Refund.objects.create(payment=paid, amount=2000, reason="x", status=RefundStatus.REJECTED)
    Refund.objects.create(payment=paid, amount=500, reason="x", status=RefundStatus.AWAITING_APPROVAL)
    Refund.objects.create(payment=paid, amount=100, reason="x", status=RefundStatus.PENDING)
    assert services.refundable_amount(paid) == 2400


@pytest.mark.parametrize("amount", [0, -5, 10.5, "10", True])
def test_refund_amount_must_be_a_positive_whole_number(paid, caseworker_a, amount):
    with pytest.raises(ValidationError) as exc:
        _refund(caseworker_a, paid, amount)
    assert _code(exc) == "invalid_amount"


def test_only_a_successful_payment_is_refunded(open_bill, citizen, caseworker_a):
    payment = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="key-1")
    with pytest.raises(ValidationError) as exc:
        _refund(caseworker_a, payment, 100)
    assert exc.value.code == "not_refundable"
    assert services.refundable_amount(payment) == 0


def test_only_staff_of_the_agency_refund(paid, caseworker_b, citizen, auditor_a):
    for person in (caseworker_b, citizen, auditor_a, None):
        with pytest.raises(PermissionDenied):
            _refund(person, paid, 100)
    assert not Refund.objects.exists()


def test_refunds_adding_up_above_the_threshold_need_a_second_person(paid, caseworker_a):
    AgencyPaymentSettings.objects.create(agency=paid.bill.agency, four_eyes_threshold=1000)
    assert _refund(caseworker_a, paid, 600).status == RefundStatus.SUCCESS
    # 600 already refunded: 401 more would make 1,001, above the threshold
    with pytest.raises(ValidationError) as exc:
        _refund(caseworker_a, paid, 401)
    assert exc.value.code == "needs_approval"
    assert _refund(caseworker_a, paid, 400).status == RefundStatus.SUCCESS
    with pytest.raises(ValidationError) as exc:
        _refund(caseworker_a, paid, 1)
    assert exc.value.code == "needs_approval"
    assert Refund.objects.count() == 2


def test_a_refund_the_provider_does_not_answer_stays_pending_and_is_resent_once(
    paid, caseworker_a, agency_a, monkeypatch
):
    # given a read timeout that comes after the provider has in fact refunded
    AgencyPaymentSettings.objects.create(agency=agency_a, four_eyes_threshold=1000)
    original = SandboxProvider.refund
    calls = []

    def times_out(self, provider_id, **kwargs):
        assert Refund.objects.get().status == RefundStatus.PENDING  # the money is spoken for while asking
        calls.append(kwargs["reference"])
        original(self, provider_id, **kwargs)
        raise ProviderUnavailable("read timeout")

    monkeypatch.setattr(SandboxProvider, "refund", times_out)
    # when
    refund = _refund(caseworker_a, paid, 600)
    # then: not failed; it still holds its amount and counts towards the four-eyes total
    assert (refund.status, refund.failure_code) == (RefundStatus.PENDING, "provider_unavailable")
    assert services.refundable_amount(paid) == 2400
    assert refunds.refunded_total(paid) == 600
    with pytest.raises(ValidationError) as exc:
        _refund(caseworker_a, paid, 401)  # 600 + 401 is above the threshold of 1,000
    assert exc.value.code == "needs_approval"
    requested = AuditLog.objects.get(action=AuditAction.REFUND_REQUESTED)
    issued = AuditLog.objects.get(action=AuditAction.REFUND_ISSUED)
    assert requested.extra["status"] == "pending"
    assert (issued.subject_id, issued.extra["status"], issued.extra["code"]) == (
        str(refund.pk),
        "pending",
        "provider_unavailable",
    )
    # when the provider answers again, the sweep sends it once, with the same reference
    monkeypatch.setattr(
        SandboxProvider, "refund", lambda self, pid, **kw: calls.append(kw["reference"]) or original(self, pid, **kw)
    )
    assert services.retry_waiting_refunds() == 1
    assert services.retry_waiting_refunds() == 0
    assert calls == [refund.provider_reference, refund.provider_reference]
    refund.refresh_from_db()
    assert (refund.status, refund.failure_code) == (RefundStatus.SUCCESS, "")
    assert [r["amount"] for r in SandboxCharge.objects.get(provider_id=paid.provider_id).refunds] == [600]
    assert AuditLog.objects.get(action=AuditAction.REFUND_UPDATED).extra["status"] == "success"


def test_sending_a_refund_twice_sends_it_once(paid, caseworker_a):
    refund = _refund(caseworker_a, paid, 100)
    assert services.refund_send(refund=refund).status == RefundStatus.SUCCESS
    assert services.refund_retry(refund=refund).status == RefundStatus.SUCCESS
    assert len(SandboxCharge.objects.get(provider_id=paid.provider_id).refunds) == 1
    assert AuditLog.objects.filter(action__in=[AuditAction.REFUND_ISSUED, AuditAction.REFUND_UPDATED]).count() == 1


def test_the_provider_is_not_called_inside_the_transaction(paid, caseworker_a, monkeypatch):
    """The payment row is not locked while the provider is asked: another transaction may lock it."""
    from django.db import connection

    original = SandboxProvider.refund
    depth = []

    def spy(self, provider_id, **kwargs):
        # pytest-django wraps each test in one atomic block; the service adds none around the call
        depth.append(len(connection.savepoint_ids))
        return original(self, provider_id, **kwargs)

    monkeypatch.setattr(SandboxProvider, "refund", spy)
    baseline = len(connection.savepoint_ids)
    _refund(caseworker_a, paid, 100)
    assert depth == [baseline]


def test_refund_the_provider_refuses_is_recorded_as_failed(paid, caseworker_a, monkeypatch):
    monkeypatch.setattr(SandboxProvider, "refund", lambda self, pid, **kw: ProviderRefund("r1", "failed", kw["amount"]))
    refund = _refund(caseworker_a, paid, 100)
    assert (refund.status, refund.failure_code) == (RefundStatus.FAILED, "refused")
    assert services.refundable_amount(paid) == 3000


def test_staff_never_refund_their_own_payment(make_bill, agency_a, caseworker_a, admin_a, pay_by_card):
    from ecitizen.agencies.conflicts import ConflictOfInterest

    own = pay_by_card(services.payment_create(payer=caseworker_a, bill=make_bill(agency_a, caseworker_a)))
    with pytest.raises(ConflictOfInterest):
        _refund(caseworker_a, own, 100)
    assert not Refund.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.REFUND_REQUESTED).exists()
    # a colleague may
    assert _refund(admin_a, own, 100).status == RefundStatus.SUCCESS


# --- counter payments --------------------------------------------------------------------


def test_cash_at_the_counter_pays_the_bill(
    open_bill, caseworker_a, citizen, mailoutbox, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.counter_payment_record(
            actor=caseworker_a, bill=open_bill, method="cash", amount=3000, reference_note="  till 3 "
        )
    # then
    open_bill.refresh_from_db()
    assert (payment.status, payment.method, payment.recorded_by, payment.payer) == (
        PaymentStatus.SUCCESS,
        "cash",
        caseworker_a,
        citizen,
    )
    assert open_bill.status == BillStatus.PAID
    assert payment.events.get().data["note"] == "till 3"
    row = AuditLog.objects.get(action=AuditAction.PAYMENT_COUNTER_RECORDED)
    assert (row.actor, row.agency, row.extra["amount"], row.extra["method"]) == (
        caseworker_a,
        open_bill.agency,
        3000,
        "cash",
    )
    assert len(mailoutbox) == 1 and "Cash at a counter" in mailoutbox[0].body


def test_counter_payment_must_be_the_amount_due(open_bill, caseworker_a):
    with pytest.raises(ValidationError) as exc:
        services.counter_payment_record(actor=caseworker_a, bill=open_bill, method="card_terminal", amount=2999)
    assert exc.value.message_dict == {"amount": ["Enter the amount due: £30.00"]}
    with pytest.raises(ValidationError):
        services.counter_payment_record(actor=caseworker_a, bill=open_bill, method="cheque", amount=3000)


def test_counter_payment_only_by_the_agencys_staff_and_only_once(open_bill, caseworker_a, caseworker_b, citizen):
    for person in (caseworker_b, citizen):
        with pytest.raises(PermissionDenied):
            services.counter_payment_record(actor=person, bill=open_bill, method="cash", amount=3000)
    services.counter_payment_record(actor=caseworker_a, bill=open_bill, method="cash", amount=3000)
    with pytest.raises(ValidationError) as exc:
        services.counter_payment_record(actor=caseworker_a, bill=open_bill, method="cash", amount=3000)
    assert exc.value.code == "already_paid"


def test_counter_payment_is_refunded_in_cash(open_bill, caseworker_a, monkeypatch):
    payment = services.counter_payment_record(actor=caseworker_a, bill=open_bill, method="cash", amount=3000)
    monkeypatch.setattr(SandboxProvider, "refund", lambda *a, **k: pytest.fail("no provider for cash"))
    AgencyPaymentSettings.objects.create(agency=open_bill.agency, four_eyes_threshold=3000)
    refund = _refund(caseworker_a, payment, 3000)
    assert (refund.status, refund.provider_refund_id) == (RefundStatus.SUCCESS, "")
