"""Refunds requested by staff: at once up to the agency's threshold, with a second approver above it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.payments import refunds, services
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
    second = refunds.refund_request(actor=admin_a, payment=paid, amount=1000, reason="Second, smaller")
    # £10.00 alone is within the threshold, but with the £20.00 held the total is not
    assert second.status == RefundStatus.AWAITING_APPROVAL
    assert refunds.refund_headroom(paid) == 0
    assert refunds.pending_refund_total(paid) == 3000


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


def test_provider_down_when_approving_leaves_the_refund_waiting_for_the_provider(
    paid, caseworker_a, admin_a, four_eyes_above_10, monkeypatch
):
    from ecitizen.payments.providers.sandbox import SandboxProvider

    request = refunds.refund_request(actor=caseworker_a, payment=paid, amount=2000, reason="Whole fee")

    def down(self, provider_id, *, amount, reference):
        # the approval was committed first: the provider is asked outside the payment's transaction
        assert Refund.objects.get(pk=request.pk).status == RefundStatus.PENDING
        raise ProviderUnavailable("timeout")

    monkeypatch.setattr(SandboxProvider, "refund", down)
    waiting = refunds.refund_approve(actor=admin_a, refund=request)
    assert (waiting.pk, waiting.status, waiting.failure_code) == (
        request.pk,
        RefundStatus.PENDING,
        "provider_unavailable",
    )
    assert (waiting.requested_by, waiting.approved_by) == (caseworker_a, admin_a)
    assert _provider_refunds(paid) == []
    assert refunds.refund_headroom(paid) == 1000  # the waiting refund still holds its amount
    assert refunds.refunded_total(paid) == 2000  # and still counts towards the four-eyes total
    assert AuditLog.objects.get(action=AuditAction.REFUND_APPROVED).subject_id == str(request.pk)
    assert AuditLog.objects.get(action=AuditAction.REFUND_ISSUED).extra["status"] == "pending"
    # the sweep sends the same approved refund once the provider answers; no second approval
    monkeypatch.undo()
    assert services.retry_waiting_refunds() == 1
    assert [r["reference"] for r in _provider_refunds(paid)] == [request.provider_reference]
    assert Refund.objects.get(pk=request.pk).status == RefundStatus.SUCCESS


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


# --- the threshold ---------------------------------------------------------------------------


@pytest.fixture
def second_admin(make_user, agency_a):
    from ecitizen.agencies.models import Membership

    user = make_user("second-admin@council.example")
    Membership.objects.create(user=user, agency=agency_a, role="agency_admin")
    return user


@pytest.fixture
def platform_admin(make_user):
    user = make_user("platform@ecitizen.example")
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    return user


def test_one_agency_admin_alone_cannot_change_the_threshold(agency_a, admin_a, second_admin):
    # when one admin proposes to raise it
    settings = refunds.payment_settings_propose(actor=admin_a, agency=agency_a, four_eyes_threshold=10_000_000)
    # then nothing is in force yet
    assert settings.four_eyes_threshold == 10000 and settings.proposed_threshold == 10_000_000
    assert refunds.four_eyes_threshold(agency_a) == 10000
    row = AuditLog.objects.get(action=AuditAction.PAYMENT_SETTINGS_PROPOSED)
    assert (row.actor, row.agency, row.extra["four_eyes_threshold"]) == (
        admin_a,
        agency_a,
        {"from": 10000, "to": 10_000_000},
    )
    # the proposer cannot confirm their own change
    with pytest.raises(PermissionDenied):
        refunds.payment_settings_confirm(actor=admin_a, agency=agency_a, expected_threshold=10_000_000)
    assert refunds.four_eyes_threshold(agency_a) == 10000
    assert not AuditLog.objects.filter(action=AuditAction.PAYMENT_SETTINGS_CHANGED).exists()
    # when a second admin of the agency confirms, it is in force
    settings = refunds.payment_settings_confirm(actor=second_admin, agency=agency_a, expected_threshold=10_000_000)
    assert (settings.four_eyes_threshold, settings.proposed_threshold, settings.proposed_by) == (10_000_000, None, None)
    row = AuditLog.objects.get(action=AuditAction.PAYMENT_SETTINGS_CHANGED)
    assert (row.actor, row.agency, row.extra["four_eyes_threshold"]) == (
        second_admin,
        agency_a,
        {"from": 10000, "to": 10_000_000},
    )
    assert (row.extra["proposed_by"], row.extra["confirmed_by"]) == (admin_a.email, second_admin.email)


def test_a_platform_admin_may_confirm(agency_a, admin_a, platform_admin):
    refunds.payment_settings_propose(actor=admin_a, agency=agency_a, four_eyes_threshold=0)
    settings = refunds.payment_settings_confirm(actor=platform_admin, agency=agency_a, expected_threshold=0)
    assert settings.four_eyes_threshold == 0


def test_who_may_propose_and_confirm(agency_a, agency_b, admin_a, caseworker_a, caseworker_b, auditor_a):
    with pytest.raises(PermissionDenied):
        refunds.payment_settings_propose(actor=caseworker_a, agency=agency_a, four_eyes_threshold=5)
    with pytest.raises(PermissionDenied):
        refunds.payment_settings_propose(actor=admin_a, agency=agency_b, four_eyes_threshold=5)
    refunds.payment_settings_propose(actor=admin_a, agency=agency_a, four_eyes_threshold=5)
    for person in (caseworker_a, caseworker_b, auditor_a):
        with pytest.raises(PermissionDenied):
            refunds.payment_settings_confirm(actor=person, agency=agency_a, expected_threshold=5)
        with pytest.raises(PermissionDenied):
            refunds.payment_settings_withdraw(actor=person, agency=agency_a)
    assert refunds.four_eyes_threshold(agency_a) == 10000


@pytest.mark.parametrize("value", [-1, 10**12 + 1, 12.5, "100", True, None])
def test_bad_thresholds_are_refused(agency_a, admin_a, value):
    with pytest.raises(ValidationError) as exc:
        refunds.payment_settings_propose(actor=admin_a, agency=agency_a, four_eyes_threshold=value)
    assert "four_eyes_threshold" in exc.value.message_dict
    assert not AuditLog.objects.filter(action=AuditAction.PAYMENT_SETTINGS_PROPOSED).exists()


def test_confirming_a_replaced_proposal_changes_nothing(agency_a, admin_a, second_admin, make_user):
    from ecitizen.agencies.models import Membership

    third = make_user("third-admin@council.example")
    Membership.objects.create(user=third, agency=agency_a, role="agency_admin")
    refunds.payment_settings_propose(actor=admin_a, agency=agency_a, four_eyes_threshold=20000)
    # the second admin looks at £200.00; meanwhile a third admin replaces it with £1,000,000.00
    refunds.payment_settings_propose(actor=third, agency=agency_a, four_eyes_threshold=100_000_000)
    with pytest.raises(ValidationError) as exc:
        refunds.payment_settings_confirm(actor=second_admin, agency=agency_a, expected_threshold=20000)
    assert exc.value.code == "changed"
    assert refunds.four_eyes_threshold(agency_a) == 10000
    # the one who replaced it is now its proposer, and may not confirm it either
    with pytest.raises(PermissionDenied):
        refunds.payment_settings_confirm(actor=third, agency=agency_a, expected_threshold=100_000_000)


def test_a_proposal_can_be_withdrawn(agency_a, admin_a):
    refunds.payment_settings_propose(actor=admin_a, agency=agency_a, four_eyes_threshold=0)
    settings = refunds.payment_settings_withdraw(actor=admin_a, agency=agency_a)
    assert (settings.four_eyes_threshold, settings.proposed_threshold) == (10000, None)
    row = AuditLog.objects.get(action=AuditAction.PAYMENT_SETTINGS_PROPOSAL_WITHDRAWN)
    assert (row.actor, row.extra["proposed_by"]) == (admin_a, admin_a.email)
    with pytest.raises(ValidationError):
        refunds.payment_settings_withdraw(actor=admin_a, agency=agency_a)


def test_a_zero_threshold_sends_every_refund_for_approval(paid, caseworker_a, admin_a, second_admin, agency_a):
    refunds.payment_settings_propose(actor=admin_a, agency=agency_a, four_eyes_threshold=0)
    refunds.payment_settings_confirm(actor=second_admin, agency=agency_a, expected_threshold=0)
    refund = refunds.refund_request(actor=caseworker_a, payment=paid, amount=1, reason="A penny")
    assert refund.status == RefundStatus.AWAITING_APPROVAL


def test_reading_the_settings_writes_nothing(agency_a):
    settings = refunds.payment_settings_for(agency_a)
    assert settings.pk is None and settings.four_eyes_threshold == 10000
    assert not AgencyPaymentSettings.objects.exists()


# --- the threshold applies to the total refunded on a payment (issue 9, 2.1) -----------------


@pytest.fixture
def paid_1110(make_bill, agency_a, citizen, pay_by_card):
    """The reviewer's case: a £1,110.00 payment, with the default threshold of £100.00."""
    bill = make_bill(agency_a, citizen, amount=111_000)
    return pay_by_card(payment_create(payer=citizen, bill=bill, idempotency_key="pay-1110"))


def test_a_refund_cannot_be_split_under_the_threshold(paid_1110, caseworker_a):
    # given the whole £1,110.00 was held for a second person, and the request withdrawn
    whole = refunds.refund_request(actor=caseworker_a, payment=paid_1110, amount=111_000, reason="Whole")
    assert whole.status == RefundStatus.AWAITING_APPROVAL
    refunds.refund_reject(actor=caseworker_a, refund=whole, reason="Asked by mistake")
    # when the same person asks for eleven £100.00 refunds and £10.00
    results = [
        refunds.refund_request(actor=caseworker_a, payment=paid_1110, amount=amount, reason="Split")
        for amount in [10_000] * 11 + [1_000]
    ]
    # then only the first £100.00 went back at once; the rest wait for a second person
    assert [r.status for r in results] == [RefundStatus.SUCCESS] + [RefundStatus.AWAITING_APPROVAL] * 11
    assert [r["amount"] for r in _provider_refunds(paid_1110)] == [10_000]
    rows = AuditLog.objects.filter(action=AuditAction.REFUND_REQUESTED).order_by("pk")
    assert [row.extra["refunded_before"] for row in rows][-2:] == [100_000, 110_000]


def test_completed_refunds_count_towards_the_threshold(paid, caseworker_a, admin_a, four_eyes_above_10):
    request = refunds.refund_request(actor=caseworker_a, payment=paid, amount=1500, reason="Most of it")
    refunds.refund_approve(actor=admin_a, refund=request)
    # £15.00 already refunded (approved by two people): any further refund needs a second person
    assert refunds.refund_request(actor=caseworker_a, payment=paid, amount=1, reason="More").status == (
        RefundStatus.AWAITING_APPROVAL
    )


def test_approving_ones_own_payment_is_refused(make_bill, agency_a, caseworker_a, admin_a, pay_by_card):
    from ecitizen.agencies.conflicts import ConflictOfInterest

    AgencyPaymentSettings.objects.create(agency=agency_a, four_eyes_threshold=0)
    own = pay_by_card(payment_create(payer=admin_a, bill=make_bill(agency_a, admin_a), idempotency_key="own"))
    request = refunds.refund_request(actor=caseworker_a, payment=own, amount=500, reason="Overcharged")
    with pytest.raises(ConflictOfInterest):
        refunds.refund_approve(actor=admin_a, refund=request)
    request.refresh_from_db()
    assert request.status == RefundStatus.AWAITING_APPROVAL
    assert not AuditLog.objects.filter(action=AuditAction.REFUND_APPROVED).exists()
    with pytest.raises(ConflictOfInterest):
        refunds.refund_request(actor=admin_a, payment=own, amount=500, reason="Overcharged")
