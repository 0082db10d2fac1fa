"""Plane geometry on latitude and longitude, with no spatial database.

Areas are GeoJSON polygons; reports are points. Both databases store plain
numbers (a bounding box per area, a latitude and longitude per report, and a
grid cell number), so queries narrow the candidates with ordinary B-tree
indexes and this module finishes the job exactly, in Python.

Coordinates follow GeoJSON: ``[longitude, latitude]``. Polygons in a city are
small enough that treating degrees as planar for point-in-polygon tests is
exact for containment (edges are straight lines in the same projection the
polygons were drawn in); distances use the haversine formula.

Polygon validity, areas and containment come from Shapely (GEOS): an uploaded
polygon must be valid (its edges never cross, its holes lie inside it) and
have an area, because routing gives a place to the *smallest* area holding
it and a self-crossing "bow tie" measures zero.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

import shapely
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


def parse_number(value: Any) -> float | None:
    """A finite number from a form or API value (``" 52.03 "``, ``0.1``), or None."""
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


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


def _shape(polygon: Polygon) -> shapely.Polygon:
    """One GeoJSON polygon (outline, then holes) as a Shapely polygon."""
    return shapely.Polygon(polygon[0], polygon[1:])


def _shapes(polygons: list[Polygon]) -> list[shapely.Polygon]:
    """Shapely polygons, prepared for fast repeated point tests."""
    shapes = [_shape(polygon) for polygon in polygons]
    shapely.prepare(shapes)
    return shapes


class AreaShape:
    """An area's polygons ready for many point tests (build once per area, then ask :meth:`contains`)."""

    def __init__(self, polygons: list[Polygon]):
        self._shapes = _shapes(polygons)

    def contains(self, lat: float, lng: float) -> bool:
        """Whether the point lies in a polygon (outside its holes); a point on an edge counts as inside."""
        return any(shapely.intersects_xy(shape, lng, lat) for shape in self._shapes)


def polygons_contain(polygons: list[Polygon], lat: float, lng: float) -> bool:
    return AreaShape(polygons).contains(lat, lng)


def polygons_area(polygons: list[Polygon]) -> float:
    """Area in square degrees (only ever compared between areas of one city).

    Parts that overlap count once; a stored shape from before polygons were
    checked is repaired first, so that a self-crossing ring cannot measure zero.
    """
    shapes = [shapely.make_valid(_shape(polygon)) for polygon in polygons]
    return float(shapely.union_all(shapes).area)


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
    for number, polygon in enumerate(multi, start=1):
        _check_polygon(polygon, number)
    return to_geojson(multi)


_LOCATION = re.compile(r"\[\s*(-?[0-9.eE+-]+)\s+(-?[0-9.eE+-]+)\s*\]$")


def _problem(reason: str) -> str:
    """GEOS's reason for an invalid polygon, said for an admin (with where it is, when known)."""
    kinds = {
        "Self-intersection": _("its edges cross each other"),
        "Ring Self-intersection": _("its outline touches itself"),
        "Hole lies outside shell": _("a hole lies outside its outline"),
        "Nested holes": _("a hole lies inside another hole"),
        "Nested shells": _("one outline lies inside another"),
        "Interior is disconnected": _("its holes cut it into pieces"),
        "Too few points": _("it has too few distinct points"),
        "Invalid Coordinate": _("a position is not a number"),
    }
    location = _LOCATION.search(reason)
    kind = reason[: location.start()].strip() if location else reason.strip()
    problem = str(kinds.get(kind, kind))
    if location:
        problem = _("%(problem)s, near longitude %(lng)s, latitude %(lat)s") % {
            "problem": problem,
            "lng": location.group(1),
            "lat": location.group(2),
        }
    return problem


def _check_polygon(polygon: Polygon, number: int) -> None:
    """Refuse a polygon that is not a valid, non-empty surface (ValidationError naming the problem)."""
    shape = _shape(polygon)
    if not shapely.is_valid(shape):
        raise ValidationError(
            _("Polygon %(number)s is not a valid shape: %(problem)s. Draw it again so that its edges do not cross.")
            % {"number": number, "problem": _problem(shapely.is_valid_reason(shape))},
            code="invalid_shape",
        )
    if not shape.area > 0:
        raise ValidationError(
            _("Polygon %(number)s has no area: its positions lie on one line.") % {"number": number},
            code="no_area",
        )


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
