"""Days are written once per language and format, and read the same as written afresh."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from django.utils import translation

from ecitizen.core import dates
from ecitizen.core.dates import format_date, format_month_day


@pytest.mark.parametrize("language", ["en", "es", "fr", "ar"])
def test_a_remembered_day_is_the_day_written_afresh(language):
    days = [datetime.date(2026, 12, 1) + datetime.timedelta(days=n) for n in range(0, 400, 7)]
    with translation.override(language):
        for day in days:
            for _ in range(2):  # the second time from memory
                assert format_date(day) == dates._format(day, "DATE_FORMAT")
                assert format_month_day(day) == dates._format(day, "MONTH_DAY_FORMAT")
        assert dates._format_day.cache_info().hits >= len(days) * 2


def test_each_language_has_its_own_day():
    day = datetime.date(2026, 12, 1)
    with translation.override("en"):
        assert format_date(day) == "1 December 2026"
    with translation.override("fr"):
        assert format_date(day) == "1er décembre 2026"
    with translation.override("es"):
        assert "diciembre" in format_date(day)
    with translation.override("en"):
        assert format_date(day) == "1 December 2026"


def test_changed_formats_are_not_read_from_memory():
    day = datetime.date(2026, 12, 6)
    with translation.override("en"):
        assert format_date(day) == "6 December 2026"
        with override_settings(FORMAT_MODULE_PATH=None, USE_I18N=False, DATE_FORMAT="Y-m-d"):
            assert format_date(day) == dates._format(day, "DATE_FORMAT") != "6 December 2026"
        assert format_date(day) == "6 December 2026"
