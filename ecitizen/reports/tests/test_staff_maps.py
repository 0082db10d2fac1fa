"""The back office shows where a report is and what an area covers on a map, and previews an area upload.

The map itself is drawn by assets/js/staff-map.mjs (tests/browser/test_staff_maps.py); here: the data
the pages give it, the same places in words for readers without JavaScript, and the two-step upload.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.reports.models import Area
from ecitizen.reports.tests.conftest import square

pytestmark = pytest.mark.django_db

STAFF = "/staff/reports/"


def _json_script(page: str, element_id: str):
    start = page.index(f'<script id="{element_id}" type="application/json">') + len(
        f'<script id="{element_id}" type="application/json">'
    )
    return json.loads(page[start : page.index("</script>", start)])


def test_report_page_maps_the_report_and_its_area(client, make_report, caseworker_a, city):
    report = make_report()
    client.force_login(caseworker_a)
    page = client.get(f"{STAFF}{report.pk}/").content.decode()

    assert 'data-module="staff-map"' in page
    assert f'data-point-lat="{report.latitude}"' in page and f'data-point-lng="{report.longitude}"' in page
    assert 'data-shapes="report-area-shape"' in page
    shape = _json_script(page, "report-area-shape")
    assert shape["geometry"] == city["old_town"].geometry
    assert shape["properties"]["label"] == "Old Town"
    assert "build/js/staff-map.mjs" in page and "build/leaflet/leaflet.css" in page
    # Without JavaScript the coordinates are still there, and a caseworker is not sent to an admin page.
    assert "52.030000, 0.005000" in page
    assert f"{STAFF}areas/{city['old_town'].pk}/" not in page


def test_report_page_links_the_area_for_its_admin(client, make_report, admin_a, city):
    report = make_report()
    client.force_login(admin_a)
    page = client.get(f"{STAFF}{report.pk}/").content.decode()
    assert f'href="{STAFF}areas/{city["old_town"].pk}/"' in page


def test_areas_page_maps_every_area_and_links_each(client, admin_a, city, ring_road):
    client.force_login(admin_a)
    page = client.get(f"{STAFF}areas/").content.decode()
    shapes = _json_script(page, "areas-shapes")
    assert [f["properties"]["label"] for f in shapes["features"]] == ["Old Town", "Millbrook"]
    assert "Ring road" not in page  # another agency's
    assert f'href="{STAFF}areas/{city["millbrook"].pk}/"' in page


def test_area_page_shows_the_outline_and_its_bounding_box(client, admin_a, city):
    client.force_login(admin_a)
    page = client.get(f"{STAFF}areas/{city['old_town'].pk}/").content.decode()
    assert _json_script(page, "area-shape")["geometry"] == city["old_town"].geometry
    assert "South 52.02, west 0, north 52.04, east 0.02" in page
    assert "1 polygon, 4 positions" in page


def test_area_page_of_another_agency_is_not_found(client, admin_a, ring_road):
    client.force_login(admin_a)
    assert client.get(f"{STAFF}areas/{ring_road.pk}/").status_code == 404


def test_area_page_is_for_admins(client, caseworker_a, city):
    client.force_login(caseworker_a)
    assert client.get(f"{STAFF}areas/{city['old_town'].pk}/").status_code == 403


def _check(client, content: str, **data):
    return client.post(
        f"{STAFF}areas/new/",
        {"file": SimpleUploadedFile("areas.geojson", content.encode()), "step": "check", **data},
    )


TWO = {
    "type": "FeatureCollection",
    "features": [
        {"type": "Feature", "properties": {"name": "North"}, "geometry": square(0, 1, 1, 2)},
        {"type": "Feature", "properties": {"name": "South"}, "geometry": square(0, 0, 1, 1)},
    ],
}


def test_checking_a_file_previews_it_and_saves_nothing(client, admin_a):
    client.force_login(admin_a)
    response = _check(client, json.dumps(TWO), split="on")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Check the areas before saving" in page
    assert "The file describes 2 areas" in page
    assert "South 1, west 0, north 2, east 1" in page  # North, in words for readers without JavaScript
    shapes = _json_script(page, "preview-shapes")
    assert [f["properties"]["label"] for f in shapes["features"]] == ["North", "South"]
    assert 'name="step" value="save"' in page and 'name="split" value="on"' in page
    # The file goes back as multipart, not percent-encoded (which makes a 2 MB file over 2.5 MB).
    assert re.search(r'<form[^>]*area[^>]*enctype="multipart/form-data"', page)
    assert not Area.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.REPORT_AREA_SAVED).exists()


def test_saving_the_checked_file_makes_the_areas(client, admin_a, agency_a):
    client.force_login(admin_a)
    checked = _check(client, json.dumps(square(0, 0, 1, 1)), name_en="Harbour", name_es="Puerto")
    response = client.post(
        f"{STAFF}areas/new/", {**checked.context["hidden"], "geojson": checked.context["geojson"], "step": "save"}
    )
    assert response.status_code == 302
    area = Area.objects.get()
    assert (area.name, area.agency) == ({"en": "Harbour", "es": "Puerto"}, agency_a)


@pytest.mark.parametrize(
    ("geojson", "message"),
    [
        ("{broken", "Upload the file again"),
        (json.dumps({"type": "Point", "coordinates": [0, 0]}), "Only Polygon and MultiPolygon"),
    ],
)
def test_the_server_checks_the_file_again_when_saving(client, admin_a, geojson, message):
    client.force_login(admin_a)
    response = client.post(f"{STAFF}areas/new/", {"geojson": geojson, "name_en": "X", "step": "save"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Area.objects.exists()


def test_a_bad_file_is_refused_at_the_check(client, admin_a):
    client.force_login(admin_a)
    response = _check(client, json.dumps(square(0, 0, 1, 1)))  # no name
    assert response.status_code == 400
    assert "Enter the area&#x27;s name in English" in response.content.decode()


def test_caseworkers_cannot_check_or_save_areas(client, caseworker_a):
    client.force_login(caseworker_a)
    assert _check(client, json.dumps(square(0, 0, 1, 1)), name_en="X").status_code == 403
    assert client.post(f"{STAFF}areas/new/", {"geojson": "{}", "step": "save"}).status_code == 403


def test_areas_too_heavy_for_one_map_are_listed_without_it(client, admin_a, city, monkeypatch):
    from ecitizen.reports import staff_views

    monkeypatch.setattr(staff_views, "AREAS_MAP_MAX_POSITIONS", 9)  # two squares: 10 positions
    client.force_login(admin_a)
    page = client.get(f"{STAFF}areas/").content.decode()
    assert 'data-module="staff-map"' not in page and "Old Town" in page
