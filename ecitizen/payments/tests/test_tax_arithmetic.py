"""The tax arithmetic, by example and by property (hypothesis). No database."""

from __future__ import annotations

import datetime
import itertools
from decimal import ROUND_HALF_EVEN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecitizen.payments.taxes import (
    annual_amount,
    divide_half_even,
    instalment_due_dates,
    penalty_amount,
    rate_text,
    split_instalments,
    whole_months_between,
)

values = st.integers(min_value=0, max_value=10**15)
rates = st.integers(min_value=1, max_value=10_000)
counts = st.integers(min_value=1, max_value=12)
days = st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2099, 12, 31))


def decimal_half_even(numerator: int, denominator: int) -> int:
    return int((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


# -- examples -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (15, 10, 2),
        (25, 10, 2),
        (35, 10, 4),
        (14, 10, 1),
        (16, 10, 2),
        (0, 10, 0),
        (5, 10, 0),
        (2_880_015_000, 10_000, 288_002),
    ],
)
def test_divide_half_even_rounds_ties_to_even(numerator, denominator, expected):
    assert divide_half_even(numerator, denominator) == expected


def test_the_yearly_amount_of_a_house():
    # £185,000.00 at 1.20% is £2,220.00
    assert annual_amount(18_500_000, 120) == 222_000
    # £240,001.25 at 1.20% is £2,880.015, a tie: rounded to the even penny, £2,880.02
    assert annual_amount(24_000_125, 120) == 288_002


def test_the_odd_penny_goes_to_the_first_instalment():
    assert split_instalments(100, 3) == [34, 33, 33]
    assert split_instalments(288_001, 2) == [144_001, 144_000]
    assert split_instalments(5, 12) == [5] + [0] * 11


def test_instalments_fall_due_monthly_and_roll_into_the_next_year():
    assert instalment_due_dates(2026, 4, 2) == [datetime.date(2026, 4, 1), datetime.date(2026, 5, 1)]
    assert instalment_due_dates(2026, 11, 3) == [
        datetime.date(2026, 11, 1),
        datetime.date(2026, 12, 1),
        datetime.date(2027, 1, 1),
    ]


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        ("2026-04-01", "2026-04-30", 0),
        ("2026-04-01", "2026-05-01", 1),
        ("2026-04-01", "2027-04-01", 12),
        ("2026-01-31", "2026-02-27", 0),
        ("2026-01-31", "2026-02-28", 1),  # the end of February reaches the 31st that it lacks
        ("2026-01-31", "2026-03-30", 1),
        ("2026-05-01", "2026-04-01", 0),
    ],
)
def test_whole_months(start, end, months):
    assert whole_months_between(datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)) == months


@pytest.mark.parametrize(
    ("on", "penalty"),
    [
        ("2026-04-01", 0),  # due today
        ("2026-04-15", 0),  # 14 days late: still in the grace period
        ("2026-04-16", 0),  # past the grace period, but not yet a whole month
        ("2026-05-01", 1_665),  # one month: 1.5% of £1,110.00
        ("2026-07-15", 4_995),  # three whole months, simple: 3 × 1.5%
    ],
)
def test_the_penalty_on_an_instalment(on, penalty):
    assert (
        penalty_amount(
            tax_amount=111_000,
            basis_points_per_month=150,
            grace_days=14,
            due_date=datetime.date(2026, 4, 1),
            on_date=datetime.date.fromisoformat(on),
        )
        == penalty
    )


def test_a_grace_longer_than_a_month_holds_back_the_first_month():
    kwargs = {"tax_amount": 10_000, "basis_points_per_month": 200, "due_date": datetime.date(2026, 4, 1)}
    assert penalty_amount(grace_days=45, on_date=datetime.date(2026, 5, 10), **kwargs) == 0
    assert penalty_amount(grace_days=45, on_date=datetime.date(2026, 5, 17), **kwargs) == 200


def test_rates_read_as_percentages():
    assert rate_text(120) == "1.20%"
    assert rate_text(1) == "0.01%"
    assert rate_text(10_000) == "100.00%"


# -- properties ------------------------------------------------------------------------


@given(numerator=st.integers(min_value=0, max_value=10**20), denominator=st.integers(min_value=1, max_value=10**6))
def test_integer_rounding_agrees_with_decimal_half_even(numerator, denominator):
    assert divide_half_even(numerator, denominator) == decimal_half_even(numerator, denominator)


@given(value=values, rate=rates)
def test_the_yearly_amount_is_whole_minor_units_rounded_half_even(value, rate):
    amount = annual_amount(value, rate)
    assert isinstance(amount, int)
    assert amount == decimal_half_even(value * rate, 10_000)
    assert abs(Decimal(amount) - Decimal(value) * rate / 10_000) <= Decimal("0.5")


@given(annual=st.integers(min_value=0, max_value=10**15), n=counts)
def test_instalments_always_sum_exactly_to_the_yearly_amount(annual, n):
    parts = split_instalments(annual, n)
    assert sum(parts) == annual
    assert len(parts) == n
    assert all(isinstance(part, int) and part >= 0 for part in parts)
    assert parts[0] - parts[-1] < n  # only the remainder makes the first one larger
    assert all(part == parts[1] for part in parts[1:])


@given(value=values, rate=rates, n=counts)
def test_a_years_instalments_sum_to_the_tax_on_the_assessed_value(value, rate, n):
    assert sum(split_instalments(annual_amount(value, rate), n)) == annual_amount(value, rate)


@given(year=st.integers(min_value=2000, max_value=2099), month=st.integers(min_value=1, max_value=12), n=counts)
def test_due_dates_are_a_month_apart(year, month, n):
    dates = instalment_due_dates(year, month, n)
    assert dates[0] == datetime.date(year, month, 1)
    assert all(whole_months_between(a, b) == 1 for a, b in itertools.pairwise(dates))


penalty_inputs = {
    "tax_amount": st.integers(min_value=0, max_value=10**12),
    "basis_points_per_month": st.integers(min_value=0, max_value=1_000),
    "grace_days": st.integers(min_value=0, max_value=365),
    "due_date": days,
}


@given(**penalty_inputs, late=st.integers(min_value=-400, max_value=4_000))
def test_a_penalty_is_never_negative_and_is_whole_minor_units(
    tax_amount, basis_points_per_month, grace_days, due_date, late
):
    on_date = due_date + datetime.timedelta(days=late)
    penalty = penalty_amount(
        tax_amount=tax_amount,
        basis_points_per_month=basis_points_per_month,
        grace_days=grace_days,
        due_date=due_date,
        on_date=on_date,
    )
    assert isinstance(penalty, int) and penalty >= 0


@given(**penalty_inputs, late=st.integers(min_value=0, max_value=365))
def test_no_penalty_within_the_grace_period(tax_amount, basis_points_per_month, grace_days, due_date, late):
    on_date = due_date + datetime.timedelta(days=min(late, grace_days))
    assert (
        penalty_amount(
            tax_amount=tax_amount,
            basis_points_per_month=basis_points_per_month,
            grace_days=grace_days,
            due_date=due_date,
            on_date=on_date,
        )
        == 0
    )


@given(
    **penalty_inputs,
    first=st.integers(min_value=0, max_value=4_000),
    more=st.integers(min_value=0, max_value=4_000),
)
def test_a_penalty_never_falls_as_time_passes(tax_amount, basis_points_per_month, grace_days, due_date, first, more):
    def on(day: int) -> int:
        return penalty_amount(
            tax_amount=tax_amount,
            basis_points_per_month=basis_points_per_month,
            grace_days=grace_days,
            due_date=due_date,
            on_date=due_date + datetime.timedelta(days=day),
        )

    assert on(first) <= on(first + more)


@given(**penalty_inputs, late=st.integers(min_value=0, max_value=4_000))
def test_a_penalty_is_simple_interest_on_the_tax(tax_amount, basis_points_per_month, grace_days, due_date, late):
    on_date = due_date + datetime.timedelta(days=late)
    months = whole_months_between(due_date, on_date) if late > grace_days else 0
    expected = decimal_half_even(tax_amount * basis_points_per_month * months, 10_000)
    assert (
        penalty_amount(
            tax_amount=tax_amount,
            basis_points_per_month=basis_points_per_month,
            grace_days=grace_days,
            due_date=due_date,
            on_date=on_date,
        )
        == expected
    )


@given(start=days, a=st.integers(min_value=0, max_value=3_000), b=st.integers(min_value=0, max_value=3_000))
def test_whole_months_never_fall_as_time_passes(start, a, b):
    earlier, later = sorted((a, b))
    assert whole_months_between(start, start + datetime.timedelta(days=earlier)) <= whole_months_between(
        start, start + datetime.timedelta(days=later)
    )
