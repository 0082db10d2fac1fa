"""One way of writing dates per language (config/formats, ecitizen.core.dates), GOV.UK style in English."""

from __future__ import annotations

import datetime
import pathlib
import re

import pytest
from django.template import Context, Template
from django.utils import translation

from ecitizen.core.dates import format_date, format_datetime, format_month_day, format_time
from ecitizen.core.forms import DateInput
from ecitizen.core.templatetags.dates import date_parts

UTC = datetime.UTC
ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    ("language", "date", "date_time", "time"),
    [
        ("en", "6 December 2026", "6 December 2026, 11:41am", "11:41am"),
        ("es", "6 de diciembre de 2026", "6 de diciembre de 2026, 11:41", "11:41"),
        ("fr", "6 décembre 2026", "6 décembre 2026 à 11:41", "11:41"),
        ("ar", "6 ديسمبر 2026", "6 ديسمبر 2026، 11:41", "11:41"),
    ],
)
def test_one_format_per_language(language, date, date_time, time):
    moment = datetime.datetime(2026, 12, 6, 11, 41, tzinfo=UTC)  # London is on UTC in December
    with translation.override(language):
        assert format_date(moment) == date
        assert format_date(moment.date()) == date
        assert format_date("2026-12-06") == date
        assert format_datetime(moment) == date_time
        assert format_time(moment) == time


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [(0, 0, "midnight"), (12, 0, "midday"), (9, 0, "9am"), (17, 30, "5:30pm"), (12, 5, "12:05pm"), (0, 30, "12:30am")],
)
def test_english_times_follow_the_govuk_style(hour, minute, expected):
    with translation.override("en"):
        assert format_time(datetime.time(hour, minute)) == expected


def test_times_are_shown_in_the_deployments_zone():
    summer = datetime.datetime(2026, 7, 1, 11, 41, tzinfo=UTC)  # 12:41 in London (BST)
    with translation.override("en"):
        assert format_datetime(summer) == "1 July 2026, 12:41pm"
    with translation.override("es"):
        assert format_datetime(summer) == "1 de julio de 2026, 12:41"


def test_late_evening_utc_is_the_next_local_day():
    moment = datetime.datetime(2026, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July in London
    with translation.override("en"):
        assert format_date(moment) == "1 July 2026"


def test_arabic_uses_arabic_month_names_and_western_digits_in_one_order():
    with translation.override("ar"):
        text = format_datetime(datetime.datetime(2026, 3, 1, 9, 5, tzinfo=UTC))
    assert text == "1 مارس 2026، 09:05"
    assert not re.search(r"[\u0660-\u0669]", text)  # no Eastern Arabic digits


def test_empty_and_unparseable_values_give_nothing():
    assert format_date(None) == format_datetime("") == format_time(None) == format_date("not a date") == ""


def test_french_writes_the_first_of_the_month_as_1er():
    with translation.override("fr"):
        assert format_date(datetime.date(2026, 12, 1)) == "1er décembre 2026"
        assert format_date(datetime.date(2026, 12, 2)) == "2 décembre 2026"
    with translation.override("es"):
        assert format_date(datetime.date(2026, 12, 1)) == "1 de diciembre de 2026"


def test_month_day_for_yearly_dates():
    with translation.override("en"):
        assert format_month_day(datetime.date(2026, 4, 1)) == "1 April"
    with translation.override("es"):
        assert format_month_day(datetime.date(2026, 4, 1)) == "1 de abril"


def test_filters_are_available_in_every_template_without_load():
    template = Template(
        "{{ d|display_date }} · {{ d|display_datetime }} · {{ d|display_time }} · {{ d|display_month_day }}"
    )
    moment = datetime.datetime(2026, 12, 6, 15, 5, tzinfo=UTC)
    with translation.override("en"):
        assert (
            template.render(Context({"d": moment})) == "6 December 2026 · 6 December 2026, 3:05pm · 3:05pm · 6 December"
        )


# --- dates people type --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"dob-day": "27", "dob-month": "3", "dob-year": "2007"}, "2007-03-27"),
        ({"dob-day": " 1 ", "dob-month": "12", "dob-year": "1985"}, "1985-12-01"),
        ({"dob": "2007-03-27"}, "2007-03-27"),  # a shared link or an older client
        ({"dob-day": "27", "dob-month": "", "dob-year": "2007"}, "2007--27"),  # rejected by the field
        ({"dob-day": "27", "dob-month": "3", "dob-year": "07"}, "07-3-27"),  # a year needs 4 digits
        ({}, None),
    ],
)
def test_date_input_reads_day_month_and_year_boxes(data, expected):
    assert DateInput().value_from_datadict(data, {}, "dob") == expected


def test_date_field_with_missing_part_is_a_field_error_not_a_crash():
    from django import forms

    class Form(forms.Form):
        dob = forms.DateField(widget=DateInput(), error_messages={"invalid": "Enter a real date"})

    assert Form({"dob-day": "27", "dob-month": "3", "dob-year": "2007"}).is_valid()
    for data in (
        {"dob-day": "27", "dob-year": "2007"},
        {"dob-day": "31", "dob-month": "2", "dob-year": "2007"},
        {"dob-day": "x", "dob-month": "3", "dob-year": "2007"},
        # digits int() refuses: a superscript, Arabic-Indic digits, thousands of nines
        {"dob-day": "\u00b2", "dob-month": "3", "dob-year": "2007"},
        {"dob-day": "\u0662", "dob-month": "\u0663", "dob-year": "2007"},
        {"dob-day": "9" * 5000, "dob-month": "3", "dob-year": "2007"},
    ):
        form = Form(data)
        assert not form.is_valid() and form.errors["dob"] == ["Enter a real date"]


def test_date_input_renders_govuk_boxes_with_a_hint_that_matches():
    from django import forms

    class Form(forms.Form):
        dob = forms.DateField(label="Date of birth", widget=DateInput())

    html = str(Form(initial={"dob": datetime.date(1985, 3, 27)})["dob"].as_field_group())
    assert 'class="govuk-date-input"' in html
    assert "For example, 27 3 2007" in html
    assert 'name="dob-day"' in html and 'value="27"' in html
    assert 'name="dob-month"' in html and 'value="3"' in html
    assert 'name="dob-year"' in html and 'value="1985"' in html
    assert 'id="id_dob"' in html  # the error summary's link lands on the day box
    assert 'type="date"' not in html


def test_date_parts_keeps_what_was_typed():
    assert date_parts("2007--27") == {"day": "27", "month": "", "year": "2007"}
    assert date_parts(datetime.date(2026, 1, 9)) == {"day": "9", "month": "1", "year": "2026"}


# --- no ad-hoc formats left ---------------------------------------------------------------------


def _templates():
    for base in [ROOT / "templates", *ROOT.glob("ecitizen/*/templates")]:
        yield from (p for p in base.rglob("*") if p.suffix in {".html", ".txt"})


def test_templates_use_the_date_filters_not_ad_hoc_formats():
    """``|date`` only for machine-readable values (``<time datetime>``); people see ``display_*``."""
    offenders = []
    for path in _templates():
        for number, line in enumerate(path.read_text().splitlines(), 1):
            for match in re.finditer(r"\|(date|time)\b(:(\"[^\"]*\"|'[^']*'))?|\|naturaltime|\|naturalday", line):
                if match.group(0) in {"|date:'c'", '|date:"c"', "|date:'U'", '|date:"U"'}:
                    continue
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {match.group(0)}")
    assert offenders == []


def test_python_code_does_not_format_dates_for_people_by_hand():
    offenders = []
    for path in ROOT.glob("ecitizen/**/*.py"):
        if "/tests/" in str(path) or "/migrations/" in str(path) or "/scheduler/" in str(path):
            continue  # the scheduler describes its timetable to operators, on the 24-hour clock
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\.strftime\(|date_format\([^)]*\"(DATETIME|TIME|SHORT_DATETIME)_FORMAT", line):
                offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []
