"""The back office of Report a problem in a real browser: every staff page axe-core clean, with and without errors."""

from __future__ import annotations

import pytest

from ecitizen.reports.tests.conftest import city, make_report, pothole  # noqa: F401 (fixtures)
from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_pages_are_accessible(page, make_user, with_mfa, agency_a, agency_b, make_report, citizen):  # noqa: F811
    from ecitizen.agencies.models import Membership
    from ecitizen.reports import services

    admin = make_user("admin@council.example", given_name="Ada", family_name="Admin")
    Membership.objects.create(user=admin, agency=agency_a, role="agency_admin")
    secret = with_mfa(admin)
    report = make_report(phone="07700 900123")
    other = make_report(title="Loose paving slab")
    services.report_add_update(actor=citizen, report=report, text="Still there this morning")
    services.report_add_note(actor=admin, report=report, text="Crew booked")
    sign_in(page, "admin@council.example", secret)

    page.goto("/staff/")
    page.get_by_role("link", name="Problem reports").click()
    assert page.get_by_role("link", name=f"#{report.pk}").is_visible()
    assert_accessible(page)
    since = page.get_by_role("group", name="Reported on or after")
    since.get_by_label("Day").fill("1")
    since.get_by_label("Month").fill("1")
    since.get_by_label("Year").fill("2020")
    page.get_by_role("button", name="Apply filters").click()
    assert_accessible(page)

    page.goto(f"/staff/reports/{report.pk}/")
    assert page.get_by_text("Staff only").is_visible()
    assert_accessible(page)
    page.get_by_label("New status").select_option("not_responsible")
    page.get_by_role("button", name="Change status").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Number of the original report").fill(str(other.pk))
    page.get_by_role("button", name="Mark as a duplicate").click()
    assert page.get_by_text(f"Marked as a duplicate of report #{other.pk}.").is_visible()
    assert_accessible(page)

    page.goto("/staff/reports/moderation/")
    assert_accessible(page)
    page.get_by_role("link", name=f"Hide #{other.pk}").click()
    page.get_by_role("button", name="Hide report").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)

    page.goto("/staff/reports/categories/")
    assert_accessible(page)
    page.get_by_role("button", name="Add a category").click()
    assert_accessible(page)
    page.get_by_label("Extra questions (JSON)").fill("[{")
    page.get_by_role("button", name="Add category").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.goto("/staff/reports/categories/")
    page.get_by_role("link", name="Pot-hole").click()
    assert_accessible(page)

    page.goto("/staff/reports/areas/")
    assert_accessible(page)
    page.get_by_role("button", name="Upload areas").click()
    assert_accessible(page)
    page.get_by_role("button", name="Check the file").click()
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
