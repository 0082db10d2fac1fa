"""The open data catalogue in a real browser: an agency admin adds a dataset, uploads a CSV file
(a malformed one first), publishes it and changes it; a visitor finds it by a facet, sorts and
filters its preview and reads its history, with JavaScript off. axe-core checks every page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, click_button, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = "town,population\nNorthbridge,12000\nEastham,800\nWestford,45000\n"


@pytest.fixture
def publisher(make_user, with_mfa, agency_a, settings, tmp_path):
    from ecitizen.agencies.models import Membership

    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    admin = make_user("admin@council.example")
    Membership.objects.create(user=admin, agency=agency_a, role="agency_admin")
    return admin, with_mfa(admin)


def test_publish_a_dataset_then_find_preview_and_compare(page, page_without_js, publisher, tmp_path):
    admin, secret = publisher
    sign_in(page, admin.email, secret)
    page.goto("/staff/data/")
    assert_accessible(page)
    page.goto("/staff/data/new/")
    assert_accessible(page)
    click_button(page, "Save")  # nothing filled in: errors at the fields
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Web address name").fill("town-populations")
    page.get_by_label("Title (English)").fill("Town populations")
    page.get_by_label("Description (English)").fill("How many people live in each town.")
    page.get_by_label("Regions and cities").check()
    click_button(page, "Save")
    assert "/staff/data/town-populations/" in page.url
    assert_accessible(page)

    # a malformed CSV is refused at the field, then a good one is taken
    bad, good = tmp_path / "bad.csv", tmp_path / "towns.csv"
    bad.write_text("town,population\nNorthbridge\n")
    good.write_text(CSV)
    page.get_by_role("link", name="Add a file or link").click()
    assert_accessible(page)
    page.get_by_label("Title", exact=True).fill("Towns")
    page.get_by_label("CSV").check()
    page.get_by_label("Upload a file").set_input_files(str(bad))
    click_button(page, "Save")
    assert "Row 2 has 1 values" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Upload a file").set_input_files(str(good))
    click_button(page, "Save")
    click_button(page, "Publish")
    assert "The dataset is published." in page.content()

    # a change makes version 2
    page.get_by_role("link", name="Change the details").click()
    assert_accessible(page)
    page.get_by_label("Licence").select_option("CC0-1.0")
    click_button(page, "Save")
    assert "new version" in page.content()

    # a visitor, without JavaScript: find it by a facet, sort and filter the preview
    visitor = page_without_js
    visited = []
    visitor.goto("/data/")
    visitor.get_by_role("link", name="Regions and cities").click()
    visited.append(visitor.url)
    visitor.get_by_role("link", name="Town populations").click()
    visited.append(visitor.url)
    visitor.get_by_role("link", name="Towns", exact=True).click()
    visitor.get_by_role("link", name="population").click()
    assert visitor.locator("tbody tr td").first.inner_text() == "Eastham"
    visitor.get_by_text("Filter the rows").click()
    visitor.get_by_label("town", exact=True).fill("ford")
    click_button(visitor, "Apply filters")
    assert visitor.locator("tbody tr").count() == 1
    visited.append(visitor.url)
    visitor.goto("/data/town-populations/history/")
    assert "Creative Commons Zero" in visitor.locator("#v2").locator("..").inner_text()
    visited.append(visitor.url)

    # the pages the visitor saw, checked by axe-core (which needs JavaScript)
    for url in ["/data/", *visited]:
        page.goto(url)
        assert_accessible(page)
