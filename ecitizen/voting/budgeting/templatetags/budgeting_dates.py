"""The dates of a process's phases as people mean them.

Staff enter phases as days (see ``idea_forms.ProcessForm``): a phase opens at midnight at the
start of its first day and closes at midnight at the *end* of its last day, in the deployment's
timezone. Shown as instants, a last day of 31 March would read "until 1 April, 12:00am"; these
filters show the days instead ("until 31 March 2027", "28 October to 16 November 2026"), and fall
back to the day and time for an instant that is not a midnight (a process written another way).
The stored instants are not changed.
"""

from __future__ import annotations

import datetime

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.core.dates import format_date, format_datetime, format_month_day

register = template.Library()


def _local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def _is_midnight(moment: datetime.datetime) -> bool:
    return _local(moment).time() == datetime.time.min


def last_day_of(moment: datetime.datetime | None) -> datetime.date | None:
    """The last day of a phase that ends at *moment* (exclusive), when it ends at a midnight."""
    if not isinstance(moment, datetime.datetime) or not _is_midnight(moment):
        return None
    return _local(moment).date() - datetime.timedelta(days=1)


@register.filter(expects_localtime=False)
def first_day(moment: datetime.datetime | None) -> str:
    """When a phase starts: its first day, or the day and time when it does not start at midnight."""
    if not isinstance(moment, datetime.datetime):
        return format_date(moment)
    return format_date(_local(moment).date()) if _is_midnight(moment) else format_datetime(moment)


@register.filter(expects_localtime=False)
def last_day(moment: datetime.datetime | None) -> str:
    """Until when a phase runs: its last day (the day before the midnight it ends at), or the day and
    time when it does not end at midnight."""
    day = last_day_of(moment)
    return format_date(day) if day is not None else format_datetime(moment)


@register.simple_tag
def phase_dates(start: datetime.datetime, end: datetime.datetime) -> str:
    """A phase from *start* to *end* (exclusive): "28 October to 16 November 2026" for whole days
    (the year once when both are in the same year), else from instant to instant; "" for a phase
    with no day in it (ideas closing the day voting opens leaves no day for the review)."""
    if not (isinstance(start, datetime.datetime) and isinstance(end, datetime.datetime)) or end <= start:
        return ""
    last = last_day_of(end)
    if _is_midnight(start) and last is not None:
        first = _local(start).date()
        if last < first:
            return ""
        if first == last:
            return format_date(first)
        begin = format_month_day(first) if first.year == last.year else format_date(first)
        return _("%(start)s to %(end)s") % {"start": begin, "end": format_date(last)}
    return _("%(start)s to %(end)s") % {"start": first_day(start), "end": last_day(end)}
