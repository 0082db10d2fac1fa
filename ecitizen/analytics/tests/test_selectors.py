"""The figures read from rollup rows: sums, exact percentiles over added histograms, measures,
backlog trends. Rows are written directly: the rollup engine has its own tests."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
import time_machine

from ecitizen.analytics import report_selectors, rollups, selectors
from ecitizen.analytics.models import (
    BacklogSnapshot,
    ChannelCost,
    ReportDay,
    SatisfactionMonth,
    ServiceDay,
    ServiceMonth,
)
from ecitizen.catalogue.models import Category, Service

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def service(agency_a):
    category = Category.objects.create(slug="parking", name={"en": "Parking"})
    return Service.objects.create(agency=agency_a, slug="permit", category=category, title={"en": "Permit"})


@pytest.fixture
def other_service(agency_a):
    category = Category.objects.create(slug="waste", name={"en": "Waste"})
    return Service.objects.create(agency=agency_a, slug="bins", category=category, title={"en": "Bins"})


def day(service, when, channel="online", **counts):
    row = ServiceDay.objects.create(day=when, agency=service.agency, service=service, channel=channel, **counts)
    rollups.recompute_month_totals([when])  # whole months are read from the month rows
    return row


def test_percentile_reads_the_summed_histogram():
    assert selectors.percentile(Counter({"1": 1, "3": 1, "10": 2}), 0.5) == 3
    assert selectors.percentile(Counter({"1": 1, "3": 1, "10": 2}), 0.9) == 10
    # Values are numbers, not strings: "10" sorts after "9".
    assert selectors.percentile(Counter({"9": 5, "10": 5}), 0.6) == 10
    assert selectors.percentile(Counter(), 0.5) is None


def test_totals_add_days_channels_and_histograms(service, other_service):
    day(
        service,
        D(2026, 3, 2),
        started=10,
        submitted=8,
        queued=8,
        approved=3,
        refused=1,
        decided_in_time=3,
        decision_days={"2": 2, "5": 2},
        refusals={"not_eligible": 1},
        stopped_at={"about-you": 2},
    )
    day(
        service,
        D(2026, 3, 3),
        channel="counter",
        submitted=2,
        queued=2,
        approved=2,
        decided_in_time=1,
        decision_days={"12": 2},
        payments=2,
        paid=5000,
        currency="GBP",
    )
    day(other_service, D(2026, 4, 1), started=4, submitted=1)
    day(service, D(2026, 5, 1), started=99)  # outside the period

    rows = selectors.service_days(agency_ids=[service.agency_id], date_from=D(2026, 3, 1), date_to=D(2026, 4, 30))
    total = selectors.totals(rows)
    assert (total.started, total.submitted, total.decided) == (14, 11, 6)
    # Online journeys only: 9 of the 14 begun online were sent (the counter's 2 are not journeys begun).
    assert total.completion_rate == pytest.approx(9 / 14)
    assert total.submitted_by_channel == Counter({"online": 9, "counter": 2})
    assert total.digital_take_up == pytest.approx(9 / 11)
    assert total.median_days == 5 and total.p90_days == 12
    assert total.in_time_share == pytest.approx(4 / 6)
    assert total.refusals == Counter({"not_eligible": 1})
    assert total.stopped_at == Counter({"about-you": 2})
    assert total.currencies == {"GBP"} and total.paid == 5000
    # Online 9 × 250 + counter 2 × 1,200, over 11 sent.
    assert total.cost_per_transaction({"online": 250, "counter": 1200}) == pytest.approx((9 * 250 + 2 * 1200) / 11)
    assert total.cost_per_transaction({"online": 250}) is None  # a channel in use has no cost

    by_service = selectors.totals_by(rows, "service")
    assert by_service[service.pk].submitted == 10 and by_service[other_service.pk].submitted == 1
    by_month = selectors.totals_by(rows, "month")
    assert sorted(by_month) == [D(2026, 3, 1), D(2026, 4, 1)]
    assert by_month[D(2026, 3, 1)].median_days == 5 and by_month[D(2026, 4, 1)].decided == 0
    by_both = selectors.totals_by(rows, ("service", "month"))
    assert set(by_both) == {(service.pk, D(2026, 3, 1)), (other_service.pk, D(2026, 4, 1))}
    assert by_both[(service.pk, D(2026, 3, 1))].submitted_by_channel == Counter({"online": 8, "counter": 2})
    assert (
        selectors.totals(
            selectors.service_days(service_ids=[], date_from=D(2026, 1, 1), date_to=D(2026, 12, 31))
        ).started
        == 0
    )


def test_backlog_trend_walks_back_from_the_snapshot(service):
    BacklogSnapshot.objects.create(
        agency=service.agency,
        service=service,
        open_count=10,
        overdue=2,
        ages={"0-5": 10},
        taken_at=datetime.datetime(2026, 3, 5, 12, tzinfo=datetime.UTC),
    )
    day(service, D(2026, 3, 4), queued=5, left_queue=1)
    day(service, D(2026, 3, 5), queued=2, left_queue=4)
    trend = selectors.backlog_trend(service_ids=[service.pk], days=[D(2026, 3, 3), D(2026, 3, 4), D(2026, 3, 5)])
    # End of the 5th: 10. End of the 4th: 10 - (2 - 4) = 12. End of the 3rd: 12 - (5 - 1) = 8.
    assert trend == {D(2026, 3, 5): 10, D(2026, 3, 4): 12, D(2026, 3, 3): 8}


def test_satisfaction_and_costs(service):
    SatisfactionMonth.objects.create(
        month=D(2026, 3, 1),
        agency=service.agency,
        service=service,
        topic="application",
        answers={"5": 3, "4": 1, "2": 1},
    )
    SatisfactionMonth.objects.create(
        month=D(2026, 4, 1),
        agency=service.agency,
        service=service,
        topic="application",
        channel="counter",
        answers={"1": 5},
    )
    found = selectors.satisfaction_by(service_ids=[service.pk], month_from=D(2026, 3, 9), month_to=D(2026, 3, 31))
    assert found[None].count == 5 and found[None].satisfied_share == pytest.approx(4 / 5)
    monthly = selectors.satisfaction_by(
        agency_ids=[service.agency_id], month_from=D(2026, 1, 1), month_to=D(2026, 12, 1), key="month"
    )
    assert monthly[D(2026, 4, 1)].satisfied_share == 0
    ChannelCost.objects.create(agency=service.agency, channel="online", amount=250)
    assert selectors.channel_costs([service.agency_id]) == {service.agency_id: {"online": 250}}


def _varied_days(service, other_service) -> None:
    """A row on every day from 20 January to 10 June 2026 through two channels, with histograms
    and payments in two currencies, and a few rows on single days (a helper's application, a
    refund), then their months added up: enough that a sum, a merge or a subtraction gone wrong
    shows, wherever a period starts and ends."""
    rows, when, n = [], D(2026, 1, 20), 0
    while when <= D(2026, 6, 10):
        n += 1
        rows.append(
            ServiceDay(
                day=when,
                agency=service.agency,
                service=service,
                started=n % 11,
                submitted=n % 7,
                queued=n % 5,
                approved=n % 3,
                refused=n % 2,
                decided_in_time=n % 3,
                left_queue=n % 4,
                decision_days={str(n % 13): n % 3 + n % 2} if n % 3 + n % 2 else {},
                refusals={"not_eligible" if n % 4 else "duplicate": 1} if n % 2 else {},
                stopped_at={"vehicle" if n % 3 else "proof": n % 5} if n % 5 else {},
            )
        )
        if n % 3 == 0:
            rows.append(
                ServiceDay(
                    day=when,
                    agency=other_service.agency,
                    service=other_service,
                    channel="counter",
                    submitted=1,
                    payments=1,
                    paid=100 * n,
                    currency="GBP",
                )
            )
        when += datetime.timedelta(days=1)
    for when in (D(2026, 2, 3), D(2026, 5, 28)):
        rows.append(
            ServiceDay(
                day=when,
                agency=service.agency,
                service=service,
                channel="helper",
                started=2,
                submitted=1,
                refunds=1,
                refunded=500,
                currency="EUR",
            )
        )
    ServiceDay.objects.bulk_create(rows)
    rollups.recompute_month_totals(D(2026, month, 1) for month in range(1, 7))


#: (today, the period's first and last days): what split_period reads for them is asserted below.
PERIODS = {
    "edge months by their days": (D(2026, 12, 7), D(2026, 2, 25), D(2026, 5, 3)),
    "edge months less the days outside": (D(2026, 12, 7), D(2026, 2, 10), D(2026, 5, 25)),
    "the month so far": (D(2026, 5, 20), D(2026, 4, 21), D(2026, 5, 20)),
}


def _read(rows_part, field_name: str) -> list:
    return sorted(set(rows_part.values_list(field_name, flat=True)))


def _days(first: datetime.date, last: datetime.date) -> list:
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def test_split_period_reads_each_edge_month_the_cheaper_way(service, other_service):
    _varied_days(service, other_service)

    def rows_of(name):
        today, first, last = PERIODS[name]
        return selectors.Rows(*selectors.split_period(ServiceMonth, ServiceDay, first, last, today))

    # A month with more of its days inside the period than outside is read as days.
    rows = rows_of("edge months by their days")
    assert _read(rows.months, "month") == [D(2026, 3, 1), D(2026, 4, 1)]
    assert _read(rows.days, "day") == _days(D(2026, 2, 25), D(2026, 2, 28)) + _days(D(2026, 5, 1), D(2026, 5, 3))
    assert not rows.less.exists()
    # The other way round, it is read as its month row less the days outside.
    rows = rows_of("edge months less the days outside")
    assert _read(rows.months, "month") == [D(2026, month, 1) for month in (2, 3, 4, 5)]
    assert not rows.days.exists()
    assert _read(rows.less, "day") == _days(D(2026, 2, 1), D(2026, 2, 9)) + _days(D(2026, 5, 26), D(2026, 5, 31))
    # The month so far is its month row: the days after today have no rows yet (but any that
    # do are taken away all the same).
    rows = rows_of("the month so far")
    assert _read(rows.months, "month") == [D(2026, 5, 1)]
    assert _read(rows.days, "day") == _days(D(2026, 4, 21), D(2026, 4, 30))
    assert _read(rows.less, "day") == _days(D(2026, 5, 21), D(2026, 5, 31))


@pytest.mark.parametrize("period", list(PERIODS))
@pytest.mark.parametrize("key", [None, "month", "service", "channel", ("service", "month")])
def test_a_period_of_partial_months_reads_the_same_from_months_and_days(service, other_service, period, key):
    # given: five months of days, added up into months as well
    _varied_days(service, other_service)
    today, first, last = PERIODS[period]
    # when: the period is read as Rows, with the clock on *today*
    with time_machine.travel(datetime.datetime.combine(today, datetime.time(12), tzinfo=datetime.UTC), tick=False):
        rows = selectors.service_days(agency_ids=[service.agency_id], date_from=first, date_to=last)
    days_only = ServiceDay.objects.filter(agency=service.agency, day__gte=first, day__lte=last)
    # then: the figures are those of the days alone, key by key
    from_rows = selectors.totals_by(rows, key)
    assert from_rows == selectors.totals_by(days_only, key)
    assert sum(totals.started for totals in from_rows.values()) == sum(row.started for row in days_only)
    assert sum(sum(totals.decision_days.values()) for totals in from_rows.values()) == sum(
        sum(row.decision_days.values()) for row in days_only
    )
    # and narrowing the rows narrows every part alike (what the staff dashboard does)
    narrowed = selectors.totals(rows.filter(service_id=other_service.pk, currency="GBP"))
    assert narrowed.paid == sum(row.paid for row in days_only.filter(service=other_service))
    assert narrowed.started == 0 and narrowed.currencies == {"GBP"}
    helper = selectors.totals(rows.filter(channel="helper"))
    assert helper == selectors.totals(days_only.filter(channel="helper"))


@pytest.mark.parametrize("period", list(PERIODS))
def test_report_rows_of_partial_months_read_the_same_as_days(agency_a, period):
    from ecitizen.reports.models import Category as ReportCategory

    pothole = ReportCategory.objects.create(agency=agency_a, code="pothole", name={"en": "Pot-hole"})
    light = ReportCategory.objects.create(agency=agency_a, code="light", name={"en": "Street light"})
    rows, when, n = [], D(2026, 1, 20), 0
    while when <= D(2026, 6, 10):
        n += 1
        rows.append(
            ReportDay(
                day=when,
                agency=agency_a,
                category=pothole if n % 2 else light,
                received=n % 9 + 1,
                responded=n % 3,
                response_hours={str(n % 30): n % 3} if n % 3 else {},
                closed=n % 4,
                fixed=n % 4 // 2,
                fix_days={str(n % 9): n % 4 // 2} if n % 4 // 2 else {},
                reopened=n % 5 // 4,
            )
        )
        when += datetime.timedelta(days=1)
    ReportDay.objects.bulk_create(rows)
    rollups.recompute_month_totals(D(2026, month, 1) for month in range(1, 7))
    today, first, last = PERIODS[period]

    with time_machine.travel(datetime.datetime.combine(today, datetime.time(12), tzinfo=datetime.UTC), tick=False):
        rows = report_selectors.report_days(agency_ids=[agency_a.pk], date_from=first, date_to=last)
    days_only = ReportDay.objects.filter(agency=agency_a, day__gte=first, day__lte=last)

    for key in (None, "category", "area", "month", ("category", "month")):
        assert report_selectors.report_totals_by(rows, key) == report_selectors.report_totals_by(days_only, key)
    assert report_selectors.report_totals(rows).received == sum(row.received for row in days_only)
    by_month = report_selectors.report_totals_by(rows, "month")
    assert sorted(by_month) == sorted({when.replace(day=1) for when in days_only.values_list("day", flat=True)})
