"""Deadlines in working days: weekends and the configured country's public holidays skipped."""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays
from django.conf import settings


@lru_cache(maxsize=16)
def _holidays(country: str, subdivision: str | None, year: int) -> frozenset[datetime.date]:
    return frozenset(holidays.country_holidays(country, subdiv=subdivision or None, years=year).keys())


def is_working_day(day: datetime.date) -> bool:
    if day.weekday() >= 5:
        return False
    return day not in _holidays(settings.HOLIDAYS_COUNTRY, settings.HOLIDAYS_SUBDIVISION, day.year)


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date *days* working days after *start* (start itself not counted).

    ``add_working_days(friday, 1)`` is the next Monday, or Tuesday if Monday is a holiday.
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
