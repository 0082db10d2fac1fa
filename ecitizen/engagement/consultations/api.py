"""Consultations and surveys: the JSON API, mounted by ecitizen/api/api.py.

Read-only and public: listed consultations and surveys (open, upcoming or closed), and one of
them with its outcome and aggregate results once the outcome is published. Never a respondent's
name or answers: published responses are on the results page only.
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from ecitizen.api.errors import ErrorOut
from ecitizen.core.i18n import pick
from ecitizen.engagement.consultations import selectors
from ecitizen.engagement.consultations.models import Consultation

router = Router(tags=["Consultations and surveys"])


class ConsultationOut(Schema):
    slug: str
    kind: str = Field(description="consultation or survey")
    title: str
    summary: str
    agency: str = Field(description="The agency's slug.")
    opens_at: datetime.datetime
    closes_at: datetime.datetime = Field(description="When it stops taking responses (earlier if closed early).")
    closes_on: datetime.date = Field(description="The last day it takes responses, in the deployment's time zone.")
    state: str = Field(description="upcoming, open or closed")
    eligibility: str = Field(description="anyone, signed_in, verified or residents")
    districts: list[str]
    min_age: int | None
    url: str
    outcome_published_at: datetime.datetime | None


class ChoiceOut(Schema):
    value: str
    label: str
    count: int
    percent: int = Field(description="Of the people who answered the question, rounded.")


class QuestionResultOut(Schema):
    id: str
    label: str
    type: str
    answered: int
    choices: list[ChoiceOut]


class ConsultationDetailOut(ConsultationOut):
    description: str
    outcome: str = Field("", description="We asked, you said, we did: empty until published.")
    responses: int | None = Field(None, description="Responses sent; only once the outcome is published.")
    results: list[QuestionResultOut] = Field(
        default_factory=list,
        description="Counts per question, only once the outcome is published and only when at least "
        "CONSULTATION_RESULTS_MIN_RESPONSES responses (default 5) were sent.",
    )


class ListQuery(Schema):
    state: Literal["open", "closed", "upcoming"] = "open"


def _state(c: Consultation) -> str:
    return "open" if c.is_open() else ("closed" if c.is_closed() else "upcoming")


def _out(c: Consultation) -> dict:
    return {
        "slug": c.slug,
        "kind": c.kind,
        "title": c.display_title(),
        "summary": pick(c.summary),
        "agency": c.agency.slug,
        "opens_at": c.opens_at,
        "closes_at": c.effective_closes_at,
        "closes_on": c.closes_on,
        "state": _state(c),
        "eligibility": c.eligibility,
        "districts": list(c.districts or []),
        "min_age": c.min_age,
        "url": f"/have-your-say/consultations/{c.slug}/",
        "outcome_published_at": c.outcome_published_at,
    }


@router.get("/", response=list[ConsultationOut], summary="Listed consultations and surveys")
def consultation_list(request, filters: Query[ListQuery]):
    """Open ones by closing date (default), upcoming ones, or closed ones (newest first, 200 at most)."""
    chooser = {
        "open": selectors.open_consultations,
        "closed": selectors.closed_consultations,
        "upcoming": selectors.upcoming_consultations,
    }[filters.state]
    return [_out(c) for c in chooser()[:200]]


@router.get("/{slug}", response={200: ConsultationDetailOut, 404: ErrorOut}, summary="One consultation or survey")
def consultation_detail(request, slug: str):
    """With its outcome and aggregate counts per choice once the outcome is published."""
    c = selectors.listed().filter(slug=slug).first()
    if c is None:
        return Status(404, {"detail": _("There is no consultation with this name."), "code": "not_found"})
    body = {**_out(c), "description": pick(c.description), "outcome": "", "responses": None, "results": []}
    if c.outcome_published_at:
        body["outcome"] = pick(c.outcome)
        body["responses"] = selectors.sent_responses(c).count()
        body["results"] = (
            []
            if not selectors.results_public(c)
            else [
                {
                    "id": r.id,
                    "label": r.label,
                    "type": r.type,
                    "answered": r.answered,
                    "choices": [vars(row) for row in r.choices],
                }
                for r in selectors.results(c)
                if r.is_choice
            ]
        )
    return body
