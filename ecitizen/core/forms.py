"""Forms render as GOV.UK Frontend markup everywhere, allauth's included."""

from __future__ import annotations

from django import forms
from django.forms.renderers import TemplatesSetting

from ecitizen.core.templatetags.govuk_forms import field_html, form_html

# What Form.get_context() gives the form template.
_FORM_CONTEXT_KEYS = {"form", "fields", "hidden_fields", "errors"}


class GovukFormRenderer(TemplatesSetting):
    form_template_name = "forms/govuk_form.html"
    field_template_name = "forms/govuk_field.html"

    def render(self, template_name, context, request=None):
        """A field group of a common kind (text-like inputs, select, textarea, checkbox, radios and
        checkboxes) is drawn in Python, the same markup as ``forms/govuk_field.html`` (rendering that
        template per field was a large part of a form page); anything else takes the template. The
        form around them (``forms/govuk_form.html``) is drawn in Python too."""
        if template_name == self.form_template_name and request is None and context.keys() == _FORM_CONTEXT_KEYS:
            return form_html(context["form"])
        if template_name == self.field_template_name and request is None and len(context) == 1 and "field" in context:
            html = field_html(context["field"])
            if html is not None:
                return html
        return super().render(template_name, context, request=request)

    def render_with_template(self, template_name, context, request=None):
        """The template path alone (the tests compare it with the Python one)."""
        return super().render(template_name, context, request=request)


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
        # ASCII digits only, and short: "²".isdigit() is true but int() refuses it, and int() of
        # thousands of digits raises too; anything else goes on as typed, for the field to refuse.
        if all(p.isascii() and p.isdigit() and len(p) <= 4 for p in (day, month, year)) and len(year) == 4:
            return f"{year}-{int(month):02d}-{int(day):02d}"
        return f"{year}-{month}-{day}"

    def value_omitted_from_data(self, data, files, name):
        return name not in data and not any(f"{name}-{part}" in data for part in self.PARTS)


DateInput = DatePartsInput  # every date field of the platform asks for a date this way
