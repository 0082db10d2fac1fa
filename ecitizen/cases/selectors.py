from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, F, QuerySet, Value, When
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from ecitizen.agencies.models import Agency
from ecitizen.agencies.selectors import agencies_where
from ecitizen.cases.models import (
    FINAL_STATUSES,
    OPEN_STATUSES,
    Application,
    ApplicationEvent,
    RefusalCategory,
    Status,
)
from ecitizen.cases.policies import CASE_ROLES
from ecitizen.catalogue.formdef import FormDefinition


def applications_for_citizen(user: Any) -> QuerySet[Application]:
    """The citizen's applications, newest activity first, with what the list shows but the
    service's title (add it to the page with :func:`with_service_titles`)."""
    return (
        Application.objects.filter(citizen=user)
        .only("id", "reference", "status", "due_date", "updated_at", "submitted_at")
        .order_by("-updated_at", "-id")
    )


def applications_in_progress_for_citizen(user: Any, *, limit: int = 20) -> list[Application]:
    """The citizen's applications that are not decided yet, at most *limit*: those waiting for
    more information first, then those waiting for payment, drafts, and the rest; newest
    activity first within each. One query; the service's title is in ``service_version.snapshot``."""
    priority = Case(
        When(status=Status.INFO_REQUESTED, then=Value(0)),
        When(status=Status.AWAITING_PAYMENT, then=Value(1)),
        When(status=Status.DRAFT, then=Value(2)),
        default=Value(3),
    )
    return list(
        Application.objects.filter(citizen=user)
        .select_related("service_version")
        .exclude(status__in=FINAL_STATUSES)
        .only(
            "id",
            "reference",
            "status",
            "due_date",
            "updated_at",
            "submitted_at",
            "version",
            "service_version__snapshot",
        )
        .order_by(priority, "-updated_at", "-id")[:limit]
    )


def services_used_by(user: Any) -> dict[str, dict[str, str]]:
    """The services *user* has sent an application to (drafts do not count): slug -> title per
    language, as the version they applied to had it. One query."""
    rows = (
        Application.objects.filter(citizen=user)
        .exclude(status=Status.DRAFT)
        .values_list("service_version__service__slug", "service_version__snapshot__title")
        .distinct()
        .order_by()
    )
    used: dict[str, dict[str, str]] = {}
    for slug, title in rows:
        used.setdefault(slug, title if isinstance(title, dict) else {})
    return used


def application_for_status_page(scope: QuerySet[Application]) -> QuerySet[Application]:
    """What the citizen's status page reads, in one query: the application without its answers,
    the service's title from the version's snapshot (not the whole snapshot, which holds the
    form) and whether a document was issued (``document_id``, not the document)."""
    return scope.defer("answers", "start_token").annotate(
        service_title=service_title_of("service_version__snapshot"), document_id=F("issued_document__id")
    )


def form_for(application: Application) -> FormDefinition:
    return FormDefinition.parse(application.service_version.snapshot["form"])


def timeline_for(application: Application, *, for_citizen: bool) -> QuerySet[ApplicationEvent]:
    if for_citizen:
        # The citizen's page shows what happened and when, never who on the staff did it.
        return application.events.filter(visible_to_citizen=True).only(
            "id", "application_id", "kind", "message", "created_at"
        )
    return application.events.select_related("actor")


def case_agencies(user: Any) -> QuerySet[Agency]:
    return agencies_where(user, *CASE_ROLES)


#: Queue ``status`` values that stand for several statuses (the figures of the analytics
#: dashboards link to them): every sent case, and every decided one.
STATUS_ANY = "any"
STATUS_DECIDED = "decided"
_STATUS_GROUPS = {
    STATUS_ANY: [status for status in Status if status != Status.DRAFT],
    STATUS_DECIDED: [Status.APPROVED, Status.REFUSED],
}


@dataclass(frozen=True)
class QueueFilters:
    """What the queue shows. ``sent_*`` and ``decided_*`` are local days, inclusive, of when the
    case was sent (``submitted_at``) and decided (``decided_at``); ``refusal`` a refusal category
    and ``channel`` how the application was made: the cases behind a figure of the dashboards."""

    service: int | None = None
    status: str | None = None  # one Status, STATUS_ANY, STATUS_DECIDED, or None: the open cases
    assignee: str | None = None  # "me", "none" or a user id
    overdue: bool = False
    sort: str = "due"  # "due" (soonest first) or "-due"
    sent_from: datetime.date | None = None
    sent_to: datetime.date | None = None
    decided_from: datetime.date | None = None
    decided_to: datetime.date | None = None
    refusal: str | None = None
    channel: str | None = None


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def _in_days(qs: QuerySet[Application], field: str, start: datetime.date | None, end: datetime.date | None):
    """*qs* narrowed to the rows whose *field* (a moment) falls on the local days *start* to *end*."""
    if start:
        qs = qs.filter(**{f"{field}__gte": _local_midnight(start)})
    if end:
        qs = qs.filter(**{f"{field}__lt": _local_midnight(end + datetime.timedelta(days=1))})
    return qs


def case_queue(user: Any, agency: Agency, filters: QueueFilters) -> QuerySet[Application]:
    """The agency's open cases for the queue page; callers must have checked *agency* is theirs."""
    qs = Application.objects.filter(agency=agency)
    if filters.status in _STATUS_GROUPS:
        qs = qs.filter(status__in=_STATUS_GROUPS[filters.status])
    elif filters.status:
        qs = qs.filter(status=filters.status)
    else:
        qs = qs.filter(status__in=OPEN_STATUSES)  # as the partial index app_open_queue_by_due is defined
    if filters.service:
        qs = qs.filter(service_version__service_id=filters.service)
    qs = _in_days(qs, "submitted_at", filters.sent_from, filters.sent_to)
    qs = _in_days(qs, "decided_at", filters.decided_from, filters.decided_to)
    if filters.refusal == RefusalCategory.OTHER:
        # Refusals from before kinds were recorded count as "other" in the figures: list them too.
        qs = qs.filter(status=Status.REFUSED, refusal_category__in=[RefusalCategory.OTHER, ""])
    elif filters.refusal:
        qs = qs.filter(status=Status.REFUSED, refusal_category=filters.refusal)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    elif filters.assignee:
        qs = qs.filter(assignee_id=filters.assignee)
    if filters.overdue:
        qs = qs.filter(due_date__lt=timezone.localdate())
    order = ["due_date", "id"] if filters.sort != "-due" else ["-due_date", "-id"]
    # The service's title is added to the page's rows only (with_service_titles), after the count.
    return (
        qs.select_related("assignee")
        .only("id", "reference", "status", "due_date", "submitted_at", "assignee__email", "agency_id")
        .order_by(*order)
    )


def with_service_titles(applications: QuerySet[Application]) -> QuerySet[Application]:
    """*applications* (a page of them, already sliced) with ``service_title``: the service's title
    per language, read out of the version's snapshot by the database, so the rest of the snapshot
    (the whole form) is neither sent nor decoded once a row. Apply it to the page, not to what a
    paginator counts: the capped count of the queue then reads its index alone, with no join."""
    return applications.annotate(service_title=service_title_of("service_version__snapshot"))


def service_title_of(snapshot_path: str) -> KeyTransform:
    """The ``title`` (language -> text) of the service version snapshot at *snapshot_path*."""
    return KeyTransform("title", snapshot_path)
