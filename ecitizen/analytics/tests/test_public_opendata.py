"""The open data: one row per service per month as CSV and JSON, the same figures as the pages,
small numbers suppressed with a flag, filters, clear 400s for bad input, cache headers, and the
page that documents every field. The clock is pinned to 15 June 2026."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse

from ecitizen.analytics.public_selectors import DATA_FIELDS
from ecitizen.analytics.tests.test_public_pages import (
    NOW,
    costs,
    day,
    may_figures,
    publish_service,
)
from ecitizen.catalogue.models import ServiceStatus

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture(autouse=True)
def pinned_clock():
    import time_machine

    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def permit(agency_a):
    return publish_service(agency_a, "parking-permit", {"en": "Parking permit", "fr": "Permis de stationnement"})


def rows_json(client, query: str = "") -> list[dict]:
    response = client.get(reverse("performance:data_json") + query)
    assert response.status_code == 200, response.content
    return response.json()["rows"]


def rows_csv(client, query: str = "") -> list[dict]:
    response = client.get(reverse("performance:data_csv") + query)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_json_has_a_row_per_service_per_month_with_the_measures(client, agency_a, permit):
    # given
    may_figures(permit)
    costs(agency_a, online=100, counter=1000)

    # when
    document = client.get(reverse("performance:data_json")).json()

    # then: 13 months by default, June 2025 to June 2026
    assert (document["from"], document["to"], document["suppress_below"]) == ("2025-06", "2026-06", 5)
    assert document["fields"] == list(DATA_FIELDS)
    assert [row["month"] for row in document["rows"]][0::12] == ["2025-06", "2026-06"]
    assert len(document["rows"]) == 13
    may = next(row for row in document["rows"] if row["month"] == "2026-05")
    assert may == {
        "agency": "city-council",
        "service": "parking-permit",
        "title": "Parking permit",
        "month": "2026-05",
        "month_complete": True,
        "transactions": 45,
        "transactions_online": 30,
        "transactions_counter": 15,
        "transactions_helper": None,
        "started": 40,
        "completion_rate": 0.75,
        "digital_take_up": 0.67,
        "cost_per_transaction": 4.0,
        "currency": "GBP",
        "satisfaction": 0.83,
        "satisfaction_answers": 30,
        "median_decision_days": 3,
        "in_time_share": 0.83,
        "suppressed": True,
        "suppressed_fields": ["transactions_helper"],
    }
    june = document["rows"][-1]
    assert june["month_complete"] is False


def test_csv_holds_the_same_rows_with_empty_cells_for_hidden_figures(client, agency_a, permit):
    may_figures(permit)
    costs(agency_a, online=100, counter=1000)

    rows = rows_csv(client)

    assert list(rows[0]) == list(DATA_FIELDS)
    may = next(row for row in rows if row["month"] == "2026-05")
    assert may["transactions"] == "45"
    assert may["transactions_counter"] == "15"
    assert may["transactions_helper"] == ""
    assert may["completion_rate"] == "0.75"
    assert may["cost_per_transaction"] == "4.00"  # major units, with the currency's decimals
    assert may["currency"] == "GBP"
    assert may["median_decision_days"] == "3"
    assert may["suppressed"] == "true"
    assert may["suppressed_fields"] == "transactions_helper"
    empty = next(row for row in rows if row["month"] == "2026-04")
    assert empty["transactions"] == "" and empty["completion_rate"] == "" and empty["cost_per_transaction"] == ""
    assert "completion_rate" in empty["suppressed_fields"].split()


@pytest.mark.parametrize(("count", "hidden"), [(4, True), (5, False)])
def test_suppression_at_the_threshold(client, permit, count, hidden):
    day(permit, D(2026, 5, 4), started=count, submitted=count)

    row = next(row for row in rows_json(client) if row["month"] == "2026-05")

    if hidden:
        assert (row["transactions"], row["started"], row["completion_rate"]) == (None, None, None)
        assert {"transactions", "started", "completion_rate"} <= set(row["suppressed_fields"])
    else:
        assert (row["transactions"], row["started"], row["completion_rate"]) == (5, 5, 1.0)
        assert "transactions" not in row["suppressed_fields"]


def test_an_unknown_cost_is_empty_but_not_flagged_as_suppressed(client, permit):
    day(permit, D(2026, 5, 4), started=10, submitted=10)  # the agency set no costs

    row = next(row for row in rows_json(client) if row["month"] == "2026-05")

    assert row["cost_per_transaction"] is None and row["currency"] is None
    assert "cost_per_transaction" not in row["suppressed_fields"]


def test_filters_choose_agency_service_and_months(client, agency_a, agency_b, permit):
    bins = publish_service(agency_a, "bins")
    bus = publish_service(agency_b, "bus-pass")
    for service in (permit, bins, bus):
        day(service, D(2026, 2, 3), started=10, submitted=10)

    by_agency = rows_json(client, "?agency=city-council&from=2026-01&to=2026-03")
    assert {row["service"] for row in by_agency} == {"bins", "parking-permit"}
    assert [row["month"] for row in by_agency if row["service"] == "bins"] == ["2026-01", "2026-02", "2026-03"]
    one = rows_csv(client, "?agency=city-council&service=bins&from=2026-02&to=2026-02")
    assert [(row["service"], row["month"], row["transactions"]) for row in one] == [("bins", "2026-02", "10")]
    assert {row["agency"] for row in rows_json(client, "?service=bus-pass")} == {"transport-agency"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?from=2026-13", "from"),
        ("?from=26-01", "from"),
        ("?to=2026-1", "to"),
        ("?to=2026-07", "to"),  # after the current month
        ("?from=2026-05&to=2026-03", "from"),
        ("?from=2023-01&to=2026-01", "from"),  # more than 36 months
        ("?agency=nobody", "agency"),
        ("?service=nothing", "service"),
        ("?agency=transport-agency&service=parking-permit", "service"),
    ],
)
def test_bad_filters_get_a_clear_400(client, agency_b, permit, query, field):
    publish_service(agency_b, "bus-pass")

    as_json = client.get(reverse("performance:data_json") + query)
    as_csv = client.get(reverse("performance:data_csv") + query)

    assert as_json.status_code == 400 and as_json.json()["field"] == field
    assert as_json.json()["error"]
    assert as_csv.status_code == 400 and as_csv["Content-Type"].startswith("text/plain")
    assert as_csv.content.decode() == as_json.json()["error"]


def test_unpublished_services_are_not_in_the_data(client, agency_a, permit):
    publish_service(agency_a, "draft-thing", status=ServiceStatus.DRAFT)

    assert {row["service"] for row in rows_json(client)} == {"parking-permit"}
    assert client.get(reverse("performance:data_json") + "?service=draft-thing").status_code == 400


def test_titles_are_in_the_default_language_and_formulas_are_defused(client, agency_a):
    publish_service(agency_a, "sum", {"en": "=SUM(A1:A9)", "fr": "Somme"})

    rows = rows_csv(client, "?lang=fr")

    assert rows[0]["title"] == "'=SUM(A1:A9)"
    assert rows_json(client, "?lang=fr")[0]["title"] == "=SUM(A1:A9)"


def test_data_may_be_cached_for_a_few_minutes(client, permit):
    for name in ("performance:data_json", "performance:data_csv"):
        response = client.get(reverse(name))
        assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    assert "max-age" not in client.get(reverse("performance:data_json") + "?from=x").get("Cache-Control", "")


def test_data_reads_a_fixed_number_of_queries(client, agency_a, django_assert_max_num_queries):
    for n in range(10):
        day(
            publish_service(agency_a, f"service-{n}"),
            D(2026, 5, 4),
            started=10,
            submitted=10,
            approved=5,
            decision_days={"2": 5},
        )

    with django_assert_max_num_queries(10):
        rows = rows_json(client)
    assert len(rows) == 10 * 13


def test_the_data_page_documents_every_field_the_licence_and_the_updates(client, permit):
    body = client.get(reverse("performance:data")).content.decode()

    for name in DATA_FIELDS:
        assert f"<code>{name}</code>" in body, name
    assert 'id="licence"' in body and "free of charge" in body
    assert "every hour" in body
    assert reverse("performance:data_csv") in body and reverse("performance:data_json") in body
    assert "fewer than 5" in body
