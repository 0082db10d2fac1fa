"""Refunds requested by staff: at once up to the agency's threshold, with a second approver above it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.payments import refunds
from ecitizen.payments.models import AgencyPaymentSettings, Refund, RefundStatus, SandboxCharge
from ecitizen.payments.providers.base import ProviderUnavailable
from ecitizen.payments.services import payment_create, refundable_amount

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(open_bill, citizen, pay_by_card):
    """Amina's £30.00 fee to agency A, paid by card through the sandbox."""
    payment = pay_by_card(payment_create(payer=citizen, bill=open_bill, idempotency_key="pay-1"))
    assert payment.status == "success"
    return payment


@pytest.fixture
def four_eyes_above_10(agency_a):
    """Agency A wants a second approver for refunds above £10.00."""
    return AgencyPaymentSettings.objects.create(agency=agency_a, four_eyes_threshold=1000)


def _provider_refunds(payment):
    return SandboxCharge.objects.get(provider_id=payment.provider_id).refunds


# --- at once, up to the threshold -------------------------------------------------------------


def test_a_refund_up_to_the_threshold_is_issued_at_once(paid, caseworker_a, agency_a):
    # when
    refund = refunds.refund_request(actor=caseworker_a, payment=paid, amount=1000, reason="Charged the wrong fee")
    # then
    assert refund.status == RefundStatus.SUCCESS
    assert (refund.requested_by, refund.approved_by, refund.amount) == (caseworker_a, None, 1000)
    assert [r["amount"] for r in _provider_refunds(paid)] == [1000]
    assert refundable_amount(paid) == 2000
    # the agency's settings were made with the default threshold (£100.00)
    assert AgencyPaymentSettings.objects.get(agency=agency_a).four_eyes_threshold == 10000
    row = AuditLog.objects.get(action=AuditAction.REFUND_REQUESTED)
    assert (row.actor, row.agency, row.subject_id, row.subject_user) == (
        caseworker_a,
        agency_a,
        str(refund.pk),
        paid.payer,
    )
    assert row.extra["needs_approval"] is False
    assert row.extra["amount"] == 1000 and row.extra["reason"] == "Charged the wrong fee"
    assert AuditLog.objects.filter(action=AuditAction.REFUND_ISSUED, subject_id=str(refund.pk)).count() == 1


def test_exactly_the_threshold_needs_no_second_person(paid, caseworker_a, four_eyes_above_10):
    refund = refunds.refund_request(actor=caseworker_a, payment=paid, amount=1000, reason="Wrong fee")
    assert refund.status == RefundStatus.SUCCESS


# --- four eyes, above it ----------------------------------------------------------------------


def test_a_refund_above_the_threshold_waits_and_moves_no_money(paid, caseworker_a, four_eyes_above_10):
    refund = refunds.refund_request(actor=caseworker_a, payment=paid, amount=1001, reason="Service withdrawn")
    assert refund.status == RefundStatus.AWAITING_APPROVAL
    assert refund.requested_by == caseworker_a
    assert _provider_refunds(paid) == []
    assert not AuditLog.objects.filter(action=AuditAction.REFUND_ISSUED).exists()
    row = AuditLog.objects.get(action=AuditAction.REFUND_REQUESTED)
    assert row.extra["needs_approval"] is True and row.extra["four_eyes_threshold"] == 1000


def test_the_requester_cannot_approve_their_own_refund(paid, caseworker_a, four_eyes_above_10):
    refund = refunds.refund_request(actor=caseworker_a, payment=paid, amount=2000, reason="Service withdrawn")
    with pytest.raises(PermissionDenied):
        refunds.refund_approve(actor=caseworker_a, refund=refund)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.AWAITING_APPROVAL
    assert _provider_refunds(paid) == []


def test_a_second_person_approves_and_the_money_goes_back(paid, caseworker_a, admin_a, four_eyes_above_10):
    # given
    request = refunds.refund_request(actor=caseworker_a, payment=paid, amount=2000, reason="Service withdrawn")
    # when
    issued = refunds.refund_approve(actor=admin_a, refund=request)
    # then: one refund row, carrying both people
    assert issued.status == RefundStatus.SUCCESS
    assert (issued.requested_by, issued.approved_by, issued.amount) == (caseworker_a, admin_a, 2000)
    assert list(Refund.objects.filter(payment=paid)) == [issued]
    assert [r["amount"] for r in _provider_refunds(paid)] == [2000]
    assert refundable_amount(paid) == 1000
    row = AuditLog.objects.get(action=AuditAction.REFUND_APPROVED)
    assert (row.actor, row.subject_id) == (admin_a, str(issued.pk))
    assert row.extra["request"] == request.pk and row.extra["requested_by"] == caseworker_a.email
    issued_row = AuditLog.objects.get(action=AuditAction.REFUND_ISSUED)
    assert issued_row.extra["approved_by"] == admin_a.email


def test_pending_requests_count_against_what_can_be_refunded(paid, caseworker_a, admin_a, four_eyes_above_10):
    refunds.refund_request(actor=caseworker_a, payment=paid, amount=2000, reason="First")
    with pytest.raises(ValidationError) as exc:
        refunds.refund_request(actor=admin_a, payment=paid, amount=1500, reason="Second")
    assert "amount" in exc.value.message_dict
    assert "£10.00" in exc.value.message_dict["amount"][0]
    refunds.refund_request(actor=admin_a, payment=paid, amount=1000, reason="Second, smaller")
    assert refunds.refund_headroom(paid) == 0
    assert refunds.pending_refund_total(paid) == 2000


def test_rejecting_frees_the_amount_again(paid, caseworker_a, admin_a, four_eyes_above_10):
    request = refunds.refund_request(actor=caseworker_a, payment=paid, amount=3000, reason="Whole fee")
    assert refunds.refund_headroom(paid) == 0
    # when
    rejected = refunds.refund_reject(actor=admin_a, refund=request, reason="The service was delivered")
    # then
    assert rejected.status == RefundStatus.REJECTED and rejected.decided_at is not None
    assert refunds.refund_headroom(paid) == 3000
    assert _provider_refunds(paid) == []
    row = AuditLog.objects.get(action=AuditAction.REFUND_REJECTED)
    assert (row.actor, row.subject_id, row.extra["reason"]) == (admin_a, str(request.pk), "The service was delivered")


def test_the_requester_may_withdraw_their_own_request(paid, caseworker_a, four_eyes_above_10):
    request = refunds.refund_request(actor=caseworker_a, payment=paid, amount=3000, reason="Whole fee")
    refunds.refund_reject(actor=caseworker_a, refund=request, reason="Asked by mistake")
    request.refresh_from_db()
    assert request.status == RefundStatus.REJECTED


def test_a_decided_request_cannot_be_decided_again(paid, caseworker_a, admin_a, four_eyes_above_10):
    request = refunds.refund_request(actor=caseworker_a, payment=paid, amount=2000, reason="Whole fee")
    refunds.refund_reject(actor=admin_a, refund=request, reason="No")
    with pytest.raises(ValidationError):
        refunds.refund_approve(actor=admin_a, refund=request)
    with pytest.raises(ValidationError):
        refunds.refund_reject(actor=admin_a, refund=request, reason="Again")
    assert AuditLog.objects.filter(action=AuditAction.REFUND_REJECTED).count() == 1


def test_rejecting_needs_a_reason(paid, caseworker_a, admin_a, four_eyes_above_10):
    request = refunds.refund_request(actor=caseworker_a, payment=paid, amount=2000, reason="Whole fee")
    with pytest.raises(ValidationError) as exc:
        refunds.refund_reject(actor=admin_a, refund=request, reason="   ")
    assert "reason" in exc.value.message_dict


def test_provider_down_when_approving_leaves_the_request_waiting(
    paid, caseworker_a, admin_a, four_eyes_above_10, monkeypatch
):
    from ecitizen.payments.providers.sandbox import SandboxProvider

    request = refunds.refund_request(actor=caseworker_a, payment=paid, amount=2000, reason="Whole fee")

    def down(self, provider_id, *, amount, reference):
        raise ProviderUnavailable("timeout")

    monkeypatch.setattr(SandboxProvider, "refund", down)
    with pytest.raises(ValidationError):
        refunds.refund_approve(actor=admin_a, refund=request)
    request.refresh_from_db()
    assert request.status == RefundStatus.AWAITING_APPROVAL
    assert not AuditLog.objects.filter(action=AuditAction.REFUND_APPROVED).exists()


# --- who may, and what is refused -------------------------------------------------------------


def test_staff_of_another_agency_can_neither_request_nor_approve(paid, caseworker_a, caseworker_b, four_eyes_above_10):
    with pytest.raises(PermissionDenied):
        refunds.refund_request(actor=caseworker_b, payment=paid, amount=500, reason="Not mine")
    request = refunds.refund_request(actor=caseworker_a, payment=paid, amount=2000, reason="Whole fee")
    with pytest.raises(PermissionDenied):
        refunds.refund_approve(actor=caseworker_b, refund=request)
    with pytest.raises(PermissionDenied):
        refunds.refund_reject(actor=caseworker_b, refund=request, reason="Not mine")


def test_auditors_and_citizens_cannot_request(paid, auditor_a, citizen):
    for person in (auditor_a, citizen):
        with pytest.raises(PermissionDenied):
            refunds.refund_request(actor=person, payment=paid, amount=500, reason="No")
    assert not Refund.objects.exists()


@pytest.mark.parametrize(
    ("amount", "reason", "field"),
    [
        (0, "Reason", "amount"),
        (-100, "Reason", "amount"),
        (12.5, "Reason", "amount"),
        ("1000", "Reason", "amount"),
        (True, "Reason", "amount"),
        (3001, "Reason", "amount"),
        (1000, "", "reason"),
        (1000, "   ", "reason"),
        (1000, "x" * 501, "reason"),
    ],
)
def test_bad_amounts_and_reasons_are_refused(paid, caseworker_a, amount, reason, field):
    with pytest.raises(ValidationError) as exc:
        refunds.refund_request(actor=caseworker_a, payment=paid, amount=amount, reason=reason)
    assert field in exc.value.message_dict
    assert not Refund.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.REFUND_REQUESTED).exists()


def test_only_a_successful_payment_can_be_refunded(open_bill, citizen, caseworker_a):
    started = payment_create(payer=citizen, bill=open_bill, idempotency_key="pay-2")
    with pytest.raises(ValidationError):
        refunds.refund_request(actor=caseworker_a, payment=started, amount=100, reason="Not paid yet")


# --- the threshold ----------------------------------------------------------------------------


def test_agency_admins_set_the_threshold(agency_a, admin_a, caseworker_a, agency_b):
    settings = refunds.payment_settings_update(actor=admin_a, agency=agency_a, four_eyes_threshold=0)
    assert settings.four_eyes_threshold == 0
    row = AuditLog.objects.get(action=AuditAction.PAYMENT_SETTINGS_CHANGED)
    assert (row.actor, row.agency, row.extra) == (admin_a, agency_a, {"four_eyes_threshold": {"from": 10000, "to": 0}})
    with pytest.raises(PermissionDenied):
        refunds.payment_settings_update(actor=caseworker_a, agency=agency_a, four_eyes_threshold=5)
    with pytest.raises(PermissionDenied):
        refunds.payment_settings_update(actor=admin_a, agency=agency_b, four_eyes_threshold=5)
    with pytest.raises(ValidationError):
        refunds.payment_settings_update(actor=admin_a, agency=agency_a, four_eyes_threshold=-1)


def test_a_zero_threshold_sends_every_refund_for_approval(paid, caseworker_a, admin_a, agency_a):
    refunds.payment_settings_update(actor=admin_a, agency=agency_a, four_eyes_threshold=0)
    refund = refunds.refund_request(actor=caseworker_a, payment=paid, amount=1, reason="A penny")
    assert refund.status == RefundStatus.AWAITING_APPROVAL


def test_reading_the_settings_writes_nothing(agency_a):
    settings = refunds.payment_settings_for(agency_a)
    assert settings.pk is None and settings.four_eyes_threshold == 10000
    assert not AgencyPaymentSettings.objects.exists()
