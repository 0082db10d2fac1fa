"""The staff dashboards in a browser: every page passes axe-core, works without JavaScript, and
with JavaScript the report page draws one circle per busy place (assets/js/analytics-map.mjs).
No tile server is reachable from the tests: the circles are drawn all the same.

The rollup rows are written straight into their tables, so each page shows every kind of figure
(the journeys through real activity are in ``test_analytics.py``). This file lives here, beside
the browser fixtures of ``conftest.py``, because importing those fixtures into a module elsewhere
would start a second browser session inside the first when both run together (``make
test-browser``)."""

from __future__ import annotations

import datetime

import pytest

from tests.browser.conftest import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(settings, make_user, with_mfa, agency_a):
    from django.utils import timezone

    from ecitizen.agencies.models import Membership
    from ecitizen.analytics import services
    from ecitizen.analytics.models import BacklogSnapshot, ReportCellMonth, ReportDay, WorkloadSnapshot
    from ecitizen.analytics.tests.test_staff_fixtures import day, make_service
    from ecitizen.reports.models import Category

    settings.REPORTS_TILE_URL = ""
    admin = make_user("admin@council.example")
    Membership.objects.create(user=admin, agency=agency_a, role="agency_admin")
    secret = with_mfa(admin)
    service = make_service(agency_a)
    today = timezone.localdate()
    for back in range(0, 60, 7):
        day(
            service,
            today - datetime.timedelta(days=back),
            started=5,
            submitted=4,
            queued=4,
            approved=3,
            refused=1,
            decided_in_time=3,
            decision_days={"4": 3, "12": 1},
            refusals={"not_eligible": 1},
            stopped_at={"proof": 1},
        )
    day(service, today, channel="counter", submitted=2, queued=2)
    now = timezone.now()
    BacklogSnapshot.objects.create(
        agency=agency_a, service=service, open_count=8, overdue=1, ages={"0-5": 6, "6-10": 2}, taken_at=now
    )
    WorkloadSnapshot.objects.create(
        agency=agency_a, assignee=admin, open_count=3, overdue=1, ages={"0-5": 3}, oldest_queued_at=now, taken_at=now
    )
    category = Category.objects.create(agency=agency_a, code="pothole", name={"en": "Pot-hole"})
    ReportDay.objects.create(
        day=today, agency=agency_a, category=category, received=3, responded=2, response_hours={"5": 2}
    )
    month = today.replace(day=1)
    for cell, (lat, lng, count) in enumerate([(52.03, 0.005, 5), (52.01, 0.015, 2), (52.02, 0.01, 1)]):
        ReportCellMonth.objects.create(
            month=month, agency=agency_a, category=category, cell=cell, latitude=lat, longitude=lng, count=count
        )
    services.channel_costs_save(actor=admin, agency=agency_a, amounts={"online": 300}, currency="GBP")
    rule, _created = services.alert_rule_save(
        actor=admin, agency=agency_a, service=service, metric="backlog", threshold=5
    )
    return {"admin": (admin.email, secret), "service": service, "rule": rule}


def pages(world) -> list[str]:
    return [
        "/staff/analytics/",
        f"/staff/analytics/services/{world['service'].pk}/",
        "/staff/analytics/reports/",
        "/staff/analytics/workload/",
        "/staff/analytics/costs/",
        "/staff/analytics/alerts/",
        f"/staff/analytics/alerts/{world['rule'].pk}/delete/",
        "/staff/analytics/?date_from=2026-05-01&date_to=2026-04-01",  # the error summary
    ]


def test_every_dashboard_page_passes_axe(page, world):
    sign_in(page, *world["admin"])
    for path in pages(world):
        page.goto(path)
        assert_accessible(page)
    page.goto("/staff/analytics/costs/")
    page.get_by_label("Online", exact=True).fill("lots")
    page.get_by_role("main").get_by_role("button", name="Save the costs").click()
    page.wait_for_load_state()
    assert page.get_by_text("Enter the amount as a number").first.is_visible()
    assert_accessible(page)


def test_the_report_page_draws_a_circle_per_busy_place(page, world):
    sign_in(page, *world["admin"])
    page.goto("/staff/analytics/reports/")
    page.get_by_role("region", name="Map of where reports cluster").wait_for()
    circles = page.locator(".app-map .leaflet-overlay-pane path")
    circles.nth(2).wait_for()
    assert circles.count() == 3
    assert page.locator('[data-module="analytics-map"]').get_attribute("data-map-shown") == "true"
    assert_accessible(page)


def test_the_pages_work_without_javascript(page_without_js, world):
    sign_in(page_without_js, *world["admin"])
    for path in pages(world):
        page_without_js.goto(path)
        assert page_without_js.locator("h1").count() == 1
    page_without_js.goto("/staff/analytics/reports/")
    # The places are a table without the map.
    assert page_without_js.locator("table", has_text="The busiest places").locator("tbody tr").count() == 3
    assert page_without_js.locator(".leaflet-container").count() == 0
    # The period form works as a plain GET form.
    page_without_js.goto("/staff/analytics/")
    page_without_js.get_by_text("Choose the period").click()
    page_without_js.locator("#id_date_from").fill("1")
    page_without_js.locator("#id_date_from-month").fill("1")
    page_without_js.locator("#id_date_from-year").fill("2026")
    with page_without_js.expect_navigation():
        page_without_js.get_by_role("button", name="Show the figures").click()
    assert "date_from-day=1" in page_without_js.url
    assert page_without_js.get_by_text("From 1 January 2026").count() == 1
