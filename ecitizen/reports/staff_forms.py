"""Forms of the back office of Report a problem.

They only parse what staff type; the services in :mod:`ecitizen.reports.services`
and :mod:`ecitizen.reports.admin_services` decide whether it is allowed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from ecitizen.core.forms import DateInput
from ecitizen.reports.admin_services import MAX_AREA_FILE
from ecitizen.reports.forms import DATE_RANGE_VALIDATORS
from ecitizen.reports.models import UPDATE_MAX_LENGTH, Status

LANGUAGES = [code for code, _name in settings.LANGUAGES]
DEFAULT_LANGUAGE = settings.LANGUAGE_CODE


def language_name(code: str) -> str:
    return get_language_info(code)["name_translated"]


def add_language_fields(form: forms.Form, name: str, label: Any, *, textarea: bool = False, max_length: int = 200):
    """One field per language (``name_en``, ``name_es``…); only the default language's may be required."""
    for code in LANGUAGES:
        form.fields[f"{name}_{code}"] = forms.CharField(
            label=f"{label} ({language_name(code)})",
            required=False,
            max_length=max_length,
            widget=forms.Textarea if textarea else forms.TextInput,
        )


def language_texts(cleaned: dict, name: str) -> dict[str, str]:
    return {code: cleaned.get(f"{name}_{code}", "").strip() for code in LANGUAGES if cleaned.get(f"{name}_{code}")}


def language_initial(texts: dict | None, name: str) -> dict[str, str]:
    return {f"{name}_{code}": (texts or {}).get(code, "") for code in LANGUAGES}


# --- the queue ---------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    STATUS_GROUPS = [
        ("open", _("Open (any open status)")),
        ("closed", _("Closed (any closed status)")),
        ("all", _("Any status")),
    ]
    SORTS = [("due", _("Due date, soonest first")), ("newest", _("Newest first")), ("oldest", _("Oldest first"))]
    ASSIGNEES = [("", _("Anyone")), ("me", _("Me")), ("none", _("Nobody"))]

    agency = forms.TypedChoiceField(label=_("Agency"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    area = forms.TypedChoiceField(label=_("Area"), required=False, coerce=int, empty_value=None)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False, choices=ASSIGNEES)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    reopened = forms.BooleanField(label=_("Reopened only"), required=False)
    created_from = forms.DateField(
        label=_("Reported on or after"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Enter a real date, for example 31 3 2026")},
        validators=DATE_RANGE_VALIDATORS,
    )
    created_to = forms.DateField(
        label=_("Reported on or before"),
        required=False,
        widget=DateInput(),
        error_messages={"invalid": _("Enter a real date, for example 31 3 2026")},
        validators=DATE_RANGE_VALIDATORS,
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def __init__(self, *args, agencies, categories, areas, **kwargs):
        super().__init__(*args, **kwargs)
        if len(agencies) > 1:
            self.fields["agency"].choices = [("", _("All your agencies"))] + [(a.pk, a.name) for a in agencies]
        else:
            del self.fields["agency"]
        self.fields["status"].choices = self.STATUS_GROUPS + [(s.value, s.label) for s in Status]
        self.fields["category"].choices = [("", _("All categories"))] + list(categories)
        self.fields["area"].choices = [("", _("All areas"))] + list(areas)

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and end < start:
            self.add_error("created_to", _("The end date must be the same as or after the start date"))
        return data


# --- acting on a report ------------------------------------------------------------------


class VersionedForm(forms.Form):
    """Staff actions carry the report version the caseworker saw, so that a later change is noticed."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class StatusForm(VersionedForm):
    status = forms.ChoiceField(
        label=_("New status"), error_messages={"required": _("Select a status"), "invalid_choice": _("Select a status")}
    )
    public_note = forms.CharField(
        label=_("Note for the public (optional)"),
        help_text=_("Shown on the public report page and sent to the reporter."),
        widget=forms.Textarea,
        required=False,
        max_length=UPDATE_MAX_LENGTH,
    )
    responsible_body = forms.CharField(
        label=_("Who is responsible"),
        help_text=_("Only for “Not our responsibility”: the body the reporter should contact."),
        required=False,
        max_length=300,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s.value, s.label) for s in Status if s != Status.DUPLICATE]

    def clean(self):
        data = super().clean()
        if data.get("status") == Status.NOT_RESPONSIBLE and not (data.get("responsible_body") or "").strip():
            self.add_error("responsible_body", _("Say who is responsible, so that the reporter can contact them"))
        return data


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Staff note"),
        help_text=_("Only staff of the agency can see notes. They are never shown to the public."),
        widget=forms.Textarea,
        max_length=UPDATE_MAX_LENGTH,
        error_messages={"required": _("Enter a note")},
    )


class AssignForm(VersionedForm):
    assignee = forms.ChoiceField(
        label=_("Assign to"), error_messages={"required": _("Choose who to assign the report to")}
    )

    def __init__(self, *args, staff, user, **kwargs):
        super().__init__(*args, **kwargs)
        others = [(str(person.pk), person.get_full_name() or person.email) for person in staff if person != user]
        self.fields["assignee"].choices = [("me", _("Me")), ("none", _("Nobody"))] + others
        self.fields["assignee"].error_messages["invalid_choice"] = _(
            "Choose someone who works on this agency's reports"
        )


class MergeForm(VersionedForm):
    into = forms.IntegerField(
        label=_("Number of the original report"),
        help_text=_("The report this one duplicates, for example 1234."),
        min_value=1,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-10"}),
        error_messages={
            "required": _("Enter the number of the original report"),
            "invalid": _("Enter a report number, like 1234"),
            "min_value": _("Enter a report number, like 1234"),
        },
    )
    public_note = forms.CharField(
        label=_("Note for the public (optional)"), widget=forms.Textarea, required=False, max_length=UPDATE_MAX_LENGTH
    )


class ForwardForm(VersionedForm):
    agency = forms.TypedChoiceField(
        label=_("Pass to"),
        coerce=int,
        error_messages={"required": _("Choose an agency"), "invalid_choice": _("Choose another agency")},
    )
    public_note = forms.CharField(
        label=_("Note for the public (optional)"), widget=forms.Textarea, required=False, max_length=UPDATE_MAX_LENGTH
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [("", _("Choose an agency"))] + [(a.pk, a.name) for a in agencies]


class HideForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for hiding"),
        help_text=_("Recorded in the audit log. Not shown to the public."),
        max_length=300,
        error_messages={"required": _("Give the reason for hiding it")},
    )


# --- categories and areas ---------------------------------------------------------------

QUESTIONS_HELP = _(
    "Optional. A JSON list, for example: "
    '[{"code": "lamp_post", "label": {"en": "Which lamp-post number?"}, "datatype": "string", "required": true}]. '
    'The datatype is string, number, text or singlevaluelist; a singlevaluelist needs "values": '
    '[{"key": "deep", "name": {"en": "5 cm or more"}}]. '
    'A string or text question may have a "pattern" (a regular expression without back-references '
    'or look-arounds) and a "pattern_message".'
)


class CategoryForm(forms.Form):
    def __init__(self, *args, agencies=None, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if creating and agencies is not None and len(agencies) > 1:
            self.fields["agency"] = forms.TypedChoiceField(
                label=_("Agency"),
                coerce=int,
                choices=[("", _("Choose an agency"))] + [(a.pk, a.name) for a in agencies],
                error_messages={"required": _("Choose an agency"), "invalid_choice": _("Choose an agency")},
            )
        if creating:
            self.fields["code"] = forms.CharField(
                label=_("Code"),
                max_length=50,
                help_text=_(
                    "The Open311 service code, for example pothole. Lower-case letters, digits, hyphens and "
                    "underscores. It cannot be changed later."
                ),
                error_messages={"required": _("Enter a code")},
            )
        add_language_fields(self, "name", _("Name"), max_length=200)
        add_language_fields(self, "group", _("Group"), max_length=100)
        add_language_fields(self, "guidance", _("Guidance for people reporting"), textarea=True, max_length=2000)
        self.fields["keywords"] = forms.CharField(
            label=_("Keywords"),
            help_text=_("Other words people use for this problem, separated by commas."),
            required=False,
            max_length=200,
        )
        self.fields["response_days"] = forms.IntegerField(
            label=_("Expected response time (working days)"),
            min_value=1,
            max_value=365,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
            error_messages={
                "required": _("Enter the expected response time in working days"),
                "invalid": _("Enter a whole number of working days"),
                "min_value": _("Enter at least 1 working day"),
                "max_value": _("Enter 365 working days or fewer"),
            },
        )
        self.fields["is_active"] = forms.BooleanField(
            label=_("Active: people can choose this category"), required=False
        )
        self.fields["questions"] = forms.CharField(
            label=_("Extra questions (JSON)"),
            help_text=QUESTIONS_HELP,
            widget=forms.Textarea,
            required=False,
            max_length=20000,
        )
        self.fields[f"name_{DEFAULT_LANGUAGE}"].required = True
        self.fields[f"name_{DEFAULT_LANGUAGE}"].error_messages["required"] = _("Enter the name in English")

    def data_for_service(self) -> dict:
        data = self.cleaned_data
        return {
            "code": data.get("code", ""),
            "name": language_texts(data, "name"),
            "group": language_texts(data, "group"),
            "guidance": language_texts(data, "guidance"),
            "keywords": data["keywords"],
            "response_days": data["response_days"],
            "is_active": data["is_active"],
            "questions": data["questions"],
        }

    def language_sections(self) -> list[dict]:
        """Per-language groups of fields for the template: the default language first, open."""
        sections = []
        for code in LANGUAGES:
            fields = [self[f"{name}_{code}"] for name in ("name", "group", "guidance")]
            filled = any(f.errors or f.value() for f in fields)
            sections.append(
                {
                    "code": code,
                    "title": language_name(code),
                    "fields": fields,
                    "open": code == DEFAULT_LANGUAGE or filled,
                }
            )
        return sections


class AreaUploadForm(forms.Form):
    file = forms.FileField(
        label=_("GeoJSON file"),
        help_text=_(
            "A Polygon, MultiPolygon, Feature or FeatureCollection, with [longitude, latitude] positions. "
            "Smaller than 2 MB."
        ),
        error_messages={"required": _("Choose a GeoJSON file"), "empty": _("The selected file is empty")},
    )
    split = forms.BooleanField(
        label=_("Make one area per feature"),
        help_text=_('For a FeatureCollection: each feature becomes an area, named by its "name" property.'),
        required=False,
    )

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        if agencies is not None and len(agencies) > 1:
            self.fields["agency"] = forms.TypedChoiceField(
                label=_("Agency"),
                coerce=int,
                choices=[("", _("Choose an agency"))] + [(a.pk, a.name) for a in agencies],
                error_messages={"required": _("Choose an agency"), "invalid_choice": _("Choose an agency")},
            )
            self.order_fields(["agency"])
        add_language_fields(self, "name", _("Name"), max_length=200)
        self.fields[f"name_{DEFAULT_LANGUAGE}"].help_text = _(
            'Leave the names empty to use the "name" property of the file\'s feature.'
        )

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > MAX_AREA_FILE:
            raise forms.ValidationError(_("The file must be smaller than 2 MB"))
        return file
