"""Reports near a point: the "is it one of these?" check before a report is sent.

Only open, public reports of the same service code are candidates, found
through the partial index ``report_open_code_cell`` (code, grid cell); the
exact distance is then measured in Python. The work depends on how many open
reports of one kind sit in a few hundred metres, not on the size of the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL

from ecitizen.reports import geo
from ecitizen.reports.models import Report

DEFAULT_RADIUS_M = 250
# More than CANDIDATE_LIMIT open reports of one kind within a few hundred
# metres would be a swamp of duplicates: any 200 of them make the point.
CANDIDATE_LIMIT = 200


def _open_and_public() -> RawSQL:
    """The partial index's condition, written into the query as literal SQL.

    SQLite uses a partial index only when the query repeats each term of the
    index's WHERE clause with the same constants: an IN list of bound
    parameters (as the ORM writes it) does not count, nor a list in another
    order (``OPEN_STATUSES`` is a set, whose order changes between processes).
    PostgreSQL proves the condition either way.
    """
    condition = next(i.condition for i in Report._meta.indexes if i.name == "report_open_code_cell")
    conditions = dict(condition.children)
    statuses = list(conditions["status__in"])
    # plain words only, so that writing them as SQL literals is safe
    if conditions != {"status__in": statuses, "is_public": True} or not all(s.isidentifier() for s in statuses):
        raise ImproperlyConfigured("report_open_code_cell changed: update ecitizen.reports.nearby to match it.")
    literals = ", ".join(f"'{s}'" for s in statuses)
    table = Report._meta.db_table
    return RawSQL(  # noqa: S611 - constants from the model, checked above
        f'("{table}"."is_public" AND "{table}"."status" IN ({literals}))',
        (),
        output_field=BooleanField(),
    )


OPEN_AND_PUBLIC = _open_and_public()


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
            OPEN_AND_PUBLIC,
            service_code=service_code,
            cell__in=geo.cells_covering(box),
            latitude__gte=box.min_lat,
            latitude__lte=box.max_lat,
            longitude__gte=box.min_lng,
            longitude__lte=box.max_lng,
        )
        .only("pk", "title", "status", "latitude", "longitude", "created_at", "category_id", "service_code")
        # No ORDER BY: distances are sorted below, and an ORDER BY created_at
        # tempts SQLite (without ANALYZE statistics) into the (service_code,
        # created_at) index, walking every report of the code ever made.
        .order_by()[:CANDIDATE_LIMIT]
    )
    found = []
    for report in candidates:
        distance = geo.haversine_m(lat, lng, report.latitude, report.longitude)
        if distance <= radius_m:
            found.append(Nearby(report=report, distance_m=distance))
    found.sort(key=lambda n: n.distance_m)
    return found[:limit]
