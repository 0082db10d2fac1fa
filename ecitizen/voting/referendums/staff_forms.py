"""Forms of the referendums' back office: they read and check input; the services decide.

Texts staff write are asked in every language (``title_en``, ``title_es``…), English required and
the others optional (as the service editor and consultations ask them). Dates are days: voting opens
at the start of the first day and closes at the end of the last day, in the deployment's timezone.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecitizen.accounts.models import IdentityLevel
from ecitizen.catalogue.forms import SectionedForm, language_initial, language_name
from ecitizen.core.forms import DatePartsInput
from ecitizen.core.i18n import pick
from ecitizen.voting.referendums import conf
from ecitizen.voting.referendums.models import Question, Referendum
from ecitizen.voting.referendums.setup_services import (
    DESCRIPTION_MAX_LENGTH,
    QUESTION_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    QuestionData,
    ReferendumData,
)

DEFAULT_LANGUAGE = settings.LANGUAGE_CODE
LANGUAGES = [code for code, _name in settings.LANGUAGES]
OTHER_LANGUAGES = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]
YEARS = (2000, 2200)
_DATE_ERRORS = {"required": _("Enter a date"), "invalid": _("Enter a real date, for example 27 3 2027")}
_NUMBER_ERRORS = {
    "required": _("Enter a number"),
    "invalid": _("Enter a whole number"),
    "min_value": _("Enter a number of %(limit_value)s or more"),
    "max_value": _("Enter a number of %(limit_value)s or less"),
}


class _DateParts(DatePartsInput):
    """The GOV.UK date boxes, where digits that ``int()`` cannot read (a superscript two, five
    thousand nines) are passed on as typed, for the date field to refuse, rather than raising."""

    def value_from_datadict(self, data, files, name):
        try:
            return super().value_from_datadict(data, files, name)
        except ValueError:
            parts = [str(data.get(f"{name}-{part}") or "")[:10] for part in self.PARTS]
            return "-".join(reversed(parts))


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _day_of(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def _language_fields(form: forms.Form, specs: list[tuple[str, Any, int, bool, bool]]) -> None:
    """``<name>_<code>`` for each language and each (name, label, max_length, textarea, required in
    English) of *specs*."""
    for code in LANGUAGES:
        for name, label, max_length, textarea, required in specs:
            form.fields[f"{name}_{code}"] = forms.CharField(
                label=f"{label} ({language_name(code)})",
                required=required and code == DEFAULT_LANGUAGE,
                max_length=max_length,
                widget=forms.Textarea if textarea else forms.TextInput,
                error_messages={"max_length": _("Enter %(limit_value)s characters or fewer")},
            )


def _texts(cleaned: dict, name: str) -> dict[str, str]:
    return {c: cleaned[f"{name}_{c}"].strip() for c in LANGUAGES if (cleaned.get(f"{name}_{c}") or "").strip()}


def _language_sections(names: list[str]) -> list[tuple[Any, list[str], bool]]:
    sections: list[tuple[Any, list[str], bool]] = [
        (language_name(DEFAULT_LANGUAGE), [f"{n}_{DEFAULT_LANGUAGE}" for n in names], False)
    ]
    for code in OTHER_LANGUAGES:
        sections.append(
            (_("%(language)s (optional)") % {"language": language_name(code)}, [f"{n}_{code}" for n in names], True)
        )
    return sections


def person_label(user: Any) -> str:
    profile = getattr(user, "profile", None)
    name = " ".join(p for p in (getattr(profile, "given_name", ""), getattr(profile, "family_name", "")) if p)
    return f"{name} ({user.email})" if name else user.email


class ReferendumForm(SectionedForm):
    """A referendum's setup, but its questions (a page of their own)."""

    SERVICE_NAMES = {"opens_at": "opens_on", "closes_at": "closes_on"}

    opens_on = forms.DateField(label=_("Voting opens on"), widget=_DateParts(), error_messages=_DATE_ERRORS)
    closes_on = forms.DateField(
        label=_("Last day of voting"),
        help_text=_("Voting closes at the end of this day."),
        widget=_DateParts(),
        error_messages=_DATE_ERRORS,
    )
    min_age = forms.IntegerField(
        label=_("Minimum age to vote"),
        help_text=_("On the day voting opens, from the population register. Enter 0 for no minimum age."),
        min_value=0,
        max_value=120,
        initial=16,
        error_messages=_NUMBER_ERRORS,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
    )
    residents_only = forms.BooleanField(
        label=_("Only residents may vote"),
        help_text=_("Residence is read from the address in the person's profile, found in the address register."),
        required=False,
        initial=True,
    )
    districts = forms.MultipleChoiceField(
        label=_("Districts that vote (for residents only)"),
        help_text=_("Leave them all unticked for every area of the agency."),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    identity_level = forms.ChoiceField(
        label=_("Identity needed to vote online"),
        help_text=_("People below it may still vote on paper at a service counter, with an identity document."),
        choices=IdentityLevel.choices,
        widget=forms.RadioSelect,
        initial=IdentityLevel.VERIFIED,
        error_messages={"required": _("Select the identity needed to vote online")},
    )
    paper_voting = forms.BooleanField(label=_("Paper ballots at service counters"), required=False, initial=True)
    assisted_voting = forms.BooleanField(
        label=_("Assisted voting for people without JavaScript"),
        help_text=_("The server encrypts the ballot for them: weaker than voting with JavaScript, and said so."),
        required=False,
        initial=True,
    )
    returning_officer = forms.ChoiceField(
        label=_("Returning officer"),
        help_text=_("Signs off the setup and the result with a second person. A caseworker or an agency admin."),
        error_messages={
            "required": _("Choose the returning officer"),
            "invalid_choice": _("Choose the returning officer"),
        },
    )
    trustees = forms.MultipleChoiceField(
        label=_("Trustees"),
        help_text=_(
            "Staff who hold a share of the election key on their own computers. Together enough of them "
            "decrypt the result; fewer cannot. Each needs two-factor authentication."
        ),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one trustee"),
            "invalid_choice": _("Choose staff of the agency"),
        },
    )
    threshold = forms.IntegerField(
        label=_("Trustees needed to decrypt the result"),
        help_text=_("For example 2 of 3: any two can decrypt, so one lost key does not stop the count."),
        min_value=1,
        max_value=50,
        initial=2,
        error_messages=_NUMBER_ERRORS,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
    )

    def __init__(self, *args, areas=(), officers=(), staff=(), referendum: Referendum | None = None, **kwargs):
        if referendum is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(referendum)
        super().__init__(*args, **kwargs)
        self.areas = {str(a.pk): a for a in areas}
        self.people = {str(u.pk): u for u in [*officers, *staff]}
        self.fields["districts"].choices = [(str(a.pk), a.display_name()) for a in areas]
        self.fields["returning_officer"].choices = [
            ("", _("Choose…")),
            *((str(u.pk), person_label(u)) for u in officers),
        ]
        self.fields["trustees"].choices = [(str(u.pk), person_label(u)) for u in staff]
        _language_fields(
            self,
            [
                ("title", _("Title"), TITLE_MAX_LENGTH, False, True),
                ("description", _("What it is about"), DESCRIPTION_MAX_LENGTH, True, False),
            ],
        )
        self.fields[f"title_{DEFAULT_LANGUAGE}"].error_messages["required"] = _("Enter a title in English")
        if not areas:
            del self.fields["districts"]
        self.sections = [
            *_language_sections(["title", "description"]),
            (_("Dates"), ["opens_on", "closes_on"], False),
            (
                _("Who may vote"),
                ["min_age", "residents_only", "districts", "identity_level", "paper_voting", "assisted_voting"],
                False,
            ),
            (_("Returning officer and trustees"), ["returning_officer", "trustees", "threshold"], False),
        ]
        self.order_by_sections()

    @staticmethod
    def initial_for(referendum: Referendum) -> dict[str, Any]:
        initial = {
            "opens_on": _day_of(referendum.opens_at),
            "closes_on": _day_of(referendum.closes_at) - datetime.timedelta(days=1),
            "min_age": referendum.min_age,
            "residents_only": referendum.residents_only,
            "districts": [str(pk) for pk in referendum.districts.values_list("pk", flat=True)],
            "identity_level": referendum.identity_level,
            "paper_voting": referendum.paper_voting,
            "assisted_voting": referendum.assisted_voting,
            "returning_officer": str(referendum.returning_officer_id),
            "trustees": [str(pk) for pk in referendum.trustees.order_by("index").values_list("user_id", flat=True)],
            "threshold": referendum.threshold,
        }
        initial.update(language_initial(referendum.title, "title"))
        initial.update(language_initial(referendum.description, "description"))
        return initial

    def clean(self):
        data = super().clean()
        for name in ("opens_on", "closes_on"):
            day = data.get(name)
            if day is not None and not YEARS[0] <= day.year <= YEARS[1]:
                self.add_error(
                    name, _("Enter a year from %(first)s to %(last)s") % {"first": YEARS[0], "last": YEARS[1]}
                )
        return data

    def referendum_data(self) -> ReferendumData:
        c = self.cleaned_data
        chosen = c.get("trustees") or []
        # The trustees are numbered in the order of the list (by name), so that a change of order
        # is never a change of trustees.
        order = list(self.fields["trustees"].choices)
        positions = {value: i for i, (value, _label) in enumerate(order)}
        trustees = [self.people[pk] for pk in sorted(chosen, key=lambda pk: positions.get(pk, 0))]
        return ReferendumData(
            title=_texts(c, "title"),
            description=_texts(c, "description"),
            opens_at=_start_of(c["opens_on"]),
            closes_at=_start_of(c["closes_on"] + datetime.timedelta(days=1)),
            min_age=c["min_age"],
            residents_only=bool(c.get("residents_only")),
            districts=[self.areas[pk] for pk in c.get("districts") or [] if pk in self.areas],
            identity_level=c["identity_level"],
            paper_voting=bool(c.get("paper_voting")),
            assisted_voting=bool(c.get("assisted_voting")),
            returning_officer=self.people.get(c["returning_officer"]),
            trustees=trustees,
            threshold=c["threshold"],
        )


class QuestionForm(SectionedForm):
    """A question and its options: one option per line, in the same order in every language."""

    SERVICE_NAMES = {"text": f"text_{DEFAULT_LANGUAGE}", "options": f"options_{DEFAULT_LANGUAGE}"}

    min_choices = forms.IntegerField(
        label=_("Fewest options a voter must mark"),
        help_text=_("Usually 1. Enter 0 to let voters leave the question blank."),
        min_value=0,
        max_value=100,
        initial=1,
        error_messages=_NUMBER_ERRORS,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
    )
    max_choices = forms.IntegerField(
        label=_("Most options a voter may mark"),
        help_text=_("1 for a yes-or-no question or a choice of one."),
        min_value=1,
        max_value=100,
        initial=1,
        error_messages=_NUMBER_ERRORS,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-3"}),
    )

    def __init__(self, *args, question: Question | None = None, **kwargs):
        if question is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(question)
        super().__init__(*args, **kwargs)
        _language_fields(
            self,
            [
                ("text", _("Question"), QUESTION_MAX_LENGTH, True, True),
                ("options", _("Options, one per line"), 20000, True, True),
            ],
        )
        self.fields[f"text_{DEFAULT_LANGUAGE}"].error_messages["required"] = _("Enter the question in English")
        self.fields[f"options_{DEFAULT_LANGUAGE}"].error_messages["required"] = _(
            "Enter the options in English, one per line"
        )
        for code in OTHER_LANGUAGES:
            self.fields[f"options_{code}"].help_text = _("The same options in the same order as in English.")
        self.sections = [
            *_language_sections(["text", "options"]),
            (_("How many options a voter marks"), ["min_choices", "max_choices"], False),
        ]
        self.order_by_sections()

    @staticmethod
    def initial_for(question: Question) -> dict[str, Any]:
        initial = {"min_choices": question.min_choices, "max_choices": question.max_choices}
        initial.update(language_initial(question.text, "text"))
        labels = [o.label for o in question.options.all()]
        for code in LANGUAGES:
            lines = [label.get(code, "") for label in labels]
            initial[f"options_{code}"] = "\n".join(lines) if any(lines) else ""
        return initial

    def question_data(self) -> QuestionData:
        c = self.cleaned_data
        lines = {
            code: [line.strip() for line in (c.get(f"options_{code}") or "").splitlines() if line.strip()]
            for code in LANGUAGES
        }
        count = max((len(v) for v in lines.values()), default=0)
        options = [{code: v[k] for code, v in lines.items() if k < len(v)} for k in range(count)]
        return QuestionData(
            text=_texts(c, "text"), options=options, min_choices=c["min_choices"], max_choices=c["max_choices"]
        )


def _no_constant(name: str) -> None:
    """NaN and Infinity are not JSON (the tool never writes them): refused like any bad JSON."""
    raise ValueError(name)


class UploadForm(forms.Form):
    """A file the trustee tool wrote, as a file or pasted."""

    SERVICE_NAMES = {"upload": "file"}

    file = forms.FileField(label=_("The file the tool wrote"), required=False)
    pasted = forms.CharField(
        label=_("Or paste what is in it"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )

    def clean(self):
        data = super().clean()
        upload, pasted = data.get("file"), (data.get("pasted") or "").strip()
        limit = conf.upload_max_bytes()
        if upload is None and not pasted:
            self.add_error("file", _("Choose the file the tool wrote, or paste what is in it"))
            return data
        if upload is not None:
            if upload.size > limit:
                self.add_error("file", _("The file must be smaller than %(kb)s kB") % {"kb": limit // 1024})
                return data
            raw = upload.read(limit + 1)
            try:
                text = raw.decode("utf-8-sig")  # an editor may have saved it with a byte order mark
            except UnicodeDecodeError:
                self.add_error("file", _("This file is not text: choose the JSON file the tool wrote"))
                return data
            field = "file"
        else:
            if len(pasted.encode("utf-8")) > limit:
                self.add_error("pasted", _("Paste at most %(kb)s kB") % {"kb": limit // 1024})
                return data
            text, field = pasted, "pasted"
        try:
            document = json.loads(text, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested deeper than the parser goes
            self.add_error(
                field,
                _("This is not valid JSON (line %(line)s): use the file exactly as the tool wrote it")
                % {"line": getattr(exc, "lineno", "?")},
            )
            return data
        if not isinstance(document, dict):
            self.add_error(field, _("This is not what the tool writes: it must be a JSON object"))
            return data
        data["document"] = document
        return data


class SignOffForm(forms.Form):
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)
    confirm = forms.BooleanField(
        label=_("I have checked everything shown on this page, and I sign it off"),
        error_messages={"required": _("Tick the box to say you have checked it")},
    )


class PublishForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Publish the result and the ballot board for everyone to see"),
        error_messages={"required": _("Tick the box to publish")},
    )


class CounterForm(forms.Form):
    national_id = forms.CharField(
        label=_("National ID number"),
        help_text=_("As printed on the voter's identity document."),
        max_length=40,
        error_messages={"required": _("Enter the national ID number from the voter's identity document")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    document_seen = forms.BooleanField(
        label=_("I have seen the voter's identity document and it is theirs"),
        error_messages={"required": _("Check the voter's identity document first")},
    )


class SheetForm(forms.Form):
    """One entry of a ballot paper: its number and its marks, per question (``q0``, ``q1``…)."""

    sheet_number = forms.CharField(
        label=_("Ballot paper number"),
        max_length=30,
        error_messages={"required": _("Enter the number printed on the ballot paper")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    spoilt = forms.BooleanField(
        label=_("The paper is spoilt (not counted)"),
        help_text=_("For example too many marks, or the voter's intention cannot be told."),
        required=False,
    )

    def __init__(self, *args, questions: list[Question] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for i, question in enumerate(self.questions):
            options = [(str(k), pick(o.label)) for k, o in enumerate(question.options.all())]
            single = question.min_choices == question.max_choices == 1
            field_class = forms.ChoiceField if single else forms.MultipleChoiceField
            widget = forms.RadioSelect if single else forms.CheckboxSelectMultiple
            self.fields[f"q{i}"] = field_class(
                label=pick(question.text),
                choices=options,
                widget=widget,
                required=False,
                error_messages={"invalid_choice": _("Choose only options of this question")},
            )
        self.order_fields(["sheet_number", *(f"q{i}" for i in range(len(self.questions))), "spoilt"])

    def marks(self) -> list[list[int]]:
        marks = []
        for i in range(len(self.questions)):
            value = self.cleaned_data.get(f"q{i}")
            values = [value] if isinstance(value, str) and value else list(value or [])
            marks.append([int(v) for v in values])
        return marks
