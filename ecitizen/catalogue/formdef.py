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

Answers are JSON: strings, numbers, ISO dates, lists, and for ``address`` an
object with ``line1``, ``line2``, ``town``, ``postcode``; for ``file`` a list
of upload ids.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ecitizen.catalogue.patterns import PatternValidator, pattern_problem
from ecitizen.catalogue.richtext import hint_html
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
ADDRESS_PARTS = ("line1", "line2", "town", "postcode")


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


def _is_empty(value: Any) -> bool:
    if value is None or value == "" or value == []:
        return True
    if isinstance(value, dict):
        return not any(value.get(part) for part in ("line1", "town", "postcode"))
    return False


def display_answer(question: Question, value: Any, language: str | None = None) -> str:
    """An answer as a person reads it, in *language*."""
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
    for key in ("label", "hint", "pattern_message"):
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


# --- Django forms -----------------------------------------------------------


class PageForm(forms.Form):
    """One page of questions. ``answers()`` returns the page's answers as JSON values."""

    def __init__(self, *args, page: Page, answers: dict[str, Any], language: str | None = None, **kwargs):
        self.page = page
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
                self.fields[name] = form_field

    def answers(self) -> dict[str, Any]:
        data = self.cleaned_data
        result: dict[str, Any] = {}
        for q in self.questions:
            if q.type == "address":
                result[q.id] = {part: data.get(f"{q.id}__{part}", "") for part in ADDRESS_PARTS}
            elif q.type == "file":
                continue  # stored by the caller, which records upload ids
            elif q.type == "date":
                result[q.id] = data[q.id].isoformat() if data.get(q.id) else ""
            elif q.type == "number":
                value = data.get(q.id)
                result[q.id] = (int(value) if value == int(value) else float(value)) if value is not None else None
            else:
                result[q.id] = data.get(q.id)
        return result

    def file_fields(self) -> list[Question]:
        return [q for q in self.questions if q.type == "file"]


def _fields_for(q: Question, language: str | None, already: Any = None):
    label = pick(q.label, language)
    hint = hint_html(pick(q.hint, language))  # agency-written: a sanitised subset of HTML, never raw
    common = {"label": label, "help_text": hint, "required": q.required}
    if q.type in {"text", "textarea"}:
        validators = []
        if q.pattern:
            validators.append(
                PatternValidator(  # RE2, never Python's backtracking re: an agency's pattern cannot freeze us
                    q.pattern,
                    pick(q.pattern_message, language)
                    or _("Enter %(label)s in the right format") % {"label": label.lower()},
                )
            )
        widget = forms.Textarea if q.type == "textarea" else forms.TextInput
        yield (
            q.id,
            forms.CharField(
                **common,
                min_length=q.min_length,
                max_length=q.max_length or (5000 if q.type == "textarea" else 500),
                validators=validators,
                widget=widget,
                error_messages={"required": _("Enter %(label)s") % {"label": label.lower()}},
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
                    "required": _("Enter %(label)s") % {"label": label.lower()},
                    "invalid": _("Enter a number"),
                },
            ),
        )
    elif q.type == "date":
        yield (
            q.id,
            forms.DateField(
                **common,
                widget=DateInput(),
                error_messages={
                    "required": _("Enter %(label)s") % {"label": label.lower()},
                    "invalid": _("Enter a real date"),
                },
            ),
        )
    elif q.type == "yes_no":
        yield (
            q.id,
            forms.ChoiceField(
                **common,
                choices=[("yes", _("Yes")), ("no", _("No"))],
                widget=forms.RadioSelect,
                error_messages={"required": _("Select yes or no")},
            ),
        )
    elif q.type == "choice":
        yield (
            q.id,
            forms.ChoiceField(
                **common,
                choices=[(c["value"], pick(c["label"], language)) for c in q.choices],
                widget=forms.RadioSelect,
                error_messages={"required": _("Select an option")},
            ),
        )
    elif q.type == "multi_choice":
        yield (
            q.id,
            forms.MultipleChoiceField(
                **common,
                choices=[(c["value"], pick(c["label"], language)) for c in q.choices],
                widget=forms.CheckboxSelectMultiple,
                error_messages={"required": _("Select at least one option")},
            ),
        )
    elif q.type == "email":
        yield (
            q.id,
            forms.EmailField(
                **common,
                max_length=254,
                error_messages={
                    "required": _("Enter an email address"),
                    "invalid": _("Enter an email address in the correct format, like name@example.com"),
                },
            ),
        )
    elif q.type == "phone":
        phone = forms.RegexField(
            **common,
            regex=r"^\+?[0-9 ()-]{6,20}$",
            error_messages={
                "required": _("Enter a phone number"),
                "invalid": _("Enter a phone number, like 01632 960 001 or +44 808 157 0192"),
            },
        )
        phone.widget.input_type = "tel"
        yield (q.id, phone)
    elif q.type == "address":
        labels = {
            "line1": _("Address line 1"),
            "line2": _("Address line 2 (optional)"),
            "town": _("Town or city"),
            "postcode": _("Postcode"),
        }
        for part in ADDRESS_PARTS:
            required = q.required and part != "line2"
            yield (
                f"{q.id}__{part}",
                forms.CharField(
                    label=f"{label}: {labels[part]}" if part == "line1" else labels[part],
                    help_text=hint if part == "line1" else "",
                    required=required,
                    max_length=20 if part == "postcode" else 200,
                    error_messages={"required": _("Enter %(part)s") % {"part": str(labels[part]).lower()}},
                ),
            )
    elif q.type == "file":
        yield (
            q.id,
            forms.FileField(
                **{**common, "required": q.required and _is_empty(already)},
                error_messages={"required": _("Select a file")},
            ),
        )
