"""Reads for the back office of Report a problem: the queue, one report's file, moderation lists."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from ecitizen.agencies.models import Agency, Membership, Role
from ecitizen.agencies.selectors import agencies_where
from ecitizen.core.working_days import working_days_between
from ecitizen.reports.models import CLOSED_STATUSES, OPEN_STATUSES, Area, Category, Report, ReportUpdate
from ecitizen.reports.policies import WORK_ROLES, area_policy, category_policy, staff_report_policy

MODERATION_LIST_LIMIT = 50


def work_agencies(user: Any) -> QuerySet[Agency]:
    """The agencies whose reports *user* works (caseworker or agency admin)."""
    return agencies_where(user, *WORK_ROLES)


def staff_of(agency_ids: Any) -> QuerySet:
    """People who may be assigned reports of the given agencies (caseworkers and agency admins)."""
    user_ids = Membership.objects.filter(agency_id__in=agency_ids, role__in=WORK_ROLES).values("user_id")
    return get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("email")


@dataclass(frozen=True)
class QueueFilters:
    agency: int | None = None
    status: str = "open"  # "open", "closed", "all" or one Status value
    category: str = ""  # a category code
    area: int | None = None
    assignee: str = ""  # "", "me" or "none"
    overdue: bool = False
    reopened: bool = False
    created_from: datetime.date | None = None
    created_to: datetime.date | None = None
    sort: str = "due"  # "due", "newest", "oldest"
    # The reports behind a figure of the analytics dashboards: closed on these local days, made
    # in this grid cell (geo.cell_of), routed to this area (``Report.area``, the one area the
    # figures count a report in, where ``area`` is any area that holds it; 0: outside every area).
    closed_from: datetime.date | None = None
    closed_to: datetime.date | None = None
    cell: int | None = None
    routed_area: int | None = None


def report_queue(user: Any, filters: QueueFilters) -> QuerySet[Report]:
    """Confirmed reports of the agencies *user* works for, filtered and sorted for the queue page."""
    qs = staff_report_policy.scope(user, "view")
    if filters.agency:
        qs = qs.filter(agency_id=filters.agency)
    if filters.status == "open":
        qs = qs.filter(status__in=list(OPEN_STATUSES))
    elif filters.status == "closed":
        qs = qs.filter(status__in=list(CLOSED_STATUSES))
    elif filters.status and filters.status != "all":
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(service_code=filters.category)
    if filters.area:
        qs = qs.filter(area_links__area_id=filters.area)
    if filters.assignee == "me":
        qs = qs.filter(assignee=user)
    elif filters.assignee == "none":
        qs = qs.filter(assignee__isnull=True)
    if filters.overdue:
        qs = qs.filter(due_at__lt=timezone.now(), status__in=list(OPEN_STATUSES))
    if filters.reopened:
        qs = qs.filter(reopened_at__isnull=False, status__in=list(OPEN_STATUSES))
    tz = timezone.get_current_timezone()
    if filters.created_from:
        start = datetime.datetime.combine(filters.created_from, datetime.time.min)
        qs = qs.filter(created_at__gte=timezone.make_aware(start, tz))
    if filters.created_to:
        end = datetime.datetime.combine(filters.created_to + datetime.timedelta(days=1), datetime.time.min)
        qs = qs.filter(created_at__lt=timezone.make_aware(end, tz))
    if filters.closed_from:
        start = datetime.datetime.combine(filters.closed_from, datetime.time.min)
        qs = qs.filter(closed_at__gte=timezone.make_aware(start, tz))
    if filters.closed_to:
        end = datetime.datetime.combine(filters.closed_to + datetime.timedelta(days=1), datetime.time.min)
        qs = qs.filter(closed_at__lt=timezone.make_aware(end, tz))
    if filters.cell is not None:
        qs = qs.filter(cell=filters.cell)
    if filters.routed_area is not None:
        qs = qs.filter(area_id=filters.routed_area) if filters.routed_area else qs.filter(area__isnull=True)
    if filters.sort == "newest":
        order = [F("created_at").desc(), F("pk").desc()]
    elif filters.sort == "oldest":
        order = [F("created_at").asc(), F("pk").asc()]
    else:
        order = [F("due_at").asc(nulls_last=True), F("pk").asc()]
    return (
        qs.select_related("category", "assignee", "agency")
        .only(
            "id",
            "title",
            "status",
            "due_at",
            "created_at",
            "reopened_at",
            "is_public",
            "agency__name",
            "category__name",
            "category__code",
            "assignee__email",
        )
        .order_by(*order)
    )


def queue_categories(agencies: Any) -> list[tuple[str, str]]:
    """(code, name) of the categories of *agencies*, one row per code."""
    seen: dict[str, str] = {}
    for category in Category.objects.filter(agency__in=agencies).order_by("position", "code", "pk"):
        seen.setdefault(category.code, category.display_name())
    return sorted(seen.items(), key=lambda item: item[1].lower())


def queue_areas(agencies: Any) -> list[tuple[int, str]]:
    return [(area.pk, area.display_name()) for area in Area.objects.filter(agency__in=agencies).order_by("pk")]


def report_history(report: Report) -> QuerySet[ReportUpdate]:
    """Every update of *report*, staff notes and hidden ones included (staff only!)."""
    return report.updates.select_related("author").prefetch_related("photos").order_by("created_at", "pk")


def answer_rows(report: Report) -> list[tuple[str, str]]:
    """The report's answers to its category's extra questions, as (question, answer) for display."""
    from ecitizen.core.i18n import pick

    rows = []
    answers = report.answers or {}
    for question in report.category.questions or []:
        code = question.get("code")
        if code not in answers:
            continue
        value = str(answers[code])
        for option in question.get("values") or []:
            if str(option.get("key")) == value:
                value = pick(option.get("name")) or value
        rows.append((pick(question.get("label")) or code, value))
    known = {q.get("code") for q in report.category.questions or []}
    rows.extend((code, str(value)) for code, value in answers.items() if code not in known)
    return rows


@dataclass(frozen=True)
class Clock:
    """Where a report stands against its category's response time."""

    due_at: datetime.datetime | None
    is_open: bool
    overdue: bool
    working_days_left: int | None
    days_overdue: int | None


def response_clock(report: Report, *, now: datetime.datetime | None = None) -> Clock:
    now = now or timezone.now()
    if report.due_at is None or not report.is_open:
        return Clock(report.due_at, report.is_open, False, None, None)
    today = timezone.localtime(now).date()
    due_day = timezone.localtime(report.due_at).date()
    if report.due_at < now:
        return Clock(report.due_at, True, True, None, max((today - due_day).days, 1))
    return Clock(report.due_at, True, False, working_days_between(today, due_day), None)


def merge_target(user: Any, report: Report, number: int) -> Report | None:
    """The report *number* if *user* may merge *report* into it: one of theirs, or a public one."""
    in_scope = staff_report_policy.scope(user, "view").filter(pk=number)
    public = Report.objects.filter(pk=number, is_public=True, confirmed_at__isnull=False)
    return (in_scope | public).exclude(pk=report.pk).first() if number != report.pk else report


def forward_agencies(report: Report) -> QuerySet[Agency]:
    """Other active agencies that deal with this kind of problem (an active category of the same code)."""
    return (
        Agency.objects.filter(
            is_active=True, report_categories__code=report.service_code, report_categories__is_active=True
        )
        .exclude(pk=report.agency_id)
        .distinct()
        .order_by("name")
    )


def moderation_reports(user: Any) -> QuerySet[Report]:
    """The latest confirmed reports a moderator may hide or show again."""
    return (
        staff_report_policy.scope(user, "moderate")
        .select_related("category", "agency")
        .order_by("-created_at", "-pk")[:MODERATION_LIST_LIMIT]
    )


def moderation_updates(user: Any) -> QuerySet[ReportUpdate]:
    """The latest public updates written by the public on reports a moderator looks after."""
    reports = staff_report_policy.scope(user, "moderate").values("pk")
    return (
        ReportUpdate.objects.filter(report__in=reports, is_internal=False, is_staff=False)
        .filter(Q(is_public=True) | ~Q(hidden_reason=""))
        .select_related("report")
        .order_by("-created_at", "-pk")[:MODERATION_LIST_LIMIT]
    )


def can_moderate(user: Any, report: Report | None = None) -> bool:
    if report is None:
        return staff_report_policy.can(user, "moderate")
    return staff_report_policy.can_for(user, "moderate", report)


def admin_categories(user: Any) -> QuerySet[Category]:
    return category_policy.scope(user, "view").select_related("agency").order_by("agency__name", "position", "code")


def admin_areas(user: Any) -> QuerySet[Area]:
    return area_policy.scope(user, "view").select_related("agency").order_by("agency__name", "pk")


def is_moderator_only(user: Any) -> bool:
    return not work_agencies(user).exists() and agencies_where(user, Role.MODERATOR).exists()
