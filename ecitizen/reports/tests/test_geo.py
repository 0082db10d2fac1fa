"""Geometry without a spatial database: containment, distances, grid cells, and checking uploaded GeoJSON."""

from __future__ import annotations

import json
import random

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from ecitizen.reports import geo


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def ring(*points):
    """A closed GeoJSON ring from (lng, lat) points."""
    return [list(p) for p in points] + [list(points[0])]


SQUARE = ring((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
HOLE = ring((0.4, 0.4), (0.4, 0.6), (0.6, 0.6), (0.6, 0.4))
FAR_SQUARE = ring((5.0, 5.0), (6.0, 5.0), (6.0, 6.0), (5.0, 6.0))


def polygons(geometry: dict):
    return geo.from_geojson(geo.parse_area_geojson(geometry))


# --- point in polygon -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lat", "lng", "inside"),
    [
        (0.5, 0.2, True),  # inside the outer ring
        (0.5, 0.5, False),  # in the hole
        (0.5, 1.5, False),  # east of the square
        (-0.1, 0.5, False),  # south of it
        (0.5, 0.0, True),  # on the west edge
        (1.0, 0.3, True),  # on the north edge
        (1.0, 1.0, True),  # on a corner
    ],
)
def test_point_in_polygon_with_a_hole(lat, lng, inside):
    shape = polygons({"type": "Polygon", "coordinates": [SQUARE, HOLE]})

    assert geo.polygons_contain(shape, lat, lng) is inside


def test_a_concave_polygon_excludes_its_notch():
    # a U shape: the notch between the arms is outside
    u_shape = ring((0, 0), (3, 0), (3, 3), (2, 3), (2, 1), (1, 1), (1, 3), (0, 3))
    shape = polygons({"type": "Polygon", "coordinates": [u_shape]})

    assert geo.polygons_contain(shape, 2.5, 0.5)  # left arm
    assert geo.polygons_contain(shape, 2.5, 2.5)  # right arm
    assert not geo.polygons_contain(shape, 2.0, 1.5)  # the notch


def test_multipolygon_contains_points_in_any_of_its_parts():
    shape = polygons({"type": "MultiPolygon", "coordinates": [[SQUARE], [FAR_SQUARE]]})

    assert geo.polygons_contain(shape, 0.5, 0.5)
    assert geo.polygons_contain(shape, 5.5, 5.5)
    assert not geo.polygons_contain(shape, 3.0, 3.0)


def test_area_and_bounding_box_of_a_polygon_with_a_hole():
    shape = polygons({"type": "Polygon", "coordinates": [SQUARE, HOLE]})

    assert geo.polygons_area(shape) == pytest.approx(1.0 - 0.04)
    assert geo.polygons_bbox(shape) == geo.BBox(0.0, 0.0, 1.0, 1.0)


# --- distances, boxes and cells ---------------------------------------------------------------


def test_haversine_known_distance_london_to_paris():
    # Trafalgar Square to Notre-Dame: about 342 km
    distance = geo.haversine_m(51.5080, -0.1281, 48.8530, 2.3499)

    assert distance == pytest.approx(342_500, rel=0.01)


def test_haversine_one_degree_of_latitude_and_zero():
    assert geo.haversine_m(52.0, 0.0, 53.0, 0.0) == pytest.approx(111_195, rel=0.001)
    assert geo.haversine_m(52.0, 0.01, 52.0, 0.01) == 0


def test_bbox_around_holds_every_point_within_the_radius():
    lat, lng, radius = 52.02, 0.03, 250
    box = geo.bbox_around(lat, lng, radius)

    # the four points at exactly the radius are in the box, at its edges
    north = geo.haversine_m(lat, lng, box.max_lat, lng)
    east = geo.haversine_m(lat, lng, lat, box.max_lng)
    assert north == pytest.approx(radius, rel=1e-6)
    assert east == pytest.approx(radius, rel=1e-3)
    assert box.contains(lat, lng)
    assert not box.contains(lat + 0.003, lng)  # about 330 m north


def test_cells_covering_a_box_include_the_cell_of_every_point_in_it():
    box = geo.bbox_around(52.02, 0.03, 400)
    cells = geo.cells_covering(box)

    assert len(cells) == len(set(cells))
    for lat in (box.min_lat, 52.02, box.max_lat):
        for lng in (box.min_lng, 0.03, box.max_lng):
            assert geo.cell_of(lat, lng) in cells
    assert geo.cell_of(52.03, 0.03) not in cells  # a kilometre away


def test_cells_on_either_side_of_a_border_differ():
    assert geo.cell_of(52.0199, 0.0) != geo.cell_of(52.0201, 0.0)
    assert geo.cell_of(52.0, 0.0049) != geo.cell_of(52.0, 0.0051)
    assert geo.cell_of(52.0001, 0.0001) == geo.cell_of(52.0049, 0.0049)


# --- parsing uploaded GeoJSON -----------------------------------------------------------------

POLYGON = {"type": "Polygon", "coordinates": [SQUARE]}


@pytest.mark.parametrize(
    "data",
    [
        POLYGON,
        {"type": "MultiPolygon", "coordinates": [[SQUARE], [FAR_SQUARE]]},
        {"type": "Feature", "properties": {"name": "A"}, "geometry": POLYGON},
        {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": POLYGON}]},
        json.dumps(POLYGON),  # text, as uploaded
        json.dumps(POLYGON).encode(),
    ],
    ids=["polygon", "multipolygon", "feature", "featurecollection", "text", "bytes"],
)
def test_parse_accepts_polygons_features_and_collections(data):
    parsed = geo.parse_area_geojson(data)

    assert parsed["type"] == "MultiPolygon"
    assert parsed["coordinates"][0] == [SQUARE]
    assert geo.polygons_contain(geo.from_geojson(parsed), 0.5, 0.5)


def test_a_feature_collection_of_several_features_becomes_one_multipolygon():
    data = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": POLYGON},
            {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [FAR_SQUARE]}},
        ],
    }

    parsed = geo.parse_area_geojson(data)

    assert len(parsed["coordinates"]) == 2


def _error(data) -> ValidationError:
    with pytest.raises(ValidationError) as excinfo:
        geo.parse_area_geojson(data)
    return excinfo.value


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        (
            {"type": "Point", "coordinates": [0.0, 52.0]},
            "geometry_type",
            "Only Polygon and MultiPolygon shapes can describe an area, not Point.",
        ),
        (
            {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
            "geometry_type",
            "Only Polygon and MultiPolygon shapes can describe an area, not LineString.",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]},
            "ring_open",
            "Each ring of a polygon must end where it starts.",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 0]]]},
            "ring",
            "Each ring of a polygon needs at least four positions.",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]]},
            "position",
            "Positions must be [longitude, latitude] with a longitude from -180 to 180 and a latitude from -90 to 90.",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 95], [1, 1], [0, 0]]]},
            "position",
            "Positions must be [longitude, latitude] with a longitude from -180 to 180 and a latitude from -90 to 90.",
        ),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], ["1", 0], [1, 1], [0, 0]]]},
            "position",
            "Positions must be [longitude, latitude] with a longitude from -180 to 180 and a latitude from -90 to 90.",
        ),
        ({"type": "Polygon", "coordinates": []}, "polygon", "A polygon needs at least one ring."),
        ({"type": "MultiPolygon", "coordinates": []}, "polygon", "A MultiPolygon needs at least one polygon."),
        ({"type": "FeatureCollection", "features": []}, "empty", "The file holds no polygon."),
        ({"type": "FeatureCollection"}, "geojson", "A FeatureCollection needs a list of features."),
        ([1, 2, 3], "geojson", "This is not a GeoJSON object."),
        ("{not json", "json", "The file is not valid JSON."),
        (b"\xff\xfe\x00", "json", "The file is not valid JSON."),
    ],
    ids=[
        "point",
        "linestring",
        "open-ring",
        "short-ring",
        "longitude-out-of-range",
        "latitude-out-of-range",
        "text-position",
        "no-rings",
        "empty-multipolygon",
        "no-features",
        "features-missing",
        "not-an-object",
        "invalid-json",
        "not-text",
    ],
)
def test_parse_rejects_bad_geojson_with_a_message(data, code, message):
    error = _error(data)

    assert error.code == code
    assert error.messages == [message]


def test_parse_rejects_a_shape_with_too_many_points():
    # one ring of 20,001 distinct positions
    count = geo.MAX_POINTS + 1
    positions = [[0.001 * (i % 1000), 0.001 * (i // 1000)] for i in range(count)]
    huge = {"type": "Polygon", "coordinates": [positions + [positions[0]]]}

    error = _error(huge)

    assert error.code == "size"
    assert error.messages == ["The shape is too detailed: simplify it to fewer than 20,000 points."]


def test_parse_rejects_too_many_rings():
    many = {"type": "MultiPolygon", "coordinates": [[SQUARE]] * (geo.MAX_RINGS + 1)}

    assert _error(many).code == "size"


def test_the_demo_districts_tile_the_city_without_gaps_or_overlaps():
    from ecitizen.reports.management.commands.seed_reports import load_geojson

    districts = [
        geo.from_geojson(geo.parse_area_geojson(f)) for f in load_geojson("northbridge-districts.geojson")["features"]
    ]
    assert len(districts) == 6
    rng = random.Random(7)
    for _ in range(5000):
        lat, lng = rng.uniform(52.000, 52.040), rng.uniform(0.000, 0.060)
        assert sum(geo.polygons_contain(d, lat, lng) for d in districts) == 1, (lat, lng)
    assert sum(geo.polygons_area(d) for d in districts) == pytest.approx(0.04 * 0.06)
