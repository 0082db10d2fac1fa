"""Service feedback: the open-data JSON API, mounted at /api/feedback by ecitizen/api/api.py.

Read-only and public: satisfaction per service (or other topic) and month. Never a comment,
never a person. Only complete months are given (a month's figures never change once it is
over), and a month with fewer ratings than the platform's minimum (conf:
``FEEDBACK_MIN_RATINGS``) is marked suppressed, without its total or counts, so that no one's
answer can be picked out (see ecitizen.engagement.feedback.selectors, "public figures").
"""

import datetime
import re

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate

from ecitizen.api.pagination import BoundedLimitOffsetPagination
from ecitizen.engagement.feedback import selectors
from ecitizen.engagement.feedback.models import Answer, Rating

router = Router(tags=["Service feedback"])

_MONTH = re.compile(r"^(?!0000)[0-9]{4}-(0[1-9]|1[0-2])$")


class CountsOut(Schema):
    very_satisfied: int
    satisfied: int
    neither: int
    dissatisfied: int
    very_dissatisfied: int


class SatisfactionOut(Schema):
    month: str = Field(description="YYYY-MM, in the deployment's time zone.", examples=["2026-11"])
    agency: str = Field(description="The agency's slug.")
    service: str = Field(description="The catalogue service's slug; empty for problem reports and tax payments.")
    topic: str = Field(description="service, report (problem reports) or payment (payments without a service).")
    title: str = Field(description="The service's title in the request's language.")
    total: int | None = Field(description="How many people answered (null when suppressed).")
    suppressed: bool = Field(description="True when too few answered for the counts to be shown.")
    counts: CountsOut | None = Field(None, description="How many gave each answer (null when suppressed).")
    satisfied_share: float | None = Field(
        None, description="(very satisfied + satisfied) / total, 0 to 1 (null when suppressed)."
    )


class SatisfactionFilters(Schema):
    service: str = Field("", max_length=80, pattern=r"^[-a-zA-Z0-9_]*$", description="Only this service (its slug).")
    agency: str = Field("", max_length=60, pattern=r"^[-a-zA-Z0-9_]*$", description="Only this agency (its slug).")
    since: str = Field("", max_length=7, description="From this month, YYYY-MM (included).")
    until: str = Field("", max_length=7, description="To this month, YYYY-MM (included).")


def _month(value: str, name: str) -> datetime.date | None:
    if not value:
        return None
    if not _MONTH.fullmatch(value):
        raise HttpError(400, _("Give “%(name)s” as a month like 2026-11.") % {"name": name})
    return datetime.date.fromisoformat(f"{value}-01")


def _out(row: selectors.SatisfactionRow) -> dict:
    suppressed = row.suppressed
    counts = {answer.name.lower(): row.counts[answer.value] for answer in Answer}
    return {
        "month": row.month.isoformat()[:7],
        "agency": row.agency_slug,
        "service": row.service_slug,
        "topic": row.topic,
        "title": row.title,
        "total": None if suppressed else row.total,
        "suppressed": suppressed,
        "counts": None if suppressed else counts,
        "satisfied_share": None if suppressed else round(row.satisfied_share or 0, 4),
    }


@router.get(
    "/satisfaction",
    response=list[SatisfactionOut],
    summary="Satisfaction per service and month (open data)",
    auth=None,
)
@paginate(BoundedLimitOffsetPagination)
def satisfaction(request: HttpRequest, filters: Query[SatisfactionFilters]):
    """Complete months only, newest first, then by title. Total and counts only for months
    with enough answers."""
    since = _month(filters.since, "since")
    until = _month(filters.until, "until")
    ratings = Rating.objects.all()
    if filters.service:
        ratings = ratings.filter(service__slug=filters.service)
    if filters.agency:
        ratings = ratings.filter(agency__slug=filters.agency)
    return [_out(row) for row in selectors.published_rows(ratings, since=since, until=until)]
