"""Forms of the staff tax pages. They turn what admins type into the data the tax services take;
whether that makes a valid tax is the services' call."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from ecitizen.core.money import CURRENCIES
from ecitizen.payments.models import Tax

DEFAULT_LANGUAGE = settings.LANGUAGE_CODE
LANGUAGES = [code for code, _name in settings.LANGUAGES]


def _percent(basis_points: int) -> Decimal:
    """Basis points as the percentage typed into the form: 120 → Decimal("1.20")."""
    return (Decimal(basis_points) / 100).quantize(Decimal("0.01"))


def _percent_field(label, help_text, *, minimum: str, maximum: str, required_message) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text=help_text,
        min_value=Decimal(minimum),
        max_value=Decimal(maximum),
        max_digits=6,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-5"}),
        error_messages={
            "required": required_message,
            "invalid": _("Enter a percentage like 1.25"),
            "min_value": _("Enter a percentage of at least %(limit_value)s"),
            "max_value": _("Enter a percentage of at most %(limit_value)s"),
            "max_decimal_places": _("Enter a percentage with at most 2 decimal places"),
            "max_digits": _("Enter a percentage of at most 100"),
            "max_whole_digits": _("Enter a percentage of at most 100"),
        },
    )


def _whole_number(label, *, minimum: int, maximum: int, messages: dict, help_text="", width="3") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        help_text=help_text,
        min_value=minimum,
        max_value=maximum,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": f"govuk-input--width-{width}"}),
        error_messages=messages,
    )


class TaxForm(forms.Form):
    """A tax's names in each language and its terms. Percentages are typed as people say them."""

    def __init__(self, *args: Any, agencies=None, creating: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if creating and agencies is not None and agencies.count() > 1:
            self.fields["agency"] = forms.ModelChoiceField(
                label=_("Agency"),
                queryset=agencies,
                empty_label=_("Choose an agency"),
                error_messages={"required": _("Choose the agency that levies the tax")},
            )
        for code in LANGUAGES:
            name = get_language_info(code)["name_translated"]
            self.fields[f"name_{code}"] = forms.CharField(
                label=_("Name (%(language)s)") % {"language": name}
                if code == DEFAULT_LANGUAGE
                else _("Name (%(language)s, optional)") % {"language": name},
                max_length=200,
                required=code == DEFAULT_LANGUAGE,
                error_messages={"required": _("Enter the tax's name in English")},
            )
        self.fields["currency"] = forms.ChoiceField(
            label=_("Currency"), choices=[(code, code) for code in CURRENCIES], initial="GBP"
        )
        self.fields["rate"] = _percent_field(
            # xgettext:no-python-format
            _("Yearly rate (% of the assessed value)"),
            _("For example 1.25 for 1.25%."),
            minimum="0.01",
            maximum="100",
            required_message=_("Enter the yearly rate"),
        )
        self.fields["instalments"] = _whole_number(
            _("Number of instalments"),
            minimum=1,
            maximum=12,
            help_text=_("The yearly amount is split into this many monthly bills."),
            messages={
                "required": _("Enter the number of instalments"),
                "invalid": _("Enter a whole number of instalments"),
                "min_value": _("Enter at least 1 instalment"),
                "max_value": _("Enter 12 instalments or fewer"),
            },
        )
        self.fields["first_due_month"] = forms.TypedChoiceField(
            label=_("First instalment due in"),
            choices=[(number, name) for number, name in MONTHS.items()],
            coerce=int,
            initial=4,
            help_text=_("Instalments are due on the 1st of this month and of the months after it."),
        )
        self.fields["penalty"] = _percent_field(
            # xgettext:no-python-format
            _("Late payment penalty (% of the tax, per month)"),
            _("Enter 0 for no penalty. It is simple: never charged on a penalty."),
            minimum="0",
            maximum="10",
            required_message=_("Enter the monthly penalty, or 0 for none"),
        )
        self.fields["penalty_grace_days"] = _whole_number(
            _("Days of grace before a penalty"),
            minimum=0,
            maximum=365,
            messages={
                "required": _("Enter the days of grace, or 0"),
                "invalid": _("Enter a whole number of days"),
                "min_value": _("The days of grace cannot be negative"),
                "max_value": _("Enter 365 days or fewer"),
            },
        )
        self.fields["is_active"] = forms.BooleanField(
            label=_("Active: the public is charged this tax"), required=False, initial=True
        )

    @staticmethod
    def initial_from(tax: Tax) -> dict[str, Any]:
        initial = {f"name_{code}": (tax.name or {}).get(code, "") for code in LANGUAGES}
        initial.update(
            currency=tax.currency,
            rate=_percent(tax.rate_basis_points),
            instalments=tax.instalments,
            first_due_month=tax.first_due_month,
            penalty=_percent(tax.penalty_basis_points_per_month),
            penalty_grace_days=tax.penalty_grace_days,
            is_active=tax.is_active,
        )
        return initial

    def data_for_service(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        return {
            "name": {code: cleaned.get(f"name_{code}", "") for code in LANGUAGES},
            "currency": cleaned["currency"],
            "rate_basis_points": int(cleaned["rate"] * 100),
            "instalments": cleaned["instalments"],
            "first_due_month": cleaned["first_due_month"],
            "penalty_basis_points_per_month": int(cleaned["penalty"] * 100),
            "penalty_grace_days": cleaned["penalty_grace_days"],
            "is_active": cleaned["is_active"],
        }


def _year_field() -> forms.IntegerField:
    return _whole_number(
        _("Tax year"),
        minimum=2000,
        maximum=2100,
        width="4",
        messages={
            "required": _("Enter the tax year"),
            "invalid": _("Enter the year as 4 digits, like 2026"),
            "min_value": _("Enter a year from 2000"),
            "max_value": _("Enter a year up to 2100"),
        },
    )


class AssessmentUploadForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["year"] = _year_field()
        self.fields["year"].initial = timezone.localdate().year
        self.fields["file"] = forms.FileField(
            label=_("CSV file of assessments"),
            error_messages={"required": _("Choose a CSV file"), "empty": _("The chosen file is empty")},
        )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > settings.UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                _("The file must be smaller than %(size)s MB") % {"size": settings.UPLOAD_MAX_BYTES // 2**20}
            )
        return file


class GenerateBillsForm(forms.Form):
    """The year to bill: one with assessments."""

    def __init__(self, *args: Any, years: list[int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["year"] = forms.TypedChoiceField(
            label=_("Tax year"),
            choices=[(year, str(year)) for year in years],
            coerce=int,
            error_messages={
                "required": _("Choose the tax year"),
                "invalid_choice": _("Choose a year with assessments"),
            },
        )
