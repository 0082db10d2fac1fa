"""The service dashboards show the figures computed from the rollup rows, and link to the cases.

Rows are written by hand with known sums, so each figure on the page is checked against a number
worked out here. The clock is pinned (``TODAY``)."""

from __future__ import annotations

import datetime
import html
import re

import pytest
import time_machine

from ecitizen.analytics.models import BacklogSnapshot, ChannelCost, SatisfactionMonth
from ecitizen.analytics.tests.test_staff_fixtures import (
    NOW,
    TODAY,
    D,
    day,
    figure,
    local,
    make_service,
    page_text,
    table_rows,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def permit(agency_a):
    return make_service(agency_a, title="Resident parking permit", deadline=10)


@pytest.fixture
def bins(agency_a):
    return make_service(agency_a, title="Bulky waste collection")


@pytest.fixture
def figures(permit, bins):
    """Two months of a permit service and a little of a bins service, a backlog, answers, costs."""
    day(
        permit,
        D(2026, 4, 10),
        started=10,
        submitted=8,
        queued=8,
        approved=3,
        refused=1,
        decided_in_time=3,
        decision_days={"2": 2, "5": 2},
        refusals={"not_eligible": 1},
        stopped_at={"proof": 2},
        info_requests=2,
        payments=3,
        paid=9000,
        refunds=1,
        refunded=3000,
        currency="GBP",
    )
    day(
        permit,
        D(2026, 5, 12),
        channel="counter",
        submitted=2,
        queued=2,
        approved=2,
        decided_in_time=1,
        decision_days={"12": 2},
    )
    day(permit, D(2026, 5, 13), started=4, stopped_at={"vehicle": 1, "gone": 1})
    day(bins, D(2026, 5, 20), started=5, submitted=5, queued=5, left_queue=1, approved=1, decision_days={"1": 1})
    day(permit, D(2025, 12, 1), started=99, submitted=99)  # before the period
    BacklogSnapshot.objects.create(
        agency=permit.agency,
        service=permit,
        open_count=6,
        overdue=2,
        ages={"0-5": 4, "21+": 2},
        oldest_queued_at=local(D(2026, 3, 2)),
        taken_at=local(TODAY, 9),
    )
    BacklogSnapshot.objects.create(
        agency=bins.agency, service=bins, open_count=4, overdue=0, ages={"0-5": 4}, taken_at=local(TODAY, 9)
    )
    SatisfactionMonth.objects.create(
        month=D(2026, 5, 1), agency=permit.agency, service=permit, topic="service", answers={"5": 2, "4": 1, "1": 1}
    )
    ChannelCost.objects.create(agency=permit.agency, channel="online", amount=250, currency="GBP")
    ChannelCost.objects.create(agency=permit.agency, channel="counter", amount=1250, currency="GBP")


PERIOD = {"date_from": "2026-04-01", "date_to": "2026-06-17"}
EVERY = "Every service together"
PERMIT = "Figures of Resident parking permit"
BINS = "Figures of Bulky waste collection"


def test_home_shows_every_service_together(mfa_client, caseworker_a, figures):
    response = mfa_client(caseworker_a).get("/staff/analytics/", PERIOD)
    assert response.status_code == 200
    body = response.content.decode()
    # Sent: 8 + 2 (permit) + 5 (bins); started 10 + 4 + 5.
    assert figure(body, EVERY, "Applications started") == "19"
    assert figure(body, EVERY, "Applications sent") == "15"
    assert figure(body, EVERY, "Completion rate") == "68.4%"  # 13 of the 19 begun online were sent
    # Decisions 2, 2, 5, 5, 12, 12 (permit) and 1 (bins): median 5, 90th percentile 12.
    assert figure(body, EVERY, "Decided") == "7 Approved: 6 Refused: 1"
    assert figure(body, EVERY, "Median decision time") == "5 working days"
    assert figure(body, EVERY, "90th percentile decision time") == "12 working days"
    assert figure(body, EVERY, "Open cases now") == "10"
    assert figure(body, EVERY, "Open cases past their due date") == "2"
    assert figure(body, EVERY, "Digital take-up") == (
        "86.7% Online: 13 (86.7%) At a counter, with staff: 2 (13.3%) Through a trusted helper: 0 (0%)"
    )
    # Cost per transaction: (13 × £2.50 + 2 × £12.50) / 15 = £3.83.
    assert figure(body, EVERY, "Cost per transaction") == "£3.83"
    assert figure(body, EVERY, "Payments") == "3 payments, £90.00"
    assert figure(body, EVERY, "Refunds") == "1 refunds, £30.00"
    assert figure(body, EVERY, "Net taken") == "£60.00"
    assert figure(body, EVERY, "User satisfaction") == "75%"


def test_home_shows_each_service(mfa_client, caseworker_a, figures):
    body = mfa_client(caseworker_a).get("/staff/analytics/", PERIOD).content.decode()
    assert figure(body, PERMIT, "Applications sent") == "10"
    assert figure(body, PERMIT, "Completion rate") == "57.1%"  # 8 of 14 online
    assert figure(body, PERMIT, "Decided") == "6 Approved: 5 Refused: 1"
    assert figure(body, PERMIT, "Refusals by kind of reason") == "1 Not eligible: 1"
    assert figure(body, PERMIT, "Decided within the deadline") == "66.7%"  # 4 of 6
    assert figure(body, PERMIT, "Open cases now") == "6"
    assert figure(body, PERMIT, "Open cases past their due date") == "2"
    assert figure(body, PERMIT, "Oldest open case waiting since") == "2 March 2026"
    # 6 open now, 10 joined the queue since the period began and none left: none open at its start.
    assert figure(body, PERMIT, "Open cases at the start of the period") == "0"
    assert figure(body, PERMIT, "Requests for more information per case") == "0.20"  # 2 / 10
    assert figure(body, PERMIT, "User satisfaction") == "75%"
    assert "of 4 answers" in page_text_of(body)
    # Bins: 5 joined, 1 left, 4 open now: none open at the start; sent online only, costs set: £2.50.
    assert figure(body, BINS, "Open cases at the start of the period") == "0"
    assert figure(body, BINS, "Cost per transaction") == "£2.50"
    assert figure(body, BINS, "User satisfaction") == "No answers in this period"
    assert figure(body, BINS, "Payments") == "No payments in this period"


def page_text_of(body: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html.unescape(body)).split())


def test_where_drafts_stop_in_form_order(mfa_client, caseworker_a, figures):
    body = mfa_client(caseworker_a).get("/staff/analytics/", PERIOD).content.decode()
    rows = table_rows(body, "Where drafts of Resident parking permit stop")[1:]
    # Form order (Your vehicle, Proof of address, About you), then a page no longer in the form.
    assert rows == [
        ["Your vehicle", "1", "25%"],
        ["Proof of address", "2", "50%"],
        ["About you", "0", "0%"],
        ["A page no longer in the form (gone)", "1", "25%"],
    ]


def test_month_by_month_and_backlog_trend(mfa_client, caseworker_a, figures):
    body = mfa_client(caseworker_a).get("/staff/analytics/", PERIOD).content.decode()
    rows = table_rows(body, "Month by month")[1:]
    # Open at each month's end: 10 now; nothing joined in June; in May 2 + 5 joined and 1 left,
    # so 10 − 6 = 4 were open at the end of April.
    assert rows == [
        ["April 2026", "10", "8", "80%", "4", "2 working days", "5 working days", "75%", "4", "No answers"],
        ["May 2026", "9", "7", "55.6%", "3", "12 working days", "12 working days", "33.3%", "10", "75%"],
        ["June 2026", "0", "0", "No data", "0", "No data", "No data", "No data", "10", "No answers"],
    ]


def test_figures_link_to_the_queue_filtered_to_their_cases(mfa_client, caseworker_a, figures, permit):
    body = html.unescape(mfa_client(caseworker_a).get("/staff/analytics/", PERIOD).content.decode())
    queue = f"/staff/cases/?agency={permit.agency_id}&service={permit.pk}"
    assert f"{queue}&status=any&sent_from=2026-04-01&sent_to=2026-06-17" in body
    assert f"{queue}&status=decided&decided_from=2026-04-01&decided_to=2026-06-17" in body
    assert f"{queue}&status=refused&decided_from=2026-04-01&decided_to=2026-06-17&refusal=not_eligible" in body
    assert f"{queue}&overdue=1" in body
    assert f"{queue}&status=any&sent_from=2026-04-01&sent_to=2026-06-17&channel=counter" in body
    # A month's figures link to that month's cases only (of every service, on this page).
    assert f"/staff/cases/?agency={permit.agency_id}&status=any&sent_from=2026-05-01&sent_to=2026-05-31" in body


def test_an_auditor_reads_the_figures_without_links_to_cases(mfa_client, auditor_a, figures):
    response = mfa_client(auditor_a).get("/staff/analytics/", PERIOD)
    assert response.status_code == 200
    body = response.content.decode()
    assert "/staff/cases/?" not in body
    assert figure(body, EVERY, "Applications sent") == "15"


def test_one_service_chosen(mfa_client, caseworker_a, figures, permit):
    body = mfa_client(caseworker_a).get("/staff/analytics/", {**PERIOD, "service": permit.pk}).content.decode()
    assert figure(body, "The chosen service", "Applications sent") == "10"
    assert BINS not in body


def test_cost_not_set_links_admins_to_the_costs(mfa_client, admin_a, caseworker_a, bins):
    day(bins, D(2026, 5, 20), started=1, submitted=1, channel="helper")
    body = mfa_client(admin_a).get("/staff/analytics/", PERIOD).content.decode()
    assert f'href="/staff/analytics/costs/?agency={bins.agency_id}"' in body
    assert "Set the cost of each channel to see it." in body
    page = page_text(mfa_client(caseworker_a).get("/staff/analytics/", PERIOD))
    assert "An agency admin sets the cost of each channel." in page


def test_service_page_details(mfa_client, caseworker_a, figures, permit):
    response = mfa_client(caseworker_a).get(f"/staff/analytics/services/{permit.pk}/", PERIOD)
    assert response.status_code == 200
    body = response.content.decode()
    assert figure(body, "The service's measures", "Applications sent") == "10"
    page = page_text(response)
    assert "Of 14 applications begun in the period, 10 were sent and 4 stopped" in page
    assert "The service's deadline is 10 working days." in page
    # Decisions 2, 2, 5, 5 (4 of 6) and 12, 12 (2 of 6).
    assert table_rows(body, "How long decisions took")[1:] == [
        ["0 to 5 working days", "4", "66.7%", "66.7%"],
        ["6 to 10 working days", "0", "0%", "66.7%"],
        ["11 to 15 working days", "2", "33.3%", "100%"],
        ["16 to 20 working days", "0", "0%", "100%"],
        ["21 to 30 working days", "0", "0%", "100%"],
        ["31 to 60 working days", "0", "0%", "100%"],
        ["More than 60 working days", "0", "0%", "100%"],
    ]
    assert table_rows(body, "Refusals by kind of reason")[1:] == [["Not eligible", "1", "100%"]]
    assert table_rows(body, "Age of the open cases on 17 June 2026, 9am")[1:] == [["0-5", "4"], ["21+", "2"]]
    months = table_rows(body, "Every month of the period")[1:]
    assert [row[:5] for row in months] == [
        ["April 2026", "10", "8", "80%", "4"],
        ["May 2026", "4", "2", "0%", "2"],
        ["June 2026", "0", "0", "No data", "0"],
    ]
    assert table_rows(body, "Drafts that stopped, by the last form page saved")[1][:2] == ["Your vehicle", "1"]


def test_numbers_follow_the_language(mfa_client, caseworker_a, figures):
    client = mfa_client(caseworker_a)
    client.cookies["ecitizen_language"] = "fr"
    caseworker_a.profile.preferred_language = "fr"
    caseworker_a.profile.save()
    page = page_text(client.get("/staff/analytics/", PERIOD))
    assert "68,4" in page  # the completion rate, with a French decimal comma


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"date_from": "2026-06-01", "date_to": "2026-05-01"},
            "The last day must be the same as or after the first day",
        ),
        ({"date_from": "2022-01-01", "date_to": "2026-06-17"}, "Choose a period of 3 years or less"),
        (
            {"date_from-day": "31", "date_from-month": "2", "date_from-year": "2026", "date_to": "2026-06-01"},
            "Enter a real date",
        ),
        ({"date_from": "", "date_to": "2026-06-01"}, "Enter the first day of the period"),
        # Dates far off: the month after December 9999 and the year before year 1 do not exist.
        ({"date_from": "9999-12-01", "date_to": "9999-12-31"}, "Enter a date on or before 31 December 2027"),
        ({"date_from": "2026-01-01", "date_to": "2028-01-01"}, "Enter a date on or before 31 December 2027"),
        ({"date_from": "0001-01-01", "date_to": "0001-12-31"}, "Enter a date on or after 1 January 2000"),
    ],
)
def test_bad_periods_are_refused_at_their_field(mfa_client, caseworker_a, figures, query, message):
    response = mfa_client(caseworker_a).get("/staff/analytics/", query)
    assert response.status_code == 400
    page = page_text(response)
    assert "There is a problem" in page and message in page
    assert "Applications sent" not in page


@pytest.mark.parametrize("page", ["/staff/analytics/", "/staff/analytics/reports/"])
def test_a_far_off_period_is_refused_on_every_page(mfa_client, admin_a, figures, permit, page):
    client = mfa_client(admin_a)
    for path in (page, f"/staff/analytics/services/{permit.pk}/"):
        response = client.get(path, {"date_from": "9999-01-01", "date_to": "9999-12-31"})
        assert response.status_code == 400, path


def test_three_years_exactly_is_allowed(mfa_client, caseworker_a, figures):
    response = mfa_client(caseworker_a).get("/staff/analytics/", {"date_from": "2023-06-18", "date_to": "2026-06-17"})
    assert response.status_code == 200


def test_the_default_period_is_the_last_90_days(mfa_client, caseworker_a, figures):
    page = page_text(mfa_client(caseworker_a).get("/staff/analytics/"))
    assert "From 20 March 2026 to 17 June 2026" in page
    assert "Last 30 days" in page and "Last 12 months" in page


def test_period_links(mfa_client, caseworker_a, figures, agency_a):
    body = html.unescape(mfa_client(caseworker_a).get("/staff/analytics/").content.decode())
    assert f"?agency={agency_a.pk}&date_from=2026-05-19&date_to=2026-06-17" in body  # last 30 days
    assert f"?agency={agency_a.pk}&date_from=2025-06-18&date_to=2026-06-17" in body  # last 12 months
    assert (TODAY - datetime.date(2025, 6, 18)).days == 364


def test_open_cases_at_the_start_of_a_past_period(mfa_client, caseworker_a, permit):
    """Open at the start = open now, less what joined the queue since, plus what left it: in the
    period (5 joined, 2 left) and after it (4 joined, 6 left)."""
    BacklogSnapshot.objects.create(agency=permit.agency, service=permit, open_count=20, taken_at=local(TODAY, 9))
    day(permit, D(2026, 4, 10), queued=5, left_queue=2)
    day(permit, D(2026, 5, 12), queued=4, left_queue=6)
    april = {"date_from": "2026-04-01", "date_to": "2026-04-30"}
    body = mfa_client(caseworker_a).get("/staff/analytics/", april).content.decode()
    assert figure(body, PERMIT, "Open cases at the start of the period") == "19"
    assert figure(body, EVERY, "Open cases at the start of the period") == "19"
    assert table_rows(body, "Month by month")[1][8] == "22"  # open at the end of April
    service_page = mfa_client(caseworker_a).get(f"/staff/analytics/services/{permit.pk}/", april).content.decode()
    assert figure(service_page, "The service's measures", "Open cases at the start of the period") == "19"
