"""Plane geometry on latitude and longitude, with no spatial database.

Areas are GeoJSON polygons; reports are points. Both databases store plain
numbers (a bounding box per area, a latitude and longitude per report, and a
grid cell number), so queries narrow the candidates with ordinary B-tree
indexes and this module finishes the job exactly, in Python.

Coordinates follow GeoJSON: ``[longitude, latitude]``. Polygons in a city are
small enough that treating degrees as planar for point-in-polygon tests is
exact for containment (edges are straight lines in the same projection the
polygons were drawn in); distances use the haversine formula.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARTH_RADIUS_M = 6_371_008.8
# Grid cells of 0.005 degrees of latitude (about 550 m) used to find nearby
# reports through an index; longitude cells are as many degrees.
CELL_DEGREES = 0.005
_CELL_COLUMNS = 1_000_000  # more than 360 / CELL_DEGREES, so (row, column) -> one integer
MAX_RINGS = 200
MAX_POINTS = 20_000

Ring = list[tuple[float, float]]  # (lng, lat)
Polygon = list[Ring]  # outer ring first, then holes


@dataclass(frozen=True)
class BBox:
    min_lng: float
    min_lat: float
    max_lng: float
    max_lat: float

    def contains(self, lat: float, lng: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lng <= lng <= self.max_lng


def valid_point(lat: Any, lng: Any) -> bool:
    return (
        isinstance(lat, (int, float))
        and isinstance(lng, (int, float))
        and math.isfinite(lat)
        and math.isfinite(lng)
        and -90 <= lat <= 90
        and -180 <= lng <= 180
    )


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bbox_around(lat: float, lng: float, radius_m: float) -> BBox:
    """The smallest latitude/longitude box holding every point within *radius_m* of the point."""
    dlat = math.degrees(radius_m / EARTH_RADIUS_M)
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlng = min(180.0, math.degrees(radius_m / (EARTH_RADIUS_M * cos_lat)))
    return BBox(lng - dlng, lat - dlat, lng + dlng, lat + dlat)


def cell_of(lat: float, lng: float) -> int:
    """The grid cell number of a point."""
    row = math.floor((lat + 90) / CELL_DEGREES)
    column = math.floor((lng + 180) / CELL_DEGREES)
    return row * _CELL_COLUMNS + column


def cells_count(box: BBox) -> int:
    """How many grid cells meet *box*, without listing them (a world-sized box has billions)."""
    rows = math.floor((box.max_lat + 90) / CELL_DEGREES) - math.floor((box.min_lat + 90) / CELL_DEGREES) + 1
    columns = math.floor((box.max_lng + 180) / CELL_DEGREES) - math.floor((box.min_lng + 180) / CELL_DEGREES) + 1
    return max(rows, 0) * max(columns, 0)


def cells_covering(box: BBox) -> list[int]:
    """Every grid cell that meets *box* (a short list for boxes of a few hundred metres)."""
    row0, row1 = math.floor((box.min_lat + 90) / CELL_DEGREES), math.floor((box.max_lat + 90) / CELL_DEGREES)
    col0, col1 = math.floor((box.min_lng + 180) / CELL_DEGREES), math.floor((box.max_lng + 180) / CELL_DEGREES)
    return [row * _CELL_COLUMNS + col for row in range(row0, row1 + 1) for col in range(col0, col1 + 1)]


def _ring_contains(ring: Ring, lng: float, lat: float) -> bool:
    """Even-odd ray casting; a point on an edge counts as inside."""
    inside = False
    n = len(ring)
    j = n - 1
    for i in range(n):
        xi, yi = ring[i]
        xj, yj = ring[j]
        # On the segment?
        cross = (lng - xi) * (yj - yi) - (lat - yi) * (xj - xi)
        if abs(cross) < 1e-12 and min(xi, xj) - 1e-12 <= lng <= max(xi, xj) + 1e-12:
            if min(yi, yj) - 1e-12 <= lat <= max(yi, yj) + 1e-12:
                return True
        if (yi > lat) != (yj > lat):
            x_at = xi + (lat - yi) * (xj - xi) / (yj - yi)
            if lng < x_at:
                inside = not inside
        j = i
    return inside


def polygons_contain(polygons: list[Polygon], lat: float, lng: float) -> bool:
    for polygon in polygons:
        if _ring_contains(polygon[0], lng, lat) and not any(_ring_contains(h, lng, lat) for h in polygon[1:]):
            return True
    return False


def _ring_area(ring: Ring) -> float:
    total = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        total += x1 * y2 - x2 * y1
    return abs(total) / 2


def polygons_area(polygons: list[Polygon]) -> float:
    """Area in square degrees (only ever compared between areas of one city)."""
    return sum(_ring_area(p[0]) - sum(_ring_area(h) for h in p[1:]) for p in polygons)


def polygons_bbox(polygons: list[Polygon]) -> BBox:
    lngs = [x for p in polygons for x, _y in p[0]]
    lats = [y for p in polygons for _x, y in p[0]]
    return BBox(min(lngs), min(lats), max(lngs), max(lats))


def _parse_ring(raw: Any) -> Ring:
    if not isinstance(raw, list) or len(raw) < 4:
        raise ValidationError(_("Each ring of a polygon needs at least four positions."), code="ring")
    ring: Ring = []
    for position in raw:
        if (
            not isinstance(position, list)
            or len(position) < 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in position[:2])
            or not valid_point(position[1], position[0])
        ):
            raise ValidationError(
                _(
                    "Positions must be [longitude, latitude] with a longitude from -180 to 180 "
                    "and a latitude from -90 to 90."
                ),
                code="position",
            )
        ring.append((float(position[0]), float(position[1])))
    if ring[0] != ring[-1]:
        raise ValidationError(_("Each ring of a polygon must end where it starts."), code="ring_open")
    return ring[:-1]


def _parse_polygon(coords: Any) -> Polygon:
    if not isinstance(coords, list) or not coords:
        raise ValidationError(_("A polygon needs at least one ring."), code="polygon")
    return [_parse_ring(ring) for ring in coords]


def _geometries(obj: Any) -> list[dict]:
    if not isinstance(obj, dict):
        raise ValidationError(_("This is not a GeoJSON object."), code="geojson")
    kind = obj.get("type")
    if kind == "FeatureCollection":
        features = obj.get("features")
        if not isinstance(features, list):
            raise ValidationError(_("A FeatureCollection needs a list of features."), code="geojson")
        return [g for f in features for g in _geometries(f)]
    if kind == "Feature":
        return _geometries(obj.get("geometry"))
    if kind == "GeometryCollection":
        return [g for sub in obj.get("geometries") or [] for g in _geometries(sub)]
    if kind in {"Polygon", "MultiPolygon"}:
        return [obj]
    raise ValidationError(
        _("Only Polygon and MultiPolygon shapes can describe an area, not %(kind)s.") % {"kind": kind or "?"},
        code="geometry_type",
    )


def parse_area_geojson(data: str | bytes | dict) -> dict:
    """Validate GeoJSON describing an area and return it as one MultiPolygon geometry.

    Accepts a Polygon, a MultiPolygon, a Feature or a FeatureCollection of
    them. Raises ValidationError with a message that says what is wrong.
    """
    if isinstance(data, (str, bytes)):
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValidationError(_("The file is not valid JSON."), code="json") from exc
    multi: list[Polygon] = []
    for geometry in _geometries(data):
        coords = geometry.get("coordinates")
        if geometry["type"] == "Polygon":
            multi.append(_parse_polygon(coords))
        else:
            if not isinstance(coords, list) or not coords:
                raise ValidationError(_("A MultiPolygon needs at least one polygon."), code="polygon")
            multi.extend(_parse_polygon(p) for p in coords)
    if not multi:
        raise ValidationError(_("The file holds no polygon."), code="empty")
    if sum(len(p) for p in multi) > MAX_RINGS or sum(len(r) for p in multi for r in p) > MAX_POINTS:
        raise ValidationError(_("The shape is too detailed: simplify it to fewer than 20,000 points."), code="size")
    return to_geojson(multi)


def to_geojson(multi: list[Polygon]) -> dict:
    return {
        "type": "MultiPolygon",
        "coordinates": [[[list(pt) for pt in ring + ring[:1]] for ring in polygon] for polygon in multi],
    }


def from_geojson(geometry: dict) -> list[Polygon]:
    """The stored MultiPolygon as rings without their closing position (trusted input)."""
    return [
        [[(float(x), float(y)) for x, y, *_rest in ring[:-1]] for ring in polygon]
        for polygon in geometry["coordinates"]
    ]
