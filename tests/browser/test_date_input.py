"""A date is typed into GOV.UK day, month and year boxes whose hint matches them, in a real browser."""

from __future__ import annotations

import datetime

import pytest

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_date_of_birth_in_three_boxes_with_errors_at_the_field(page, citizen):
    sign_in(page, citizen.email)
    page.goto("/account/profile/")
    group = page.get_by_role("group", name="Date of birth")
    assert "For example, 27 3 1985" in group.inner_text()
    assert page.locator('input[type="date"]').count() == 0
    assert_accessible(page)

    # a missing month is an error at the field, and what was typed is kept
    group.get_by_label("Day").fill("27")
    group.get_by_label("Year").fill("1985")
    page.get_by_role("button", name="Save details").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").is_visible()
    assert page.get_by_role("group", name="Date of birth").get_by_label("Day").input_value() == "27"
    assert_accessible(page)

    group = page.get_by_role("group", name="Date of birth")
    group.get_by_label("Month").fill("3")
    page.get_by_role("button", name="Save details").click()
    page.wait_for_load_state()
    citizen.profile.refresh_from_db()
    assert citizen.profile.date_of_birth == datetime.date(1985, 3, 27)
