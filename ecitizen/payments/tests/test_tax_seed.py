"""The demo property tax: seed_taxes after seed_demo's agency and citizens."""

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from ecitizen.payments.models import Bill, Tax, TaxAssessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_people(agency_a, make_user):
    return [make_user(email) for email in ("amina@example.org", "ben@example.org", "lucia@example.org")]


@time_machine.travel(datetime.datetime(2026, 12, 31, 23, 30, tzinfo=datetime.UTC), tick=False)  # London: still 2026
def test_seed_taxes_creates_the_property_tax_homes_and_bills_once(demo_people):
    # when
    out = io.StringIO()
    call_command("seed_taxes", stdout=out)

    # then
    tax = Tax.objects.get(code="property-tax")
    assert (tax.agency.code, tax.rate_basis_points, tax.instalments, tax.first_due_month) == ("CC", 120, 2, 4)
    assert (tax.penalty_basis_points_per_month, tax.penalty_grace_days) == (150, 14)
    homes = TaxAssessment.objects.filter(tax=tax, year=2026).order_by("subject_ref")
    assert [home.payer for home in homes] == demo_people  # matched by email
    assert Bill.objects.filter(assessment__tax=tax).count() == 6
    assert set(Bill.objects.values_list("due_date", flat=True)) == {
        datetime.date(2026, 4, 1),
        datetime.date(2026, 5, 1),
    }
    assert set(Bill.objects.values_list("payer", flat=True)) == {user.pk for user in demo_people}
    assert "6 new bills" in out.getvalue()

    # and again: nothing new
    out = io.StringIO()
    call_command("seed_taxes", stdout=out)
    assert Tax.objects.count() == 1 and TaxAssessment.objects.count() == 3 and Bill.objects.count() == 6
    assert "0 new bills" in out.getvalue()


def test_seed_taxes_needs_the_city_council(db):
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_taxes")
