from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from ecitizen.agencies.models import Agency, Relationship
from ecitizen.core.dates import format_date
from ecitizen.core.forms import DateInput
from ecitizen.core.models import AuditAction

FILTER_DATE_MIN = datetime.date(2000, 1, 1)
FILTER_DATE_MAX = datetime.date(2099, 12, 31)


def validate_filter_date(value: datetime.date) -> None:
    """Dates people filter by stay in a range the database and date arithmetic can handle."""
    if not FILTER_DATE_MIN <= value <= FILTER_DATE_MAX:
        raise forms.ValidationError(
            _("Enter a date between %(start)s and %(end)s."),
            code="date_out_of_range",
            params={"start": format_date(FILTER_DATE_MIN), "end": format_date(FILTER_DATE_MAX)},
        )


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any action"))] + list(AuditAction.choices)
    )
    actor = forms.CharField(label=_("Actor's email"), required=False, max_length=254)
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput(), validators=[validate_filter_date])
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput(), validators=[validate_filter_date])

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
    document_only = forms.BooleanField(
        label=_("The person is not in the population register: record a document-only check"),
        help_text=_(
            "Only for someone the register does not know, such as a new arrival. The account gets the lower "
            "'documents checked' level: services that need a verified identity stay closed to it, and no "
            "register tax bills are linked to it."
        ),
        required=False,
    )
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


class RelativeDeclareForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("Staff member"), queryset=None, empty_label=None)
    email = forms.EmailField(
        label=_("Email address of the relative's account"),
        help_text=_("The address they use to sign in to this site"),
    )
    relationship = forms.ChoiceField(label=_("Relationship"), choices=Relationship.choices)

    def __init__(self, *args, staff_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_choices
        if staff_choices.count() <= 1:
            del self.fields["staff"]  # staff who are not agency admins declare for themselves only


class ReviewCloseForm(forms.Form):
    outcome = forms.CharField(
        label=_("What you found and what was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def other_languages() -> list[tuple[str, str]]:
    """The languages besides the default one, as (code, English name)."""
    return [
        (code, get_language_info(code)["name"]) for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE
    ]


class _AgencyNamesForm(forms.ModelForm):
    class Meta:
        model = Agency
        fields = ("name", "slug", "code", "email", "is_active", "relatives_are_conflicts")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        names = self.instance.name_translations or {}
        for code, _language in other_languages():
            self.initial.setdefault(f"name_{code}", names.get(code, ""))

    def clean(self):
        cleaned = super().clean()
        self.instance.name_translations = {
            code: cleaned[f"name_{code}"].strip()
            for code, _language in other_languages()
            if (cleaned.get(f"name_{code}") or "").strip()
        }
        return cleaned


# The agency form of the admin, with a box for the agency's name in each of the other
# languages (kept in ``Agency.name_translations``; an empty box means "use the default name").
AgencyAdminForm = type(
    "AgencyAdminForm",
    (_AgencyNamesForm,),
    {
        f"name_{code}": forms.CharField(
            label=format_lazy(_("Name in {language}"), language=language),
            required=False,
            max_length=200,
            help_text=_("Leave empty to show the name above."),
        )
        for code, language in other_languages()
    },
)
# The names in other languages right under the default name.
AgencyAdminForm.base_fields = {
    name: AgencyAdminForm.base_fields[name]
    for name in sorted(AgencyAdminForm.base_fields, key=lambda n: 0 if n.startswith("name") else 1)
}
