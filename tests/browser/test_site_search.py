"""The site search in a real browser: from the header's box on a phone (390 px) and a desktop
(1280 px), with and without JavaScript, in Arabic; axe-core checks the pages it shows.
Also the language addresses: /ar/ lands on the Arabic page, and the switcher's links work."""

from __future__ import annotations

import pytest
from django.utils import translation

from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def findable(agency_a):
    from ecitizen.payments.models import Tax
    from ecitizen.reports.models import Category
    from ecitizen.search.registry import IndexedProvider, providers

    for provider in providers():
        if isinstance(provider, IndexedProvider):
            provider.forget()
    Category.objects.create(
        agency=agency_a,
        code="pothole",
        name={"en": "Pot-hole", "ar": "حفرة في الطريق"},
        guidance={"en": "Tell us how deep it is.", "ar": "أخبرنا بعمقها."},
        group={"en": "Roads", "ar": "الطرق"},
    )
    Tax.objects.create(
        agency=agency_a, code="property-tax", name={"en": "Property tax", "ar": "ضريبة العقارات"}, rate_basis_points=120
    )


def _fits(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def _search_from_the_header(page, query: str, label: str = "Search this site") -> None:
    box = page.get_by_role("search").get_by_label(label, exact=True)
    box.fill(query)
    with page.expect_navigation():
        box.press("Enter")
    page.wait_for_load_state()


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
def test_search_from_the_header_finds_and_starts_a_pothole_report(browser, live_server, findable, viewport):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto("/services/")
        _search_from_the_header(page, "potholes")
        assert "/search/?q=potholes" in page.url
        main = page.get_by_role("main")
        assert main.get_by_role("status").inner_text() == "2 results for “potholes”"
        assert main.get_by_role("heading", name="Problems to report").is_visible()
        assert _fits(page), "the results page scrolls sideways"
        assert_accessible(page)
        # Filter to one kind, then follow the result: a report of that kind starts.
        main.get_by_role("link", name="Problems to report (1)").click()
        page.wait_for_load_state()
        assert "kind=problems" in page.url
        assert_accessible(page)
        with page.expect_navigation():
            main.get_by_role("link", name="Pot-hole", exact=True).click()
        assert page.url.endswith("/reports/new/?category=pothole")
    finally:
        context.close()


def test_nothing_found_suggests_a_spelling_and_the_query_is_shown_as_text(page, findable):
    page.goto("/search/")
    box = page.get_by_role("main").get_by_label("Search this site", exact=True)
    box.fill("<b>pothle</b>")
    with page.expect_navigation():
        page.get_by_role("main").get_by_role("button", name="Search", exact=True).click()
    main = page.get_by_role("main")
    assert main.get_by_role("heading", name="There are no matching results").is_visible()
    assert main.locator("b", has_text="pothle").count() == 0  # the markup stayed text
    assert_accessible(page)
    with page.expect_navigation():
        main.get_by_role("link", name="pothole", exact=True).click()
    assert page.get_by_role("main").get_by_role("link", name="Pot-hole", exact=True).is_visible()


def test_search_works_without_javascript(page_without_js, findable):
    page = page_without_js
    page.set_viewport_size(PHONE)
    page.goto("/")
    _search_from_the_header(page, "taxes")
    main = page.get_by_role("main")
    assert main.get_by_role("link", name="Property tax", exact=True).is_visible()
    assert main.get_by_role("link", name="Fees and taxes", exact=True).is_visible()
    assert _fits(page)


def test_arabic_from_a_language_address(page, findable):
    page.set_viewport_size(PHONE)
    page.goto("/ar/")
    assert page.url.endswith("/?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    with translation.override("ar"):
        label = translation.gettext("Search this site")
    assert label != "Search this site"  # the box is labelled in Arabic too
    _search_from_the_header(page, "ضريبة", label)
    main = page.get_by_role("main")
    assert main.get_by_role("link", name="ضريبة العقارات", exact=True).is_visible()
    assert page.locator("html").get_attribute("lang") == "ar"
    assert _fits(page)
    assert_accessible(page)
    # The switcher is plain links to this page in each language.
    with page.expect_navigation():
        page.get_by_role("link", name="English", exact=True).click()
    assert "lang=en" in page.url and "q=" in page.url
    assert page.locator("html").get_attribute("dir") == "ltr"
