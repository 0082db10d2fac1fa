"""The problem-report dashboard and the caseworkers' workload, from rollup rows written here."""

from __future__ import annotations

import html
import json
import re

import pytest
import time_machine

from ecitizen.analytics import rollups
from ecitizen.analytics.models import ReportCellMonth, ReportDay, WorkloadSnapshot
from ecitizen.analytics.tests.test_staff_fixtures import NOW, TODAY, D, local, page_text, table_rows

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": "2026-04-01", "date_to": "2026-05-31"}


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def places(agency_a, agency_b):
    from ecitizen.reports.models import Category
    from ecitizen.reports.tests.conftest import make_area, square

    return {
        "pothole": Category.objects.create(agency=agency_a, code="pothole", name={"en": "Pot-hole"}),
        "light": Category.objects.create(agency=agency_a, code="light", name={"en": "Street light"}),
        "old_town": make_area(agency_a, "Old Town", square(0.000, 52.020, 0.020, 52.040)),
        "elsewhere": Category.objects.create(agency=agency_b, code="pothole", name={"en": "Road hole"}),
    }


@pytest.fixture
def report_figures(agency_a, agency_b, places):
    def add(category, when, area=None, **counts):
        ReportDay.objects.create(day=when, agency=category.agency, category=category, area=area, **counts)
        rollups.recompute_month_totals([when])  # whole months are read from the month rows

    add(
        places["pothole"],
        D(2026, 4, 2),
        area=places["old_town"],
        received=6,
        responded=4,
        response_hours={"2": 2, "10": 1, "30": 1},
        closed=4,
        fixed=3,
        fix_days={"3": 2, "9": 1},
        reopened=1,
        fixed_yes=2,
        fixed_no=1,
    )
    add(places["pothole"], D(2026, 5, 5), received=2, closed=1)
    add(places["light"], D(2026, 5, 6), area=places["old_town"], received=1, responded=1, response_hours={"50": 1})
    add(places["pothole"], D(2026, 3, 31), received=40)  # before the period
    add(places["elsewhere"], D(2026, 4, 2), received=99)  # another agency's
    ReportCellMonth.objects.create(
        month=D(2026, 4, 1),
        agency=agency_a,
        category=places["pothole"],
        cell=101,
        latitude=52.030,
        longitude=0.004,
        count=3,
    )
    ReportCellMonth.objects.create(
        month=D(2026, 5, 1),
        agency=agency_a,
        category=places["light"],
        cell=101,
        latitude=52.036,
        longitude=0.010,
        count=1,
    )
    ReportCellMonth.objects.create(
        month=D(2026, 5, 1),
        agency=agency_a,
        category=places["pothole"],
        cell=202,
        latitude=52.0,
        longitude=0.1,
        count=2,
    )


def test_report_figures_for_the_agency_by_category_area_and_month(mfa_client, caseworker_a, report_figures):
    body = mfa_client(caseworker_a).get("/staff/analytics/reports/", PERIOD).content.decode()
    # Received 6 + 2 + 1; responses 2, 2, 10, 30, 50 hours: median 10, 90th percentile 50; fixes
    # 3, 3, 9 days; reopened 1 of 5 closed; "is it fixed?" 2 yes, 1 no.
    assert table_rows(body, "The agency")[1] == [
        "City Council",
        "9",
        "10 hours (90%: 50 hours)",
        "5",
        "3",
        "3 days (90%: 9 days)",
        "1 (20% of closed)",
        "Yes 2, no 1 (66.7% yes)",
    ]
    by_category = {row[0]: row[1:] for row in table_rows(body, "By category")[1:]}
    assert by_category["Pot-hole"][:4] == ["8", "2 hours (90%: 30 hours)", "5", "3"]
    assert by_category["Street light"][:2] == ["1", "50 hours (90%: 50 hours)"]
    assert "Road hole" not in body
    by_area = {row[0]: row[1] for row in table_rows(body, "By area")[1:]}
    assert by_area == {"Old Town": "7", "Outside every area": "2"}
    by_month = {row[0]: row[1] for row in table_rows(body, "Month by month")[1:]}
    assert by_month == {"April 2026": "6", "May 2026": "3"}


def test_report_figures_link_to_the_report_queue(mfa_client, caseworker_a, agency_a, report_figures, places):
    body = html.unescape(mfa_client(caseworker_a).get("/staff/analytics/reports/", PERIOD).content.decode())
    queue = f"/staff/reports/?agency={agency_a.pk}"
    assert f"{queue}&status=all&created_from=2026-04-01&created_to=2026-05-31&category=pothole" in body
    assert (
        f"{queue}&status=fixed&closed_from=2026-04-01&closed_to=2026-05-31&routed_area={places['old_town'].pk}" in body
    )
    assert (
        f"{queue}&status=all&created_from=2026-04-01&created_to=2026-05-31&routed_area=0" in body
    )  # outside every area
    assert f'{queue}&status=all&created_from=2026-04-01&created_to=2026-04-30"' in body  # April's row


def test_busiest_places_and_the_map_data(mfa_client, auditor_a, report_figures):
    response = mfa_client(auditor_a).get("/staff/analytics/reports/", PERIOD)
    body = response.content.decode()
    # Cell 101: 3 + 1 reports at the mean of the months' positions, weighted by their counts.
    assert table_rows(body, "The busiest places, from 1 April 2026 to 31 May 2026")[1:] == [
        ["1", "52.0315", "0.0055", "4"],
        ["2", "52.0000", "0.1000", "2"],
    ]
    points = json.loads(re.search(r'<script id="cluster-points" type="application/json">(.*?)</script>', body).group(1))
    assert [(point["count"], point["label"]) for point in points] == [(4, "4 reports"), (2, "2 reports")]
    assert "build/js/analytics-map.mjs" in body and 'data-module="analytics-map"' in body
    assert "/staff/reports/?" not in body  # an auditor does not work the report queue


def test_no_reports_no_map(mfa_client, caseworker_a):
    response = mfa_client(caseworker_a).get("/staff/analytics/reports/", PERIOD)
    assert response.status_code == 200
    body = response.content.decode()
    assert "No report was made in this period." in page_text(response)
    assert "analytics-map.mjs" not in body and "leaflet.css" not in body


def test_bad_period_on_the_report_dashboard(mfa_client, caseworker_a):
    response = mfa_client(caseworker_a).get("/staff/analytics/reports/", {"date_from": "2026-05-01", "date_to": "x"})
    assert response.status_code == 400
    assert "Enter a real date, for example 31 3 2026" in response.content.decode()


# --- workload -----------------------------------------------------------------------------------


def test_workload_per_caseworker(mfa_client, admin_a, caseworker_a, agency_a, make_user):
    former = make_user("left@council.example")
    WorkloadSnapshot.objects.create(
        agency=agency_a,
        assignee=caseworker_a,
        open_count=7,
        overdue=2,
        ages={"0-5": 4, "21-40": 3},
        oldest_queued_at=local(D(2026, 4, 1)),
        taken_at=local(TODAY, 9),
    )
    WorkloadSnapshot.objects.create(
        agency=agency_a, assignee=former, open_count=1, overdue=0, ages={"6-10": 1}, taken_at=local(TODAY, 9)
    )
    response = mfa_client(admin_a).get("/staff/analytics/workload/")
    body = response.content.decode()
    caption = "Open cases per person, and how long they have been in the queue (working days)"
    rows = table_rows(body, caption)
    assert rows[0][3:6] == ["0-5 working days", "6-10 working days", "21-40 working days"]
    assert rows[1] == ["caseworker@council.example", "7", "2", "4", "0", "3", "1 April 2026"]
    assert rows[2] == ["left@council.example", "1", "0", "0", "1", "0", "Not known"]
    unescaped = html.unescape(body)
    assert f"/staff/cases/?agency={agency_a.pk}&assignee={caseworker_a.pk}&overdue=1" in unescaped
    assert f"assignee={former.pk}" not in unescaped  # no longer works the queue: no link
    assert "17 June 2026, 9am" in page_text(response)
