"""The signed-in home page and the header, in a real browser.

* A citizen with one of everything sees, on the home page, what needs their action first and
  then their applications, reports, messages and a suggestion with its reason.
* The header's navigation fits on one row at 1280 px, for a citizen and in the back office for
  staff (measured: every item's top edge on one line), and staff land in the back office.
* Report a problem is one click from the home page (signed in or not) and the account page.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def life(citizen, other_citizen, agency_a, caseworker_a):
    from ecitizen.dashboard.tests.conftest import make_life, make_pothole, make_versions

    versions = make_versions(agency_a)
    pothole = make_pothole(agency_a)
    mine = make_life(
        person=citizen, agency=agency_a, caseworker=caseworker_a, versions=versions[:2], pothole=pothole, label="Amina"
    )
    ben = make_life(
        person=other_citizen,
        agency=agency_a,
        caseworker=caseworker_a,
        versions=versions[:2],
        pothole=pothole,
        label="Ben",
    )
    mine["follow"](ben["made"])
    return mine


@pytest.fixture
def staff_secret(make_user, with_mfa, agency_a):
    from ecitizen.agencies.models import Membership

    user = make_user("admin@council.example")
    Membership.objects.create(user=user, agency=agency_a, role="agency_admin")
    Membership.objects.create(user=user, agency=agency_a, role="caseworker")
    return user, with_mfa(user)


def _nav_rows(page) -> int:
    """How many rows the header's navigation items take: distinct top edges of the items."""
    tops = page.locator("header .govuk-service-navigation__item").evaluate_all(
        "items => items.filter(i => i.offsetParent !== null).map(i => Math.round(i.getBoundingClientRect().top))"
    )
    assert tops, "the header shows no navigation items"
    return len(set(tops))


def test_the_dashboard_shows_what_needs_action_first(page, citizen, life, caseworker_a):
    page.set_viewport_size(DESKTOP)
    page.add_init_script("window.ecitizenPollSeconds = 0.5")
    sign_in(page, citizen.email)
    page.goto("/")
    main = page.get_by_role("main")
    assert main.get_by_role("heading", level=1).inner_text() == "Your dashboard"
    actions = page.locator("#dashboard-actions > li")
    tags = [t.strip() for t in actions.locator(".govuk-tag").all_inner_texts()]
    assert tags == ["Information requested", "Bill to pay", "Draft", "Expires soon"]
    assert "Pay £45.00 for Garden waste Amina" in actions.nth(1).inner_text()
    assert main.get_by_role("link", name=f"Renew – {life['document'].number}").is_visible()
    assert "Submitted" in page.locator("section[aria-labelledby=your-applications]").inner_text()
    reports = page.locator("section[aria-labelledby=your-reports]").inner_text()
    assert "Pot-hole made by Amina" in reports and "Pot-hole made by Ben" in reports
    suggested = page.locator("section[aria-labelledby=suggested]").inner_text()
    assert "Visitor parking permit" in suggested and "Suggested because you applied for" in suggested
    assert "Ben" not in page.locator("#dashboard-actions").inner_text()
    assert _nav_rows(page) == 1
    assert_accessible(page)

    # the status stays live: a caseworker asks for information and the row changes without a reload
    from ecitizen.cases import services as cases

    in_review = life["in_review"]
    cases.case_request_info(
        actor=caseworker_a, application=in_review, message="Send a photo", expected_version=in_review.version
    )
    row = page.locator("section[aria-labelledby=your-applications] tbody tr").first
    row.locator(".govuk-tag", has_text="More information needed").wait_for()
    assert page.locator("#dashboard-status-live").inner_text() == "Garden waste collection: More information needed"

    # the information request leads to the application, where the answer is sent
    actions.nth(0).get_by_role("link").click()
    assert page.get_by_role("heading", name="We need more information").is_visible()


def test_report_a_problem_is_reachable_from_home_and_account(page, citizen):
    page.set_viewport_size(DESKTOP)
    page.goto("/")
    assert _nav_rows(page) == 1
    assert_accessible(page)
    page.get_by_role("main").get_by_role("link", name="Report a problem").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Where is the problem?"
    assert page.get_by_role("banner").get_by_role("link", name="Report a problem").is_visible()
    assert page.get_by_role("search").is_visible()

    page.goto("/services/")
    page.get_by_role("main").get_by_role("link", name="Report a problem").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Where is the problem?"

    sign_in(page, citizen.email)
    assert page.url.endswith("/account/")
    assert_accessible(page)
    page.get_by_role("main").get_by_role("link", name="Report a problem").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Where is the problem?"
    page.goto("/account/")
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Your reports").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your reports"
    assert_accessible(page)


def test_citizen_header_fits_one_row_at_1280(page, citizen):
    page.set_viewport_size(DESKTOP)
    sign_in(page, citizen.email)
    for path in ("/", "/applications/", "/reports/mine/"):
        page.goto(path)
        assert _nav_rows(page) == 1, path
    # in Spanish, whose labels are longer, too
    page.goto("/?lang=es")
    assert page.locator("html").get_attribute("lang") == "es"
    assert _nav_rows(page) == 1


def test_staff_land_in_the_back_office_with_their_own_one_row_navigation(page, staff_secret):
    user, secret = staff_secret
    page.set_viewport_size(DESKTOP)
    sign_in(page, user.email, secret)
    assert page.url.endswith("/staff/")
    banner = page.get_by_role("banner")
    menu = banner.get_by_role("navigation", name="Back office menu")
    for name in ("Cases", "Reports", "Services", "Payments", "Taxes"):
        assert menu.get_by_role("link", name=name, exact=True).is_visible(), name
    assert banner.get_by_role("link", name="Your applications").count() == 0
    assert _nav_rows(page) == 1
    assert_accessible(page)
    menu.get_by_role("link", name="Cases", exact=True).click()
    assert _nav_rows(page) == 1
    assert page.locator("header .govuk-service-navigation__item--active").inner_text().strip() == "Cases"

    # on the citizen side, a staff member gets the citizen menu and a way back to the back office
    page.goto("/applications/")
    assert banner.get_by_role("link", name="Your applications").is_visible()
    assert _nav_rows(page) == 1
    banner.get_by_role("link", name="Back office").click()
    assert page.url.endswith("/staff/")
