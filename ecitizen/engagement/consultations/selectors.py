"""Reads of consultations and surveys: public lists, passages, results, the dashboard."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation

from ecitizen.catalogue.formdef import DefinitionError, FormDefinition, display_answer
from ecitizen.core.i18n import pick
from ecitizen.engagement.consultations.models import (
    AnswerTag,
    Consultation,
    PassageComment,
    Publication,
    Response,
    Status,
)

CHOICE_TYPES = frozenset({"yes_no", "choice", "multi_choice"})
FREE_TEXT_TYPES = frozenset({"text", "textarea"})
# Answers never published, even where an older form still asks them.
PERSONAL_TYPES = frozenset({"email", "phone", "address", "file"})
_BLANK_LINES = re.compile(r"\n\s*\n")


def published() -> QuerySet[Consultation]:
    return Consultation.objects.filter(status=Status.PUBLISHED).select_related("agency")


def listed() -> QuerySet[Consultation]:
    """Published and listed: what the public index, the search and the API show."""
    return published().filter(listed=True)


def open_consultations(now=None) -> QuerySet[Consultation]:
    now = now or timezone.now()
    return (
        listed()
        .filter(opens_at__lte=now, closes_at__gt=now)
        .filter(Q(closed_early_at__isnull=True) | Q(closed_early_at__gt=now))
        .order_by("closes_at", "slug")
    )


def closed_consultations(now=None) -> QuerySet[Consultation]:
    now = now or timezone.now()
    return listed().filter(Q(closes_at__lte=now) | Q(closed_early_at__lte=now)).order_by("-closes_at", "slug")


def upcoming_consultations(now=None) -> QuerySet[Consultation]:
    now = now or timezone.now()
    # closed early before it opened: closed, not upcoming
    return listed().filter(opens_at__gt=now, closed_early_at__isnull=True).order_by("opens_at", "slug")


def public_consultation(slug: str) -> Consultation | None:
    """A published consultation or survey by slug (listed or not: an unlisted survey's page
    checks the link token itself)."""
    return published().filter(slug=slug).first()


def consultation_by_link(token: str) -> Consultation | None:
    if not token:
        return None
    return published().filter(link_token=token).first()


def _split(text: str) -> list[str]:
    text = (text or "").replace("\r\n", "\n").strip()
    return [p.strip() for p in _BLANK_LINES.split(text) if p.strip()] if text else []


def passages(consultation: Consultation, language: str | None = None) -> list[str]:
    """The draft text split into passages at blank lines, in *language* (or the fallback).

    Passages are numbered in the default language, and a comment names its passage by number.
    A translation is used only when it has as many passages as the default language's text
    (staff cannot save one that has not, see ``services._clean_details``; one stored before that
    rule is set aside), so passage *n* is the same passage in every language.
    """
    return passages_with_language(consultation, language)[0]


def passages_with_language(consultation: Consultation, language: str | None = None) -> tuple[list[str], str]:
    """:func:`passages`, and the language they are in (for the page's ``lang`` attributes)."""
    texts = consultation.policy_text or {}
    main = _split(texts.get(settings.LANGUAGE_CODE, ""))
    wanted = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    chosen = _split(texts.get(wanted, ""))
    if chosen and len(chosen) == len(main):
        return chosen, wanted
    if main:
        return main, settings.LANGUAGE_CODE
    # No text in the default language (only in rows saved before the rule): the first text
    # there is, for every language alike.
    for code, text in texts.items():
        if _split(text):
            return _split(text), code
    return [], settings.LANGUAGE_CODE


def passage_count(consultation: Consultation) -> int:
    """How many passages the draft text has (numbered in the default language)."""
    return len(passages(consultation, settings.LANGUAGE_CODE))


def passage_count_of(text: str) -> int:
    """How many passages *text* makes (what staff type, before it is stored)."""
    return len(_split(text))


def public_passage_comments(consultation: Consultation) -> dict[int, list[PassageComment]]:
    """Published comments (named or anonymous) per passage number."""
    grouped: dict[int, list[PassageComment]] = defaultdict(list)
    for comment in consultation.passage_comments.exclude(publication=Publication.PRIVATE):
        grouped[comment.passage].append(comment)
    return dict(grouped)


def passage_comments_for_staff(consultation: Consultation, language: str | None = None) -> list[dict]:
    """Every passage (its text in *language*, the same passage in every language) with all its
    comments, published or not, for staff."""
    grouped: dict[int, list[PassageComment]] = defaultdict(list)
    for comment in consultation.passage_comments.all():
        grouped[comment.passage].append(comment)
    return [
        {"number": n, "text": text, "comments": grouped.get(n, [])}
        for n, text in enumerate(passages(consultation, language), start=1)
    ]


def response_for(consultation: Consultation, *, user: Any = None, email: str = "") -> Response | None:
    if getattr(user, "is_authenticated", False):
        return Response.objects.filter(consultation=consultation, user=user).first()
    if email:
        return Response.objects.filter(consultation=consultation, email=email.lower()).first()
    return None


def sent_responses(consultation: Consultation) -> QuerySet[Response]:
    return consultation.responses.filter(submitted_at__isnull=False)


def definition_for(consultation: Consultation) -> FormDefinition | None:
    try:
        return FormDefinition.parse(consultation.form) if consultation.form else None
    except ValueError:
        return None


def preview_definition(consultation: Consultation) -> tuple[FormDefinition | None, list[str]]:
    """The questions as respondents will get them, for staff's preview: pages with no question
    yet (still being built) are left out. ``(None, problems)`` while the questions are not valid."""
    form = consultation.form if isinstance(consultation.form, dict) else {}
    pages = [p for p in form.get("pages") or [] if isinstance(p, dict) and p.get("questions")]
    if not pages:
        return None, []
    try:
        return FormDefinition.parse({**form, "pages": pages}), []
    except DefinitionError as exc:
        return None, list(exc.errors)


# --- Results ---------------------------------------------------------------------------------


@dataclass
class ChoiceRow:
    value: str
    label: str
    count: int
    percent: int  # of the people who answered the question, rounded


@dataclass
class QuestionResult:
    id: str
    label: str
    type: str
    answered: int
    choices: list[ChoiceRow] = field(default_factory=list)
    texts: list[dict] = field(default_factory=list)  # free-text answers (staff only)

    @property
    def is_choice(self) -> bool:
        return self.type in CHOICE_TYPES

    @property
    def is_free_text(self) -> bool:
        return self.type in FREE_TEXT_TYPES


def results(
    consultation: Consultation, *, with_texts: bool = False, tag: str = "", language: str | None = None
) -> list[QuestionResult]:
    """Counts and percentages per choice of every list question; for staff (*with_texts*) the
    free-text answers too, each with its tags (only those tagged *tag* when given)."""
    definition = definition_for(consultation)
    if definition is None:
        return []
    rows = list(sent_responses(consultation).values("pk", "answers"))
    tags: dict[tuple[int, str], list[str]] = defaultdict(list)
    if with_texts:
        for t in AnswerTag.objects.filter(response__consultation=consultation).values(
            "response_id", "question_id", "tag"
        ):
            tags[(t["response_id"], t["question_id"])].append(t["tag"])
    out = []
    for q in definition.questions:
        answered = [r for r in rows if r["answers"].get(q.id) not in (None, "", [])]
        result = QuestionResult(id=q.id, label=pick(q.label, language), type=q.type, answered=len(answered))
        if q.type in CHOICE_TYPES:
            counter: Counter = Counter()
            for r in answered:
                value = r["answers"][q.id]
                counter.update(value if isinstance(value, list) else [value])
            options = [("yes", None), ("no", None)] if q.type == "yes_no" else [(c["value"], None) for c in q.choices]
            for value, _none in options:
                count = counter.get(value, 0)
                result.choices.append(
                    ChoiceRow(
                        value=value,
                        label=display_answer(q, value if q.type != "multi_choice" else [value], language),
                        count=count,
                        percent=round(100 * count / len(answered)) if answered else 0,
                    )
                )
        elif with_texts and q.type in FREE_TEXT_TYPES:
            for r in answered:
                these = sorted(tags.get((r["pk"], q.id), []))
                if tag and tag not in these:
                    continue
                result.texts.append({"response": r["pk"], "text": str(r["answers"][q.id]), "tags": these})
        out.append(result)
    return out


def all_tags(consultation: Consultation) -> list[str]:
    return list(
        AnswerTag.objects.filter(response__consultation=consultation)
        .values_list("tag", flat=True)
        .distinct()
        .order_by("tag")
    )


def publishable_responses(consultation: Consultation) -> QuerySet[Response]:
    """Sent responses whose authors chose to publish them (named or anonymous)."""
    return sent_responses(consultation).exclude(publication=Publication.PRIVATE).order_by("submitted_at", "pk")


def published_responses(consultation: Consultation, language: str | None = None, responses=None) -> list[dict]:
    """Sent responses whose authors chose to publish them, as the public sees them: the name (or
    none) and the answers, without answers of personal types (contact details). *responses*: a
    page of :func:`publishable_responses` (all of them when None)."""
    definition = definition_for(consultation)
    if definition is None:
        return []
    out = []
    for response in publishable_responses(consultation) if responses is None else responses:
        rows = definition.summary(definition.visible_answers(response.answers), language)
        out.append(
            {
                # a name only while the response is linked to its account (none once it is deleted)
                "name": response.public_name,
                "rows": [row for row in rows if row.get("type") not in PERSONAL_TYPES],
            }
        )
    return out


def results_public(consultation: Consultation) -> bool:
    """Whether per-question counts may be published: enough responses were sent that no one
    person's answers can be told from the totals (``CONSULTATION_RESULTS_MIN_RESPONSES``)."""
    from ecitizen.engagement.consultations import conf

    return sent_responses(consultation).count() >= conf.results_min_responses()


def _stored(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        import json

        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def export_rows(consultation: Consultation) -> tuple[list[str], list[list[str]]]:
    """Header and one row per sent response: number, sent at, publication choice, district, then
    for each question two columns: ``<id>`` the stored value (choice values, several joined with
    ";") and ``<id>_label`` the answer as shown to people (labels in the default language)."""
    definition = definition_for(consultation)
    questions = definition.questions if definition else []
    header = ["response", "sent_at", "publication", "district"]
    for q in questions:
        header += [q.id, f"{q.id}_label"]
    rows = []
    for response in sent_responses(consultation):
        row = [str(response.pk), response.submitted_at.isoformat(), response.publication, response.district]
        for q in questions:
            value = response.answers.get(q.id)
            row += [_stored(value), display_answer(q, value) if value not in (None, "", []) else ""]
        rows.append(row)
    return header, rows


# --- Staff and dashboard ---------------------------------------------------------------------


def staff_list(scope: QuerySet[Consultation]) -> QuerySet[Consultation]:
    return scope.select_related("agency").order_by("-created_at")


def consultations_for_dashboard(user: Any) -> dict:
    """For the signed-in dashboard: responses still in draft (while open), responses sent, and
    outcomes published since the person responded."""
    if not getattr(user, "is_authenticated", False):
        return {"drafts": [], "sent": [], "outcomes": []}
    now = timezone.now()
    mine = Response.objects.filter(user=user, consultation__status=Status.PUBLISHED).select_related("consultation")
    drafts, sent, outcomes = [], [], []
    for response in mine.order_by("-updated_at")[:50]:
        c = response.consultation
        # closes_at: the last day it takes responses (a date), as every page shows the closing date
        item = {
            "title": c.display_title(),
            "slug": c.slug,
            "closes_at": c.closes_on,
            "kind": c.kind,
            "url": reverse("consultations:detail", args=[c.slug]),
        }
        if response.submitted_at is None:
            if c.is_open(now):
                drafts.append(item)
        else:
            sent.append({**item, "sent_at": response.submitted_at})
        if c.outcome_published_at and response.submitted_at:
            outcomes.append({**item, "published_at": c.outcome_published_at})
    return {"drafts": drafts, "sent": sent, "outcomes": outcomes}
