from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecitizen.core.addresses import address_is_blank, address_missing_parts, normalise_postcode, postcode_looks_valid
from ecitizen.core.forms import DateInput


def _validate_birth_date(value: datetime.date) -> None:
    today = timezone.localdate()
    if value > today:
        raise forms.ValidationError(_("Date of birth must be in the past."))
    if value.year < today.year - 130:
        raise forms.ValidationError(_("Enter a real date of birth."))


class ProfileForm(forms.Form):
    given_name = forms.CharField(label=_("Given names"), max_length=150, required=False)
    family_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        required=False,
        widget=DateInput(),
        help_text=_("For example, 27 3 1985"),
        validators=[_validate_birth_date],
    )
    address_line_1 = forms.CharField(label=_("Address line 1"), max_length=200, required=False)
    address_line_2 = forms.CharField(label=_("Address line 2 (optional)"), max_length=200, required=False)
    town = forms.CharField(label=_("Town or city"), max_length=100, required=False)
    postcode = forms.CharField(label=_("Postcode"), max_length=20, required=False)
    phone = forms.RegexField(
        label=_("Phone number"),
        regex=r"^\+?[0-9 ()-]{6,20}$",
        required=False,
        error_messages={"invalid": _("Enter a phone number, like 01632 960 001 or +44 808 157 0192")},
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=[("", "")] + list(settings.LANGUAGES), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["given_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["family_name"].widget.attrs["autocomplete"] = "family-name"
        self.fields["address_line_1"].widget.attrs["autocomplete"] = "address-line1"
        self.fields["address_line_2"].widget.attrs["autocomplete"] = "address-line2"
        self.fields["town"].widget.attrs["autocomplete"] = "address-level2"
        self.fields["postcode"].widget.attrs["autocomplete"] = "postal-code"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["phone"].widget.input_type = "tel"
        self.fields["postcode"].widget.attrs["class"] = "govuk-input--width-10"

    def clean(self):
        """The address is optional, but once started it must be one a letter can reach:
        a first line, a town and a real-looking postcode (a town alone is not an address)."""
        cleaned = super().clean()
        names = {"line1": "address_line_1", "line2": "address_line_2", "town": "town", "postcode": "postcode"}
        address = {part: (cleaned.get(name) or "").strip() for part, name in names.items()}
        if address_is_blank(address) or any(name in self.errors for name in names.values()):
            return cleaned
        messages = {
            "line1": _("Enter address line 1, typically the building and street"),
            "town": _("Enter the town or city"),
            "postcode": _("Enter a postcode"),
        }
        for part in address_missing_parts(address):
            if address[part]:
                self.add_error(names[part], _("Enter a real postcode, like RV1 4AB"))
            else:
                self.add_error(names[part], messages[part])
        if address["postcode"] and postcode_looks_valid(address["postcode"]):
            cleaned["postcode"] = normalise_postcode(address["postcode"])
        return cleaned


class IdentityDetailsForm(forms.Form):
    given_name = forms.CharField(label=_("Given names"), max_length=150)
    family_name = forms.CharField(label=_("Family name"), max_length=150)
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        widget=DateInput(),
        help_text=_("For example, 27 3 1985"),
        validators=[_validate_birth_date],
    )
    national_id = forms.RegexField(
        label=_("National ID number"),
        regex=r"^[A-Za-z0-9 -]{6,20}$",
        help_text=_("As printed on your identity card, for example AB-123456-C"),
        error_messages={"invalid": _("Enter your national ID number as printed on your identity card")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["national_id"].widget.attrs.update(autocomplete="off", spellcheck="false")
        self.fields["given_name"].widget.attrs["autocomplete"] = "given-name"
        self.fields["family_name"].widget.attrs["autocomplete"] = "family-name"
