"""Forms of service feedback: the one question (with its comment) and the staff filters."""

from __future__ import annotations

import datetime

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from ecitizen.engagement.feedback import conf
from ecitizen.engagement.feedback.models import Answer

QUESTION = _("Overall, how did you feel about the service you received today?")


class FeedbackForm(forms.Form):
    """The question after a transaction. Ids start with "feedback-": the form sits inside other
    apps' pages, beside their own forms."""

    answer = forms.TypedChoiceField(
        label=QUESTION,
        choices=Answer.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Select how you felt about the service"),
            "invalid_choice": _("Select how you felt about the service"),
        },
    )
    comment = forms.CharField(
        label=_("How could we improve this service? (optional)"),
        help_text=_("Do not include personal information, like your name, address, phone number or reference number."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "feedback-%s")
        super().__init__(*args, **kwargs)
        self.comment_limit = conf.comment_max_length()

    def clean_comment(self) -> str:
        text = (self.cleaned_data.get("comment") or "").strip()
        if len(text) > self.comment_limit:
            raise forms.ValidationError(
                _("Your comment must be %(limit)s characters or fewer"), params={"limit": self.comment_limit}
            )
        return text


def month_label(month: datetime.date) -> str:
    return date_format(month, "F Y")


class CommentFilterForm(forms.Form):
    """Filters of the staff comments page. Choices come from what the staff member may read."""

    agency = forms.TypedChoiceField(label=_("Agency"), required=False, coerce=int, empty_value=None)
    topic = forms.ChoiceField(label=_("Service"), required=False)
    month = forms.ChoiceField(label=_("Month"), required=False)
    answer = forms.TypedChoiceField(
        label=_("Rating"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All ratings")), *Answer.choices],
    )

    def __init__(self, *args, agencies, topics, months, **kwargs):
        super().__init__(*args, **kwargs)
        if len(agencies) > 1:
            self.fields["agency"].choices = [("", _("All your agencies"))] + [
                (agency.pk, agency.display_name) for agency in agencies
            ]
        else:
            del self.fields["agency"]
        self.fields["topic"].choices = [("", _("All services"))] + list(topics)
        self.fields["month"].choices = [("", _("All months"))] + [
            (month.isoformat()[:7], month_label(month)) for month in months
        ]

    def clean_month(self) -> datetime.date | None:
        value = self.cleaned_data.get("month")
        return datetime.date.fromisoformat(f"{value}-01") if value else None
