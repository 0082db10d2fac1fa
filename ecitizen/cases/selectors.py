from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, QuerySet, Value, When
from django.utils import timezone

from ecitizen.agencies.models import Agency
from ecitizen.agencies.selectors import agencies_where
from ecitizen.cases.models import FINAL_STATUSES, OPEN_STATUSES, Application, ApplicationEvent, Status
from ecitizen.cases.policies import CASE_ROLES
from ecitizen.catalogue.formdef import FormDefinition


def applications_for_citizen(user: Any) -> QuerySet[Application]:
    """The citizen's applications, newest activity first, with what the list shows."""
    return (
        Application.objects.filter(citizen=user)
        .select_related("service_version")
        .only("id", "reference", "status", "due_date", "updated_at", "submitted_at", "service_version__snapshot")
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
        applications_for_citizen(user)
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


def form_for(application: Application) -> FormDefinition:
    return FormDefinition.parse(application.service_version.snapshot["form"])


def timeline_for(application: Application, *, for_citizen: bool) -> QuerySet[ApplicationEvent]:
    events = application.events.select_related("actor")
    return events.filter(visible_to_citizen=True) if for_citizen else events


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
    return (
        qs.select_related("assignee", "service_version")
        .only(
            "id",
            "reference",
            "status",
            "due_date",
            "submitted_at",
            "assignee__email",
            "service_version__snapshot",
            "agency_id",
        )
        .order_by(*order)
    )
