"""Reads of service feedback: a person's own rating, and satisfaction per service and month.

Satisfaction is the share of ratings that are "very satisfied" or "satisfied". It is
counted per *topic*: a catalogue service, or -- for what has no service in the catalogue --
the agency's problem reports or its other payments (taxes). :func:`satisfaction_rows` is the
figure analytics and the open-data API read; :func:`service_satisfaction` the one a
service's start page shows, only once enough people answered that no one can be picked out.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.core.numbers import parse_id as parse_number
from ecitizen.engagement.feedback import conf
from ecitizen.engagement.feedback.models import SATISFIED_ANSWERS, Answer, Kind, Rating
from ecitizen.engagement.feedback.policies import staff_rating_policy
from ecitizen.engagement.feedback.transactions import clean_reference

ANSWERS_BEST_FIRST = sorted(Answer, reverse=True)


def rating_for(user: Any, kind: str, reference: Any) -> Rating | None:
    """*user*'s own rating of *kind*/*reference*, or None."""
    reference = clean_reference(reference)
    if not getattr(user, "is_authenticated", False) or reference is None:
        return None
    return Rating.objects.filter(rater=user, kind=kind, reference=reference).first()


def rating_by_link(found: Any) -> Rating | None:
    """The rating given through a rating link for the transaction *found* (from
    :func:`~ecitizen.engagement.feedback.transactions.transaction_for_link`), or None."""
    if found is None or not found.reference:
        return None
    return Rating.objects.filter(rater=None, kind=found.kind, reference=found.reference).first()


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def months_back(month: datetime.date, count: int) -> datetime.date:
    """The first day of the month *count* months before *month*'s."""
    index = month.year * 12 + (month.month - 1) - count
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass
class Satisfaction:
    """Counts of each answer in one topic and period."""

    counts: dict[int, int] = field(default_factory=lambda: {answer.value: 0 for answer in Answer})

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def satisfied(self) -> int:
        return sum(self.counts[answer] for answer in SATISFIED_ANSWERS)

    @property
    def satisfied_share(self) -> float | None:
        """Share satisfied, 0 to 1 (None without ratings)."""
        return self.satisfied / self.total if self.total else None

    @property
    def satisfied_percent(self) -> int | None:
        share = self.satisfied_share
        return None if share is None else round(share * 100)

    def answer_rows(self) -> list[tuple[Answer, int]]:
        """(answer, count), very satisfied first: for tables."""
        return [(answer, self.counts[answer.value]) for answer in ANSWERS_BEST_FIRST]


@dataclass
class SatisfactionRow(Satisfaction):
    """Satisfaction with one topic in one month."""

    agency_id: int = 0
    agency_slug: str = ""
    service_id: int | None = None
    service_slug: str = ""
    topic: str = ""  # "service", "report" or "payment"
    title: str = ""
    month: datetime.date | None = None
    suppressed: bool = False  # too few ratings to publish (see published_rows)
    final: bool | None = None  # its month is over and its figures no longer change (see staff_satisfaction)


def topic_title(kind: str, service: Any) -> str:
    if service is not None:
        return service.display_title()
    if kind == Kind.REPORT:
        return _("Problem reports")
    return _("Other payments (no service)")


def satisfaction_rows(
    ratings: QuerySet[Rating] | None = None,
    *,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> list[SatisfactionRow]:
    """Satisfaction per topic and month over *ratings* (default: all), months from *since* to
    *until* (first days, both included), newest month first, then by title. Counts in the
    database: one grouped query, plus one for the titles."""
    qs = Rating.objects.all() if ratings is None else ratings
    if since:
        qs = qs.filter(month__gte=since)
    if until:
        qs = qs.filter(month__lte=until)
    grouped = (
        qs.values("agency_id", "agency__slug", "service_id", "kind", "month", "answer")
        .annotate(n=Count("id"))
        .order_by()
    )
    rows: dict[tuple, SatisfactionRow] = {}
    for item in grouped:
        service_id = item["service_id"]
        topic = "service" if service_id else ("report" if item["kind"] == Kind.REPORT else "payment")
        key = (item["agency_id"], service_id, topic, item["month"])
        row = rows.get(key)
        if row is None:
            row = rows[key] = SatisfactionRow(
                agency_id=item["agency_id"],
                agency_slug=item["agency__slug"],
                service_id=service_id,
                topic=topic,
                month=item["month"],
            )
        row.counts[item["answer"]] += item["n"]
    _add_titles(rows.values())
    result = sorted(rows.values(), key=lambda row: row.title.casefold())
    result.sort(key=lambda row: row.month, reverse=True)
    return result


def _add_titles(rows: Any) -> None:
    from ecitizen.catalogue.models import Service

    ids = {row.service_id for row in rows if row.service_id}
    services = {service.pk: service for service in Service.objects.filter(pk__in=ids).only("id", "slug", "title")}
    for row in rows:
        service = services.get(row.service_id) if row.service_id else None
        row.service_slug = service.slug if service else ""
        row.title = topic_title(Kind.REPORT if row.topic == "report" else Kind.PAYMENT, service)


# --- public figures -----------------------------------------------------------------------
#
# Every public figure (the open-data API, the /feedback/ page, a service's start page, the site
# search) is built from *published months* only. A month of a topic is published when it is
# complete (the month is over, plus PUBLISH_DELAY so that ratings given in its last moments are
# all in) and at least conf's minimum of people rated the topic in it. A published month never
# changes afterwards: a rating cannot be changed once its month is over (services.feedback_give)
# and a rating stays when its rater's account is deleted (models.Rating.rater). So every public
# figure is a sum of monthly rows that the API shows in full, and no difference between two
# figures, or between a figure and the API, is smaller than one published month.

PUBLISH_DELAY = datetime.timedelta(hours=1)


def last_published_month(*, now: datetime.datetime | None = None) -> datetime.date:
    """The first day of the latest complete month (in the deployment's time zone)."""
    moment = timezone.localtime((now or timezone.now()) - PUBLISH_DELAY)
    return months_back(moment.date().replace(day=1), 1)


def month_is_over(month: datetime.date, *, now: datetime.datetime | None = None) -> bool:
    """Whether *month*'s figures may be published (and its ratings no longer change)."""
    return month <= last_published_month(now=now)


def published_rows(
    ratings: QuerySet[Rating] | None = None,
    *,
    since: datetime.date | None = None,
    until: datetime.date | None = None,
    now: datetime.datetime | None = None,
) -> list[SatisfactionRow]:
    """:func:`satisfaction_rows` of complete months only, each marked ``suppressed`` when fewer
    than conf's minimum rated it (its counts and total must then not be shown)."""
    latest = last_published_month(now=now)
    until = min(until, latest) if until else latest
    if since and since > until:
        return []
    minimum = max(1, conf.min_ratings_to_show())
    rows = satisfaction_rows(ratings, since=since, until=until)
    for row in rows:
        row.suppressed = row.total < minimum
    return rows


def public_window(*, now: datetime.datetime | None = None) -> tuple[datetime.date, datetime.date]:
    """The first days of the first and last months that public figures cover: the latest
    complete months (conf: start_page_months)."""
    until = last_published_month(now=now)
    return months_back(until, conf.start_page_months() - 1), until


def public_satisfaction(*, now: datetime.datetime | None = None) -> list[SatisfactionRow]:
    """Satisfaction per topic over the latest complete months (conf: start_page_months), all
    months together (``month`` is None), counting only published months, sorted by title.
    Topics without a published month are left out."""
    since, until = public_window(now=now)
    merged: dict[tuple, SatisfactionRow] = {}
    for row in published_rows(since=since, until=until, now=now):
        if row.suppressed:
            continue
        key = (row.agency_id, row.service_id, row.topic)
        total = merged.get(key)
        if total is None:
            total = merged[key] = SatisfactionRow(
                agency_id=row.agency_id,
                agency_slug=row.agency_slug,
                service_id=row.service_id,
                service_slug=row.service_slug,
                topic=row.topic,
                title=row.title,
            )
        for answer, count in row.counts.items():
            total.counts[answer] += count
    shown = list(merged.values())
    shown.sort(key=lambda row: row.title.casefold())
    return shown


def service_satisfaction(service: Any, *, now: datetime.datetime | None = None) -> Satisfaction | None:
    """Satisfaction with *service* over the latest complete months, counting only published
    months (see above), or None when no month is published."""
    if service is None or not getattr(service, "pk", None):
        return None
    since, until = public_window(now=now)
    summary = Satisfaction()
    for row in published_rows(Rating.objects.filter(service=service), since=since, until=until, now=now):
        if row.suppressed:
            continue
        for answer, count in row.counts.items():
            summary.counts[answer] += count
    return summary if summary.total else None


# --- staff ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentFilters:
    agency: int | None = None
    topic: str = ""  # "" (all), a service id, "report" or "payment"
    month: datetime.date | None = None
    answer: int | None = None


def staff_ratings(user: Any, *, agency: int | None = None) -> QuerySet[Rating]:
    """The ratings *user* may read (their agencies'), optionally of one of those agencies."""
    qs = staff_rating_policy.scope(user, "view")
    if agency:
        qs = qs.filter(agency_id=agency)
    return qs


@dataclass(frozen=True)
class StaffTable:
    """Satisfaction per topic and month for staff, final months apart from the rest."""

    final_rows: list[SatisfactionRow]  # months that are over: their figures no longer change
    current_rows: list[SatisfactionRow]  # months not over yet (this one): figures so far, not final

    @property
    def rows(self) -> list[SatisfactionRow]:
        """All of them, newest month first (as the CSV gives them, each marked final or not)."""
        return [*self.current_rows, *self.final_rows]


def staff_satisfaction(
    user: Any, *, agency: int | None = None, months: int = 12, now: datetime.datetime | None = None
) -> StaffTable:
    """Satisfaction with *user*'s agencies' services (or with one *agency*'s) per topic and month:
    the latest *months* months that are over, and apart from them the months that are not --
    this one, and last month in the hour after it ends (see :func:`month_is_over`) -- whose
    figures are a count so far that still changes, not a result. Unlike the public figures,
    months with few ratings are shown (staff read comments without names anyway)."""
    latest = last_published_month(now=now)
    rows = satisfaction_rows(staff_ratings(user, agency=agency), since=months_back(latest, max(1, months) - 1))
    for row in rows:
        row.final = row.month <= latest
    return StaffTable(
        final_rows=[row for row in rows if row.final],
        current_rows=[row for row in rows if not row.final],
    )


def staff_topics(user: Any, *, agency: int | None = None) -> list[tuple[str, str]]:
    """(value, label) of the topics rated in *user*'s agencies, for the comment filter."""
    qs = staff_ratings(user, agency=agency)
    from ecitizen.catalogue.models import Service

    service_ids = set(qs.exclude(service=None).values_list("service_id", flat=True).distinct().order_by())
    choices = [(str(service.pk), service.display_title()) for service in Service.objects.filter(pk__in=service_ids)]
    choices.sort(key=lambda choice: choice[1].casefold())
    if qs.filter(service=None, kind=Kind.REPORT).exists():
        choices.append(("report", topic_title(Kind.REPORT, None)))
    if qs.filter(service=None).exclude(kind=Kind.REPORT).exists():
        choices.append(("payment", topic_title(Kind.PAYMENT, None)))
    return choices


def staff_comments(user: Any, filters: CommentFilters) -> QuerySet[Rating]:
    """Ratings with a comment in *user*'s agencies, newest first, filtered. Never the rater."""
    qs = staff_ratings(user, agency=filters.agency).exclude(comment="")
    if filters.topic == "report":
        qs = qs.filter(service=None, kind=Kind.REPORT)
    elif filters.topic == "payment":
        qs = qs.filter(service=None).exclude(kind=Kind.REPORT)
    elif filters.topic:
        qs = qs.filter(service_id=parse_number(filters.topic) or 0)
    if filters.month:
        qs = qs.filter(month=filters.month)
    if filters.answer:
        qs = qs.filter(answer=filters.answer)
    return (
        qs.select_related("service", "agency")
        .only(
            "id",
            "kind",
            "answer",
            "channel",
            "comment",
            "month",
            "created_at",
            "updated_at",
            "service__id",
            "service__title",
            "agency__id",
            "agency__name",
            "agency__name_translations",
            "agency__slug",
        )
        .order_by("-updated_at", "-id")
    )


def staff_months(user: Any, *, agency: int | None = None) -> list[datetime.date]:
    """The months in which *user*'s agencies got comments, newest first."""
    qs = staff_ratings(user, agency=agency).exclude(comment="")
    return sorted(set(qs.values_list("month", flat=True).distinct().order_by()), reverse=True)


def rating_topic_title(rating: Rating) -> str:
    return topic_title(rating.kind, rating.service if rating.service_id else None)
