"""Back-office maps: where a report is, what each area covers, and an area file checked before it is saved.

With JavaScript assets/js/staff-map.mjs draws the maps; without it the same pages say the places in
words (coordinates, bounding boxes) and the two-step upload works the same. No tile server is
reachable from the tests: the outlines and markers are drawn all the same.
"""

from __future__ import annotations

import json

import pytest

from tests.browser.conftest import assert_accessible, click_button, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[0.0, 52.0], [0.02, 52.0], [0.02, 52.02], [0.0, 52.02], [0.0, 52.0]]],
}


@pytest.fixture
def world(settings, make_user, with_mfa, agency_a):
    from ecitizen.agencies.models import Membership
    from ecitizen.reports import services as reports
    from ecitizen.reports.models import Category
    from ecitizen.reports.tests.conftest import make_area, square

    settings.REPORTS_TILE_URL = ""
    citizen = make_user("amina@example.org", given_name="Amina", family_name="Haddad")
    admin = make_user("admin@council.example")
    Membership.objects.create(user=admin, agency=agency_a, role="agency_admin")
    secret = with_mfa(admin)
    old_town = make_area(agency_a, "Old Town", square(0.000, 52.020, 0.020, 52.040))
    make_area(agency_a, "Millbrook", square(0.000, 52.000, 0.020, 52.020))
    Category.objects.create(agency=agency_a, code="pothole", name={"en": "Pot-hole"})
    report = reports.report_create(
        actor=citizen,
        service_code="pothole",
        latitude=52.03,
        longitude=0.005,
        title="Deep pot-hole",
        description="By the bus stop.",
    )
    return {"admin": (admin.email, secret), "report": report, "old_town": old_town}


def _overlays(page) -> int:
    return page.locator(".app-map .leaflet-overlay-pane path").count()


def test_the_report_page_maps_the_report_inside_its_area(page, world):
    sign_in(page, *world["admin"])
    page.goto(f"/staff/reports/{world['report'].pk}/")

    region = page.get_by_role("region", name=f"Map of where report #{world['report'].pk} is")
    region.wait_for()
    page.locator(".app-map .leaflet-overlay-pane path").nth(1).wait_for()
    assert _overlays(page) == 2  # the area's outline and the report's marker
    marker = page.get_by_role("img", name=f"Report #{world['report'].pk}")
    assert marker.count() == 1
    assert_accessible(page)


def test_the_areas_page_and_an_area_page_draw_the_outlines(page, world):
    sign_in(page, *world["admin"])
    page.goto("/staff/reports/areas/")
    page.get_by_role("region", name="Map of the areas").wait_for()
    page.locator(".app-map .leaflet-overlay-pane path").nth(1).wait_for()
    assert _overlays(page) == 2
    assert_accessible(page)

    page.get_by_role("link", name="Old Town").click()
    page.get_by_role("region", name="Map of Old Town").wait_for()
    page.locator(".app-map .leaflet-overlay-pane path").first.wait_for()
    assert _overlays(page) == 1
    assert "South 52.02, west 0, north 52.04, east 0.02" in page.locator("main").inner_text()
    # The outline says its name when clicked.
    page.locator(".app-map .leaflet-overlay-pane path").first.click()
    assert page.locator(".leaflet-popup-content").inner_text() == "Old Town"
    assert_accessible(page)


def _choose_file(page) -> None:
    page.get_by_label("GeoJSON file").set_input_files(
        files=[{"name": "harbour.geojson", "mimeType": "application/geo+json", "buffer": json.dumps(SQUARE).encode()}]
    )
    page.get_by_label("Name (English)", exact=True).fill("Harbour")


def test_an_area_file_is_previewed_on_a_map_then_saved(page, world):
    from ecitizen.reports.models import Area

    sign_in(page, *world["admin"])
    page.goto("/staff/reports/areas/new/")
    _choose_file(page)
    click_button(page, "Check the file")

    assert page.get_by_role("heading", level=1).inner_text() == "Check the areas before saving"
    page.get_by_role("region", name="Map of the uploaded areas").wait_for()
    page.locator(".app-map .leaflet-overlay-pane path").first.wait_for()
    assert _overlays(page) == 1
    assert not Area.objects.filter(name__en="Harbour").exists()
    assert_accessible(page)

    click_button(page, "Save")
    assert page.url.endswith("/staff/reports/areas/")
    assert "Areas added: Harbour." in page.locator("main").inner_text()
    assert Area.objects.filter(name__en="Harbour").count() == 1


def test_without_javascript_the_preview_says_the_bounding_box_and_saves(page_without_js, world):
    from ecitizen.reports.models import Area

    page = page_without_js
    sign_in(page, *world["admin"])
    page.goto("/staff/reports/areas/new/")
    _choose_file(page)
    click_button(page, "Check the file")

    text = page.locator("main").inner_text()
    assert "South 52, west 0, north 52.02, east 0.02" in text
    assert "1 polygon, 4 positions" in text
    assert page.locator(".leaflet-container").count() == 0
    click_button(page, "Save")
    assert Area.objects.filter(name__en="Harbour").count() == 1


def test_address_results_come_in_pages_without_javascript(page_without_js, browser, live_server, world):
    from ecitizen.exchange.services import address_register_load

    address_register_load(
        actor=None,
        rows=[
            {
                "uprn": f"ML{n:02}",
                "line": f"{n} Mill Lane, Northbridge NB1 2AB",
                "street": "Mill Lane",
                "number": str(n),
                "town": "Northbridge",
                "postcode": "NB1 2AB",
                "latitude": 52.03,
                "longitude": 0.005,
            }
            for n in range(1, 15)
        ],
    )
    page = page_without_js
    page.goto("/reports/new/?q=Mill+Lane")
    assert "Showing 1 to 10 of 14." in page.locator("main").inner_text()
    page.get_by_role("link", name="More addresses").click()
    assert "Showing 11 to 14 of 14." in page.locator("main").inner_text()
    page.get_by_label("12 Mill Lane, Northbridge NB1 2AB").check()
    click_button(page, "Use this address")
    assert page.url.endswith("/reports/new/category/")

    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    with_js = context.new_page()
    with_js.goto("/reports/new/?q=Mill+Lane&page=2")
    assert_accessible(with_js)
    context.close()
