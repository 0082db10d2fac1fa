"""Areas must be valid polygons with an area (issue 9, 4.3).

A self-crossing "bow tie" measured 0 square degrees, so routing (the smallest
area holding a place wins) gave it every report in its overlap.
"""

from __future__ import annotations

import importlib
import json

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.reports import admin_services, geo
from ecitizen.reports.models import Area
from ecitizen.reports.routing import areas_at
from ecitizen.reports.tests.conftest import square

BOW_TIE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
HOLE_OUTSIDE = {
    "type": "Polygon",
    "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]], [[2, 2], [3, 2], [3, 3], [2, 2]]],
}
FLAT = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [2, 0], [0, 0]]]}


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def refused(data) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        geo.parse_area_geojson(data)
    return caught.value


def test_a_self_crossing_polygon_is_refused_saying_where():
    error = refused(BOW_TIE)
    assert error.code == "invalid_shape"
    assert error.messages == [
        "Polygon 1 is not a valid shape: its edges cross each other, near longitude 0.5, latitude 0.5. "
        "Draw it again so that its edges do not cross."
    ]


def test_a_hole_outside_its_outline_is_refused():
    error = refused(HOLE_OUTSIDE)
    assert error.code == "invalid_shape" and "a hole lies outside its outline" in error.messages[0]


def test_a_flat_polygon_is_refused():
    assert refused(FLAT).code in {"invalid_shape", "no_area"}


def test_the_second_polygon_of_a_multipolygon_is_named():
    data = {"type": "MultiPolygon", "coordinates": [square(5, 5, 6, 6)["coordinates"][0], BOW_TIE["coordinates"]]}
    assert refused(data).messages[0].startswith("Polygon 2 is not a valid shape")


def test_valid_shapes_still_pass_and_overlapping_parts_count_once():
    parsed = geo.parse_area_geojson(
        {
            "type": "MultiPolygon",
            "coordinates": [square(0, 0, 1, 1)["coordinates"][0], square(0.5, 0, 1.5, 1)["coordinates"][0]],
        }
    )
    assert geo.polygons_area(geo.from_geojson(parsed)) == pytest.approx(1.5)


@pytest.mark.django_db
def test_the_area_editor_refuses_a_self_crossing_area_at_the_file_field(client, admin_a):
    client.force_login(admin_a)
    response = client.post(
        "/staff/reports/areas/new/",
        {"file": SimpleUploadedFile("area.geojson", json.dumps(BOW_TIE).encode()), "name_en": "Bow tie"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "its edges cross each other" in page and "govuk-file-upload--error" in page
    assert not Area.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.REPORT_AREA_SAVED).exists()


@pytest.mark.django_db
def test_the_area_service_refuses_it_too(admin_a, agency_a, city):
    area = city["old_town"]
    with pytest.raises(ValidationError) as caught:
        admin_services.area_save(actor=admin_a, area=area, geometry=BOW_TIE)
    assert "its edges cross each other" in caught.value.message_dict["file"][0]
    with pytest.raises(ValidationError):
        admin_services.areas_import(actor=admin_a, agency=agency_a, data=BOW_TIE, name={"en": "Bow tie"})
    assert Area.objects.count() == 2


@pytest.mark.django_db
def test_a_bow_tie_stored_before_the_check_no_longer_wins_every_overlap(agency_a, agency_b, city):
    """The data migration measures stored shapes again (repaired), so a bow tie is not size 0."""
    lng, lat = 0.005, 0.030
    d = 0.001  # a bow tie of two triangles around a point in Old Town, 0.002 degrees across
    bow_tie = {
        "type": "MultiPolygon",
        "coordinates": [
            [[[lng - d, lat - d], [lng + d, lat + d], [lng - d, lat + d], [lng + d, lat - d], [lng - d, lat - d]]]
        ],
    }
    legacy = Area(agency=agency_b, name={"en": "Bow tie"}, geometry=bow_tie, size=0.0)
    legacy.min_lng, legacy.max_lng, legacy.min_lat, legacy.max_lat = lng - d, lng + d, lat - d, lat + d
    legacy.save()
    tiny = Area(agency=agency_a, name={"en": "Tiny square"})
    tiny.set_geometry(square(lng - d / 4, lat + d / 2, lng + d / 4, lat + d))  # inside the upper triangle
    tiny.save()
    point = (lat + 0.0008, lng)  # in the tiny square and the bow tie's upper triangle
    assert areas_at(*point)[0] == legacy  # size 0 wins: the defect

    migration = importlib.import_module("ecitizen.reports.migrations.0004_area_sizes_from_valid_shapes")
    migration.measure_areas_again(apps, None)

    legacy.refresh_from_db()
    assert legacy.size == pytest.approx(2 * d * d)
    assert areas_at(*point)[0] == tiny
