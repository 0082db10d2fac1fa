"""Reads for the public pages: only public reports, only public updates, never staff notes.

"Public" means confirmed and not hidden by a moderator (``Report.is_public``).
Every query here is bounded: lists are paginated with a capped count, the map
answers at most a few hundred reports from a date window, and the area filter
joins the report-area links (:mod:`ecitizen.reports.area_links`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from ecitizen.core.i18n import pick
from ecitizen.reports import geo
from ecitizen.reports.forms import STATUS_CLOSED, STATUS_OPEN
from ecitizen.reports.models import OPEN_STATUSES, Area, Category, Report, ReportPhoto, ReportUpdate, Status

# The map shows reports of the last 90 days unless a date filter says otherwise.
MAP_DEFAULT_DAYS = 90
MAP_CELL_LIMIT = 36  # grid cells of about 550 m: a view of about 3 km by 3 km
MAP_LIMIT = 500


@dataclass(frozen=True)
class Filters:
    category: str = ""
    status: str = ""
    area: Area | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    report: int | None = None

    @classmethod
    def from_form(cls, data: dict[str, Any], areas: dict[int, Area]) -> Filters:
        return cls(
            category=data.get("category") or "",
            status=data.get("status") or "",
            area=areas.get(data.get("area")) if data.get("area") else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            report=data.get("report"),
        )


def public_reports() -> QuerySet[Report]:
    return Report.objects.filter(is_public=True)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min), timezone.get_current_timezone())


def _filtered(qs: QuerySet[Report], filters: Filters) -> QuerySet[Report]:
    if filters.report:
        qs = qs.filter(pk=filters.report)
    if filters.category:
        qs = qs.filter(service_code=filters.category)
    if filters.status == STATUS_OPEN:
        qs = qs.filter(status__in=list(OPEN_STATUSES))
    elif filters.status == STATUS_CLOSED:
        qs = qs.exclude(status__in=list(OPEN_STATUSES))
    elif filters.status in Status.values:
        qs = qs.filter(status=filters.status)
    if filters.date_from:
        qs = qs.filter(created_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(created_at__lt=_day_start(filters.date_to + datetime.timedelta(days=1)))
    if filters.area is not None:
        qs = _in_area(qs, filters.area)
    return qs


def _in_area(qs: QuerySet[Report], area: Area) -> QuerySet[Report]:
    """Reports whose point lies in *area*, through the links kept for every report (exact, indexed).

    PostgreSQL weighs the district's size from its statistics and, for a list newest first, walks
    the ``created_at`` index and looks each report's links up. SQLite keeps no statistics by
    default: it would read every link of the district (160,000 at a million reports) and sort them
    (1.2 s), so there the area is compared as an expression (``area_id + 0``) that no index
    matches, and it walks the dates too (as :func:`viewport_queryset` does for the map).
    """
    if connection.vendor == "sqlite":
        return qs.alias(link_area=F("area_links__area_id") + 0).filter(link_area=area.pk)
    return qs.filter(area_links__area=area)


# What a line of the public list shows: no area shapes (a district's polygons are kilobytes of JSON
# that every row would parse), no descriptions.
LIST_FIELDS = (
    "pk",
    "title",
    "status",
    "created_at",
    "category",
    "category__name",
    "agency",
    "agency__name",
    "agency__name_translations",
    "area",
    "area__name",
)


def reports_for_list(filters: Filters) -> QuerySet[Report]:
    """Public reports matching *filters*, newest first, ready for a paginated list."""
    return (
        _filtered(public_reports(), filters)
        .select_related("category", "agency", "area")
        .only(*LIST_FIELDS)
        .order_by("-created_at", "-pk")
    )


def reports_made_by(user: Any) -> QuerySet[Report]:
    """The reports *user* made while signed in (public or not: it is their own), newest first."""
    if not getattr(user, "is_authenticated", False):
        return Report.objects.none()
    return (
        Report.objects.filter(reporter=user)
        .select_related("category")
        .only("pk", "title", "status", "is_public", "address", "created_at", "updated_at", "category__name")
        .order_by("-created_at", "-pk")
    )


def reports_followed_by(user: Any, *, email_confirmed: bool) -> QuerySet[Report]:
    """Public reports *user* follows (an active alert on the report, made while signed in or, once
    their email address is confirmed, sent to that address) and did not make, newest activity first."""
    from ecitizen.reports.models import Alert, AlertKind

    if not getattr(user, "is_authenticated", False):
        return Report.objects.none()
    follower = Q(user=user)
    if email_confirmed and user.email:
        follower |= Q(email__iexact=user.email)
    followed = Alert.objects.filter(
        follower, kind=AlertKind.REPORT, confirmed_at__isnull=False, unsubscribed_at__isnull=True
    ).values("report_id")
    return (
        public_reports()
        .filter(pk__in=followed)
        .exclude(reporter=user)
        .select_related("category")
        .only("pk", "title", "status", "is_public", "address", "created_at", "updated_at", "category__name")
        .order_by("-updated_at", "-pk")
    )


def parse_bbox(text: str) -> geo.BBox | None:
    """``minLng,minLat,maxLng,maxLat`` as a box, or None when it is not four numbers in range and in order."""
    parts = (text or "").split(",")
    if len(parts) != 4:
        return None
    try:
        min_lng, min_lat, max_lng, max_lat = (float(p) for p in parts)
    except ValueError:
        return None
    if not (geo.valid_point(min_lat, min_lng) and geo.valid_point(max_lat, max_lng)):
        return None
    if min_lng > max_lng or min_lat > max_lat:
        return None
    return geo.BBox(min_lng, min_lat, max_lng, max_lat)


def reports_in_viewport(bbox: geo.BBox, *, filters: Filters | None = None, limit: int = MAP_LIMIT) -> list[Report]:
    """The newest public reports inside *bbox*, at most *limit* (500), with their categories.

    See :func:`viewport_queryset` for how the work stays bounded.
    """
    return list(
        viewport_queryset(bbox, filters=filters)
        .select_related("category")
        .only("pk", "title", "status", "latitude", "longitude", "created_at", "category__name", "category__code")[
            : min(limit, MAP_LIMIT)
        ]
    )


def viewport_points(
    bbox: geo.BBox, *, filters: Filters | None = None, limit: int = MAP_LIMIT
) -> list[tuple[int, str, str, float, float, int]]:
    """What the map draws of :func:`reports_in_viewport`'s reports: ``(pk, title, status, latitude,
    longitude, category_id)`` tuples, without making 500 model instances for one answer."""
    return list(
        viewport_queryset(bbox, filters=filters).values_list(
            "pk", "title", "status", "latitude", "longitude", "category_id"
        )[: min(limit, MAP_LIMIT)]
    )


def category_names(ids) -> dict[int, str]:
    """Display names (in the active language) of the categories with these ids."""
    return {c.pk: c.display_name() for c in Category.objects.filter(pk__in=set(ids)).only("pk", "name")}


def viewport_queryset(bbox: geo.BBox, *, filters: Filters | None = None) -> QuerySet[Report]:
    """The public reports inside *bbox* matching *filters*, newest first (slice it: see MAP_LIMIT).

    Unless the filters give a start date, only reports of the last
    :data:`MAP_DEFAULT_DAYS` days are looked at. Two plans keep the work
    bounded whatever the size of the table:

    - a street-sized box (up to :data:`MAP_CELL_LIMIT` grid cells) reads only
      its cells through the ``(cell, created_at)`` index;
    - a larger box walks the ``created_at`` index newest first and checks the
      bounds on the way, stopping at the LIMIT. PostgreSQL's planner chooses
      that by itself from its statistics. SQLite keeps none by default and
      would rather scan the ``(latitude, longitude)`` index, which for a
      city-sized box covers most of the table, and sort (4.4 s at a million
      reports), so there the bounds are written as expressions
      (``latitude + 0``) that no index matches. On PostgreSQL the same
      expressions would hide the columns' statistics and make it read the
      whole date window (0.46 s at a million): each database gets the form
      it plans well, and both return the same rows.
    """
    filters = filters or Filters()
    qs = public_reports()
    if geo.cells_count(bbox) <= MAP_CELL_LIMIT:
        qs = qs.filter(
            cell__in=geo.cells_covering(bbox),
            latitude__gte=bbox.min_lat,
            latitude__lte=bbox.max_lat,
            longitude__gte=bbox.min_lng,
            longitude__lte=bbox.max_lng,
        )
    elif connection.vendor != "sqlite":
        qs = qs.filter(
            latitude__gte=bbox.min_lat,
            latitude__lte=bbox.max_lat,
            longitude__gte=bbox.min_lng,
            longitude__lte=bbox.max_lng,
        )
    else:
        qs = qs.alias(lat_any=F("latitude") + 0.0, lng_any=F("longitude") + 0.0).filter(
            lat_any__gte=bbox.min_lat,
            lat_any__lte=bbox.max_lat,
            lng_any__gte=bbox.min_lng,
            lng_any__lte=bbox.max_lng,
        )
    if filters.date_from is None and not filters.report:
        qs = qs.filter(created_at__gte=timezone.now() - datetime.timedelta(days=MAP_DEFAULT_DAYS))
    return _filtered(qs, filters).order_by("-created_at", "-pk")


def category_choices() -> list[tuple[str, str]]:
    """One choice per active category code (several agencies may share a code), by name."""
    names: dict[str, str] = {}
    active = Category.objects.filter(is_active=True, agency__is_active=True).only("pk", "code", "name", "position")
    for category in active.order_by("position", "pk"):
        names.setdefault(category.code, category.display_name())
    return sorted(names.items(), key=lambda item: item[1].lower())


def public_areas() -> list[Area]:
    """Active areas that an agency on the platform answers for (their names, not their shapes)."""
    return list(
        Area.objects.filter(is_active=True, agency__isnull=False, agency__is_active=True)
        .select_related("agency")
        .only("pk", "name", "agency", "agency__name", "agency__name_translations")
        .order_by("pk")
    )


def public_report(pk: int) -> Report:
    """A public report, or 404 (hidden and unconfirmed reports do not exist for the public)."""
    report = public_reports().select_related("category", "agency", "area", "duplicate_of").filter(pk=pk).first()
    if report is None:
        raise Http404
    return report


def public_updates(report: Report) -> list[ReportUpdate]:
    """The report's history as the public sees it: confirmed, not hidden, never internal."""
    return list(
        report.updates.filter(is_public=True, is_internal=False, confirmed_at__isnull=False)
        .prefetch_related("photos")
        .order_by("created_at", "pk")
    )


def answer_rows(report: Report) -> list[tuple[str, str]]:
    """The answers to the category's questions as (question, answer) in the current language."""
    rows = []
    for question in report.category.questions or []:
        value = (report.answers or {}).get(question["code"])
        if not value:
            continue
        if question.get("datatype") == "singlevaluelist":
            value = next(
                (pick(v.get("name")) or str(v["key"]) for v in question.get("values", []) if str(v["key"]) == value),
                value,
            )
        rows.append((pick(question.get("label")) or question["code"], str(value)))
    return rows


def public_photos(report: Report) -> list[ReportPhoto]:
    """Photos of the report itself (not of its updates) that the public may see."""
    return list(report.photos.filter(is_public=True, update__isnull=True).order_by("pk"))


def draft_photos(draft_key: str) -> list[ReportPhoto]:
    if not draft_key:
        return []
    return list(ReportPhoto.objects.filter(draft_key=draft_key, report__isnull=True).order_by("pk"))


def viewable_photo(pk: int, *, draft_key: str = "") -> ReportPhoto:
    """A photo the public may see, or a draft photo of this browser session's report; else 404."""
    photo = ReportPhoto.objects.select_related("report", "update").filter(pk=pk).first()
    if photo is None:
        raise Http404
    if photo.report_id is None:
        if draft_key and photo.draft_key == draft_key and photo.update_id is None:
            return photo
        raise Http404
    visible = photo.is_public and photo.report.is_public
    if photo.update_id is not None:
        update = photo.update
        visible = visible and update.is_public and not update.is_internal and update.confirmed_at is not None
    if not visible:
        raise Http404
    return photo
