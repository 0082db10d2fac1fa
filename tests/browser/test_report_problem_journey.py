"""Report a problem in a real browser: a citizen reports a pot-hole with a photo by
clicking the map, sees it on the public map, a caseworker marks it fixed, the
citizen says it is not fixed and it reopens. axe-core checks every page."""

from __future__ import annotations

import io

import pytest

from tests.browser.conftest import assert_accessible, click_button, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 90, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def city(settings, make_user, with_mfa, agency_a):
    from ecitizen.agencies.models import Membership
    from ecitizen.reports.models import Category
    from ecitizen.reports.tests.conftest import make_area, square

    settings.REPORTS_TILE_URL = ""  # no tile server reachable from the tests; markers still draw
    make_area(agency_a, "Northbridge", square(0.000, 52.000, 0.060, 52.040))
    Category.objects.create(
        agency=agency_a,
        code="pothole",
        name={"en": "Pot-hole"},
        guidance={"en": "Tell us how deep it is."},
        response_days=5,
        questions=[
            {
                "code": "depth",
                "label": {"en": "How deep is it?"},
                "datatype": "singlevaluelist",
                "required": True,
                "values": [
                    {"key": "shallow", "name": {"en": "Less than 5 cm"}},
                    {"key": "deep", "name": {"en": "5 cm or more"}},
                ],
            }
        ],
    )
    citizen = make_user("amina@example.org", given_name="Amina", family_name="Haddad")
    caseworker = make_user("caseworker@council.example")
    Membership.objects.create(user=caseworker, agency=agency_a, role="caseworker")
    return citizen, caseworker, with_mfa(caseworker)


def test_report_a_pothole_on_the_map_fix_it_and_reopen_it(browser, live_server, city, tmp_path):
    from ecitizen.reports.models import Report, Status

    citizen, caseworker, secret = city
    citizen_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    staff_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    citizen_page, staff_page = citizen_context.new_page(), staff_context.new_page()
    for p in (citizen_page, staff_page):
        p.set_default_timeout(10_000)

    # From the public map page to the location picker
    sign_in(citizen_page, citizen.email)
    citizen_page.goto("/reports/")
    citizen_page.locator(".leaflet-container").first.wait_for()
    assert_accessible(citizen_page)
    citizen_page.get_by_role("main").get_by_role("link", name="Report a problem").first.click()
    citizen_page.wait_for_load_state()

    # Pick the place by clicking the map: the JavaScript fills in latitude and longitude
    map_box = citizen_page.locator(".leaflet-container").first
    map_box.wait_for()
    assert_accessible(citizen_page)
    map_box.click(position={"x": 200, "y": 150})
    lat = citizen_page.get_by_label("Latitude", exact=True).input_value()
    lng = citizen_page.get_by_label("Longitude", exact=True).input_value()
    assert lat and lng, "clicking the map did not fill in the coordinates"
    assert 52.0 < float(lat) < 52.04 and 0.0 < float(lng) < 0.06
    click_button(citizen_page, "Continue")

    # The kind of problem
    assert_accessible(citizen_page)
    citizen_page.get_by_label("Pot-hole", exact=True).check()
    click_button(citizen_page, "Continue")

    # The details, a photo, and an error first
    click_button(citizen_page, "Continue")
    assert citizen_page.locator(".govuk-error-summary").is_visible()
    assert_accessible(citizen_page)
    citizen_page.get_by_label("Give the problem a short title").fill("Deep pot-hole by the bakery")
    citizen_page.get_by_label("Describe the problem").fill("A wheel-sized hole in the road outside the bakery.")
    citizen_page.get_by_label("5 cm or more").check()
    photo = tmp_path / "pothole.jpg"
    photo.write_bytes(_jpeg_bytes())
    citizen_page.get_by_label("Add photos (optional)").set_input_files(str(photo))
    click_button(citizen_page, "Continue")

    # Check and send
    assert "Deep pot-hole by the bakery" in citizen_page.content()
    assert_accessible(citizen_page)
    click_button(citizen_page, "Send report")
    assert_accessible(citizen_page)
    report = Report.objects.get()
    assert report.is_public and report.photos.count() == 1 and report.agency.name == "City Council"

    # It is on the public map and in the list
    citizen_page.goto("/reports/")
    citizen_page.locator(".leaflet-interactive").first.wait_for()
    assert "Deep pot-hole by the bakery" in citizen_page.get_by_role("main").inner_text()
    assert_accessible(citizen_page)

    # The caseworker marks it fixed
    sign_in(staff_page, caseworker.email, secret)
    staff_page.goto("/staff/reports/")
    assert_accessible(staff_page)
    staff_page.get_by_role("link", name=f"#{report.pk}", exact=True).click()
    staff_page.wait_for_load_state()
    assert_accessible(staff_page)
    staff_page.get_by_label("New status").select_option(Status.FIXED)
    staff_page.get_by_label("Note for the public (optional)").first.fill("Filled and resurfaced this morning.")
    click_button(staff_page, "Change status")
    report.refresh_from_db()
    assert report.status == Status.FIXED

    # The reporter says it is not fixed: the report reopens
    citizen_page.goto(f"/reports/{report.pk}/")
    assert "Filled and resurfaced this morning." in citizen_page.content()
    assert_accessible(citizen_page)
    citizen_page.get_by_label("This problem has not been fixed").check()
    citizen_page.get_by_label("Your update").fill("The hole has opened up again after the rain.")
    click_button(citizen_page, "Add update")
    report.refresh_from_db()
    assert report.status == Status.OPEN and report.reopened_at is not None
    assert "The hole has opened up again after the rain." in citizen_page.content()
    assert_accessible(citizen_page)

    # ...and it is back in the caseworker's queue, marked reopened
    staff_page.goto("/staff/reports/")
    assert "Reopened" in staff_page.get_by_role("main").inner_text()
    citizen_context.close()
    staff_context.close()
