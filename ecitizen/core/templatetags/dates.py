"""Date filters, available in every template (TEMPLATES "builtins"), one format per language.

``{{ value|display_date }}`` "6 December 2026", ``{{ value|display_datetime }}`` "6 December 2026,
11:41am", ``{{ value|display_time }}`` "11:41am" (English; see config/formats for the others).
"""

from django import template

from ecitizen.core.dates import format_date, format_datetime, format_month_day, format_time, format_year_month

register = template.Library()


@register.filter(expects_localtime=False)
def display_date(value):
    return format_date(value)


@register.filter(expects_localtime=False)
def display_datetime(value):
    return format_datetime(value)


@register.filter(expects_localtime=False)
def display_time(value):
    return format_time(value)


@register.filter(expects_localtime=False)
def display_month_day(value):
    return format_month_day(value)


@register.filter(expects_localtime=False)
def display_year_month(value):
    return format_year_month(value)


@register.filter(expects_localtime=False)
def iso_date(value):
    """``{{ day|iso_date }}``: "2026-12-06", for addresses and form values (machines, not people)."""
    import datetime

    if isinstance(value, datetime.datetime):
        value = value.date()
    return value.isoformat() if isinstance(value, datetime.date) else ""


@register.filter(expects_localtime=False)
def date_parts(value):
    """``{{ field.value|date_parts }}``: {"day", "month", "year"} to fill a GOV.UK date input.

    Takes a date, an ISO date, or the parts as typed ("2007-3-" from an incomplete answer).
    """
    import datetime

    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
    parts = str(value or "").split("-", 2)
    if len(parts) != 3:
        return {"day": "", "month": "", "year": ""}
    year, month, day = parts
    return {
        "day": day.lstrip("0") if day.isdigit() else day,
        "month": month.lstrip("0") if month.isdigit() else month,
        "year": year,
    }
