"""Petitions' forms: they read and check input; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ecitizen.agencies.models import Agency
from ecitizen.core.forms import DatePartsInput
from ecitizen.engagement.petitions import conf
from ecitizen.engagement.petitions.models import (
    ACTION_MAX_LENGTH,
    BACKGROUND_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    RESPONSE_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    RejectionReason,
    RemovalReason,
)


class PetitionForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Which agency is responsible?"),
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        empty_label=_("Select an agency"),
        error_messages={
            "required": _("Select the agency responsible"),
            "invalid_choice": _("Select the agency responsible"),
        },
    )
    title = forms.CharField(
        label=_("Title"),
        help_text=_("Say in a few words what you want, for example “Build a crossing on Mill Lane”."),
        max_length=TITLE_MAX_LENGTH,
        error_messages={"required": _("Enter a title")},
    )
    action = forms.CharField(
        label=_("What do you want the agency to do?"),
        max_length=ACTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Enter what the petition asks for")},
    )
    background = forms.CharField(
        label=_("Why should the agency do it?"),
        max_length=BACKGROUND_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Enter why")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].label_from_instance = lambda agency: agency.display_name


class SponsorsForm(forms.Form):
    sponsors = forms.CharField(
        label=_("Your supporters’ email addresses"),
        widget=forms.Textarea(attrs={"rows": 7, "spellcheck": "false", "autocomplete": "off"}),
        error_messages={"required": _("Enter the email addresses of your supporters")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sponsors"].help_text = _(
            "Enter %(n)s email addresses, one a line. We will email each person a link to support your petition."
        ) % {"n": conf.sponsors_required()}

    def emails(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["sponsors"].replace(",", "\n").splitlines() if line.strip()]


class EmailSignForm(forms.Form):
    name = forms.CharField(label=_("Full name"), max_length=120, error_messages={"required": _("Enter your name")})
    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("We will send you a link to confirm your signature."),
        error_messages={
            "required": _("Enter your email address"),
            "invalid": _("Enter an email address in the correct format, like name@example.com"),
        },
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=12,
        help_text=_("We use it to count signatures by district. It is never shown."),
        error_messages={"required": _("Enter your postcode")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})
        self.fields["postcode"].widget.attrs.update({"autocomplete": "postal-code", "class": "govuk-input--width-10"})


class RejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why is it rejected?"),
        choices=RejectionReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select a reason")},
    )
    note = forms.CharField(
        label=_("A note for the author (optional)"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The author sees the reason and this note."),
    )


class ResponseForm(forms.Form):
    response = forms.CharField(
        label=_("The agency’s response"),
        max_length=RESPONSE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("It is published on the petition and sent to everyone who signed it."),
        error_messages={"required": _("Enter the response")},
    )


class DebateForm(forms.Form):
    date = forms.DateField(
        label=_("Date of the debate"),
        widget=DatePartsInput(),
        error_messages={"required": _("Enter the date of the debate"), "invalid": _("Enter a real date")},
    )
    place = forms.CharField(
        label=_("Where it takes place, or a link to watch it"),
        max_length=300,
        error_messages={"required": _("Enter where the debate takes place, or a link to watch it")},
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("keep", _("Keep the signature")), ("remove", _("Remove the signature"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Select keep or remove")},
    )
    reason = forms.ChoiceField(
        label=_("Reason for removing"),
        choices=[("", _("Select a reason")), *RemovalReason.choices],
        required=False,
    )
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=300)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "remove" and not data.get("reason"):
            self.add_error("reason", _("Select why the signature is removed"))
        return data


class IndexForm(forms.Form):
    state = forms.ChoiceField(
        required=False,
        choices=[
            ("open", _("Open")),
            ("awaiting", _("Awaiting a response")),
            ("responded", _("Responded")),
            ("debated", _("Debate scheduled")),
            ("closed", _("Closed")),
            ("all", _("All")),
        ],
    )
    sort = forms.ChoiceField(required=False, choices=[("signatures", _("Most signatures")), ("newest", _("Newest"))])
