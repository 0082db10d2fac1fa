"""Forms of the service editor and the public search box.

They parse what admins type into the data the services take (``data()``,
``question()``); deciding whether the result is a valid service or form
definition is the services' and the form engine's job.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from ecitizen.catalogue import formbuilder
from ecitizen.catalogue.formdef import PREFILL_FIELDS, QUESTION_TYPES
from ecitizen.catalogue.models import Category, IdentityRequirement, IssuedKind, LifeEvent, Service
from ecitizen.catalogue.patterns import invalid_pattern_message, pattern_problem
from ecitizen.catalogue.selectors import document_field_choices
from ecitizen.core.i18n import pick
from ecitizen.core.money import CURRENCIES, MoneyError, format_amount, parse_amount

DEFAULT_LANGUAGE = settings.LANGUAGE_CODE
# The "issued on approval" choice for a service that issues nothing (stored as "").
NO_DOCUMENT = "none"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
OTHER_LANGUAGES = [code for code in LANGUAGES if code != DEFAULT_LANGUAGE]
_CHOICE_VALUE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
# Which profile field may pre-fill which type of question.
PREFILL_TYPES = {
    "given_name": {"text"},
    "family_name": {"text"},
    "full_name": {"text"},
    "date_of_birth": {"date"},
    "email": {"email", "text"},
    "phone": {"phone", "text"},
    "address": {"address"},
}
PREFILL_LABELS = {
    "given_name": _("Given name"),
    "family_name": _("Family name"),
    "full_name": _("Full name"),
    "date_of_birth": _("Date of birth"),
    "email": _("Email address"),
    "phone": _("Phone number"),
    "address": _("Address"),
}


def language_name(code: str) -> str:
    return get_language_info(code)["name_translated"]


class SectionedForm(forms.Form):
    """A form whose template groups fields: ``sections`` lists (title, field names, optional)."""

    sections: list[tuple[Any, list[str], bool]] = []

    def order_by_sections(self) -> None:
        """Order the fields as the sections show them, so the error summary lists errors in page order."""
        self.order_fields([name for _title, names, _optional in self.sections for name in names])

    def field_sections(self) -> list[dict]:
        """Sections for the template; optional ones render as closed <details> unless filled or wrong."""
        result = []
        for title, names, optional in self.sections:
            fields = [self[name] for name in names if name in self.fields]
            if not fields:
                continue
            filled = any(f.errors or (f.value() not in (None, "", [], False)) for f in fields)
            result.append({"title": title, "fields": fields, "optional": optional, "open": filled})
        return result


def _language_fields(form: forms.Form, specs: list[tuple[str, Any, dict]]) -> None:
    """Add one field per language for each (name, label, options) in *specs*: ``title_en``, ``title_es``…"""
    for code in LANGUAGES:
        for name, label, options in specs:
            options = dict(options)
            textarea = options.pop("textarea", False)
            required = options.pop("required_in_default", False) and code == DEFAULT_LANGUAGE
            form.fields[f"{name}_{code}"] = forms.CharField(
                label=f"{label} ({language_name(code)})",
                required=required,
                widget=forms.Textarea if textarea else forms.TextInput,
                **options,
            )


def _texts(cleaned: dict, name: str) -> dict[str, str]:
    return {code: cleaned[f"{name}_{code}"].strip() for code in LANGUAGES if cleaned.get(f"{name}_{code}", "").strip()}


def language_initial(texts: dict | None, name: str) -> dict[str, str]:
    return {f"{name}_{code}": (texts or {}).get(code, "") for code in LANGUAGES}


def _language_sections(names: list[str], default_title: Any) -> list[tuple[Any, list[str], bool]]:
    sections = [(default_title, [f"{n}_{DEFAULT_LANGUAGE}" for n in names], False)]
    for code in OTHER_LANGUAGES:
        title = _("%(language)s (optional)") % {"language": language_name(code)}
        sections.append((title, [f"{n}_{code}" for n in names], True))
    return sections


class ServiceDetailsForm(SectionedForm):
    """A service's texts in each language and its terms: fee, deadline, what it issues."""

    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, agencies=None, creating: bool = False, service: Service | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        _language_fields(
            self,
            [
                ("title", _("Title"), {"max_length": 200, "required_in_default": True}),
                (
                    "document_name",
                    _("Document name"),
                    {
                        "max_length": 200,
                        "help_text": _(
                            "What the issued document is called, like “Resident parking permit”. "
                            "Leave blank to use the title."
                        ),
                    },
                ),
                ("summary", _("Summary"), {"max_length": 500, "textarea": True}),
                ("description", _("Description"), {"max_length": 5000, "textarea": True}),
                (
                    "documents_required",
                    _("What you need"),
                    {
                        "max_length": 3000,
                        "textarea": True,
                        "help_text": _("The documents and information applicants need, one per line."),
                    },
                ),
            ],
        )
        self.fields[f"title_{DEFAULT_LANGUAGE}"].error_messages["required"] = _("Enter a title in English")
        if creating and agencies is not None and agencies.count() > 1:
            self.fields["agency"] = forms.ModelChoiceField(
                label=_("Agency"), queryset=agencies, empty_label=_("Choose an agency")
            )
        if creating:
            self.fields["slug"] = forms.SlugField(
                label=_("Web address name (optional)"),
                max_length=80,
                required=False,
                help_text=_("Used in the address /services/name/. Leave blank to make one from the English title."),
            )
        self.fields["category"] = forms.ModelChoiceField(
            label=_("Category"),
            queryset=Category.objects.all(),
            empty_label=_("Choose a category"),
            error_messages={"required": _("Choose a category")},
        )
        self.fields["life_events"] = forms.ModelMultipleChoiceField(
            label=_("Life events"),
            queryset=LifeEvent.objects.all(),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=_("Select the moments in life when people need this service."),
        )
        self.fields["identity_level"] = forms.ChoiceField(
            label=_("Identity level needed"),
            choices=IdentityRequirement.choices,
            widget=forms.RadioSelect,
            error_messages={"required": _("Choose the identity level needed")},
        )
        self.fields["fee_currency"] = forms.ChoiceField(
            label=_("Currency"), choices=[(code, code) for code in CURRENCIES], initial="GBP"
        )
        self.fields["fee"] = forms.CharField(
            label=_("Fee"),
            max_length=20,
            help_text=_("An amount like 30.00. Enter 0 if the service is free."),
            error_messages={"required": _("Enter the fee, or 0 if the service is free")},
            widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}),
        )
        self.fields["deadline_working_days"] = forms.IntegerField(
            label=_("Decision within (working days)"),
            min_value=1,
            max_value=365,
            widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-4"}),
            error_messages={
                "required": _("Enter the number of working days to decide"),
                "invalid": _("Enter a whole number of working days"),
                "min_value": _("Enter at least 1 working day"),
                "max_value": _("Enter 365 working days or fewer"),
            },
        )
        self.fields["issues"] = forms.ChoiceField(
            label=_("Issued on approval"),
            choices=[*IssuedKind.choices, (NO_DOCUMENT, _("No document: approving completes the application"))],
            widget=forms.RadioSelect,
            error_messages={"required": _("Choose what is issued on approval")},
        )
        field_choices = document_field_choices(service.form) if service is not None else []
        if field_choices:
            self.fields["document_fields"] = forms.MultipleChoiceField(
                label=_("Answers shown on the document"),
                choices=field_choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                help_text=_(
                    "What someone checking the document needs to see, like a vehicle registration or an address. "
                    "The holder's name, the dates and the document number are always shown."
                ),
                error_messages={"invalid_choice": _("Choose the answers from the list")},
            )
        self.fields["validity_days"] = forms.IntegerField(
            label=_("Valid for (days)"),
            min_value=0,
            max_value=36500,
            help_text=_("0 means the document does not expire."),
            widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-5"}),
            error_messages={
                "required": _("Enter how many days the document is valid for, or 0"),
                "invalid": _("Enter a whole number of days"),
                "min_value": _("The number of days cannot be negative"),
                "max_value": _("Enter 36500 days or fewer"),
            },
        )
        self.sections = [
            *_language_sections(["title", "summary", "description", "documents_required"], _("English")),
            (_("Service"), ["agency", "slug", "category", "life_events", "identity_level"], False),
            (_("Fee and timing"), ["fee_currency", "fee", "deadline_working_days"], False),
            (
                _("What is issued"),
                ["issues", f"document_name_{DEFAULT_LANGUAGE}", "validity_days", "document_fields"],
                False,
            ),
        ]
        for _section_title, names, optional in self.sections:
            if optional and names and names[0].startswith("title_"):
                names.append(f"document_name_{names[0].removeprefix('title_')}")
        self.order_by_sections()

    @staticmethod
    def initial_from(service: Service) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for name in ("title", "summary", "description", "documents_required", "document_name"):
            initial.update(language_initial(getattr(service, name), name))
        initial.update(
            category=service.category_id,
            life_events=list(service.life_events.values_list("pk", flat=True)),
            identity_level=service.identity_level,
            fee_currency=service.fee_currency,
            fee=format_amount(service.fee_amount, service.fee_currency),
            deadline_working_days=service.deadline_working_days,
            issues=service.issues or NO_DOCUMENT,
            validity_days=service.validity_days,
            document_fields=list(service.document_fields or []),
        )
        return initial

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get("fee_currency") or "GBP"
        if cleaned.get("fee") is not None and "fee" not in self.errors:
            messages = {
                "invalid": _("Enter the fee as an amount, like 30.00"),
                "negative": _("The fee cannot be negative"),
                "decimals": _("The fee can have at most 2 decimal places"),
                "too_large": _("The fee is too large"),
            }
            try:
                cleaned["fee_amount"] = parse_amount(cleaned["fee"], currency)
            except MoneyError as exc:
                self.add_error("fee", messages.get(exc.code) or exc.message)
        return cleaned

    def data_for_service(self) -> dict[str, Any]:
        """The cleaned form as the ``data`` that service_create/service_update take."""
        cleaned = self.cleaned_data
        data = {
            name: _texts(cleaned, name)
            for name in ("title", "summary", "description", "documents_required", "document_name")
        }
        for name in ("category", "life_events", "identity_level", "fee_amount", "fee_currency"):
            data[name] = cleaned[name]
        for name in ("deadline_working_days", "issues", "validity_days"):
            data[name] = cleaned[name]
        if data["issues"] == NO_DOCUMENT:
            data["issues"] = ""
        if "document_fields" in self.fields:
            data["document_fields"] = list(cleaned.get("document_fields") or [])
        if cleaned.get("slug"):
            data["slug"] = cleaned["slug"]
        return data


class PageDetailsForm(SectionedForm):
    """A page of the form: its title in each language (English required)."""

    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _language_fields(self, [("title", _("Page title"), {"max_length": 200, "required_in_default": True})])
        self.fields[f"title_{DEFAULT_LANGUAGE}"].error_messages["required"] = _("Enter a page title in English")
        self.sections = _language_sections(["title"], _("English"))
        self.order_by_sections()

    def title(self) -> dict[str, str]:
        return _texts(self.cleaned_data, "title")


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _parse_choices(text: str) -> list[tuple[str, str]]:
    """Lines "value|label" (or just "label", whose value is made from it) as pairs."""
    pairs = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        value, sep, label = line.partition("|")
        if not sep:
            label, value = value, formbuilder.make_id(value, [p[0] for p in pairs], fallback="option")
        pairs.append((value.strip(), label.strip()))
    return pairs


# Which options each type of question has, besides those every question has. The editor shows
# only these (the type is chosen first, on its own step), so no pattern on a list, no range on a date.
TYPE_OPTIONS = {
    "text": ("min_length", "max_length", "pattern", "pattern_message", "range_message"),
    "textarea": ("min_length", "max_length", "pattern", "pattern_message", "range_message"),
    "number": ("min_value", "max_value", "range_message"),
    "choice": ("choices",),
    "multi_choice": ("choices",),
}
_ALL_OPTIONS = {name for names in TYPE_OPTIONS.values() for name in names}
# A condition rests on an answer chosen from a list: these types have one.
CONDITION_TYPES = {"yes_no", "choice", "multi_choice"}


def question_type(value: Any) -> str | None:
    """*value* if it is a question type, else None."""
    return value if isinstance(value, str) and value in QUESTION_TYPES else None


class QuestionTypeForm(forms.Form):
    """The first step of adding a question (or changing its type): which type, on which page.

    Sent with GET: its answers only choose which fields the question form shows.
    """

    type = forms.ChoiceField(
        label=_("Type of answer"),
        choices=list(QUESTION_TYPES.items()),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the type of answer"), "invalid_choice": _("Choose the type of answer")},
    )

    def __init__(self, *args, pages: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if pages:
            self.fields["page"] = forms.ChoiceField(
                label=_("Page"), choices=pages, error_messages={"invalid_choice": _("Choose a page of the form")}
            )
            self.order_fields(["page", "type"])


class QuestionForm(SectionedForm):
    """One question of the form. ``question()`` gives it as form-definition JSON.

    The question's type is chosen first (:class:`QuestionTypeForm`) and carried
    here in a hidden field; only the options that type has are fields, so the
    admin sees what applies and ``question()`` stores nothing else.
    """

    token = forms.CharField(widget=forms.HiddenInput, required=False)
    page = forms.ChoiceField(label=_("Page"))
    question_id = forms.CharField(
        label=_("Question id (optional)"),
        required=False,
        max_length=40,
        help_text=_(
            "Lower-case letters, digits and underscores, starting with a letter. "
            "Leave blank to make one from the English label."
        ),
    )
    type = forms.ChoiceField(label=_("Type of answer"), choices=list(QUESTION_TYPES.items()), widget=forms.HiddenInput)
    required = forms.BooleanField(label=_("An answer is required"), required=False, initial=True)
    min_length = forms.IntegerField(
        label=_("Minimum length (characters)"),
        required=False,
        min_value=0,
        max_value=5000,
        help_text=_("Short and long text only."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-5"}),
    )
    max_length = forms.IntegerField(
        label=_("Maximum length (characters)"),
        required=False,
        min_value=1,
        max_value=5000,
        help_text=_("Short and long text only."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "govuk-input--width-5"}),
    )
    min_value = forms.DecimalField(
        label=_("Smallest number allowed"),
        required=False,
        max_digits=15,
        decimal_places=4,
        help_text=_("Numbers only."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}),
    )
    max_value = forms.DecimalField(
        label=_("Largest number allowed"),
        required=False,
        max_digits=15,
        decimal_places=4,
        help_text=_("Numbers only."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "govuk-input--width-10"}),
    )
    pattern = forms.CharField(
        label=_("Pattern (regular expression)"),
        required=False,
        max_length=300,
        help_text=_("Short and long text only. For example ^[A-Z0-9 ]+$"),
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    condition = forms.ChoiceField(
        label=_("Only ask this question when"),
        required=False,
        help_text=_(
            "The answer to a yes or no question, or a choice from a list, on an earlier page. "
            "Leave as “Always ask” to ask it every time."
        ),
        error_messages={"invalid_choice": _("Choose an answer from the list")},
    )
    prefill = forms.ChoiceField(
        label=_("Pre-fill from the applicant's profile"),
        required=False,
        choices=[("", _("No"))] + [(name, PREFILL_LABELS[name]) for name in sorted(PREFILL_FIELDS)],
    )

    def __init__(self, *args, definition: dict, editing: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = formbuilder.normalise(definition)
        self.editing = editing
        self.kind = question_type(self.data.get("type") if self.is_bound else self.initial.get("type")) or "text"
        self.fields["page"].choices = [(p["id"], pick(p.get("title")) or p["id"]) for p in self.definition["pages"]]
        page = self.data.get("page") if self.is_bound else self.initial.get("page")
        self.fields["condition"].choices = self._condition_choices(page)
        _language_fields(
            self,
            [
                ("label", _("Question"), {"max_length": 300, "required_in_default": True}),
                ("hint", _("Hint"), {"max_length": 500}),
                (
                    "short_label",
                    _("Short name for error messages"),
                    {
                        "max_length": 100,
                        "help_text": _(
                            "How error messages name the answer, written as in the middle of a sentence: "
                            "“your business description” gives “Enter your business description”, "
                            "“number of vehicles” gives “Number of vehicles must be 4 or fewer”."
                        ),
                    },
                ),
                (
                    "required_message",
                    _("Message when there is no answer"),
                    {"max_length": 300, "help_text": _("Leave blank to build one from the short name.")},
                ),
                ("pattern_message", _("Message when the pattern does not match"), {"max_length": 300}),
                (
                    "range_message",
                    _("Message when the answer is too small or too large"),
                    {
                        "max_length": 300,
                        "help_text": _(
                            "For a number outside the smallest and largest allowed, or a text too short or too "
                            "long. Leave blank for a message like “Number of vehicles must be between 1 and 4”."
                        ),
                    },
                ),
                (
                    "choices",
                    _("Choices"),
                    {
                        "max_length": 5000,
                        "textarea": True,
                        "help_text": _("One per line, as value|label, for example car|Car. Lists only."),
                    },
                ),
            ],
        )
        self.fields[f"label_{DEFAULT_LANGUAGE}"].error_messages["required"] = _("Enter the question in English")
        for code in OTHER_LANGUAGES:
            self.fields[f"choices_{code}"].help_text = _(
                "One per line, as value|label, using the values of the English choices."
            )
        for code in OTHER_LANGUAGES:
            self.fields[f"short_label_{code}"].help_text = _("Written as in the middle of a sentence in this language.")
            self.fields[f"required_message_{code}"].help_text = ""
            self.fields[f"range_message_{code}"].help_text = ""
        prefills = [(name, PREFILL_LABELS[name]) for name in sorted(PREFILL_FIELDS) if self.kind in PREFILL_TYPES[name]]
        self.fields["prefill"].choices = [("", _("No"))] + prefills
        options = set(TYPE_OPTIONS.get(self.kind, ()))
        for name in list(self.fields):
            option = name.rsplit("_", 1)[0] if name.rsplit("_", 1)[-1] in LANGUAGES else name
            if (option in _ALL_OPTIONS and option not in options) or (name == "prefill" and not prefills):
                del self.fields[name]
        self.sections = [
            (_("Question"), ["page", "question_id", "required"], False),  # the type is a hidden field
            *_language_sections(
                ["label", "hint", "choices", "short_label", "required_message", "pattern_message", "range_message"],
                _("English"),
            ),
            (_("Checks on the answer"), ["min_length", "max_length", "min_value", "max_value", "pattern"], True),
            (_("Conditions and pre-filling"), ["condition", "prefill"], True),
        ]
        self.order_by_sections()

    def _condition_choices(self, page_id: str | None) -> list:
        """ "Always ask", then each answer of each list question on an earlier page, in form order:
        “Is it electric?” is Yes (the value is ``question_id=answer``). Options stand alone, without
        groups, so each reads whole to a screen reader. A condition saved before on another kind of
        question stays on offer, so editing the question does not drop it."""
        earlier = formbuilder.questions_before_page(self.definition, page_id) if page_id else []
        if not page_id or not any(p.get("id") == page_id for p in self.definition["pages"]):
            earlier = [q for p in self.definition["pages"] for q in p["questions"]]
        choices: list = [("", _("Always ask"))]
        for q in earlier:
            if q.get("id") == self.editing or q.get("type") not in CONDITION_TYPES:
                continue
            if q.get("type") == "yes_no":
                answers = [("yes", _("Yes")), ("no", _("No"))]
            else:
                answers = [(c.get("value"), pick(c.get("label")) or c.get("value")) for c in q.get("choices") or []]
            question = pick(q.get("label")) or q.get("id")
            for value, label in answers:
                choices.append(
                    (f"{q['id']}={value}", _("“%(question)s” is %(answer)s") % {"question": question, "answer": label})
                )
        current = self.initial.get("condition")
        if current and current not in {value for value, _label in choices}:
            question_id, _sep, value = current.partition("=")
            choices.append((current, _("“%(question)s” is %(answer)s") % {"question": question_id, "answer": value}))
        return choices

    @staticmethod
    def initial_from(question: dict, page_id: str) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "page": page_id,
            "question_id": question.get("id", ""),
            "type": question.get("type"),
            "required": bool(question.get("required", True)),
            "min_length": question.get("min_length"),
            "max_length": question.get("max_length"),
            "min_value": question.get("min"),
            "max_value": question.get("max"),
            "pattern": question.get("pattern", ""),
            "condition": (
                f"{question['condition'].get('question')}={question['condition'].get('equals')}"
                if isinstance(question.get("condition"), dict)
                else ""
            ),
            "prefill": question.get("prefill") or "",
        }
        for name in ("label", "hint", "short_label", "required_message", "pattern_message", "range_message"):
            initial.update(language_initial(question.get(name), name))
        for code in LANGUAGES:
            lines = [
                f"{c['value']}|{c['label'][code]}"
                for c in question.get("choices") or []
                if isinstance(c, dict) and (c.get("label") or {}).get(code)
            ]
            initial[f"choices_{code}"] = "\n".join(lines)
        return initial

    def clean_question_id(self) -> str:
        value = self.cleaned_data["question_id"].strip()
        if not value:
            return value
        if not formbuilder.ID_PATTERN.match(value):
            raise forms.ValidationError(
                _("Use lower-case letters, digits and underscores, starting with a letter (40 at most)")
            )
        taken = set(formbuilder.question_ids(self.definition)) - {self.editing}
        if value in taken:
            raise forms.ValidationError(_("Another question already has this id"))
        return value

    def clean_pattern(self) -> str:
        value = self.cleaned_data["pattern"].strip()
        if value and (problem := pattern_problem(value)) is not None:
            raise forms.ValidationError(invalid_pattern_message(problem), code="invalid_pattern")
        return value

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("type")
        for low, high, message in (
            ("min_length", "max_length", _("The maximum length must not be less than the minimum")),
            ("min_value", "max_value", _("The largest number must not be less than the smallest")),
        ):
            if cleaned.get(low) is not None and cleaned.get(high) is not None and cleaned[low] > cleaned[high]:
                self.add_error(high, message)
        self._clean_choices(cleaned, kind)
        self._clean_condition(cleaned)
        prefill = cleaned.get("prefill")
        if prefill and kind and kind not in PREFILL_TYPES.get(prefill, set()):
            self.add_error("prefill", _("This profile field cannot pre-fill this type of question"))
        if not cleaned.get("question_id") and cleaned.get(f"label_{DEFAULT_LANGUAGE}"):
            taken = set(formbuilder.question_ids(self.definition)) - {self.editing}
            cleaned["question_id"] = formbuilder.make_id(cleaned[f"label_{DEFAULT_LANGUAGE}"], taken, "question")
        return cleaned

    def _clean_choices(self, cleaned: dict, kind: str | None) -> None:
        self.choice_list: list[dict] = []
        if kind not in {"choice", "multi_choice"}:
            return
        english = _parse_choices(cleaned.get(f"choices_{DEFAULT_LANGUAGE}", ""))
        values = [value for value, _label in english]
        if len(english) < 2:
            self.add_error(f"choices_{DEFAULT_LANGUAGE}", _("Enter at least two choices, one per line"))
            return
        if any(not _CHOICE_VALUE.match(value) or not label for value, label in english):
            self.add_error(
                f"choices_{DEFAULT_LANGUAGE}",
                _("Write each choice as value|label; values use letters, digits, - and _ only"),
            )
            return
        if len(set(values)) != len(values):
            self.add_error(f"choices_{DEFAULT_LANGUAGE}", _("Two choices have the same value"))
            return
        labels = {value: {DEFAULT_LANGUAGE: label} for value, label in english}
        for code in OTHER_LANGUAGES:
            for value, label in _parse_choices(cleaned.get(f"choices_{code}", "")):
                if value not in labels or not label:
                    self.add_error(
                        f"choices_{code}",
                        _("“%(value)s” is not the value of an English choice") % {"value": value},
                    )
                    break
                labels[value][code] = label
        self.choice_list = [{"value": value, "label": labels[value]} for value in values]

    def _clean_condition(self, cleaned: dict) -> None:
        target_id, _sep, value = (cleaned.get("condition") or "").partition("=")
        cleaned["condition_question"], cleaned["condition_value"] = target_id, value
        if not target_id:
            return
        earlier = {q["id"]: q for q in formbuilder.questions_before_page(self.definition, cleaned.get("page"))}
        target = earlier.get(target_id)
        if target is None:
            self.add_error("condition", _("Choose an answer to a question on an earlier page"))
        elif target.get("type") == "yes_no" and value not in {"yes", "no"}:
            self.add_error("condition", _("Choose yes or no"))
        elif target.get("type") in {"choice", "multi_choice"} and value not in {
            c.get("value") for c in target.get("choices") or []
        }:
            self.add_error("condition", _("Choose one of that question's answers"))

    def question(self) -> dict[str, Any]:
        """The question as form-definition JSON (only the options its type uses)."""
        cleaned = self.cleaned_data
        kind = cleaned["type"]
        question: dict[str, Any] = {
            "id": cleaned["question_id"],
            "type": kind,
            "label": _texts(cleaned, "label"),
            "required": bool(cleaned.get("required")),
        }
        for name in ("hint", "short_label", "required_message"):
            if texts := _texts(cleaned, name):
                question[name] = texts
        if kind in {"text", "textarea", "number"} and (message := _texts(cleaned, "range_message")):
            question["range_message"] = message
        if kind in {"text", "textarea"}:
            for name in ("min_length", "max_length"):
                if cleaned.get(name) is not None:
                    question[name] = cleaned[name]
            if cleaned.get("pattern"):
                question["pattern"] = cleaned["pattern"]
                if message := _texts(cleaned, "pattern_message"):
                    question["pattern_message"] = message
        if kind == "number":
            for name, key in (("min_value", "min"), ("max_value", "max")):
                if cleaned.get(name) is not None:
                    question[key] = _number(cleaned[name])
        if kind in {"choice", "multi_choice"}:
            question["choices"] = self.choice_list
        if cleaned.get("condition_question"):
            question["condition"] = {"question": cleaned["condition_question"], "equals": cleaned["condition_value"]}
        if cleaned.get("prefill"):
            question["prefill"] = cleaned["prefill"]
        return question


class TokenForm(forms.Form):
    """A confirmation (publish, retire) that carries the edit token of the page it was shown on."""

    token = forms.CharField(widget=forms.HiddenInput, required=False)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search for a service"),
        required=False,
        max_length=200,
        error_messages={"max_length": _("Enter 200 characters or fewer")},
    )
