"""Statistical disclosure control on the public figures: a hidden small number cannot be worked
out from the figures that are shown, on the pages, in the charts and in the open data.

Each test builds one of the attacks a review found and checks that it no longer gives the hidden
number: counts are rounded to 5 (a year minus its months, an agency minus its services), shares are
whole percentages (a share of a known number gave its numerator) and hidden when what is left over
is small ("95% of 20"), the cost per transaction is hidden when a channel is small (with each
channel's cost it gave the split), and the channels of a row are hidden together when the total
minus the others would give a small one. The clock is pinned to 15 June 2026: the pages show June
2025 to May 2026 and June 2026 so far.
"""

from __future__ import annotations

import datetime
import html
import re

import pytest
import time_machine
from django.urls import reverse

from ecitizen.analytics import public_selectors
from ecitizen.analytics.public_selectors import round_count, whole_percent
from ecitizen.analytics.tests.test_public_pages import (
    NOW,
    answers,
    costs,
    day,
    measure,
    publish_service,
    row_for,
    table,
)

pytestmark = pytest.mark.django_db

D = datetime.date
COMPLETE = [public_selectors.month_add(D(2025, 6, 1), n) for n in range(12)]  # June 2025 to May 2026


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def permit(agency_a):
    return publish_service(agency_a, "parking-permit", {"en": "Parking permit"})


def page(client, service) -> str:
    return client.get(reverse("performance:service", args=[service.slug])).content.decode()


def json_row(client, month: str, service: str = "parking-permit") -> dict:
    rows = client.get(reverse("performance:data_json")).json()["rows"]
    return next(row for row in rows if row["month"] == month and row["service"] == service)


def month_column(body: str, table_id: str, column: int) -> dict[str, str]:
    """``{month: cell}`` of one column of the table *table_id* (the complete months only)."""
    return {row[0]: row[column] for row in table(body, table_id)[1:] if "so far" not in row[0]}


def number(text: str) -> int:
    return int(text.replace(",", ""))


# --- the rules --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exact", "shown"), [(5, 5), (7, 5), (8, 10), (12, 10), (13, 15), (17, 15), (18, 20), (113, 115), (1002, 1000)]
)
def test_counts_round_to_the_nearest_5_halves_up(exact, shown):
    assert round_count(exact) == shown


def test_the_rounding_base_follows_the_setting_and_1_turns_it_off(settings):
    settings.ANALYTICS_PUBLIC_ROUND_TO = 10
    assert [round_count(n) for n in (5, 14, 15, 113)] == [10, 10, 20, 110]
    settings.ANALYTICS_PUBLIC_ROUND_TO = 1
    assert [round_count(n) for n in (5, 14, 113)] == [5, 14, 113]


@pytest.mark.parametrize(("part", "whole", "percent"), [(2, 3, 67), (1, 8, 13), (1, 3, 33), (88, 112, 79), (5, 5, 100)])
def test_shares_are_whole_percentages_halves_up(part, whole, percent):
    assert whole_percent(part, whole) == percent


# --- 1. a total minus its parts -------------------------------------------------------------


def test_headline_minus_the_months_shown_no_longer_gives_the_hidden_month(client, permit):
    # Eleven months of 10 and January 2026 with 3: the headline was 113, so 113 − 110 = 3.
    for month in COMPLETE:
        sent = 3 if month == D(2026, 1, 1) else 10
        day(permit, month + datetime.timedelta(days=2), started=sent, submitted=sent)

    body = page(client, permit)

    headline = measure(body, "transactions")
    months = month_column(body, "service-transactions-table", 4)
    assert headline == "115"
    assert months["January 2026"] == "fewer than 5"
    shown = [number(text) for text in months.values() if text != "fewer than 5"]
    assert len(shown) == 11 and all(value % 5 == 0 for value in shown)
    assert number(headline) - sum(shown) != 3  # 5: not a count that can be hidden, and not the 3


def test_the_same_with_the_setting_off_would_give_it_away(client, permit, settings):
    """What the rounding protects against (and that the tests above would notice it gone)."""
    settings.ANALYTICS_PUBLIC_ROUND_TO = 1
    for month in COMPLETE:
        sent = 3 if month == D(2026, 1, 1) else 10
        day(permit, month + datetime.timedelta(days=2), started=sent, submitted=sent)

    body = page(client, permit)

    shown = [number(t) for t in month_column(body, "service-transactions-table", 4).values() if t[0].isdigit()]
    assert number(measure(body, "transactions")) - sum(shown) == 3


def test_an_agency_or_the_platform_minus_what_it_lists_no_longer_gives_a_hidden_service(
    client, agency_a, agency_b, permit
):
    bins = publish_service(agency_a, "bins", {"en": "Bin collection"})
    bus = publish_service(agency_b, "bus-pass", {"en": "Bus pass"})
    day(permit, D(2026, 5, 4), started=13, submitted=13)
    day(bins, D(2026, 5, 4), started=3, submitted=3)  # hidden
    day(bus, D(2026, 5, 4), started=12, submitted=12)

    agency_page = client.get(reverse("performance:agency", args=[agency_a.slug])).content.decode()
    overview = client.get(reverse("performance:overview")).content.decode()

    # The agency had 16 (16 − 13 = 3); now 15 − 15 = 0.
    assert measure(agency_page, "transactions") == "15"
    assert row_for(agency_page, "services-table", "Parking permit")[1] == "15"
    assert row_for(agency_page, "services-table", "Bin collection")[1] == "fewer than 5"
    assert row_for(agency_page, "agency-transactions-table", "May 2026")[-1] == "15"
    # The platform had 28 (28 − 12 − 13 = 3); now 30 − 10 − 15 = 5, and 30 − 15 (the agency) − 10 = 5.
    assert measure(overview, "transactions") == "30"
    assert row_for(overview, "agencies-table", "City Council")[1] == "15"
    assert row_for(overview, "agencies-table", "Transport Agency")[1] == "10"
    assert row_for(overview, "services-table", "Bin collection")[2] == "fewer than 5"


# --- 2. a share of a known number -----------------------------------------------------------


def test_satisfaction_is_a_whole_percentage_of_a_rounded_number_of_answers(client, permit):
    # 88 satisfied of 112: "78.6% of 112 answers" gave 88 exactly.
    answers(permit, D(2026, 4, 1), **{"5": 60, "4": 20, "2": 20})  # 80 of 100
    answers(permit, D(2026, 5, 1), **{"5": 8, "1": 4})  # 8 of 12

    body = page(client, permit)

    # 90 ÷ 110, the rounded counts: the percentage tells nothing the rounded counts do not.
    assert measure(body, "satisfaction") == "82% satisfied or very satisfied, of 110 answers"
    assert row_for(body, "service-satisfaction-table", "April 2026")[1:] == ["100", "80%"]
    assert row_for(body, "service-satisfaction-table", "May 2026")[1:] == ["10", "not enough data"]  # 4 not
    # Every count of answers that rounds to 110 and every count satisfied that gives 79% of it:
    # the satisfied could be any of several numbers, so May's split cannot be worked out.
    candidates = {s for n in range(108, 113) for s in range(n + 1) if whole_percent(s, n) == 79}
    assert len(candidates) > 1 and 88 in candidates
    assert "78.6" not in body and "66.7" not in body


def test_shares_in_the_data_are_whole_percentages(client, permit):
    day(permit, D(2026, 5, 4), started=15, submitted=10)  # 10 of 15: 66.7%

    row = json_row(client, "2026-05")

    assert row["completion_rate"] == 0.67
    assert row_for(page(client, permit), "service-completion-table", "May 2026")[1:] == ["15", "10", "67%"]


# --- 3. a total minus its channels ----------------------------------------------------------


@pytest.mark.parametrize(
    ("counter", "helper"),
    [
        (4, 0),  # one channel hidden: 15 − 10 gave it
        (2, 2),  # two hidden adding up to 4: transactions 14, online 10 gave counter + helper = 4
    ],
)
def test_when_the_hidden_channels_add_up_to_a_small_number_every_channel_is_hidden(client, permit, counter, helper):
    day(permit, D(2026, 5, 4), started=10, submitted=10)
    day(permit, D(2026, 5, 5), channel="counter", started=counter, submitted=counter)
    if helper:
        day(permit, D(2026, 5, 6), channel="helper", started=helper, submitted=helper)

    row = json_row(client, "2026-05")
    body = page(client, permit)

    assert row["transactions"] == 15
    assert (row["transactions_online"], row["transactions_counter"], row["transactions_helper"]) == (None, None, None)
    assert {"transactions_online", "transactions_counter", "transactions_helper"} <= set(row["suppressed_fields"])
    assert row_for(body, "service-transactions-table", "May 2026")[1:] == [
        "not enough data",
        "fewer than 5",
        "fewer than 5",
        "15",
    ]
    # and the tables that repeat the online count hide it too
    assert row_for(body, "service-take-up-table", "May 2026")[1] == "not enough data"
    assert row_for(body, "service-completion-table", "May 2026")[2] == "not enough data"


def test_channels_stay_when_the_hidden_ones_are_empty_or_add_up_to_the_threshold(client, agency_a, permit):
    bins = publish_service(agency_a, "bins")
    day(permit, D(2026, 5, 4), started=12, submitted=12)  # online only: nobody at a counter or helper
    day(bins, D(2026, 5, 4), started=10, submitted=10)
    day(bins, D(2026, 5, 5), channel="counter", started=3, submitted=3)
    day(bins, D(2026, 5, 6), channel="helper", started=3, submitted=3)  # 6 hidden together: not small

    only_online = json_row(client, "2026-05")
    both = json_row(client, "2026-05", "bins")

    assert (only_online["transactions_online"], only_online["transactions_counter"]) == (10, None)
    assert "transactions_online" not in only_online["suppressed_fields"]
    assert (both["transactions"], both["transactions_online"], both["transactions_counter"]) == (15, 10, None)


# --- 4. the cost per transaction and each channel's cost ------------------------------------


def test_cost_is_hidden_when_a_channel_in_use_is_small(client, agency_a, permit):
    # 10 online at £1 and 4 at a counter at £10: £3.57 gave 4 at the counter.
    costs(agency_a, online=100, counter=1000)
    day(permit, D(2026, 5, 4), started=10, submitted=10)
    day(permit, D(2026, 5, 5), channel="counter", started=4, submitted=4)
    day(permit, D(2026, 4, 4), started=10, submitted=10)
    day(permit, D(2026, 4, 5), channel="counter", started=10, submitted=10)

    body = page(client, permit)
    row = json_row(client, "2026-05")

    assert row_for(body, "service-cost-table", "May 2026")[1:] == ["15", "not enough data"]
    assert row["cost_per_transaction"] is None and "cost_per_transaction" in row["suppressed_fields"]
    # April's channels are all 5 or more: its cost is shown, and the headline (14 at the counter) too
    assert row_for(body, "service-cost-table", "April 2026")[1:] == ["20", "£5.50"]
    assert json_row(client, "2026-04")["cost_per_transaction"] == 5.5
    assert measure(body, "cost_per_transaction") == "£4.86"  # (20 × £1 + 15 × £10) ÷ 35: the counts as shown, 14 → 15


def test_the_platform_cost_is_hidden_when_one_agencys_channel_is_small(client, agency_a, agency_b, permit):
    bus = publish_service(agency_b, "bus-pass")
    costs(agency_a, online=100)
    costs(agency_b, online=300, counter=900)
    day(permit, D(2026, 5, 4), started=10, submitted=10)
    day(bus, D(2026, 5, 4), started=10, submitted=10)
    day(bus, D(2026, 5, 5), channel="counter", started=2, submitted=2)

    overview = client.get(reverse("performance:overview")).content.decode()

    assert measure(overview, "cost_per_transaction") == "not enough data"
    assert row_for(overview, "platform-cost-table", "May 2026")[1:] == ["20", "not enough data"]


# --- 5. a share whose complement is small ---------------------------------------------------


@pytest.mark.parametrize(
    ("in_time", "shown"), [(19, "not enough data"), (16, "not enough data"), (15, "75%"), (20, "100%")]
)
def test_a_share_is_hidden_when_what_is_left_over_is_small(client, permit, in_time, shown):
    # "95% of 20 decisions in time" told that 1 was late.
    day(permit, D(2026, 5, 4), approved=20, decided_in_time=in_time, decision_days={"2": 20})

    body = page(client, permit)

    assert measure(body, "in_time_share").startswith(shown)
    assert row_for(body, "service-decisions-table", "May 2026")[3] == shown
    assert json_row(client, "2026-05")["in_time_share"] == (
        None if shown == "not enough data" else number(shown[:-1]) / 100
    )


# --- charts draw what the tables write --------------------------------------------------------


def test_charts_draw_the_rounded_and_hidden_figures_of_their_tables(client, permit):
    day(permit, D(2026, 4, 4), started=13, submitted=13)
    day(permit, D(2026, 5, 4), started=15, submitted=8)  # 10 of 15 as shown: 67%
    day(permit, D(2026, 3, 4), started=3, submitted=3)

    body = page(client, permit)

    svgs = {
        name: html.unescape(
            re.search(rf'<svg\b[^>]*>(?:(?!</svg>).)*id="service-{name}-title".*?</svg>', body, re.S)[0]
        )
        for name in ("transactions", "completion")
    }
    assert "Highest: 15 in April 2026." in svgs["transactions"]
    assert row_for(body, "service-transactions-table", "April 2026")[-1] == "15"
    assert "Latest: 67% in May 2026." in svgs["completion"]
    # The bars are as high as the rounded counts: April (15) is 1.5 times May (10); March is a gap.
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"[^>]*stroke=', svgs["transactions"])]
    assert len(heights) == 2 and heights[0] == pytest.approx(1.5 * heights[1])


# --- what the pages say -----------------------------------------------------------------------


def test_pages_and_data_page_explain_the_rounding_and_the_rules(client, agency_a, permit):
    service_page = page(client, permit)
    embed = client.get(reverse("performance:service_embed", args=[permit.slug])).content.decode()
    data_page = html.unescape(client.get(reverse("performance:data")).content.decode())

    assert "rounded to the nearest 5 and every percentage to a whole number" in " ".join(service_page.split())
    assert "rounded to the nearest 5, and percentages to a whole number" in " ".join(embed.split())
    text = " ".join(data_page.split())
    assert "rounded to the nearest 5, halves up" in text
    assert "whole percentage (0.67 in the files is 67%)" in text
    assert "“95% of 20 decisions in time” would tell that 1 was late" in text
    assert "the cost per transaction is left out when any channel used" in text
    assert "the other channels' numbers are left out too and only the total is given" in text


def test_the_data_page_and_the_json_say_the_rounding_base_in_use(client, permit, settings):
    settings.ANALYTICS_PUBLIC_ROUND_TO = 10
    page = html.unescape(client.get(reverse("performance:data")).content.decode())
    assert "rounded to the nearest 10, halves up" in page
    assert "otherwise rounded to the nearest 10." in page  # the fields' "when hidden" column
    document = client.get(reverse("performance:data_json")).json()
    assert (document["suppress_below"], document["round_to"]) == (5, 10)
