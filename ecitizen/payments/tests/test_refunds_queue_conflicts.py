"""The refund approval queue checks conflicts of interest for the whole page at once.

Each row says why the approver may not approve it (their own payment, a declared relative's);
the check is ``agencies.conflicts.conflict_reasons_by_citizen`` for all the payers on the page,
so ten requests from ten different payers cost no more queries than one.
"""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecitizen.agencies.conflicts import conflict_reason, conflict_reasons_by_citizen, conflicted_citizen_ids
from ecitizen.agencies.models import StaffRelative
from ecitizen.payments.models import Payment, PaymentStatus, Refund, RefundStatus

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)
OWN = "You cannot act on your own application, bill, payment or identity."
RELATIVE = "This person is declared as your relative"


@pytest.fixture
def awaiting(make_bill, agency_a, caseworker_a):
    """``awaiting(payer)``: a refund of a paid £30.00 bill of *payer*, awaiting approval."""
    from django.utils import timezone

    def make(payer, agency=agency_a):
        n = next(_seq)
        payment = Payment.objects.create(
            reference=f"PAY-Q{n:07d}",
            bill=make_bill(agency, payer),
            payer=payer,
            amount=3000,
            currency="GBP",
            method="sandbox",
            status=PaymentStatus.SUCCESS,
            finished_at=timezone.now(),
        )
        return Refund.objects.create(
            payment=payment,
            amount=100,
            reason="Charged twice",
            status=RefundStatus.AWAITING_APPROVAL,
            requested_by=caseworker_a,
        )

    return make


def _approve_url(refund):
    return f"/staff/payments/refunds/{refund.pk}/approve/"


# --- the bulk check ---------------------------------------------------------------------------


def test_the_bulk_check_agrees_with_conflict_reason(make_user, admin_a, agency_a, agency_b):
    relative = make_user("sister@example.org")
    declared_me = make_user("brother@example.org")  # staff who declared the admin as their relative
    stranger = make_user("stranger@example.org")
    StaffRelative.objects.create(staff=admin_a, relative=relative, relationship="sibling")
    StaffRelative.objects.create(staff=declared_me, relative=admin_a, relationship="sibling")
    people = [admin_a, relative, declared_me, stranger]
    agency_b.relatives_are_conflicts = False
    agency_b.save(update_fields=["relatives_are_conflicts"])

    for agency in (agency_a, agency_b, None):
        one_by_one = {
            p.pk: reason for p in people if (reason := conflict_reason(staff=admin_a, citizen=p, agency=agency))
        }
        with CaptureQueriesContext(connection) as queries:
            bulk = conflict_reasons_by_citizen(staff=admin_a, citizen_ids=[p.pk for p in people], agency=agency)
        assert bulk == one_by_one
        assert len(queries) <= 2
    assert set(conflict_reasons_by_citizen(staff=admin_a, citizen_ids=people, agency=agency_a)) == {
        admin_a.pk,
        relative.pk,
        declared_me.pk,
    }
    assert conflicted_citizen_ids(staff=admin_a, citizen_ids=[stranger.pk, None], agency=agency_a) == set()
    assert conflicted_citizen_ids(staff=None, citizen_ids=[admin_a.pk], agency=agency_a) == set()
    assert conflicted_citizen_ids(staff=admin_a, citizen_ids=[], agency=agency_a) == set()


# --- the queue page ---------------------------------------------------------------------------


def test_the_queue_says_why_for_each_row_whatever_the_payer(client, make_user, admin_a, agency_a, awaiting):
    relative = make_user("sister@example.org")
    StaffRelative.objects.create(staff=admin_a, relative=relative, relationship="sibling")
    own, related, fine = awaiting(admin_a), awaiting(relative), awaiting(make_user("someone@example.org"))

    client.force_login(admin_a)
    response = client.get("/staff/payments/refunds/")
    blocked = {refund.pk: reason for refund, _form, reason in response.context["rows"]}
    assert OWN in blocked[own.pk] and RELATIVE in blocked[related.pk] and blocked[fine.pk] is None
    html = response.content.decode()
    assert _approve_url(fine) in html
    assert _approve_url(own) not in html and _approve_url(related) not in html

    # where the agency does not count relatives, only one's own payment is blocked
    agency_a.relatives_are_conflicts = False
    agency_a.save(update_fields=["relatives_are_conflicts"])
    html = client.get("/staff/payments/refunds/").content.decode()
    assert _approve_url(related) in html and _approve_url(own) not in html


def test_the_queue_costs_the_same_for_ten_payers_as_for_one(client, make_user, admin_a, awaiting):
    client.force_login(admin_a)
    refunds = [awaiting(make_user("payer-0@example.org"))]
    assert client.get("/staff/payments/refunds/").status_code == 200  # warm up
    with CaptureQueriesContext(connection) as one:
        client.get("/staff/payments/refunds/")
    for n in range(1, 10):
        payer = make_user(f"payer-{n}@example.org")
        if n % 3 == 0:
            StaffRelative.objects.create(staff=admin_a, relative=payer, relationship="child")
        refunds.append(awaiting(payer))
    with CaptureQueriesContext(connection) as ten:
        response = client.get("/staff/payments/refunds/")
    assert len(ten) <= len(one), "\n".join(q["sql"] for q in ten.captured_queries)
    html = response.content.decode()
    assert all(refund.payment.reference in html for refund in refunds)
    assert html.count(RELATIVE) == 3
