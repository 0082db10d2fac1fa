"""Two staff asking for refunds of one payment at the same moment (PostgreSQL, row locks).

SQLite's in-memory test database cannot hold two writers at once; the same
rule is covered sequentially in test_refunds.py.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from ecitizen.core.testing import run_together
from ecitizen.payments import refunds
from ecitizen.payments.models import AgencyPaymentSettings, Refund, RefundStatus
from ecitizen.payments.services import payment_create

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database with row locks (PostgreSQL)"),
]


def _run_together(targets):
    return run_together(list(targets))


@pytest.fixture
def paid(open_bill, citizen, pay_by_card, agency_a):
    AgencyPaymentSettings.objects.create(agency=agency_a, four_eyes_threshold=0)
    return pay_by_card(payment_create(payer=citizen, bill=open_bill, idempotency_key="pay-1"))


def test_two_pending_requests_cannot_exceed_what_was_paid(paid, caseworker_a, admin_a):
    # given £30.00 paid; when two people each ask for £20.00 at once
    results, errors = _run_together(
        [
            lambda: refunds.refund_request(actor=caseworker_a, payment=paid, amount=2000, reason="One"),
            lambda: refunds.refund_request(actor=admin_a, payment=paid, amount=2000, reason="Two"),
        ]
    )
    # then exactly one waits for approval and the other was told why
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError) and "amount" in errors[0].message_dict
    assert Refund.objects.filter(payment=paid, status=RefundStatus.AWAITING_APPROVAL).count() == 1


def test_two_approvals_of_one_request_refund_once(paid, caseworker_a, admin_a, make_user, with_mfa, agency_a):
    from ecitizen.agencies.models import Membership

    other = make_user("second@council.example")
    Membership.objects.create(user=other, agency=agency_a, role="caseworker")
    request = refunds.refund_request(actor=caseworker_a, payment=paid, amount=2000, reason="Whole fee")
    results, errors = _run_together(
        [
            lambda: refunds.refund_approve(actor=admin_a, refund=request),
            lambda: refunds.refund_approve(actor=other, refund=request),
        ]
    )
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError)
    assert list(Refund.objects.filter(payment=paid).values_list("status", flat=True)) == [RefundStatus.SUCCESS]


def test_two_slices_at_once_cannot_both_pass_under_the_threshold(paid, caseworker_a, admin_a, agency_a):
    # given a £10.00 threshold; when two people each ask for £6.00 at the same moment
    AgencyPaymentSettings.objects.filter(agency=agency_a).update(four_eyes_threshold=1000)
    results, errors = _run_together(
        [
            lambda: refunds.refund_request(actor=caseworker_a, payment=paid, amount=600, reason="One"),
            lambda: refunds.refund_request(actor=admin_a, payment=paid, amount=600, reason="Two"),
        ]
    )
    # then one is refunded at once and the other waits for a second person: £12.00 never goes unapproved
    assert errors == []
    assert sorted(r.status for r in results) == [RefundStatus.AWAITING_APPROVAL, RefundStatus.SUCCESS]
