"""What the Open311 API reads: services, their definitions and public service requests.

Only public reports (confirmed, not hidden by a moderator) are ever listed,
and only what the public report page shows: never the reporter's name, email
or phone, never staff-only notes.

``GET requests`` is one query however many rows it returns: the report with
its category and agency, the latest public staff note and the first public
photo as correlated subqueries (served by the ``report_update_by_report``
index and the photo's report foreign key), plus one query for postcodes when
some reports carry an address reference. Filtering by service code and date
window uses the ``report_code_created`` index.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ecitizen.core.i18n import pick
from ecitizen.reports.emails import absolute_url
from ecitizen.reports.models import (
    OPEN_STATUSES,
    Category,
    Report,
    ReportPhoto,
    ReportUpdate,
    Status,
    open311_status,
)

MAX_REQUESTS = 1000
DEFAULT_WINDOW = datetime.timedelta(days=90)


def iso(value: datetime.datetime | None) -> str | None:
    """ISO 8601 with the offset of the deployment's time zone, to the second."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _by_code(categories: QuerySet[Category]) -> dict[str, list[Category]]:
    grouped: dict[str, list[Category]] = {}
    for category in categories:
        grouped.setdefault(category.code, []).append(category)
    return grouped


def active_codes() -> dict[str, list[Category]]:
    """Active categories by code, in the catalogue's order. Several agencies may share a code."""
    return _by_code(Category.objects.filter(is_active=True, agency__is_active=True).select_related("agency"))


def known_codes(codes: list[str]) -> set[str]:
    """Which of *codes* name a category, active or not (old reports keep their code)."""
    return set(Category.objects.filter(code__in=codes).values_list("code", flat=True).distinct())


def changeset() -> datetime.datetime:
    """When the list of services last changed."""
    latest = Category.objects.aggregate(latest=Max("updated_at"))["latest"]
    return latest or datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)


def service_notice(category: Category) -> str:
    return ngettext(
        "We aim to respond within %(days)s working day.",
        "We aim to respond within %(days)s working days.",
        category.response_days,
    ) % {"days": category.response_days}


def _questions(categories: list[Category]) -> list[dict[str, Any]]:
    """The questions of every category sharing a code, once each; required if any agency requires it."""
    merged: dict[str, dict[str, Any]] = {}
    for category in categories:
        for question in category.questions or []:
            code = question.get("code")
            if not code:
                continue
            if code in merged:
                merged[code]["required"] = merged[code]["required"] or bool(question.get("required"))
            else:
                merged[code] = {**question, "required": bool(question.get("required"))}
    return list(merged.values())


def service_list() -> list[dict[str, Any]]:
    services = []
    for code, categories in active_codes().items():
        first = categories[0]
        services.append(
            {
                "service_code": code,
                "service_name": first.display_name(),
                "description": pick(first.guidance),
                "metadata": bool(_questions(categories)),
                "type": "realtime",
                "keywords": first.keywords,
                "group": pick(first.group),
            }
        )
    return services


def service_definition(code: str) -> dict[str, Any] | None:
    categories = active_codes().get(code)
    if not categories:
        return None
    attributes = []
    for order, question in enumerate(_questions(categories), start=1):
        datatype = question.get("datatype") or "string"
        attributes.append(
            {
                "variable": True,
                "code": question["code"],
                "datatype": datatype,
                "required": question["required"],
                "datatype_description": pick(question.get("hint")),
                "order": order,
                "description": pick(question.get("label")) or question["code"],
                "values": [
                    {"key": str(value.get("key", "")), "name": pick(value.get("name"))}
                    for value in question.get("values", [])
                ]
                if datatype == "singlevaluelist"
                else [],
            }
        )
    return {"service_code": code, "attributes": attributes}


# --- service requests ---------------------------------------------------------------


def public_requests() -> QuerySet[Report]:
    latest_note = (
        ReportUpdate.objects.filter(report=OuterRef("pk"), is_staff=True, is_internal=False, is_public=True)
        .exclude(text="")
        .order_by("-created_at", "-pk")
        .values("text")[:1]
    )
    first_photo = (
        ReportPhoto.objects.filter(report=OuterRef("pk"), update__isnull=True, is_public=True)
        .order_by("pk")
        .values("pk")[:1]
    )
    return (
        Report.objects.filter(is_public=True)
        .select_related("category", "agency")
        .only(
            "pk",
            "status",
            "service_code",
            "title",
            "description",
            "responsible_body",
            "duplicate_of_id",
            "created_at",
            "updated_at",
            "due_at",
            "address",
            "address_id",
            "latitude",
            "longitude",
            "media_url",
            "category__name",
            "category__response_days",
            "agency__name",
        )
        .annotate(latest_note=Subquery(latest_note), first_photo=Subquery(first_photo))
        .order_by("-created_at", "-pk")
    )


def requests_by_id(ids: list[int]) -> list[Report]:
    return list(public_requests().filter(pk__in=ids[:MAX_REQUESTS])[:MAX_REQUESTS])


def requests_matching(
    *, codes: list[str], start: datetime.datetime, end: datetime.datetime, statuses: list[str]
) -> list[Report]:
    """Public reports made in [start, end], newest first, at most 1000."""
    reports = public_requests().filter(created_at__gte=start, created_at__lte=end)
    if codes:
        reports = reports.filter(service_code__in=codes)
    if statuses and set(statuses) != {"open", "closed"}:
        condition = Q(status__in=OPEN_STATUSES)
        reports = reports.filter(condition if "open" in statuses else ~condition)
    return list(reports[:MAX_REQUESTS])


def _postcodes(reports: list[Report]) -> dict[str, str]:
    uprns = {r.address_id for r in reports if r.address_id}
    if not uprns:
        return {}
    from ecitizen.exchange.models import Address

    return dict(Address.objects.filter(uprn__in=uprns).values_list("uprn", "postcode"))


def status_notes(report: Report) -> str:
    notes = (getattr(report, "latest_note", None) or "").strip()
    if report.status == Status.NOT_RESPONSIBLE and report.responsible_body and report.responsible_body not in notes:
        notes = " ".join(filter(None, [notes, _("Responsible: %(who)s.") % {"who": report.responsible_body}]))
    if report.status == Status.DUPLICATE and report.duplicate_of_id:
        duplicate = _("Duplicate of %(id)s.") % {"id": report.duplicate_of_id}
        notes = " ".join(filter(None, [duplicate, notes]))
    return notes


def serialize(reports: list[Report]) -> list[dict[str, Any]]:
    """Open311 service requests. Up to 1000 a call: what is the same for every report of a category
    (its name and notice), the photo address pattern and the time zone are worked out once."""
    postcodes = _postcodes(reports)
    photo_url = absolute_url(reverse("reports:photo", args=[0])).replace("/0/", "/{}/")
    zone = timezone.get_current_timezone()
    by_category: dict[int, tuple[str, str]] = {}

    def iso_in_zone(value: datetime.datetime | None) -> str | None:
        return value.astimezone(zone).isoformat(timespec="seconds") if value else None  # as iso() says

    rows = []
    for report in reports:
        photo = getattr(report, "first_photo", None)
        media_url = photo_url.format(photo) if photo else report.media_url
        if report.status == Status.NOT_RESPONSIBLE and report.responsible_body:
            agency_responsible = report.responsible_body
        else:
            agency_responsible = report.agency.name
        if report.category_id not in by_category:
            by_category[report.category_id] = (report.category.display_name(), service_notice(report.category))
        service_name, notice = by_category[report.category_id]
        rows.append(
            {
                "service_request_id": str(report.pk),
                "status": open311_status(report.status),
                "status_notes": status_notes(report),
                "service_name": service_name,
                "service_code": report.service_code,
                "description": report.description,
                "agency_responsible": agency_responsible,
                "service_notice": notice,
                "requested_datetime": iso_in_zone(report.created_at),
                "updated_datetime": iso_in_zone(report.updated_at),
                "expected_datetime": iso_in_zone(report.due_at),
                "address": report.address,
                "address_id": report.address_id,
                "zipcode": postcodes.get(report.address_id, ""),
                "lat": report.latitude,
                "long": report.longitude,
                "media_url": media_url,
            }
        )
    return rows
