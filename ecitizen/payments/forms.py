from __future__ import annotations

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecitizen.payments.providers.sandbox import luhn_valid


class PayForm(forms.Form):
    """The "Pay" button: a one-time key made when the page was shown, so a double click pays once."""

    idempotency_key = forms.UUIDField(widget=forms.HiddenInput)


class SandboxCardForm(forms.Form):
    """The sandbox gateway's card page. Nothing is stored but the last four digits."""

    card_number = forms.CharField(
        label=_("Card number"),
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "cc-number", "inputmode": "numeric", "spellcheck": "false"}),
        error_messages={"required": _("Enter your card number")},
    )
    expiry = forms.CharField(
        label=_("Expiry date"),
        help_text=_("For example, 04/29"),
        max_length=7,
        widget=forms.TextInput(
            attrs={"autocomplete": "cc-exp", "inputmode": "numeric", "class": "govuk-input--width-5"}
        ),
        error_messages={"required": _("Enter the expiry date shown on your card")},
    )
    name = forms.CharField(
        label=_("Name on card"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "cc-name", "spellcheck": "false"}),
        error_messages={"required": _("Enter the name as it appears on your card")},
    )
    cvc = forms.CharField(
        label=_("Card security code"),
        help_text=_("The last 3 digits on the back of the card, or 4 digits on the front for American Express"),
        max_length=4,
        widget=forms.TextInput(
            attrs={"autocomplete": "cc-csc", "inputmode": "numeric", "class": "govuk-input--width-4"}
        ),
        error_messages={"required": _("Enter your card security code")},
    )

    def clean_card_number(self) -> str:
        number = re.sub(r"[\s-]", "", self.cleaned_data["card_number"])
        if not number.isdigit() or not 12 <= len(number) <= 19:
            raise forms.ValidationError(_("Enter a card number using numbers only, like 4444 3333 2222 1111"))
        if not luhn_valid(number):
            raise forms.ValidationError(_("Enter a valid card number: check it and try again"))
        return number

    def clean_expiry(self) -> datetime.date:
        match = re.fullmatch(r"(\d{1,2})\s*/\s*(\d{2}|\d{4})", self.cleaned_data["expiry"].strip())
        if not match or not 1 <= int(match.group(1)) <= 12:
            raise forms.ValidationError(_("Enter the expiry date as month and year, like 04/29"))
        month, year = int(match.group(1)), int(match.group(2))
        year = year + 2000 if year < 100 else year
        today = timezone.localdate()
        if (year, month) < (today.year, today.month):
            raise forms.ValidationError(_("The expiry date must be in the future"))
        return datetime.date(year, month, 1)

    def clean_cvc(self) -> str:
        cvc = self.cleaned_data["cvc"].strip()
        if not re.fullmatch(r"\d{3,4}", cvc):
            raise forms.ValidationError(_("Enter the 3 or 4 digit card security code"))
        return cvc
