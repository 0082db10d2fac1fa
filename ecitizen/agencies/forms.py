from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecitizen.core.forms import DateInput
from ecitizen.core.models import AuditAction


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any action"))] + list(AuditAction.choices)
    )
    actor = forms.CharField(label=_("Actor's email"), required=False, max_length=254)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return cleaned


class InPersonCitizenForm(forms.Form):
    email = forms.EmailField(label=_("Citizen's email address"), help_text=_("The email address of their account"))


class InPersonVerifyForm(forms.Form):
    DOCUMENT_TYPES = [
        ("identity_card", _("National identity card")),
        ("passport", _("Passport")),
        ("residence_permit", _("Residence permit")),
    ]
    agency = forms.ModelChoiceField(label=_("Acting for agency"), queryset=None, empty_label=None)
    given_name = forms.CharField(label=_("Given names (as on the document)"), max_length=150)
    family_name = forms.CharField(label=_("Family name (as on the document)"), max_length=150)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=DateInput())
    national_id = forms.RegexField(
        label=_("National ID number"),
        regex=r"^[A-Za-z0-9 -]{6,20}$",
        error_messages={"invalid": _("Enter the national ID number as printed on the document")},
    )
    document_type = forms.ChoiceField(label=_("Document checked"), choices=DOCUMENT_TYPES, widget=forms.RadioSelect)
    document_reference = forms.CharField(label=_("Document number"), max_length=40, min_length=4)
    confirm = forms.BooleanField(
        label=_("I have seen the original document and it matches the person in front of me"),
        error_messages={"required": _("Confirm that you have checked the original document")},
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value >= timezone.localdate() or value < datetime.date(1890, 1, 1):
            raise forms.ValidationError(_("Enter a real date of birth in the past."))
        return value
