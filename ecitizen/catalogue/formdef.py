"""The form engine: services' questions defined as data, turned into Django forms.

A form definition is JSON that agency admins build in the service editor::

    {"pages": [
      {"id": "vehicle", "title": {"en": "Your vehicle"},
       "questions": [
         {"id": "reg", "type": "text", "label": {"en": "Registration number"},
          "hint": {"en": "For example, AB12 CDE"}, "required": true,
          "max_length": 8, "pattern": "^[A-Z0-9 ]+$",
          "pattern_message": {"en": "Use letters and numbers only"}},
         {"id": "electric", "type": "yes_no", "label": {"en": "Is it electric?"}},
         {"id": "charger", "type": "text", "label": {"en": "Charger type"},
          "condition": {"question": "electric", "equals": "yes"}}]}]}

Question types are :data:`QUESTION_TYPES`. A condition shows a question only
when an earlier question's answer equals a value (or, for multiple choice,
contains it). ``prefill`` names a profile field whose value pre-fills the
answer (once-only: the platform does not ask for what it already knows).

A question may also carry ``short_label`` (how error messages name the answer,
"your business description") and the agency's own error texts
``required_message``, ``pattern_message`` and ``range_message``, each
``{language: text}``; see :func:`error_messages`.

Answers are JSON: strings, numbers, ISO dates, lists, and for ``address`` an
object with ``line1``, ``line2``, ``town``, ``postcode`` (an answer only when
complete: see :mod:`ecitizen.core.addresses`); for ``file`` a list of upload ids.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from ecitizen.catalogue.patterns import PatternValidator, pattern_problem
from ecitizen.catalogue.richtext import hint_html
from ecitizen.core.addresses import (
    ADDRESS_PARTS,
    address_complete,
    address_is_blank,
    address_missing_parts,
    normalise_postcode,
    postcode_looks_valid,
)
from ecitizen.core.forms import DateInput
from ecitizen.core.i18n import pick

QUESTION_TYPES = {
    "text": gettext_lazy("Short text"),
    "textarea": gettext_lazy("Long text"),
    "number": gettext_lazy("Number"),
    "date": gettext_lazy("Date"),
    "yes_no": gettext_lazy("Yes or no"),
    "choice": gettext_lazy("One choice from a list"),
    "multi_choice": gettext_lazy("Several choices from a list"),
    "address": gettext_lazy("Address"),
    "email": gettext_lazy("Email address"),
    "phone": gettext_lazy("Phone number"),
    "file": gettext_lazy("File upload"),
}
PREFILL_FIELDS = {
    "given_name",
    "family_name",
    "full_name",
    "date_of_birth",
    "email",
    "phone",
    "address",
}
_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# Texts a question may carry besides its label and hint, each {language: text}.
MESSAGE_KEYS = ("short_label", "required_message", "pattern_message", "range_message")


class DefinitionError(ValueError):
    """The definition is not a valid form; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    label: dict
    hint: dict = field(default_factory=dict)
    required: bool = True
    min_length: int | None = None
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    pattern: str | None = None
    pattern_message: dict = field(default_factory=dict)
    # How error messages name the answer ("your business description"), and the agency's own
    # error texts; each {language: text}. See :func:`error_messages`.
    short_label: dict = field(default_factory=dict)
    required_message: dict = field(default_factory=dict)
    range_message: dict = field(default_factory=dict)
    choices: tuple = ()
    condition: dict | None = None
    prefill: str | None = None

    def is_visible(self, answers: dict[str, Any]) -> bool:
        if not self.condition:
            return True
        given = answers.get(self.condition["question"])
        expected = self.condition["equals"]
        if isinstance(given, list):
            return expected in given
        return given == expected

    def choice_label(self, value: str, language: str | None = None) -> str:
        for choice in self.choices:
            if choice["value"] == value:
                return pick(choice["label"], language)
        return value


def _shown_ids(questions: tuple[Question, ...], answers: dict[str, Any]) -> set[str]:
    """Ids of the questions shown, in form order: a question whose condition rests on a
    hidden question is hidden too, whatever stale answer that question still has."""
    shown: set[str] = set()
    for q in questions:
        if not q.condition or (q.condition["question"] in shown and q.is_visible(answers)):
            shown.add(q.id)
    return shown


@dataclass(frozen=True)
class Page:
    id: str
    title: dict
    questions: tuple[Question, ...]
    # Every question of the form, in order, so that chained conditions can be followed.
    form_questions: tuple[Question, ...] = field(default=(), compare=False, repr=False)

    def visible_questions(self, answers: dict[str, Any]) -> list[Question]:
        shown = _shown_ids(self.form_questions or self.questions, answers)
        return [q for q in self.questions if q.id in shown]


@dataclass(frozen=True)
class FormDefinition:
    pages: tuple[Page, ...]

    @classmethod
    def parse(cls, data: dict | None) -> FormDefinition:
        """Build from JSON, raising DefinitionError with every problem found."""
        errors = validate_definition(data)
        if errors:
            raise DefinitionError(errors)
        pages = []
        for page in (data or {}).get("pages", []):
            questions = tuple(
                Question(
                    id=q["id"],
                    type=q["type"],
                    label=q.get("label") or {},
                    hint=q.get("hint") or {},
                    required=bool(q.get("required", True)),
                    min_length=q.get("min_length"),
                    max_length=q.get("max_length"),
                    min=q.get("min"),
                    max=q.get("max"),
                    pattern=q.get("pattern") or None,
                    pattern_message=q.get("pattern_message") or {},
                    short_label=q.get("short_label") or {},
                    required_message=q.get("required_message") or {},
                    range_message=q.get("range_message") or {},
                    choices=tuple(q.get("choices") or ()),
                    condition=q.get("condition") or None,
                    prefill=q.get("prefill") or None,
                )
                for q in page.get("questions", [])
            )
            pages.append(Page(id=page["id"], title=page.get("title") or {}, questions=questions))
        every = tuple(q for page in pages for q in page.questions)
        return cls(pages=tuple(Page(p.id, p.title, p.questions, every) for p in pages))

    @property
    def questions(self) -> list[Question]:
        return [q for page in self.pages for q in page.questions]

    def page(self, page_id: str) -> Page | None:
        return next((p for p in self.pages if p.id == page_id), None)

    def visible_pages(self, answers: dict[str, Any]) -> list[Page]:
        return [p for p in self.pages if p.visible_questions(answers)]

    def next_page(self, page_id: str, answers: dict[str, Any]) -> Page | None:
        visible = self.visible_pages(answers)
        ids = [p.id for p in visible]
        if page_id not in ids:
            return visible[0] if visible else None
        index = ids.index(page_id)
        return visible[index + 1] if index + 1 < len(visible) else None

    def previous_page(self, page_id: str, answers: dict[str, Any]) -> Page | None:
        ids = [p.id for p in self.visible_pages(answers)]
        if page_id in ids and ids.index(page_id) > 0:
            return self.page(ids[ids.index(page_id) - 1])
        return None

    def visible_answers(self, answers: dict[str, Any]) -> dict[str, Any]:
        """Answers to questions that are still shown: hidden ones are dropped, not submitted."""
        shown = {q.id for p in self.pages for q in p.visible_questions(answers)}
        return {k: v for k, v in answers.items() if k in shown}

    def missing(self, answers: dict[str, Any]) -> list[tuple[Page, Question]]:
        """Required questions, currently shown, that have no answer yet."""
        return [
            (p, q)
            for p in self.pages
            for q in p.visible_questions(answers)
            if q.required and _is_empty(answers.get(q.id))
        ]

    def page_complete(self, page: Page, answers: dict[str, Any]) -> bool:
        return all(not q.required or not _is_empty(answers.get(q.id)) for q in page.visible_questions(answers))

    def page_answered(self, page: Page, answers: dict[str, Any]) -> bool:
        """Has the citizen been through *page*? Every required question shown has an answer, and every
        optional one (but a file) has been saved, even blank: "Save and continue" saves each field."""
        for q in page.visible_questions(answers):
            if q.required and _is_empty(answers.get(q.id)):
                return False
            if not q.required and q.type != "file" and q.id not in answers:
                return False
        return True

    def first_unanswered_page(self, answers: dict[str, Any]) -> Page | None:
        """Where a citizen coming back to a draft carries on; None when every page is answered
        (then "check your answers" is next)."""
        return next((p for p in self.visible_pages(answers) if not self.page_answered(p, answers)), None)

    def step_pages(self, answers: dict[str, Any]) -> list[Page]:
        """The pages that count as steps ("Step 2 of 4"), given the answers so far.

        A page counts unless the answers rule it out: one that waits on a question not answered
        yet counts, so the total does not grow as the citizen answers; it can only drop, when an
        answer skips a page. Every shown page is in the list, in form order.
        """
        states = _question_states(tuple(self.questions), answers)
        return [p for p in self.pages if any(states[q.id] != _HIDDEN for q in p.questions)]

    def step_of(self, page: Page, answers: dict[str, Any]) -> tuple[int, int]:
        """``(step, steps)`` for *page*: its place among :meth:`step_pages` and how many there are."""
        pages = self.step_pages(answers)
        ids = [p.id for p in pages]
        return (ids.index(page.id) + 1 if page.id in ids else 1), len(pages)

    def summary(self, answers: dict[str, Any], language: str | None = None) -> list[dict]:
        """Rows for "check your answers": page, question label, answer as text, the page to change it on."""
        rows = []
        for page in self.visible_pages(answers):
            for q in page.visible_questions(answers):
                rows.append(
                    {
                        "page": page.id,
                        "question": q.id,
                        "label": pick(q.label, language),
                        "value": display_answer(q, answers.get(q.id), language),
                        "type": q.type,
                    }
                )
        return rows


_SHOWN, _HIDDEN, _UNKNOWN = "shown", "hidden", "unknown"


def _question_states(questions: tuple[Question, ...], answers: dict[str, Any]) -> dict[str, str]:
    """Each question shown, hidden, or unknown (its condition rests on a question not answered yet)."""
    states: dict[str, str] = {}
    for q in questions:
        if not q.condition:
            states[q.id] = _SHOWN
            continue
        parent = states.get(q.condition["question"], _HIDDEN)
        if parent == _SHOWN and answers.get(q.condition["question"]) is None:  # never answered (blank is an answer)
            parent = _UNKNOWN
        if parent == _SHOWN:
            states[q.id] = _SHOWN if q.is_visible(answers) else _HIDDEN
        else:
            states[q.id] = parent
    return states


def _is_empty(value: Any) -> bool:
    """No usable answer. An address counts only when complete (first line, town, postcode)."""
    if value is None or value == "" or value == []:
        return True
    if isinstance(value, dict):
        return not address_complete(value)
    return False


def display_answer(question: Question, value: Any, language: str | None = None) -> str:
    """An answer as a person reads it, in *language*."""
    if question.type == "address" and isinstance(value, dict):
        return ", ".join(value.get(part) for part in ADDRESS_PARTS if value.get(part))  # even if incomplete
    if _is_empty(value):
        return ""
    if question.type == "yes_no":
        return _("Yes") if value == "yes" else _("No")
    if question.type == "choice":
        return question.choice_label(value, language)
    if question.type == "multi_choice":
        return ", ".join(question.choice_label(v, language) for v in value)
    if question.type == "date":
        try:
            return date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")
        except (TypeError, ValueError):
            return str(value)
    if question.type == "address":
        return ", ".join(value.get(part) for part in ADDRESS_PARTS if value.get(part))
    if question.type == "file":
        count = len(value)
        return ngettext("%(count)d file attached", "%(count)d files attached", count) % {"count": count}
    return str(value)


def validate_definition(data: Any) -> list[str]:
    """Every problem with a definition, in words an agency admin understands (empty if valid)."""
    errors: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("pages"), list):
        return [_("The form needs a list of pages.")]
    if not data["pages"]:
        errors.append(_("Add at least one page with a question."))
    seen_pages: set[str] = set()
    seen_questions: dict[str, dict] = {}
    for page in data["pages"]:
        if not isinstance(page, dict) or not _ID.match(str(page.get("id", ""))):
            errors.append(_("Each page needs an id of lower-case letters, digits and underscores."))
            continue
        if page["id"] in seen_pages:
            errors.append(_("Two pages have the id “%(id)s”.") % {"id": page["id"]})
        seen_pages.add(page["id"])
        questions = page.get("questions")
        if not isinstance(questions, list) or not questions:
            errors.append(_("Page “%(id)s” has no questions.") % {"id": page["id"]})
            continue
        on_this_page: dict[str, dict] = {}
        for q in questions:
            # A condition can rest only on an earlier page: a page's questions are shown together.
            errors.extend(_question_errors(q, seen_questions, on_this_page))
            if isinstance(q, dict) and _ID.match(str(q.get("id", ""))):
                on_this_page[q["id"]] = q
        seen_questions.update(on_this_page)
    return errors


def _question_errors(q: Any, earlier: dict[str, dict], same_page: dict[str, dict] | None = None) -> list[str]:
    if not isinstance(q, dict) or not _ID.match(str(q.get("id", ""))):
        return [_("Each question needs an id of lower-case letters, digits and underscores.")]
    errors = []
    qid = q["id"]
    same_page = same_page or {}
    for key in ("min_length", "max_length", "min", "max"):
        value = q.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
            errors.append(_("Question “%(id)s” has a limit that is not a number.") % {"id": qid})
            return errors
    for key in ("label", "hint", *MESSAGE_KEYS):
        if q.get(key) is not None and not isinstance(q.get(key), dict):
            errors.append(_("Question “%(id)s” has texts in the wrong shape.") % {"id": qid})
            return errors
    if qid in earlier or qid in same_page:
        errors.append(_("Two questions have the id “%(id)s”.") % {"id": qid})
    if q.get("type") not in QUESTION_TYPES:
        errors.append(_("Question “%(id)s” has an unknown type.") % {"id": qid})
    if not isinstance(q.get("label"), dict) or not any(q["label"].values()):
        errors.append(_("Question “%(id)s” needs a label.") % {"id": qid})
    if q.get("type") in {"choice", "multi_choice"}:
        choices = q.get("choices")
        if not isinstance(choices, list) or len(choices) < 2:
            errors.append(_("Question “%(id)s” needs at least two choices.") % {"id": qid})
        elif not all(isinstance(c, dict) and isinstance(c.get("label"), dict) and c.get("value") for c in choices):
            errors.append(_("Question “%(id)s” has a choice without a value or a label.") % {"id": qid})
        elif len({str(c.get("value")) for c in choices}) != len(choices):
            errors.append(_("Question “%(id)s” has choices with the same value.") % {"id": qid})
    if q.get("pattern"):
        problem = pattern_problem(q["pattern"])  # RE2: linear time, so no back-references or look-arounds
        if problem is not None:
            errors.append(
                _("Question “%(id)s” has a pattern that is not a valid regular expression (%(problem)s).")
                % {"id": qid, "problem": problem}
            )
    for low, high in (("min_length", "max_length"), ("min", "max")):
        if q.get(low) is not None and q.get(high) is not None and q[low] > q[high]:
            errors.append(_("Question “%(id)s” has a minimum above its maximum.") % {"id": qid})
    condition = q.get("condition")
    if condition:
        target = earlier.get(condition.get("question")) if isinstance(condition, dict) else None
        if isinstance(condition, dict) and condition.get("question") in same_page:
            errors.append(
                _("Question “%(id)s” depends on a question on the same page: move it to a later page.") % {"id": qid}
            )
        elif target is None:
            errors.append(_("Question “%(id)s” depends on a question that does not come before it.") % {"id": qid})
        elif "equals" not in condition:
            errors.append(_("Question “%(id)s” has a condition without a value.") % {"id": qid})
    if q.get("prefill") and q["prefill"] not in PREFILL_FIELDS:
        errors.append(_("Question “%(id)s” pre-fills from an unknown profile field.") % {"id": qid})
    return errors


# --- Error messages -----------------------------------------------------------


def _exact(texts: dict | None, language: str | None) -> str:
    """The text in exactly *language* (no fallback to another language), or ""."""
    language = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
    value = (texts or {}).get(language) if isinstance(texts, dict) else None
    return value.strip() if isinstance(value, str) else ""


def _capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


def _number_text(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def error_messages(q: Question, language: str | None = None) -> dict[str, str]:
    """What a citizen is told when an answer to *q* is missing, in the wrong format or out of range.

    The agency's own text for the language comes first (``required_message``,
    ``pattern_message``, ``range_message``); otherwise a sentence built from the
    question's ``short_label`` in that language ("Enter your business description",
    "Number of vehicles must be between 1 and 4"); otherwise a general one that
    quotes the question. Keys: ``required``, ``pattern``, ``range``, ``length``,
    ``invalid`` (not a number or date).
    """
    label = pick(q.label, language)
    short = _exact(q.short_label, language)
    name = _capfirst(short) if short else (_("The number") if q.type == "number" else _("The answer"))
    messages: dict[str, str] = {}

    if q.type in {"choice", "multi_choice"}:
        default = _("Select %(short)s") % {"short": short} if short else None
        generic = _("Select an answer to “%(label)s”") % {"label": label}
    elif q.type == "yes_no":
        default, generic = None, _("Select yes or no")
    elif q.type == "file":
        default = _("Select %(short)s") % {"short": short} if short else None
        generic = _("Select a file")
    elif q.type == "email":
        default = _("Enter %(short)s") % {"short": short} if short else None
        generic = _("Enter an email address")
    elif q.type == "phone":
        default = _("Enter %(short)s") % {"short": short} if short else None
        generic = _("Enter a phone number")
    else:
        default = _("Enter %(short)s") % {"short": short} if short else None
        generic = _("Answer “%(label)s”") % {"label": label}
    messages["required"] = _exact(q.required_message, language) or default or generic

    messages["pattern"] = (
        _exact(q.pattern_message, language)
        or (_("Enter %(short)s in the correct format") % {"short": short} if short else "")
        or pick(q.pattern_message, language)
        or _("Enter the answer to “%(label)s” in the correct format") % {"label": label}
    )

    custom_range = _exact(q.range_message, language)
    low, high = q.min, q.max
    if low is not None and high is not None:
        number_range = _("%(name)s must be between %(min)s and %(max)s")
    elif high is not None:
        number_range = _("%(name)s must be %(max)s or fewer")
    else:
        number_range = _("%(name)s must be %(min)s or more")
    numbers = {"name": name, "min": _number_text(low or 0), "max": _number_text(high or 0)}
    messages["range"] = custom_range or number_range % numbers

    shortest, longest = q.min_length, q.max_length or (5000 if q.type == "textarea" else 500)
    if shortest:
        length = _("%(name)s must be between %(min)s and %(max)s characters")
    else:
        length = _("%(name)s must be %(max)s characters or fewer")
    lengths = {"name": name, "min": shortest or 0, "max": longest}
    messages["length"] = custom_range or length % lengths

    if q.type == "date":
        messages["invalid"] = _("%(name)s must be a real date") % {"name": name} if short else _("Enter a real date")
    else:
        messages["invalid"] = _("%(name)s must be a number") % {"name": name}
    return messages


# --- Django forms -----------------------------------------------------------


def _address_labels() -> dict[str, str]:
    return {
        "line1": _("Address line 1"),
        "line2": _("Address line 2 (optional)"),
        "town": _("Town or city"),
        "postcode": _("Postcode"),
    }


class PageForm(forms.Form):
    """One page of questions. ``answers()`` returns the page's answers as JSON values.

    With ``draft=True`` (the citizen chose "Save and come back later") nothing is
    required and :meth:`draft_answers` keeps what was given and valid instead of
    refusing the page: a draft can always be saved.
    """

    def __init__(
        self, *args, page: Page, answers: dict[str, Any], language: str | None = None, draft: bool = False, **kwargs
    ):
        self.page = page
        self.draft = draft
        self.language = language
        self.saved = answers
        self.questions = page.visible_questions(answers)
        initial = {}
        for q in self.questions:
            value = answers.get(q.id)
            if q.type == "address" and isinstance(value, dict):
                for part in ADDRESS_PARTS:
                    initial[f"{q.id}__{part}"] = value.get(part, "")
            elif q.type != "file" and value is not None:
                initial[q.id] = value
        super().__init__(*args, initial=initial, **kwargs)
        for q in self.questions:
            for name, form_field in _fields_for(q, language, already=answers.get(q.id)):
                if draft:
                    form_field.required = False
                self.fields[name] = form_field

    def clean(self):
        cleaned = super().clean()
        if self.draft:
            return cleaned
        labels = _address_labels()
        for q in self.questions:
            if q.type != "address":
                continue
            names = {part: f"{q.id}__{part}" for part in ADDRESS_PARTS}
            given = {part: cleaned.get(name) or "" for part, name in names.items()}
            if names["postcode"] in self.errors:
                continue
            if given["postcode"] and not postcode_looks_valid(given["postcode"]):
                self.add_error(names["postcode"], _("Enter a real postcode, like RV1 4AB"))
            if not q.required and not address_is_blank(given):
                # An optional address is optional as a whole: once started, it must be complete.
                for part in address_missing_parts(given):
                    if names[part] not in self.errors and not given[part]:
                        self.add_error(names[part], _("Enter %(part)s") % {"part": _lower_first(str(labels[part]))})
        return cleaned

    def _answer(self, q: Question, data: dict) -> Any:
        if q.type == "address":
            value = {part: (data.get(f"{q.id}__{part}") or "").strip() for part in ADDRESS_PARTS}
            value["postcode"] = normalise_postcode(value["postcode"])
            return value
        if q.type == "date":
            return data[q.id].isoformat() if data.get(q.id) else ""
        if q.type == "number":
            value = data.get(q.id)
            return (int(value) if value == int(value) else float(value)) if value is not None else None
        return data.get(q.id)

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {q.id: self._answer(q, data) for q in self.questions if q.type != "file"}  # files: the caller

    def draft_answers(self) -> tuple[dict[str, Any], list[Question]]:
        """For a draft: the answers given that are valid, and the questions whose answer was not
        (it is dropped, not saved: the citizen is told and corrects it later). A field left blank
        saves nothing, but one the citizen emptied (its saved answer was on the page) is cleared,
        so a draft keeps exactly what the page showed when they left it."""
        self.is_valid()
        data, kept, dropped = self.cleaned_data, {}, []
        for q in self.questions:
            if q.type == "file":
                continue
            names = [name for name in self.fields if name == q.id or name.startswith(f"{q.id}__")]
            if any(name in self.errors for name in names):
                dropped.append(q)
                continue
            value = self._answer(q, data)
            if value in (None, "", []) or (q.type == "address" and address_is_blank(value)):
                if not _is_empty(self.saved.get(q.id)):
                    kept[q.id] = None  # the citizen cleared (or unticked) an answer shown to them
                continue
            kept[q.id] = value
        return kept, dropped

    def file_fields(self) -> list[Question]:
        return [q for q in self.questions if q.type == "file"]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _fields_for(q: Question, language: str | None, already: Any = None):
    label = pick(q.label, language)
    hint = hint_html(pick(q.hint, language))  # agency-written: a sanitised subset of HTML, never raw
    common = {"label": label, "help_text": hint, "required": q.required}
    texts = error_messages(q, language)
    # Django fills these three with ``message % params``: a "%" an agency wrote ("100% or less")
    # must stay a percent sign, not crash the citizen's page.
    for key in ("range", "length", "pattern"):
        texts[key] = str(texts[key]).replace("%", "%%")
    required = {"required": texts["required"]}
    if q.type in {"text", "textarea"}:
        validators = []
        if q.pattern:
            # RE2, never Python's backtracking re: an agency's pattern cannot freeze us
            validators.append(PatternValidator(q.pattern, texts["pattern"]))
        widget = forms.Textarea if q.type == "textarea" else forms.TextInput
        yield (
            q.id,
            forms.CharField(
                **common,
                min_length=q.min_length,
                max_length=q.max_length or (5000 if q.type == "textarea" else 500),
                validators=validators,
                widget=widget,
                error_messages={**required, "min_length": texts["length"], "max_length": texts["length"]},
            ),
        )
    elif q.type == "number":
        yield (
            q.id,
            forms.DecimalField(
                **common,
                min_value=q.min,
                max_value=q.max,
                max_digits=15,
                decimal_places=4,
                widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                error_messages={
                    **required,
                    "invalid": texts["invalid"],
                    "min_value": texts["range"],
                    "max_value": texts["range"],
                    "max_digits": _("Enter a smaller number"),
                    "max_whole_digits": _("Enter a smaller number"),
                    "max_decimal_places": _("Enter a number with no more than 4 decimal places"),
                },
            ),
        )
    elif q.type == "date":
        yield (
            q.id,
            forms.DateField(**common, widget=DateInput(), error_messages={**required, "invalid": texts["invalid"]}),
        )
    elif q.type == "yes_no":
        yield (
            q.id,
            forms.ChoiceField(
                **common,
                choices=[("yes", _("Yes")), ("no", _("No"))],
                widget=forms.RadioSelect,
                error_messages={**required, "invalid_choice": _("Select yes or no")},
            ),
        )
    elif q.type in {"choice", "multi_choice"}:
        field_class = forms.ChoiceField if q.type == "choice" else forms.MultipleChoiceField
        yield (
            q.id,
            field_class(
                **common,
                choices=[(c["value"], pick(c["label"], language)) for c in q.choices],
                widget=forms.RadioSelect if q.type == "choice" else forms.CheckboxSelectMultiple,
                error_messages={**required, "invalid_choice": _("Select one of the options")},
            ),
        )
    elif q.type == "email":
        yield (
            q.id,
            forms.EmailField(
                **common,
                max_length=254,
                error_messages={
                    **required,
                    "invalid": _("Enter an email address in the correct format, like name@example.com"),
                    "max_length": _("Enter an email address of 254 characters or fewer"),
                },
            ),
        )
    elif q.type == "phone":
        phone = forms.RegexField(
            **common,
            regex=r"^\+?[0-9 ()-]{6,20}$",
            error_messages={
                **required,
                "invalid": _("Enter a phone number, like 01632 960 001 or +44 808 157 0192"),
            },
        )
        phone.widget.input_type = "tel"
        yield (q.id, phone)
    elif q.type == "address":
        labels = _address_labels()
        short = _exact(q.short_label, language)
        autocomplete = {"line1": "address-line1", "line2": "address-line2", "town": "address-level2"}
        for part in ADDRESS_PARTS:
            if part == "line1" and _exact(q.required_message, language):
                message = texts["required"]
            elif short:
                message = {
                    "line1": _("Enter the first line of %(short)s"),
                    "line2": "",
                    "town": _("Enter the town or city of %(short)s"),
                    "postcode": _("Enter the postcode of %(short)s"),
                }[part] % {"short": short}
            else:
                message = _("Enter %(part)s") % {"part": _lower_first(str(labels[part]))}
            limit = 20 if part == "postcode" else 200
            part_field = forms.CharField(
                label=f"{label}: {labels[part]}" if part == "line1" else labels[part],
                help_text=hint if part == "line1" else "",
                required=q.required and part != "line2",
                max_length=limit,
                error_messages={
                    "required": message,
                    "max_length": _("%(part)s must be %(max)s characters or fewer")
                    % {"part": labels[part], "max": limit},
                },
            )
            part_field.widget.attrs["autocomplete"] = autocomplete.get(part, "postal-code")
            yield (f"{q.id}__{part}", part_field)
    elif q.type == "file":
        yield (
            q.id,
            forms.FileField(**{**common, "required": q.required and _is_empty(already)}, error_messages=required),
        )
