"""Which areas each report lies in, for exact district filters.

A report is linked to every active area containing its point when it is
made. When an area is drawn or redrawn, its links are rebuilt from the
reports inside its bounding box (an indexed range), checked against the
polygon in Python, in batches; this runs as a background task after the
change commits, since a district of a busy city holds many reports.
"""

from __future__ import annotations

from django.db import transaction

from ecitizen.reports import geo, signals
from ecitizen.reports.models import Area, Report, ReportArea
from ecitizen.reports.routing import areas_at

BATCH = 5000


def link_new_report(report: Report) -> None:
    """Link a report just made to every active area that contains it."""
    ReportArea.objects.bulk_create(
        [ReportArea(area=area, report=report) for area in areas_at(report.latitude, report.longitude)],
        ignore_conflicts=True,
    )


def relink_area(area_id: int) -> int:
    """Rebuild the links of one area from its current shape; returns how many reports lie in it."""
    area = Area.objects.filter(pk=area_id).first()
    if area is None:
        return 0
    shape = geo.AreaShape(geo.from_geojson(area.geometry))
    inside = 0
    with transaction.atomic():
        ReportArea.objects.filter(area=area).delete()
        candidates = (
            Report.objects.filter(
                latitude__gte=area.min_lat,
                latitude__lte=area.max_lat,
                longitude__gte=area.min_lng,
                longitude__lte=area.max_lng,
            )
            .values_list("pk", "latitude", "longitude")
            .iterator(chunk_size=BATCH)
        )
        batch: list[ReportArea] = []
        for pk, lat, lng in candidates:
            if shape.contains(lat, lng):
                batch.append(ReportArea(area_id=area.pk, report_id=pk))
                if len(batch) >= BATCH:
                    ReportArea.objects.bulk_create(batch, ignore_conflicts=True)
                    inside += len(batch)
                    batch = []
        ReportArea.objects.bulk_create(batch, ignore_conflicts=True)
        inside += len(batch)
    return inside


def relink_area_later(area: Area) -> None:
    """Rebuild an area's links in the background once the change to its shape commits.

    Announced as :data:`~ecitizen.reports.signals.area_reshaped`; the receiver queues the task.
    """
    signals.area_reshaped.send(sender=Area, area=area)
