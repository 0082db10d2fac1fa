"""Deadlines in working days: the configured country's weekend and public holidays skipped.

The calendar is the ``holidays`` package's for ``HOLIDAYS_COUNTRY`` (and
``HOLIDAYS_SUBDIVISION``): its weekend (Saturday–Sunday in England,
Friday–Saturday in Saudi Arabia, and as it was in a given year where a country
changed it), its public holidays, and the weekend days a country makes working
days in exchange for a bridge holiday.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays
from django.conf import settings


@lru_cache(maxsize=16)
def _calendar(country: str, subdivision: str | None, year: int) -> holidays.HolidayBase:
    # One year per object, so a lookup never expands it: read-only, safe to share between threads.
    return holidays.country_holidays(country, subdiv=subdivision or None, years=year)


def _calendar_for(day: datetime.date) -> holidays.HolidayBase:
    return _calendar(settings.HOLIDAYS_COUNTRY, settings.HOLIDAYS_SUBDIVISION, day.year)


def is_weekend(day: datetime.date) -> bool:
    """Whether *day* falls on the configured country's weekend (that year's, if it changed)."""
    return _calendar_for(day).is_weekend(day)


def is_working_day(day: datetime.date) -> bool:
    """Neither a public holiday nor a weekend day (unless the country made that weekend day a working day)."""
    return _calendar_for(day).is_working_day(day)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date *days* working days after *start* (start itself not counted).

    ``add_working_days(friday, 1)`` is the next Monday in England (or Tuesday if
    Monday is a holiday); in a country whose weekend is Friday–Saturday,
    ``add_working_days(thursday, 1)`` is the next Sunday.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after *start* up to and including *end*; negative if *end* is earlier."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    current = start
    while current < end:
        current += datetime.timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count
