"""Which bills a withdrawal cancels, what a rejected refund records, when a waiting refund is resent.

Written from the survivors of ``make mutation`` in ``payments.services`` and ``payments.refunds``.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.payments import refunds, services
from ecitizen.payments.models import AgencyPaymentSettings, Bill, BillStatus, Refund, RefundStatus, SandboxCharge

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(open_bill, citizen, pay_by_card):
    return pay_by_card(services.payment_create(payer=citizen, bill=open_bill, idempotency_key="pay-1"))


def test_cancelling_an_applications_bills_leaves_every_other_bill_open(make_bill, agency_a, citizen, other_citizen):
    from ecitizen.cases.tests.conftest import make_version  # a real application to point the bill at

    others = [make_bill(agency_a, citizen), make_bill(agency_a, other_citizen)]
    version = make_version(agency_a, slug="paid-permit", fee=3000)
    from ecitizen.cases.models import Application

    application = Application.objects.create(
        citizen=citizen, service_version=version, agency=agency_a, status="awaiting_payment"
    )
    own = make_bill(agency_a, citizen)
    Bill.objects.filter(pk=own.pk).update(application=application)
    cancelled = services.bills_cancel_for_application(actor=citizen, application_id=application.pk, reason="withdrawn")
    assert [b.pk for b in cancelled] == [own.pk]
    assert set(Bill.objects.filter(status=BillStatus.OPEN).values_list("pk", flat=True)) == {b.pk for b in others}
    row = AuditLog.objects.get(action=AuditAction.BILL_CANCELLED)
    assert (row.subject_user, row.extra) == (
        citizen,
        {"reference": own.reference, "reason": "withdrawn", "payments_stopped": []},
    )


def test_a_rejected_refund_records_what_was_turned_down(paid, caseworker_a, admin_a, agency_a):
    AgencyPaymentSettings.objects.create(agency=agency_a, four_eyes_threshold=1000)
    pending = refunds.refund_request(actor=caseworker_a, payment=paid, amount=2000, reason="Charged twice")
    refunds.refund_reject(actor=admin_a, refund=pending, reason="Not charged twice")
    row = AuditLog.objects.get(action=AuditAction.REFUND_REJECTED)
    assert row.extra == {
        "payment": paid.reference,
        "amount": 2000,
        "currency": "GBP",
        "reason": "Not charged twice",
        "requested_by": caseworker_a.email,
    }


def test_a_staff_refund_still_being_sent_is_not_sent_again_until_it_is_orphaned(paid):
    refund = Refund.objects.create(payment=paid, amount=500, reason="Overcharged", status=RefundStatus.PENDING)
    # just reserved: the request that reserved it may be talking to the provider right now
    assert services.refund_retry(refund=refund).status == RefundStatus.PENDING
    assert SandboxCharge.objects.get(provider_id=paid.provider_id).refunds == []
    # long enough ago: the request stopped before recording the answer, so it is sent (once)
    Refund.objects.filter(pk=refund.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=3))
    assert services.refund_retry(refund=refund).status == RefundStatus.SUCCESS
    assert len(SandboxCharge.objects.get(provider_id=paid.provider_id).refunds) == 1


def test_a_staff_refund_that_failed_to_reach_the_provider_is_retried_at_once(paid):
    refund = Refund.objects.create(
        payment=paid,
        amount=500,
        reason="Overcharged",
        status=RefundStatus.PENDING,
        failure_code="provider_unavailable",
    )
    assert services.refund_retry(refund=refund).status == RefundStatus.SUCCESS


def test_an_approval_records_the_amount_and_the_payer(paid, caseworker_a, admin_a, agency_a, citizen):
    AgencyPaymentSettings.objects.create(agency=agency_a, four_eyes_threshold=1000)
    pending = refunds.refund_request(actor=caseworker_a, payment=paid, amount=2000, reason="Charged twice")
    refunds.refund_approve(actor=admin_a, refund=pending)
    row = AuditLog.objects.get(action=AuditAction.REFUND_APPROVED)
    assert (row.subject_user, row.agency) == (citizen, agency_a)
    assert {k: row.extra[k] for k in ("payment", "amount", "currency", "refunded_total")} == {
        "payment": paid.reference,
        "amount": 2000,
        "currency": "GBP",
        "refunded_total": 2000,
    }


def test_a_duplicate_payment_is_refunded_naming_the_payment_that_paid_the_bill(
    open_bill, citizen, caseworker_a, pay_by_card
):
    card = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="pay-1")
    counter = services.counter_payment_record(actor=caseworker_a, bill=open_bill, method="cash", amount=3000)
    card = pay_by_card(card)
    refund = card.refunds.get()
    assert (refund.amount, refund.automatic) == (3000, True)
    assert refund.reason == f"Duplicate payment: bill {open_bill.reference} was already paid by {counter.reference}"
