"""Late penalties on tax bills, and payers who find their bills after verifying their identity."""

# Test functions take the fixtures imported from tax_fixtures as arguments:
# ruff: noqa: F811

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.payments.models import Bill, BillStatus, LineKind, Payment
from ecitizen.payments.taxes import bills_claim, claimable_bills, penalties_apply, penalties_apply_task, tax_save
from ecitizen.payments.tests.tax_fixtures import (  # noqa: F401 - fixtures
    CARMEN_ID,
    TAX_DATA,
    assessed,
    billed,
    property_tax,
    verified_citizen,
    verify,
)

pytestmark = pytest.mark.django_db


def amina_first(billed) -> Bill:
    return Bill.objects.get(assessment__subject_ref="RIV-0001", instalment=1)


def penalty_of(bill: Bill) -> int | None:
    line = bill.lines.filter(kind=LineKind.PENALTY).first()
    return line.amount if line else None


def test_no_penalty_within_the_grace_period(billed):
    # due 1 April, 14 days' grace
    assert penalties_apply(on_date=datetime.date(2026, 4, 15)) == 0
    assert not Bill.objects.filter(lines__kind=LineKind.PENALTY).exists()
    assert not AuditLog.objects.filter(action=AuditAction.TAX_PENALTIES_APPLIED).exists()


def test_a_whole_month_late_adds_the_monthly_penalty(billed):
    # when: on 1 May, April's instalments are a month late; May's are due that day
    changed = penalties_apply(on_date=datetime.date(2026, 5, 1))

    # then: 1.5% of each first instalment
    assert changed == 3
    bill = amina_first(billed)
    assert (penalty_of(bill), bill.total) == (1_665, 111_000 + 1_665)
    line = bill.lines.get(kind=LineKind.PENALTY)
    assert line.description["en"] == "Late payment penalty: 1 month at 1.50% a month"
    assert "1,50" in line.description["es"]  # each language writes the rate its own way
    assert penalty_of(Bill.objects.get(assessment__subject_ref="RIV-0001", instalment=2)) is None
    row = AuditLog.objects.get(action=AuditAction.TAX_PENALTIES_APPLIED)
    assert (row.actor, row.agency, row.extra["bills"], row.extra["on_date"]) == (None, billed.agency, 3, "2026-05-01")


def test_penalties_are_recomputed_not_stacked(billed):
    penalties_apply(on_date=datetime.date(2026, 5, 1))

    # the same day again: nothing changes
    assert penalties_apply(on_date=datetime.date(2026, 5, 1)) == 0
    assert penalty_of(amina_first(billed)) == 1_665

    # three whole months on: 3 × 1.5% of the tax, never a penalty on the penalty
    penalties_apply(on_date=datetime.date(2026, 7, 15))
    bill = amina_first(billed)
    assert (penalty_of(bill), bill.total) == (4_995, 115_995)
    assert bill.lines.filter(kind=LineKind.PENALTY).count() == 1


def test_paid_bills_and_bills_being_paid_get_no_penalty(billed, verified_citizen):
    # given: one bill paid, one with a payment in progress
    paid = amina_first(billed)
    Bill.objects.filter(pk=paid.pk).update(status=BillStatus.PAID)
    paying = Bill.objects.get(assessment__subject_ref="RIV-0002", instalment=1)
    Payment.objects.create(
        reference="PAY-TEST-1", bill=paying, payer=None, amount=paying.total, currency="GBP", method="sandbox",
        status="started",
    )  # fmt: skip

    # when
    assert penalties_apply(on_date=datetime.date(2026, 5, 1)) == 1

    # then: only Carmen's first instalment
    assert penalty_of(paid) is None and penalty_of(paying) is None
    assert penalty_of(Bill.objects.get(assessment__subject_ref="RIV-0003", instalment=1)) == 2_160


def test_dropping_the_penalty_rule_removes_penalties_at_the_next_run(billed, admin_a, agency_a):
    penalties_apply(on_date=datetime.date(2026, 5, 1))
    tax_save(actor=admin_a, agency=agency_a, tax=billed, data={**TAX_DATA, "penalty_basis_points_per_month": 0})

    assert penalties_apply(on_date=datetime.date(2026, 5, 2)) == 3
    bill = amina_first(billed)
    assert (penalty_of(bill), bill.total) == (None, 111_000)


def test_the_command_and_the_task_apply_penalties(billed):
    out = io.StringIO()
    call_command("apply_tax_penalties", "--date", "2026-05-01", stdout=out)
    assert "3 bill(s) changed" in out.getvalue()

    result = penalties_apply_task.enqueue("2026-06-01")
    assert result.return_value == 6  # April's instalments: two months; May's: one


def test_the_command_refuses_a_bad_date():
    with pytest.raises(CommandError):
        call_command("apply_tax_penalties", "--date", "1 May")


# -- finding one's bills after verifying -----------------------------------------------------


def test_a_payer_who_verifies_later_sees_and_claims_their_bills(billed, make_user, other_citizen):
    # given: Carmen had no account when her bills were made
    carmen = make_user("carmen@example.org")
    assert not claimable_bills(carmen).exists()

    # when she verifies her identity
    verify(carmen, CARMEN_ID)

    # then her two bills are hers to see, though not yet made out to her
    assert list(claimable_bills(carmen).values_list("assessment__subject_ref", "instalment")) == [
        ("RIV-0003", 1),
        ("RIV-0003", 2),
    ]
    # and nobody else sees them
    assert not claimable_bills(other_citizen).filter(assessment__subject_ref="RIV-0003").exists()

    # when she claims them
    assert bills_claim(user=carmen) == 2

    # then
    assert set(Bill.objects.filter(assessment__subject_ref="RIV-0003").values_list("payer", flat=True)) == {carmen.pk}
    row = AuditLog.objects.get(action=AuditAction.TAX_BILLS_CLAIMED)
    assert (row.actor, row.subject_user, row.extra["count"]) == (carmen, carmen, 2)
    assert bills_claim(user=carmen) == 0


def test_own_bills_are_claimable_and_an_unverified_user_claims_nothing(billed, verified_citizen, other_citizen):
    assert claimable_bills(verified_citizen).count() == 2
    assert claimable_bills(other_citizen).count() == 2  # matched by email at import

    # an unverified user has no national ID index: it must not match bills that have none either
    Bill.objects.filter(assessment__subject_ref="RIV-0002").update(payer=None)
    assert not claimable_bills(other_citizen).exists()
    assert bills_claim(user=other_citizen) == 0


def test_a_verified_user_claims_only_matching_bills(billed, verified_citizen):
    assert bills_claim(user=verified_citizen) == 0  # hers were made out to her already
    assert not AuditLog.objects.filter(action=AuditAction.TAX_BILLS_CLAIMED).exists()
