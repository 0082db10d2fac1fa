"""Forms of the results and implementation pages: they read and check input; services decide."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from ecitizen.core.forms import DatePartsInput
from ecitizen.voting.budgeting.models import DESCRIPTION_MAX_LENGTH, TITLE_MAX_LENGTH, Milestone

IMPORT_MAX_BYTES = 50 * 1024 * 1024


class ImportForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=None,
        empty_label=None,
        error_messages={"required": _("Select the agency"), "invalid_choice": _("Select the agency")},
    )
    title = forms.CharField(
        label=_("Title (optional)"),
        help_text=_("Leave it empty to use the description in the file."),
        max_length=TITLE_MAX_LENGTH,
        required=False,
    )
    file = forms.FileField(
        label=_("Pabulib file (.pb)"),
        error_messages={"required": _("Choose a Pabulib file"), "empty": _("The file is empty")},
    )

    def __init__(self, *args, agencies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies.order_by("name")
        self.fields["agency"].label_from_instance = lambda agency: agency.display_name

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("The file must be smaller than 50 MB"))
        data = upload.read()
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise forms.ValidationError(_("The file must be text in UTF-8")) from exc


class MilestoneForm(forms.Form):
    title = forms.CharField(
        label=_("Title"), max_length=TITLE_MAX_LENGTH, error_messages={"required": _("Enter a title")}
    )
    description = forms.CharField(
        label=_("Description (optional)"),
        max_length=DESCRIPTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    planned_for = forms.DateField(
        label=_("Planned for (optional)"),
        required=False,
        widget=DatePartsInput(),
        error_messages={"invalid": _("Enter a real date")},
    )
    done_on = forms.DateField(
        label=_("Done on (optional)"),
        help_text=_("Fill this in when the step is done: people following the project are told."),
        required=False,
        widget=DatePartsInput(),
        error_messages={"invalid": _("Enter a real date")},
    )
    seen_updated_at = forms.DateTimeField(required=False, widget=forms.HiddenInput)
    create_token = forms.UUIDField(required=False, widget=forms.HiddenInput)

    @classmethod
    def for_milestone(cls, milestone: Milestone | None, data=None):
        if milestone is None:
            return cls(data, initial={"create_token": uuid.uuid4()})
        return cls(
            data,
            initial={
                "title": milestone.title,
                "description": milestone.description,
                "planned_for": milestone.planned_for,
                "done_on": milestone.done_on,
                "seen_updated_at": milestone.updated_at.isoformat(),
            },
        )


class ProgressForm(forms.Form):
    progress = forms.IntegerField(
        label=_("Progress (per cent)"),
        min_value=0,
        max_value=100,
        error_messages={
            "required": _("Enter a percentage from 0 to 100"),
            "invalid": _("Enter a percentage from 0 to 100"),
            "min_value": _("Enter a percentage from 0 to 100"),
            "max_value": _("Enter a percentage from 0 to 100"),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    spent = forms.IntegerField(
        label=_("Spent so far"),
        min_value=0,
        max_value=10**15,
        error_messages={
            "required": _("Enter an amount of 0 or more"),
            "invalid": _("Enter a whole amount of 0 or more"),
            "min_value": _("Enter an amount of 0 or more"),
            "max_value": _("Enter a smaller amount"),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class PhotoForm(forms.Form):
    photo = forms.FileField(label=_("Photo (JPEG or PNG)"), error_messages={"required": _("Choose a photo")})
    alt_text = forms.CharField(
        label=_("What the photo shows"),
        max_length=200,
        error_messages={"required": _("Describe what the photo shows")},
    )
    milestone = forms.ModelChoiceField(
        label=_("Milestone (optional)"), queryset=Milestone.objects.none(), required=False, empty_label=_("None")
    )

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].queryset = Milestone.objects.filter(project=project).order_by("planned_for", "pk")
