"""The statutory clock: working days, skipping weekends (Saturday and Sunday) and ``FOI_HOLIDAYS``.

"Today" is the local date in the deployment's ``TIME_ZONE``. A request received on day *D* is due
``FOI_WORKING_DAYS`` working days after *D* (the day of receipt does not count).
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from ecitizen.records.foi import conf


def today() -> datetime.date:
    return timezone.localdate(timezone.now(), timezone.get_default_timezone())


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in conf.holidays()


def add_working_days(start: datetime.date, days: int) -> datetime.date:
    """The date *days* working days after *start* (*start* itself not counted); *start* if 0."""
    if days < 0:
        raise ValueError("days must not be negative")
    holidays = conf.holidays()
    current = start
    while days:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            days -= 1
    return current


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after *start* up to and including *end*; negative when *end* is earlier."""
    if end < start:
        return -working_days_between(end, start)
    holidays = conf.holidays()
    count = 0
    current = start
    while current < end:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            count += 1
    return count
