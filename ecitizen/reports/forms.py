"""Forms of the public Report a problem pages: one question per page, then updates and filters."""

from __future__ import annotations

import datetime
import math

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from ecitizen.catalogue.patterns import PatternValidator
from ecitizen.catalogue.richtext import hint_html
from ecitizen.core.forms import DateInput
from ecitizen.core.i18n import pick
from ecitizen.reports.models import (
    DESCRIPTION_MAX_LENGTH,
    MAX_PHOTOS,
    TITLE_MAX_LENGTH,
    UPDATE_MAX_LENGTH,
    Category,
    Status,
    question_pattern_message,
)

ADDRESS_QUERY_MAX_LENGTH = 200


def parse_coordinate(value: str) -> float | None:
    """A number typed by a person: spaces ignored, a decimal comma accepted; None when it is not a number."""
    text = (value or "").strip().replace(" ", "").replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


# Report dates are searched between these years: further out, date arithmetic
# overflows, and no report can be there anyway.
EARLIEST_DATE = datetime.date(1970, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)
DATE_RANGE_VALIDATORS = [
    MinValueValidator(EARLIEST_DATE, message=_("Enter a date after 1 January 1970")),
    MaxValueValidator(LATEST_DATE, message=_("Enter a date before 31 December 2100")),
]


class AddressSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for an address or postcode"),
        help_text=_("For example, 12 Mill Lane or NB1 2AB"),
        max_length=ADDRESS_QUERY_MAX_LENGTH,
        error_messages={
            "required": _("Enter a street name, address or postcode"),
            "max_length": _("The search must be 200 characters or fewer"),
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "search_%s")
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(autocomplete="street-address", spellcheck="false")


class LocationForm(forms.Form):
    """A latitude and a longitude typed in (or written by the map picker)."""

    lat = forms.CharField(
        label=_("Latitude"),
        help_text=_("For example, 52.0301"),
        max_length=40,
        error_messages={"required": _("Enter a latitude"), "max_length": _("Enter the latitude as a number")},
    )
    lng = forms.CharField(
        label=_("Longitude"),
        help_text=_("For example, 0.0052"),
        max_length=40,
        error_messages={"required": _("Enter a longitude"), "max_length": _("Enter the longitude as a number")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("lat", "lng"):
            self.fields[name].widget.attrs.update(inputmode="decimal", spellcheck="false", autocomplete="off")

    def _coordinate(self, name: str, low: float, high: float, not_number: str, out_of_range: str) -> float:
        number = parse_coordinate(self.cleaned_data[name])
        if number is None:
            raise forms.ValidationError(not_number, code="not_number")
        if not low <= number <= high:
            raise forms.ValidationError(out_of_range, code="range")
        return number

    def clean_lat(self) -> float:
        return self._coordinate(
            "lat",
            -90,
            90,
            _("Enter the latitude as a number, like 52.0301"),
            _("The latitude must be between -90 and 90"),
        )

    def clean_lng(self) -> float:
        return self._coordinate(
            "lng",
            -180,
            180,
            _("Enter the longitude as a number, like 0.0052"),
            _("The longitude must be between -180 and 180"),
        )


class CategoryForm(forms.Form):
    category = forms.ChoiceField(
        label=_("What kind of problem is it?"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Select the kind of problem"),
            "invalid_choice": _("Select the kind of problem"),
        },
    )

    def __init__(self, *args, categories: list[Category], **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = categories
        self.fields["category"].choices = [(c.code, c.display_name()) for c in categories]

    def groups(self) -> list[tuple[str, list[dict]]]:
        """The choices grouped by the category's group name, in order; each with its guidance and checked state."""
        value = self["category"].value()
        grouped: dict[str, list[dict]] = {}
        for index, category in enumerate(self.categories):
            grouped.setdefault(pick(category.group), []).append(
                {
                    "index": index,
                    "code": category.code,
                    "name": category.display_name(),
                    "guidance": pick(category.guidance),
                    "checked": value == category.code,
                }
            )
        return list(grouped.items())


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, (list, tuple)):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def _pattern_validators(question: dict, what: str) -> list:
    if not question.get("pattern") or question.get("datatype", "string") not in ("string", "text"):
        return []
    return [PatternValidator(question["pattern"], question_pattern_message(question, what))]


def question_field(question: dict) -> forms.Field:
    """A form field for one of a category's extra questions (validated again by the service)."""
    label = pick(question.get("label")) or question["code"]
    hint = hint_html(pick(question.get("hint")))  # agency-written: a sanitised subset of HTML, never raw
    required = bool(question.get("required"))
    datatype = question.get("datatype", "string")
    common = {"label": label, "help_text": hint, "required": required}
    what = label
    if datatype == "singlevaluelist":
        choices = [(str(v["key"]), pick(v.get("name")) or str(v["key"])) for v in question.get("values", [])]
        return forms.ChoiceField(
            choices=choices,
            widget=forms.RadioSelect,
            error_messages={
                "required": _("Answer the question “%(question)s”") % {"question": what},
                "invalid_choice": _("Choose one of the answers to “%(question)s”") % {"question": what},
            },
            **common,
        )
    if datatype == "text":
        return forms.CharField(
            widget=forms.Textarea,
            max_length=2000,
            validators=_pattern_validators(question, what),
            error_messages={
                "required": _("Answer the question “%(question)s”") % {"question": what},
                "max_length": _("This answer must be 2000 characters or fewer"),
            },
            **common,
        )
    field = forms.CharField(
        max_length=200,
        validators=_pattern_validators(question, what),
        error_messages={
            "required": _("Answer the question “%(question)s”") % {"question": what},
            "max_length": _("This answer must be 200 characters or fewer"),
        },
        **common,
    )
    if datatype == "number":
        field.widget.attrs.update(inputmode="decimal")
    return field


def name_field() -> forms.CharField:
    """The name field shown to people who are not signed in."""
    field = forms.CharField(
        label=_("Your name"),
        max_length=150,
        required=False,
        error_messages={"max_length": _("Your name must be 150 characters or fewer")},
    )
    field.widget.attrs.update(autocomplete="name", spellcheck="false")
    return field


def email_field(*, help_text: str, required_message: str) -> forms.EmailField:
    """The email field shown to people who are not signed in; the caller says what it confirms."""
    field = forms.EmailField(
        label=_("Your email address"),
        help_text=help_text,
        error_messages={
            "required": required_message,
            "invalid": _("Enter an email address in the correct format, like name@example.com"),
        },
    )
    field.widget.attrs.update(autocomplete="email", type="email")
    return field


class DetailsForm(forms.Form):
    """Title, description, the category's own questions, photos, and who is reporting."""

    title = forms.CharField(
        label=_("Give the problem a short title"),
        help_text=_("For example, Deep pot-hole outside 12 Mill Lane"),
        max_length=TITLE_MAX_LENGTH,
        error_messages={
            "required": _("Enter a title for the problem"),
            "max_length": _("The title must be %(limit_value)s characters or fewer"),
        },
    )
    description = forms.CharField(
        label=_("Describe the problem"),
        help_text=_("Say what the problem is and exactly where it is."),
        widget=forms.Textarea,
        max_length=DESCRIPTION_MAX_LENGTH,
        error_messages={
            "required": _("Describe the problem"),
            "max_length": _("The description must be %(limit_value)s characters or fewer"),
        },
    )
    photos = MultipleFileField(
        label=_("Add photos (optional)"),
        required=False,
        help_text=_("Up to %(count)s photos, JPG or PNG. Location details are removed from photos.")
        % {"count": MAX_PHOTOS},
    )
    name_hidden = forms.BooleanField(label=_("Do not show my name on the public report"), required=False)
    name = name_field()
    email = email_field(
        help_text=_("We will send you a link to confirm your report. Your email address is never shown."),
        required_message=_("Enter your email address so that we can confirm your report"),
    )

    def __init__(self, *args, category: Category, signed_in: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.category = category
        self.questions = list(category.questions or [])
        fields = dict(self.fields)
        self.fields.clear()
        self.fields["title"] = fields["title"]
        self.fields["description"] = fields["description"]
        for question in self.questions:
            self.fields[f"answer_{question['code']}"] = question_field(question)
        self.fields["photos"] = fields["photos"]
        self.fields["name_hidden"] = fields["name_hidden"]
        if not signed_in:
            self.fields["name"] = fields["name"]
            self.fields["email"] = fields["email"]

    def answers(self) -> dict[str, str]:
        return {
            q["code"]: self.cleaned_data.get(f"answer_{q['code']}") or ""
            for q in self.questions
            if self.cleaned_data.get(f"answer_{q['code']}")
        }

    def answer_fields(self):
        return [self[f"answer_{q['code']}"] for q in self.questions]


class SendForm(forms.Form):
    """The "send" button on the check page, carrying the draft's one-time token."""

    submit_token = forms.CharField(widget=forms.HiddenInput, max_length=64)


class UpdateForm(forms.Form):
    text = forms.CharField(
        label=_("Your update"),
        help_text=_("For example, what has changed since the problem was reported."),
        widget=forms.Textarea,
        max_length=UPDATE_MAX_LENGTH,
        required=False,
        error_messages={"max_length": _("Your update must be %(limit_value)s characters or fewer")},
    )
    not_fixed = forms.BooleanField(
        label=_("This problem has not been fixed"),
        help_text=_("The report will be opened again and sent back to the agency."),
        required=False,
    )
    photo = forms.FileField(
        label=_("Add a photo (optional)"),
        help_text=_("JPG or PNG. Location details are removed from photos."),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    name_hidden = forms.BooleanField(label=_("Do not show my name with this update"), required=False)
    name = name_field()
    email = email_field(
        help_text=_("We will send you a link to confirm your update. Your email address is never shown."),
        required_message=_("Enter your email address so that we can confirm your update"),
    )

    def __init__(self, *args, signed_in: bool, can_reopen: bool, **kwargs):
        kwargs.setdefault("auto_id", "update_%s")
        super().__init__(*args, **kwargs)
        if not can_reopen:
            del self.fields["not_fixed"]
        if signed_in:
            del self.fields["name"]
            del self.fields["email"]

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("text") or "").strip() and not cleaned.get("not_fixed") and "text" not in self.errors:
            self.add_error("text", _("Enter your update"))
        return cleaned


STATUS_OPEN, STATUS_CLOSED = "open", "closed"


class FilterForm(forms.Form):
    """Filters of the public list and map (a GET form: every field optional)."""

    category = forms.ChoiceField(label=_("Kind of problem"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    area = forms.TypedChoiceField(label=_("Area"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(
        label=_("Reported on or after"), required=False, widget=DateInput(), validators=DATE_RANGE_VALIDATORS
    )
    date_to = forms.DateField(
        label=_("Reported on or before"), required=False, widget=DateInput(), validators=DATE_RANGE_VALIDATORS
    )
    report = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, categories: list[tuple[str, str]], areas: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All kinds"))] + list(categories)
        self.fields["status"].choices = [
            ("", _("Any status")),
            (STATUS_OPEN, _("Open (not yet fixed or closed)")),
            (STATUS_CLOSED, _("Closed (fixed or otherwise)")),
            *Status.choices,
        ]
        self.fields["area"].choices = [("", _("All areas"))] + [(str(pk), name) for pk, name in areas]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date must be on or after the start date."))
        return cleaned
