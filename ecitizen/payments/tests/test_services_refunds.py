"""Refunds (never more than is left) and payments taken at a counter."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.payments import services
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


def _refund(actor, payment, amount, **kw):
    return services.refund_issue(actor=actor, payment=payment, amount=amount, reason="Overcharged", **kw)


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
    assert [r["amount"] for r in SandboxCharge.objects.get(provider_id=paid.provider_id).refunds] == [1000, 2000]
    row = AuditLog.objects.filter(action=AuditAction.REFUND_ISSUED).first()
    assert (row.actor, row.subject_user, row.extra["amount"], row.extra["automatic"]) == (
        caseworker_a,
        citizen,
        2000,
        False,
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
    assert services.refundable_amount(paid) == 2500


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


def test_large_refund_needs_a_second_person(paid, caseworker_a, admin_a):
    AgencyPaymentSettings.objects.create(agency=paid.bill.agency, four_eyes_threshold=1000)
    with pytest.raises(ValidationError) as exc:
        _refund(caseworker_a, paid, 1001)
    assert exc.value.code == "needs_approval"
    refund = _refund(admin_a, paid, 1001, approved_by=caseworker_a)
    assert refund.approved_by == caseworker_a and refund.status == RefundStatus.SUCCESS


def test_staff_refund_when_the_provider_is_down_records_nothing(paid, caseworker_a, monkeypatch):
    def down(self, provider_id, **kwargs):
        raise ProviderUnavailable("timeout")

    monkeypatch.setattr(SandboxProvider, "refund", down)
    with pytest.raises(ValidationError) as exc:
        _refund(caseworker_a, paid, 100)
    assert exc.value.code == "provider_unavailable"
    assert not Refund.objects.exists()


def test_refund_the_provider_refuses_is_recorded_as_failed(paid, caseworker_a, monkeypatch):
    monkeypatch.setattr(SandboxProvider, "refund", lambda self, pid, **kw: ProviderRefund("r1", "failed", kw["amount"]))
    refund = _refund(caseworker_a, paid, 100)
    assert refund.status == RefundStatus.FAILED
    assert services.refundable_amount(paid) == 3000


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
    refund = _refund(caseworker_a, payment, 3000)
    assert (refund.status, refund.provider_refund_id) == (RefundStatus.SUCCESS, "")
