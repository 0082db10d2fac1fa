"""The staff queues show exactly the cases (and reports) behind a figure of the dashboards, only
of the reader's agency, and refuse bad filters with a message rather than an error page."""

from __future__ import annotations

import datetime
import html
import re

import pytest
import time_machine
from django.utils import timezone

from ecitizen.analytics.models import ServiceDay
from ecitizen.analytics.tests.test_staff_fixtures import NOW, TODAY, D, case, day, local, make_service, tables

pytestmark = pytest.mark.django_db

PERIOD = {"date_from": "2026-04-01", "date_to": "2026-04-30"}


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def permit(agency_a):
    return make_service(agency_a, title="Resident parking permit")


@pytest.fixture
def cases(permit, agency_a, agency_b, citizen):
    """Cases of the permit service around April 2026, and some that must never show."""
    bins = make_service(agency_a, title="Bins")
    roads = make_service(agency_b, title="Roads")
    made = {
        "sent_online": case(permit, citizen, sent=D(2026, 4, 1)),
        "sent_counter_approved": case(
            permit, citizen, status="approved", sent=D(2026, 4, 10), decided=D(2026, 4, 20), channel="counter"
        ),
        "sent_refused": case(
            permit,
            citizen,
            status="refused",
            sent=D(2026, 4, 11),
            decided=D(2026, 4, 30),
            refusal_category="not_eligible",
        ),
        "sent_late_refused_other": case(
            permit,
            citizen,
            status="refused",
            sent=D(2026, 4, 30),
            decided=D(2026, 5, 1),
            refusal_category="evidence_missing",
        ),
        "sent_overdue": case(
            permit, citizen, status="in_review", sent=D(2026, 4, 15), due_date=TODAY - datetime.timedelta(days=1)
        ),
        "sent_before_decided_in": case(permit, citizen, status="approved", sent=D(2026, 3, 31), decided=D(2026, 4, 1)),
        "withdrawn": case(permit, citizen, status="withdrawn", sent=D(2026, 4, 2)),
        # Never behind April's figures of the permit service:
        "sent_may": case(permit, citizen, sent=D(2026, 5, 1)),
        "draft": case(permit, citizen, status="draft", sent=None),
        "other_service": case(bins, citizen, sent=D(2026, 4, 10)),
        "other_agency": case(roads, citizen, sent=D(2026, 4, 10)),
    }
    # The last minute of 30 April and the first of 1 May, local time, fall either side.
    made["sent_last_minute"] = case(
        permit, citizen, sent=timezone.make_aware(datetime.datetime(2026, 4, 30, 23, 59)), channel="helper"
    )
    made["sent_first_minute_of_may"] = case(
        permit, citizen, sent=timezone.make_aware(datetime.datetime(2026, 5, 1, 0, 0))
    )
    return made


def references(response) -> set[str]:
    assert response.status_code == 200
    return set(re.findall(r"\b[A-Z]{2}-2026-\d{6}\b", response.content.decode()))


def refs(cases: dict, *names: str) -> set[str]:
    return {cases[name].reference for name in names}


SENT_IN_APRIL = (
    "sent_online",
    "sent_counter_approved",
    "sent_refused",
    "sent_late_refused_other",
    "sent_overdue",
    "withdrawn",
    "sent_last_minute",
)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "any", "sent_from": "2026-04-01", "sent_to": "2026-04-30"}, SENT_IN_APRIL),
        (
            {"status": "decided", "decided_from": "2026-04-01", "decided_to": "2026-04-30"},
            ("sent_counter_approved", "sent_refused", "sent_before_decided_in"),
        ),
        (
            {"status": "approved", "decided_from": "2026-04-01", "decided_to": "2026-04-30"},
            ("sent_counter_approved", "sent_before_decided_in"),
        ),
        (
            {"status": "refused", "decided_from": "2026-04-01", "decided_to": "2026-05-31", "refusal": "not_eligible"},
            ("sent_refused",),
        ),
        (
            {"status": "any", "sent_from": "2026-04-01", "sent_to": "2026-04-30", "channel": "counter"},
            ("sent_counter_approved",),
        ),
        (
            {"status": "any", "sent_from": "2026-04-01", "sent_to": "2026-04-30", "channel": "helper"},
            ("sent_last_minute",),
        ),
        ({"overdue": "1"}, ("sent_overdue",)),
        ({}, ("sent_online", "sent_overdue", "sent_may", "sent_last_minute", "sent_first_minute_of_may")),
    ],
)
def test_queue_filters_return_exactly_the_cases_behind_a_figure(
    mfa_client, caseworker_a, permit, cases, query, expected
):
    response = mfa_client(caseworker_a).get("/staff/cases/", {"service": permit.pk, **query})
    assert references(response) == refs(cases, *expected)


def test_the_queue_stays_within_the_readers_agency(mfa_client, caseworker_a, agency_b, cases):
    query = {"agency": agency_b.pk, "status": "any", "sent_from": "2026-04-01", "sent_to": "2026-04-30"}
    shown = references(mfa_client(caseworker_a).get("/staff/cases/", query))
    assert cases["other_agency"].reference not in shown
    assert cases["other_service"].reference in shown  # agency A's, whatever agency was asked for


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"sent_from": "2026-02-30"}, "Enter a real date, for example 31 3 2026"),
        ({"decided_from": "2026-05-01", "decided_to": "2026-04-01"}, "The end date must be the same as or after"),
        ({"refusal": "bribery"}, "Choose one of the options"),
        ({"channel": "pigeon"}, "Choose one of the options"),
        ({"status": "lost"}, "Select a valid choice"),
    ],
)
def test_bad_filters_are_refused_with_a_message(mfa_client, caseworker_a, cases, query, message):
    response = mfa_client(caseworker_a).get("/staff/cases/", query)
    assert response.status_code == 200
    body = html.unescape(response.content.decode())
    assert "There is a problem" in body and message in body


def test_figure_filters_show_open_under_more_filters(mfa_client, caseworker_a, cases):
    body = mfa_client(caseworker_a).get("/staff/cases/", {"status": "any", "channel": "counter"}).content.decode()
    assert '<details class="govuk-details" open>' in body
    body = mfa_client(caseworker_a).get("/staff/cases/").content.decode()
    assert '<details class="govuk-details">' in body


def _link(body: str, caption: str, label: str) -> str:
    """The address a figure links to (the first link in its row)."""
    for match in re.finditer(r"<tr\b.*?</tr>", body, flags=re.S):
        row = match.group(0)
        if re.search(rf">\s*{re.escape(label)}\b", row):
            found = re.search(r'href="([^"]+)"', row)
            if found:
                return html.unescape(found.group(1))
    raise AssertionError(f"no link for {label!r}")


def test_following_a_figure_lists_the_cases_it_counts(mfa_client, caseworker_a, permit, cases):
    """The rollup of April (written here as the rollup would: by local day of each moment) says
    7 sent, 3 decided, 1 refused as not eligible; each link lists exactly those cases."""
    day(permit, D(2026, 4, 1), submitted=1, approved=1)
    day(permit, D(2026, 4, 2), submitted=1)
    day(permit, D(2026, 4, 10), channel="counter", submitted=1)
    day(permit, D(2026, 4, 11), submitted=1)
    day(permit, D(2026, 4, 15), submitted=1)
    day(permit, D(2026, 4, 20), channel="counter", approved=1)
    day(permit, D(2026, 4, 30), submitted=1, refused=1, refusals={"not_eligible": 1})
    day(permit, D(2026, 4, 30), channel="helper", submitted=1)
    client = mfa_client(caseworker_a)
    body = client.get("/staff/analytics/", PERIOD).content.decode()
    caption = "Figures of Resident parking permit"
    from ecitizen.analytics.tests.test_staff_fixtures import figure

    assert figure(body, caption, "Applications sent") == "7"
    permit_table = body[body.index(caption) :]
    sent = references(client.get(_link(permit_table, caption, "Applications sent")))
    assert sent == refs(cases, *SENT_IN_APRIL)
    assert figure(body, caption, "Decided").startswith("3 ")
    decided = references(client.get(_link(permit_table, caption, "Decided")))
    assert decided == refs(cases, "sent_counter_approved", "sent_refused", "sent_before_decided_in")
    refused = references(client.get(_link(permit_table, caption, "Refusals by kind of reason")))
    assert refused == refs(cases, "sent_refused")
    assert ServiceDay.objects.filter(service=permit).count() == 8


# --- the report queue ------------------------------------------------------------------------------


@pytest.fixture
def reports(agency_a, agency_b):
    from ecitizen.reports import geo
    from ecitizen.reports.models import Category, Report

    pothole = Category.objects.create(agency=agency_a, code="pothole", name={"en": "Pot-hole"})
    roads = Category.objects.create(agency=agency_b, code="pothole", name={"en": "Pot-hole"})

    def report(category, lat, lng, *, created, closed=None, status="open"):
        return Report.objects.create(
            category=category,
            agency=category.agency,
            latitude=lat,
            longitude=lng,
            title="Hole",
            description="A hole in the road",
            status=status,
            created_at=local(created),
            updated_at=local(created),
            confirmed_at=local(created),
            closed_at=local(closed) if closed else None,
            is_public=True,
        )

    made = {
        "here_april": report(pothole, 52.0301, 0.0051, created=D(2026, 4, 3)),
        "here_fixed": report(pothole, 52.0302, 0.0052, created=D(2026, 3, 3), closed=D(2026, 4, 9), status="fixed"),
        "elsewhere_fixed_may": report(pothole, 52.1, 0.1, created=D(2026, 4, 3), closed=D(2026, 5, 2), status="fixed"),
        "other_agency_here": report(roads, 52.0301, 0.0051, created=D(2026, 4, 3)),
    }
    made["cell"] = geo.cell_of(52.0301, 0.0051)
    return made


def report_numbers(response) -> set[int]:
    assert response.status_code == 200
    return {int(number) for number in re.findall(r'href="/staff/reports/(\d+)/"', response.content.decode())}


def test_report_queue_by_cell_and_by_closing_day(mfa_client, caseworker_a, reports):
    client = mfa_client(caseworker_a)
    here = client.get("/staff/reports/", {"status": "all", "cell": reports["cell"]})
    assert report_numbers(here) == {reports["here_april"].pk, reports["here_fixed"].pk}
    assert "made in one small area of the map" in here.content.decode()
    fixed_april = client.get(
        "/staff/reports/", {"status": "fixed", "closed_from": "2026-04-01", "closed_to": "2026-04-30"}
    )
    assert report_numbers(fixed_april) == {reports["here_fixed"].pk}
    assert "closed from 1 April 2026 to 30 April 2026" in html.unescape(fixed_april.content.decode())


def test_report_queue_ignores_bad_figure_filters_and_says_so(mfa_client, caseworker_a, reports):
    response = mfa_client(caseworker_a).get("/staff/reports/", {"status": "all", "cell": "x", "closed_from": "soon"})
    shown = report_numbers(response)
    assert reports["elsewhere_fixed_may"].pk in shown and reports["here_april"].pk in shown
    assert reports["other_agency_here"].pk not in shown
    assert "were not understood" in response.content.decode()


def test_the_report_dashboard_links_a_cell_to_its_reports(mfa_client, caseworker_a, agency_a, reports):
    from ecitizen.analytics.models import ReportCellMonth

    category = reports["here_april"].category
    ReportCellMonth.objects.create(
        month=D(2026, 4, 1),
        agency=agency_a,
        category=category,
        cell=reports["cell"],
        latitude=52.03,
        longitude=0.005,
        count=1,
    )
    ReportCellMonth.objects.create(
        month=D(2026, 3, 1),
        agency=agency_a,
        category=category,
        cell=reports["cell"],
        latitude=52.03,
        longitude=0.005,
        count=1,
    )
    client = mfa_client(caseworker_a)
    body = client.get(
        "/staff/analytics/reports/", {"date_from": "2026-03-15", "date_to": "2026-04-30"}
    ).content.decode()
    rows = tables(body)["The busiest places, from 1 March 2026 to 30 April 2026"]
    assert [cell.replace(" – see the reports behind this figure", "") for cell in rows[1]] == [
        "1",
        "52.0300",
        "0.0050",
        "2",
    ]
    link = html.unescape(re.search(r'href="(/staff/reports/\?[^"]*cell=[^"]+)"', body).group(1))
    assert report_numbers(client.get(link)) == {reports["here_april"].pk, reports["here_fixed"].pk}


def test_report_queue_by_the_area_a_report_was_routed_to(mfa_client, caseworker_a, agency_a, reports):
    """The dashboard counts a report in one area, the one it was routed to (``Report.area``); the
    queue's own area filter takes any area that holds it. A figure's link lists the former."""
    from ecitizen.reports.models import Report, ReportArea
    from ecitizen.reports.tests.conftest import make_area, square

    district = make_area(agency_a, "Old Town", square(0.0, 52.0, 0.02, 52.04))
    quarter = make_area(agency_a, "Market quarter", square(0.004, 52.029, 0.006, 52.031))  # inside Old Town
    Report.objects.filter(pk=reports["here_april"].pk).update(area=quarter)
    Report.objects.filter(pk=reports["here_fixed"].pk).update(area=district)
    for report in (reports["here_april"], reports["here_fixed"]):
        ReportArea.objects.create(area=district, report=report)
    ReportArea.objects.create(area=quarter, report=reports["here_april"])
    client = mfa_client(caseworker_a)

    any_area = client.get("/staff/reports/", {"status": "all", "area": district.pk})
    assert report_numbers(any_area) == {reports["here_april"].pk, reports["here_fixed"].pk}
    routed = client.get("/staff/reports/", {"status": "all", "routed_area": district.pk})
    assert report_numbers(routed) == {reports["here_fixed"].pk}
    assert "sent to the area Old Town" in routed.content.decode()
    outside = client.get("/staff/reports/", {"status": "all", "routed_area": 0})
    assert report_numbers(outside) == {reports["elsewhere_fixed_may"].pk}
    assert "outside every area" in outside.content.decode()
    refused = client.get("/staff/reports/", {"status": "all", "routed_area": "-1"})
    assert "were not understood" in refused.content.decode()
