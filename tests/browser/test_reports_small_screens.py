"""The public reports pages on a phone and without JavaScript, and the map's credit line.

- /reports/ says "The map shows…" only when there is a map; without one it describes the list.
- On a phone the list of reports comes before the six filter fields; on a desktop the
  filters stay in the column at the start side.
- /reports/new/ asks to "select the place on the map" only when there is a map.
- The tiles' credit ("Leaflet | © OpenStreetMap contributors") has underlined links, so
  axe-core's link-in-text-block passes with the map drawn.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import TIMEOUT_MS, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
MAP_NOTE = "The map shows reports of the last 90 days"
NO_MAP_NOTE = "The newest reports are listed first."
MAP_HINT = "Select the place on the map"
NO_MAP_HINT = "Type the latitude and longitude of the place"
BLANK_TILE = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7"
MAP_TIMEOUT_MS = 30_000  # Leaflet is a large module; a busy machine may take a while


@pytest.fixture
def reports(settings, make_user, agency_a):
    from ecitizen.reports import services
    from ecitizen.reports.models import Category
    from ecitizen.reports.tests.conftest import make_area, square

    # Tiles, so that the map draws their credit line as it does in production: every tile
    # the same blank image, a data: URL (no network in tests, and no request to the server).
    settings.REPORTS_TILE_URL = BLANK_TILE
    settings.REPORTS_TILE_ATTRIBUTION = "© OpenStreetMap contributors"
    make_area(agency_a, "Northbridge", square(0.000, 52.000, 0.060, 52.040))
    Category.objects.create(agency=agency_a, code="pothole", name={"en": "Pot-hole"})
    citizen = make_user("amina@example.org")
    for title in ("Pot-hole by the bus stop", "Pot-hole on Mill Lane"):
        services.report_create(
            actor=citizen,
            service_code="pothole",
            latitude=52.021,
            longitude=0.031,
            title=title,
            description="A deep hole.",
        )


def _context(browser, live_server, **options):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **options)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


def _top(page, locator) -> float:
    return locator.first.bounding_box()["y"]


def _fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_reports_list_without_javascript_on_a_phone(browser, live_server, reports):
    context, page = _context(browser, live_server, java_script_enabled=False, viewport=PHONE)
    page.goto("/reports/")
    assert not page.get_by_text(MAP_NOTE).is_visible()
    assert page.get_by_text(NO_MAP_NOTE).is_visible()
    first_report = page.get_by_role("link", name="Pot-hole on Mill Lane")
    filters = page.get_by_role("heading", name="Filter", exact=True)
    assert _top(page, first_report) < _top(page, page.get_by_label("Kind of problem"))
    assert _top(page, page.get_by_role("heading", name="List of reports")) < _top(page, filters)
    # A link at the top leads to the filters
    page.get_by_role("link", name="Filter the reports").click()
    assert page.url.endswith("#report-filters")
    assert page.locator("#report-filters").get_by_label("Kind of problem").is_visible()
    assert _fits(page)
    # Filtering still works, and the link then says so
    page.get_by_label("Kind of problem").select_option("pothole")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()
    assert "category=pothole" in page.url
    assert page.get_by_role("link", name="Change the filters").is_visible()
    context.close()


def test_new_report_without_javascript_does_not_mention_the_map(browser, live_server, reports):
    context, page = _context(browser, live_server, java_script_enabled=False, viewport=PHONE)
    page.goto("/reports/new/")
    assert page.get_by_text(NO_MAP_HINT).is_visible()
    assert not page.get_by_text(MAP_HINT).is_visible()
    assert _fits(page)
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_reports_list_with_the_map(browser, live_server, reports, viewport):
    context, page = _context(browser, live_server, viewport=viewport)
    page.goto("/reports/")
    page.locator(".leaflet-control-attribution a").first.wait_for(timeout=MAP_TIMEOUT_MS)
    assert page.get_by_text(MAP_NOTE).is_visible()
    assert not page.get_by_text(NO_MAP_NOTE).is_visible()
    first_report = page.get_by_role("link", name="Pot-hole on Mill Lane")
    filter_field = page.get_by_label("Kind of problem")
    if viewport is PHONE:
        assert _top(page, first_report) < _top(page, filter_field)
    else:
        # The filters are beside the list, at the start (left) side, level with the map.
        field = filter_field.bounding_box()
        assert field["x"] + field["width"] <= first_report.bounding_box()["x"]
        filters_top = _top(page, page.get_by_role("heading", name="Filter", exact=True))
        assert abs(filters_top - _top(page, page.locator(".leaflet-container"))) < 80
    assert _fits(page)
    assert_accessible(page)
    context.close()


def test_arabic_reports_list_mirrors_the_columns(browser, live_server, reports):
    context = browser.new_context(base_url=live_server.url, locale="ar", viewport=DESKTOP)
    page = context.new_page()
    page.goto("/reports/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    filters = page.locator("#report-filters").bounding_box()
    listing = page.locator(".ec-list-first__list").bounding_box()
    assert filters["x"] >= listing["x"] + listing["width"] - 1  # the filters are on the right
    assert _fits(page)
    context.close()


@pytest.mark.parametrize("url", ["/reports/new/", "/reports/"])
def test_map_credit_links_are_underlined_and_pass_axe(browser, live_server, reports, url):
    context, page = _context(browser, live_server, viewport=DESKTOP)
    page.goto(url)
    credit = page.locator(".leaflet-control-attribution")
    credit.locator("a").first.wait_for(timeout=MAP_TIMEOUT_MS)
    assert "OpenStreetMap contributors" in credit.inner_text()
    for link in credit.locator("a").all():
        assert "underline" in link.evaluate("a => getComputedStyle(a).textDecorationLine")
    if url == "/reports/new/":
        assert page.get_by_text(MAP_HINT).is_visible()
        assert not page.get_by_text(NO_MAP_HINT).is_visible()
    assert_accessible(page)
    context.close()
