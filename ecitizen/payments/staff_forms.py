"""Forms of the payments back office. Amounts are typed as decimals ("12.50") and
cleaned to integer minor units of the payment's or bill's currency."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecitizen.core.forms import DateInput
from ecitizen.core.money import MoneyError, parse_amount
from ecitizen.payments.dashboards import MAX_RANGE_DAYS
from ecitizen.payments.models import Method
from ecitizen.payments.refunds import REASON_MAX_LENGTH, THRESHOLD_MAX

_MONEY_WIDGET = forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"})


def _amount_messages() -> dict:
    return {
        "invalid": _("Enter the amount as a number, like 12.50"),
        "negative": _("The amount cannot be negative"),
        "decimals": _("The amount can have at most 2 decimal places"),
        "too_large": _("The amount is too large"),
        "zero": _("Enter an amount greater than zero"),
    }


class _MoneyForm(forms.Form):
    """Cleans ``amount`` (a decimal string) to minor units of ``currency`` as ``amount_minor``."""

    money_field = "amount"
    zero_allowed = False

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get(self.money_field)
        if text is not None and self.money_field not in self.errors:
            messages = _amount_messages()
            try:
                minor = parse_amount(text, self.currency)
            except MoneyError as exc:
                self.add_error(self.money_field, messages.get(exc.code) or exc.message)
            else:
                if minor == 0 and not self.zero_allowed:
                    self.add_error(self.money_field, messages["zero"])
                else:
                    cleaned[f"{self.money_field}_minor"] = minor
        return cleaned


class RefundForm(_MoneyForm):
    amount = forms.CharField(
        label=_("Amount to refund"),
        max_length=20,
        help_text=_("An amount like 12.50"),
        widget=_MONEY_WIDGET,
        error_messages={"required": _("Enter the amount to refund")},
    )
    reason = forms.CharField(
        label=_("Reason for the refund"),
        help_text=_("Staff approving the refund and auditors will read this."),
        widget=forms.Textarea,
        max_length=REASON_MAX_LENGTH,
        error_messages={
            "required": _("Enter the reason for the refund"),
            "max_length": _("The reason must be %(limit_value)d characters or fewer"),
        },
    )


class RejectRefundForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejecting"),
        widget=forms.Textarea,
        max_length=REASON_MAX_LENGTH,
        error_messages={
            "required": _("Enter the reason for rejecting the refund"),
            "max_length": _("The reason must be %(limit_value)d characters or fewer"),
        },
    )


class ThresholdForm(_MoneyForm):
    money_field = "threshold"
    zero_allowed = True

    agency = forms.ModelChoiceField(label=_("Agency"), queryset=None, empty_label=None)
    threshold = forms.CharField(
        label=_("New limit: when a payment's refunds add up to more than this, a second person must approve"),
        max_length=20,
        help_text=_(
            "An amount like 100.00. Enter 0 to have every refund approved by a second person. "
            "The change takes effect when another agency admin or a platform admin confirms it."
        ),
        widget=_MONEY_WIDGET,
        error_messages={"required": _("Enter the amount")},
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies
        self.fields["agency"].error_messages["invalid_choice"] = _("Choose one of your agencies")
        if agencies.count() == 1:
            self.fields["agency"].widget = forms.HiddenInput()


class ProposalDecisionForm(forms.Form):
    """Confirm a proposed threshold: ``expected`` is the proposed value (minor units) the person saw."""

    expected = forms.IntegerField(min_value=0, max_value=THRESHOLD_MAX, widget=forms.HiddenInput)


class ReconciliationForm(forms.Form):
    day = forms.DateField(
        label=_("Day (UTC)"),
        widget=DateInput(attrs={"class": "govuk-input--width-10"}),
        help_text=_("Payments opened from midnight to midnight, Coordinated Universal Time."),
        error_messages={"required": _("Enter the day"), "invalid": _("Enter a real date, for example 31 3 2026")},
    )
    provider = forms.ChoiceField(label=_("Payment provider"), choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(name, name) for name in settings.PAYMENT_PROVIDERS]
        self.fields["provider"].error_messages["invalid_choice"] = _("Choose a payment provider")

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day > timezone.now().date() + datetime.timedelta(days=1):
            raise forms.ValidationError(_("The day cannot be in the future"))
        return day


class DashboardForm(forms.Form):
    GROUPINGS = [("agency", _("Agency")), ("service", _("Service")), ("day", _("Day"))]
    date_from = forms.DateField(
        label=_("From"),
        widget=DateInput(attrs={"class": "govuk-input--width-10"}),
        error_messages={"invalid": _("Enter a real date, for example 1 3 2026")},
    )
    date_to = forms.DateField(
        label=_("To"),
        widget=DateInput(attrs={"class": "govuk-input--width-10"}),
        error_messages={"invalid": _("Enter a real date, for example 31 3 2026")},
    )
    by = forms.ChoiceField(label=_("Takings by"), choices=GROUPINGS, required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end:
            if start > end:
                self.add_error("date_to", _("The end date must be on or after the start date"))
            elif (end - start).days >= MAX_RANGE_DAYS:
                self.add_error("date_to", _("Choose at most %(days)d days") % {"days": MAX_RANGE_DAYS})
        cleaned["by"] = cleaned.get("by") or "agency"
        return cleaned


class BillLookupForm(forms.Form):
    reference = forms.CharField(
        label=_("Bill reference"),
        max_length=24,
        help_text=_("As printed on the bill or shown in the payer's account"),
        error_messages={"required": _("Enter the bill reference")},
    )

    def clean_reference(self):
        return self.cleaned_data["reference"].strip().upper()


class CounterPaymentForm(_MoneyForm):
    METHODS = [(Method.CASH.value, Method.CASH.label), (Method.CARD_TERMINAL.value, Method.CARD_TERMINAL.label)]
    method = forms.ChoiceField(
        label=_("How did they pay?"),
        choices=METHODS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how they paid"), "invalid_choice": _("Choose how they paid")},
    )
    amount = forms.CharField(
        label=_("Amount received"),
        max_length=20,
        widget=_MONEY_WIDGET,
        error_messages={"required": _("Enter the amount received")},
    )
    reference_note = forms.CharField(
        label=_("Receipt or terminal reference (optional)"),
        required=False,
        max_length=100,
        help_text=_("For a card terminal, the transaction number on its slip."),
    )


class PaymentFilterForm(forms.Form):
    reference = forms.CharField(label=_("Payment or bill reference"), required=False, max_length=32)
