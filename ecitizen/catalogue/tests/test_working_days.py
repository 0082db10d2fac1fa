"""Deadlines in working days skip weekends and the configured country's public holidays."""

from __future__ import annotations

import datetime

import holidays
import pytest

from ecitizen.core.working_days import add_working_days, is_weekend, is_working_day, working_days_between

pytestmark = pytest.mark.usefixtures("england")


@pytest.fixture
def england(settings):
    settings.HOLIDAYS_COUNTRY = "GB"
    settings.HOLIDAYS_SUBDIVISION = "ENG"


def test_the_holidays_package_knows_christmas_2026_in_england():
    known = holidays.country_holidays("GB", subdiv="ENG", years=2026)
    assert datetime.date(2026, 12, 25) in known
    assert datetime.date(2026, 12, 28) in known  # Boxing Day falls on a Saturday: observed on Monday


def test_friday_plus_one_is_monday():
    assert add_working_days(datetime.date(2026, 3, 6), 1) == datetime.date(2026, 3, 9)


def test_across_a_weekend():
    # Thursday 5 March 2026 + 3 working days: Fri 6, Mon 9, Tue 10
    assert add_working_days(datetime.date(2026, 3, 5), 3) == datetime.date(2026, 3, 10)


def test_across_christmas_and_observed_boxing_day():
    # Thu 24 Dec: Fri 25 (Christmas), Sat, Sun, Mon 28 (Boxing Day observed) are skipped
    assert add_working_days(datetime.date(2026, 12, 24), 2) == datetime.date(2026, 12, 30)


def test_across_easter():
    # Thu 2 April 2026 + 1: Good Friday 3 April and Easter Monday 6 April are holidays
    assert add_working_days(datetime.date(2026, 4, 2), 1) == datetime.date(2026, 4, 7)


def test_zero_days_is_the_start_and_negative_is_refused():
    assert add_working_days(datetime.date(2026, 12, 24), 0) == datetime.date(2026, 12, 24)
    with pytest.raises(ValueError):
        add_working_days(datetime.date(2026, 12, 24), -1)


def test_working_days_between_counts_the_same_days():
    start, end = datetime.date(2026, 12, 24), datetime.date(2026, 12, 30)
    assert working_days_between(start, end) == 2
    assert working_days_between(end, start) == -2
    assert not is_working_day(datetime.date(2026, 12, 28))


# -- the weekend is the country's, from the holidays package -----------------------------------


def test_a_friday_saturday_weekend_is_skipped_in_saudi_arabia(settings):
    settings.HOLIDAYS_COUNTRY, settings.HOLIDAYS_SUBDIVISION = "SA", ""
    thursday, friday, saturday, sunday = (datetime.date(2026, 3, day) for day in (5, 6, 7, 8))
    assert add_working_days(thursday, 1) == sunday
    assert add_working_days(friday, 1) == sunday
    assert [is_working_day(day) for day in (thursday, friday, saturday, sunday)] == [True, False, False, True]
    assert is_weekend(friday) and is_weekend(saturday) and not is_weekend(sunday)
    assert working_days_between(thursday, sunday) == 1


def test_a_weekend_a_country_changed_is_the_one_of_that_year(settings):
    # Saudi Arabia's weekend was Thursday–Friday until June 2013
    settings.HOLIDAYS_COUNTRY, settings.HOLIDAYS_SUBDIVISION = "SA", ""
    assert add_working_days(datetime.date(2012, 6, 6), 1) == datetime.date(2012, 6, 9)  # Wed → Sat
    assert is_working_day(datetime.date(2012, 6, 9)) and not is_working_day(datetime.date(2012, 6, 7))


def test_a_saturday_a_country_works_in_exchange_for_a_bridge_day_is_a_working_day(settings):
    # Belarus 2026: Monday 20 April off, worked on Saturday 25 April instead; Tuesday 21 April is Radunitsa
    settings.HOLIDAYS_COUNTRY, settings.HOLIDAYS_SUBDIVISION = "BY", ""
    assert add_working_days(datetime.date(2026, 4, 17), 1) == datetime.date(2026, 4, 22)
    assert add_working_days(datetime.date(2026, 4, 24), 1) == datetime.date(2026, 4, 25)


def test_england_keeps_its_saturday_sunday_weekend():
    assert add_working_days(datetime.date(2026, 3, 5), 1) == datetime.date(2026, 3, 6)  # Thu → Fri
    assert is_weekend(datetime.date(2026, 3, 7)) and not is_weekend(datetime.date(2026, 3, 6))
