"""Forms render as GOV.UK Frontend markup everywhere, allauth's included."""

from __future__ import annotations

from django import forms
from django.forms.renderers import TemplatesSetting


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "forms/govuk_form.html"
    field_template_name = "forms/govuk_field.html"


class DatePartsInput(forms.Widget):
    """The GOV.UK date input: day, month and year boxes, with the hint "For example, 27 3 2007".

    Posts ``<name>-day``, ``<name>-month`` and ``<name>-year`` (templates/forms/govuk_field.html
    draws them); one ``<name>`` in ISO form (a shared link, an older client) is still read.
    The DateField gets "YYYY-MM-DD" when the three parts are numbers, and otherwise the parts as
    typed, which it rejects with its "invalid" message, so a missing part is a field error.
    """

    PARTS = ("day", "month", "year")

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs)

    def value_from_datadict(self, data, files, name):
        day, month, year = ((data.get(f"{name}-{part}") or "").strip() for part in self.PARTS)
        if not (day or month or year):
            return data.get(name)
        if day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4:
            return f"{year}-{int(month):02d}-{int(day):02d}"
        return f"{year}-{month}-{day}"

    def value_omitted_from_data(self, data, files, name):
        return name not in data and not any(f"{name}-{part}" in data for part in self.PARTS)


DateInput = DatePartsInput  # every date field of the platform asks for a date this way
