"""Information requests' forms: they read and check input; services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ecitizen.agencies.models import Agency
from ecitizen.records.foi import conf
from ecitizen.records.foi.models import (
    BODY_MAX_LENGTH,
    REASON_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    ReviewStatus,
    Status,
)


class AskForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Which agency holds the information?"),
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        empty_label=_("Select an agency"),
        error_messages={
            "required": _("Select the agency that holds the information"),
            "invalid_choice": _("Select the agency that holds the information"),
        },
    )
    title = forms.CharField(
        label=_("Summary"),
        help_text=_("A few words, for example “Cost of the new library roof”."),
        max_length=TITLE_MAX_LENGTH,
        error_messages={"required": _("Enter a summary of your request")},
    )
    body = forms.CharField(
        label=_("What information do you want?"),
        help_text=_("Be specific: name the documents, dates or figures you want. Everyone can read your request."),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Enter the information you want")},
    )
    hide_name = forms.BooleanField(
        label=_("Do not show my name on the public request"),
        help_text=_("The agency still sees who you are."),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].label_from_instance = lambda agency: agency.display_name


class IndexForm(forms.Form):
    state = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("all", _("All requests")),
            ("awaiting", _("Waiting for an answer")),
            ("overdue", _("Overdue")),
            ("answered", _("Answered")),
            ("refused", _("Refused")),
        ],
    )
    q = forms.CharField(label=_("Search requests"), required=False, max_length=200)


class ClarifyForm(forms.Form):
    text = forms.CharField(
        label=_("Your clarification"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Enter your clarification")},
    )


class ReviewRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should the agency review its answer?"),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Enter why you want the answer reviewed")},
    )


# --- staff ------------------------------------------------------------------------------------


class QueueForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("All")),
            ("overdue", _("Overdue")),
            ("review", _("Internal review requested")),
            *Status.choices,
        ],
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("Your answer"),
        help_text=_("It is published on the request page. Add documents after answering."),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={"required": _("Enter your answer")},
    )


class RefuseForm(forms.Form):
    partly = forms.TypedChoiceField(
        label=_("How much do you refuse?"),
        choices=[("0", _("All of the request")), ("1", _("Part of the request"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("Select whether you refuse all or part of the request")},
    )
    exemption = forms.ChoiceField(
        label=_("Exemption"),
        choices=(),
        error_messages={
            "required": _("Select the exemption you rely on"),
            "invalid_choice": _("Select the exemption you rely on"),
        },
    )
    explanation = forms.CharField(
        label=_("Explanation"),
        help_text=_("Explain why the exemption applies and, for a partial refusal, what you release."),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": _("Explain why you refuse")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exemption"].choices = [("", _("Select an exemption")), *conf.exemptions()]


class ClarificationForm(forms.Form):
    question = forms.CharField(
        label=_("What do you need the requester to clarify?"),
        help_text=_("The clock stops until they reply."),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Enter what you need the requester to clarify")},
    )


class ExtendForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need more time?"),
        help_text=_("You can extend the deadline only once. The reason is published."),
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Enter why you need more time")},
    )


class DocumentForm(forms.Form):
    title = forms.CharField(
        label=_("Document title"), max_length=200, error_messages={"required": _("Enter a title for the document")}
    )
    public_file = forms.FileField(
        label=_("File to publish"),
        help_text=_("PDF, JPEG or PNG. If you removed exempt information, upload the redacted version here."),
        error_messages={"required": _("Choose the file to publish")},
    )
    original_file = forms.FileField(
        label=_("Unredacted original (optional)"),
        help_text=_("Kept for staff only, never published."),
        required=False,
    )


class ReviewDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome of the review"),
        choices=[(ReviewStatus.UPHELD, ReviewStatus.UPHELD.label), (ReviewStatus.CHANGED, ReviewStatus.CHANGED.label)],
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Select the outcome of the review"),
            "invalid_choice": _("Select the outcome of the review"),
        },
    )
    note = forms.CharField(
        label=_("Explanation"),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Explain the outcome of the review")},
    )
