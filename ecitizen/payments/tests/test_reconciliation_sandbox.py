"""Reconciliation against the real sandbox gateway: what the platform records, the gateway agrees with."""

import pytest
from django.utils import timezone

from ecitizen.payments.models import SandboxCharge
from ecitizen.payments.reconciliation import MismatchKind, reconcile
from ecitizen.payments.services import payment_create

pytestmark = pytest.mark.django_db


def test_paid_declined_and_unfinished_payments_reconcile(make_bill, agency_a, citizen, pay_by_card):
    paid = pay_by_card(payment_create(payer=citizen, bill=make_bill(agency_a, citizen), idempotency_key="a"))
    declined = pay_by_card(
        payment_create(payer=citizen, bill=make_bill(agency_a, citizen), idempotency_key="b"), "4000000000000002"
    )
    payment_create(payer=citizen, bill=make_bill(agency_a, citizen), idempotency_key="c")  # card page still open
    assert (paid.status, declined.status) == ("success", "failed")
    report = reconcile(day=timezone.now().date(), provider_name="sandbox")
    assert report.ok and (report.ours, report.theirs) == (3, 3)


def test_a_charge_the_gateway_settled_but_we_never_heard_of(make_bill, agency_a, citizen):
    payment = payment_create(payer=citizen, bill=make_bill(agency_a, citizen), idempotency_key="a")
    # the callback was lost: the gateway took the money, we still think the payer is on the card page
    SandboxCharge.objects.filter(provider_id=payment.provider_id).update(status="success")
    [m] = reconcile(day=timezone.now().date(), provider_name="sandbox").mismatches
    assert (m.kind, m.reference, m.our_status, m.their_status) == (
        MismatchKind.STATUS_DIFFERS,
        payment.reference,
        "created",
        "success",
    )
