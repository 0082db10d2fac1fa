"""Dates and times as people read them, one way per language (config/formats/<language>).

``format_date(value)`` → "6 December 2026", ``format_datetime(value)`` → "6 December 2026,
11:41am", ``format_time(value)`` → "11:41am" in English; the long natural forms in the other
languages. Aware datetimes are shown in the deployment's time zone. ``None`` gives "".
Use these (or the ``display_*`` template filters), never ``strftime`` or an ad-hoc format string.
"""

from __future__ import annotations

import datetime
import functools

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import dateformat, timezone, translation
from django.utils.formats import get_format
from django.utils.translation import pgettext


class _DateFormat(dateformat.DateFormat):
    """Django's formatter with GOV.UK times ("11:41am", "11am", "midday", "midnight") and the
    French first of the month ("1er décembre")."""

    def j(self):
        if self.data.day == 1 and (translation.get_language() or "").startswith("fr"):
            return "1er"
        return super().j()

    def a(self):
        return pgettext("time of day", "pm") if self.data.hour > 11 else pgettext("time of day", "am")

    def P(self):
        if self.data.minute == 0 and self.data.hour == 0:
            return pgettext("time of day", "midnight")
        if self.data.minute == 0 and self.data.hour == 12:
            return pgettext("time of day", "midday")
        return f"{self.f()}{self.a()}"


def _coerce(value):
    if isinstance(value, str):
        try:
            value = datetime.datetime.fromisoformat(value) if len(value) > 10 else datetime.date.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _format(value, format_name: str) -> str:
    return _DateFormat(value).format(get_format(format_name))


@functools.lru_cache(maxsize=2048)
def _format_day(language: str | None, day: datetime.date, format_name: str) -> str:
    """A day written in *language* (the active one: the formatter reads it). Lists show the same
    few days on every line and every request; each is written once per language and format."""
    return _format(day, format_name)


@receiver(setting_changed)
def _forget_days(*, setting, **kwargs):
    # The formats and translations a written day depends on (tests change them).
    if setting in {"FORMAT_MODULE_PATH", "LANGUAGE_CODE", "LANGUAGES", "LOCALE_PATHS", "USE_I18N"}:
        _format_day.cache_clear()


def format_date(value: datetime.date | datetime.datetime | str | None) -> str:
    """The day, e.g. "6 December 2026" (a datetime gives its local day)."""
    value = _coerce(value)
    if not isinstance(value, datetime.date):
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return _format_day(translation.get_language(), value, "DATE_FORMAT")


def format_year_month(value: datetime.date | datetime.datetime | str | None) -> str:
    """A month, e.g. "December 2026" (for monthly figures)."""
    value = _coerce(value)
    if not isinstance(value, datetime.date):
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return _format_day(translation.get_language(), value, "YEAR_MONTH_FORMAT")


def format_datetime(value: datetime.datetime | datetime.date | str | None) -> str:
    """The day and time, e.g. "6 December 2026, 11:41am" (a plain date gives only the day)."""
    value = _coerce(value)
    if not isinstance(value, datetime.datetime):
        return format_date(value)
    return _format(value, "DATETIME_FORMAT")


def format_time(value: datetime.datetime | datetime.time | str | None) -> str:
    """The time of day, e.g. "11:41am"."""
    if isinstance(value, str):
        try:
            value = datetime.time.fromisoformat(value)
        except ValueError:
            value = _coerce(value)
    else:
        value = _coerce(value)
    if isinstance(value, datetime.datetime):
        value = value.time()
    if not isinstance(value, datetime.time):
        return ""
    return _DateFormat(value).format(get_format("TIME_FORMAT"))


def format_month_day(value: datetime.date | datetime.datetime | str | None) -> str:
    """A day of the year without the year, e.g. "6 December" (for yearly dates such as tax instalments)."""
    value = _coerce(value)
    if not isinstance(value, datetime.date):
        return ""
    if isinstance(value, datetime.datetime):
        value = value.date()
    return _format_day(translation.get_language(), value, "MONTH_DAY_FORMAT")
