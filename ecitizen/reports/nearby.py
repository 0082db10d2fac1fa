"""Reports near a point: the "is it one of these?" check before a report is sent.

Only open, public reports of the same service code are candidates, found
through the partial index ``report_open_code_cell`` (code, grid cell); the
exact distance is then measured in Python. The work depends on how many open
reports of one kind sit in a few hundred metres, not on the size of the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecitizen.reports import geo
from ecitizen.reports.models import OPEN_STATUSES, Report

DEFAULT_RADIUS_M = 250
CANDIDATE_LIMIT = 200


@dataclass
class Nearby:
    report: Report
    distance_m: float


def nearby_open_reports(
    service_code: str, lat: float, lng: float, *, radius_m: float = DEFAULT_RADIUS_M, limit: int = 5
) -> list[Nearby]:
    """Open public reports of *service_code* within *radius_m* metres, nearest first."""
    box = geo.bbox_around(lat, lng, radius_m)
    candidates = (
        Report.objects.filter(
            service_code=service_code,
            cell__in=geo.cells_covering(box),
            status__in=list(OPEN_STATUSES),
            is_public=True,
            latitude__gte=box.min_lat,
            latitude__lte=box.max_lat,
            longitude__gte=box.min_lng,
            longitude__lte=box.max_lng,
        )
        .only("pk", "title", "status", "latitude", "longitude", "created_at", "category_id", "service_code")
        .order_by("-created_at")[:CANDIDATE_LIMIT]
    )
    found = []
    for report in candidates:
        distance = geo.haversine_m(lat, lng, report.latitude, report.longitude)
        if distance <= radius_m:
            found.append(Nearby(report=report, distance_m=distance))
    found.sort(key=lambda n: n.distance_m)
    return found[:limit]
