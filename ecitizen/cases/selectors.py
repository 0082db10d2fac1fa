from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, F, QuerySet, Value, When
from django.db.models.fields.json import KeyTransform
from django.utils import timezone

from ecitizen.agencies.models import Agency
from ecitizen.agencies.selectors import agencies_where
from ecitizen.cases.models import FINAL_STATUSES, OPEN_STATUSES, Application, ApplicationEvent, Status
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


@dataclass(frozen=True)
class QueueFilters:
    service: int | None = None
    status: str | None = None
    assignee: str | None = None  # "me", "none" or a user id
    overdue: bool = False
    sort: str = "due"  # "due" (soonest first) or "-due"


def case_queue(user: Any, agency: Agency, filters: QueueFilters) -> QuerySet[Application]:
    """The agency's open cases for the queue page; callers must have checked *agency* is theirs."""
    qs = Application.objects.filter(agency=agency)
    if filters.status:
        qs = qs.filter(status=filters.status)
    else:
        qs = qs.filter(status__in=OPEN_STATUSES)  # as the partial index app_open_queue_by_due is defined
    if filters.service:
        qs = qs.filter(service_version__service_id=filters.service)
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
