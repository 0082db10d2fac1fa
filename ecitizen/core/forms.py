"""Forms render as GOV.UK Frontend markup everywhere, allauth's included."""

from __future__ import annotations

from django import forms
from django.forms.renderers import TemplatesSetting


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "forms/govuk_form.html"
    field_template_name = "forms/govuk_field.html"


class DateInput(forms.DateInput):
    """A native date input: keyboard-friendly, and on old browsers a plain text box
    that accepts YYYY-MM-DD."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
