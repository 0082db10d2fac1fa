"""Double clicks, retries and duplicate callbacks from separate connections at the same moment (PostgreSQL).

SQLite's in-memory test database cannot run writers side by side (see
ecitizen/cases/tests/test_concurrency.py); the same services are covered
one request at a time in the other test files.
"""

from __future__ import annotations

import functools

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from ecitizen.core.testing import run_together
from ecitizen.payments import services
from ecitizen.payments.models import IN_PROGRESS, Payment, PaymentEvent, ProviderCallback, Refund
from ecitizen.payments.providers import sandbox
from ecitizen.payments.refunds import refund_issue

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database with row locks (PostgreSQL)"),
]


def _run_together(target, count=8):
    """*target* receives the index of its thread."""
    return run_together([functools.partial(target, i) for i in range(count)])


def test_same_key_at_once_makes_one_payment(open_bill, citizen):
    results, errors = _run_together(
        lambda _i: services.payment_create(payer=citizen, bill=open_bill, idempotency_key="double-click")
    )
    assert errors == []
    assert Payment.objects.count() == 1
    assert {p.pk for p in results} == {Payment.objects.get().pk}


def test_different_keys_at_once_leave_one_payment_in_progress(open_bill, citizen):
    results, errors = _run_together(
        lambda i: services.payment_create(payer=citizen, bill=open_bill, idempotency_key=f"tab-{i}")
    )
    assert errors == []
    assert Payment.objects.filter(status__in=IN_PROGRESS).count() == 1
    assert len({p.pk for p in results}) == 1


def test_same_callback_at_once_is_applied_once(open_bill, citizen):
    payment = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="k")
    sandbox.submit_card(provider_id=payment.provider_id, card_number="4444333322221111")
    sandbox.SandboxCharge.objects.filter(provider_id=payment.provider_id).update(status="success")
    body = sandbox.callback_body(sandbox.SandboxCharge.objects.get(provider_id=payment.provider_id))
    headers = {sandbox.SIGNATURE_HEADER: sandbox.sign(body)}
    _results, errors = _run_together(
        lambda _i: services.callback_handle(provider_name="sandbox", body=body, headers=headers)
    )
    assert errors == []
    assert ProviderCallback.objects.count() == 1
    assert PaymentEvent.objects.filter(payment=payment, to_status="success").count() == 1
    assert Refund.objects.count() == 0


def test_refunds_at_once_never_exceed_the_payment(open_bill, citizen, caseworker_a):
    payment = services.payment_create(payer=citizen, bill=open_bill, idempotency_key="k")
    sandbox.submit_card(provider_id=payment.provider_id, card_number="4444333322221111")
    sandbox.settle_charge(payment.provider_id)
    payment.refresh_from_db()

    def refund(_i):
        try:
            return refund_issue(actor=caseworker_a, payment=payment, amount=1000, reason="Overcharged")
        except ValidationError:
            return None

    results, errors = _run_together(refund)
    assert errors == []
    assert len([r for r in results if r is not None]) == 3
    assert services.refundable_amount(payment) == 0
