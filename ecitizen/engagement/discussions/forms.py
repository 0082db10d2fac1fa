"""Discussions' forms: they parse what people type; the services decide what is allowed."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from ecitizen.engagement.discussions.models import BODY_MAX_LENGTH, NAME_MAX_LENGTH, TITLE_MAX_LENGTH, FlagReason


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Enter your comment")},
        help_text=_("Plain text only. Do not include personal details such as your address or phone number."),
    )
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, can_answer_officially: bool = False, agency_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if can_answer_officially:
            self.fields["as_official"] = forms.BooleanField(
                label=_("Post as an official answer from %(agency)s") % {"agency": agency_name},
                required=False,
            )


class EditForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Enter your comment")},
        help_text=_("Your earlier text stays in the comment's history."),
    )


class TopicForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX_LENGTH,
        error_messages={"required": _("Enter a title for your topic")},
    )
    body = forms.CharField(
        label=_("What do you want to say or ask?"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Enter your comment")},
        help_text=_("Plain text only. Do not include personal details such as your address or phone number."),
    )
    is_question = forms.BooleanField(
        label=_("This is a question for the agency"),
        required=False,
        help_text=_("The agency can mark one of its official replies as the answer."),
    )


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why are you reporting this comment?"),
        choices=FlagReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select why you are reporting this comment")},
    )
    note = forms.CharField(
        label=_("Anything else moderators should know (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class HideForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why are you hiding this comment?"),
        choices=FlagReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Select why you are hiding this comment")},
    )
    explanation = forms.CharField(
        label=_("Explanation for the author (optional)"),
        help_text=_("The author is told the reason and this explanation. The public log shows both."),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RestoreForm(forms.Form):
    explanation = forms.CharField(
        label=_("Explain your decision"),
        help_text=_("The author is told this when their comment is shown again. The public log shows it."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Explain your decision to the author")},
    )


class ParticipantForm(forms.Form):
    display_name = forms.CharField(
        label=_("Name shown with your comments"),
        help_text=_("Leave empty to use your default name. Do not use your email address."),
        required=False,
        max_length=NAME_MAX_LENGTH,
    )
    daily_digest = forms.TypedChoiceField(
        label=_("How do you want to hear about what you follow?"),
        choices=[("0", _("A message for each new comment")), ("1", _("One email a day, with everything new"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": _("Select how you want to hear about what you follow")},
    )


class BoardForm(forms.Form):
    agency = forms.TypedChoiceField(label=_("Agency"), coerce=int)
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX_LENGTH)
    slug = forms.SlugField(
        label=_("Web address"),
        max_length=60,
        help_text=_("Lower-case letters, numbers and hyphens, for example roads-and-parking"),
    )
    description = forms.CharField(label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    is_open = forms.BooleanField(label=_("Open for new topics and comments"), required=False)

    def __init__(self, *args, agencies=(), editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(a.pk, a.name) for a in agencies]
        if editing:
            del self.fields["agency"]
