"""Tax periods and late penalties around midnight, the year end and 29 February.

"Today" for taxes is the local day in ``TIME_ZONE``: 00:30 on 1 January in
Paris is 23:30 on 31 December in UTC, and it is already 2027 there.
"""

# Test functions take the fixtures imported from tax_fixtures as arguments:
# ruff: noqa: F811

from __future__ import annotations

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command

from ecitizen.payments.models import Bill, LineKind
from ecitizen.payments.taxes import (
    assessments_import_csv,
    bills_generate,
    fee_schedule,
    penalties_apply,
    penalties_apply_task,
    penalty_amount,
    tax_save,
    whole_months_between,
)
from ecitizen.payments.tests.tax_fixtures import (  # noqa: F401 - fixtures
    HOMES_CSV,
    TAX_DATA,
    property_tax,
    verified_citizen,
)

pytestmark = pytest.mark.django_db


def at(iso: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(iso)


@pytest.fixture
def december_tax(agency_a, admin_a, verified_citizen, other_citizen):
    """One instalment, due 1 December 2026; 1.5% a month after 14 days' grace."""
    tax = tax_save(actor=admin_a, agency=agency_a, data={**TAX_DATA, "first_due_month": 12, "instalments": 1})
    assert assessments_import_csv(actor=admin_a, tax=tax, year=2026, file=HOMES_CSV.encode()).ok
    assert bills_generate(actor=admin_a, tax=tax, year=2026) == 3
    return tax


def amina_penalty() -> int | None:
    bill = Bill.objects.get(assessment__subject_ref="RIV-0001")
    line = bill.lines.filter(kind=LineKind.PENALTY).first()
    return line.amount if line else None


@pytest.mark.parametrize(
    ("zone", "now", "penalty"),
    [
        ("Europe/London", "2026-12-31T23:30:00+00:00", None),  # 30 days late, not yet a whole month
        ("Europe/London", "2027-01-01T00:30:00+00:00", 3_330),  # a whole month: 1.5% of £2,220.00
        ("Europe/Paris", "2026-12-31T23:30:00+01:00", None),
        ("Europe/Paris", "2027-01-01T00:30:00+01:00", 3_330),  # still 31 December in UTC
    ],
)
def test_the_daily_penalty_run_works_out_penalties_for_the_local_day(settings, december_tax, zone, now, penalty):
    settings.TIME_ZONE = zone
    with time_machine.travel(at(now), tick=False):
        penalties_apply_task.enqueue()
    assert amina_penalty() == penalty


def test_the_penalty_command_defaults_to_the_local_day(settings, december_tax):
    settings.TIME_ZONE = "Europe/Paris"
    out = io.StringIO()
    with time_machine.travel(at("2027-01-01T00:30:00+01:00"), tick=False):
        call_command("apply_tax_penalties", stdout=out)
    assert out.getvalue().strip() == "Late payment penalties as of 2027-01-01: 3 bill(s) changed."


@pytest.mark.parametrize(
    ("zone", "now", "year"),
    [
        ("Europe/London", "2026-12-31T23:30:00+00:00", 2026),
        ("Europe/Paris", "2026-12-31T23:30:00+01:00", 2026),
        ("Europe/Paris", "2027-01-01T00:30:00+01:00", 2027),  # UTC is still in 2026
    ],
)
def test_the_fee_schedule_shows_the_local_years_instalment_dates(settings, property_tax, zone, now, year):
    settings.TIME_ZONE = zone
    with time_machine.travel(at(now), tick=False):
        [group] = fee_schedule()
    assert group.taxes[0].due_dates == [datetime.date(year, 4, 1), datetime.date(year, 5, 1)]


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        ("2028-01-29", "2028-02-29", 1),
        ("2028-01-31", "2028-02-28", 0),
        ("2028-01-31", "2028-02-29", 1),  # the leap day ends February
        ("2028-02-29", "2028-03-28", 0),
        ("2028-02-29", "2028-03-29", 1),
        ("2028-02-29", "2029-02-28", 12),  # no 29 February in 2029: its last day reaches it
        ("2027-12-01", "2028-01-01", 1),  # across the year end
    ],
)
def test_whole_months_around_29_february_and_the_year_end(start, end, months):
    assert whole_months_between(datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)) == months


def test_the_grace_period_counts_29_february():
    # due 15 February 2028 with 14 days' grace: 29 February is the last day of grace
    kwargs = {"tax_amount": 10_000, "basis_points_per_month": 150, "grace_days": 14}
    due = datetime.date(2028, 2, 15)
    assert penalty_amount(due_date=due, on_date=datetime.date(2028, 2, 29), **kwargs) == 0
    assert penalty_amount(due_date=due, on_date=datetime.date(2028, 3, 15), **kwargs) == 150


def test_penalties_on_29_february(december_tax):
    # due 1 December 2026: on 29 February 2028, 14 whole months late (14 × 1.5% of £2,220.00)
    assert penalties_apply(on_date=datetime.date(2028, 2, 29)) == 3
    assert amina_penalty() == 14 * 3_330
