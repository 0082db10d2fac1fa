"""The rollup engine: every column of every rollup table from activity made through the real
services at pinned instants, and the agreement of incremental runs with a rebuild.

London is UTC in March and UTC+1 in June; England's calendar (weekends, bank holidays) counts
working days. 5 March 2026 is a Thursday.
"""

from __future__ import annotations

import datetime
import random

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from ecitizen.analytics import rollups
from ecitizen.analytics.models import (
    BacklogSnapshot,
    ReportCellMonth,
    ReportDay,
    ReportMonth,
    RollupRun,
    SatisfactionMonth,
    ServiceDay,
    ServiceMonth,
    WorkloadSnapshot,
)
from ecitizen.analytics.tests import rollup_data as data
from ecitizen.analytics.tests.rollup_data import at
from ecitizen.engagement.feedback.services import feedback_give
from ecitizen.payments.models import Refund, RefundStatus
from ecitizen.reports import geo
from ecitizen.reports.models import ReportUpdate, UpdateKind

pytestmark = pytest.mark.django_db

D = datetime.date
OLD_TOWN, OLD_TOWN_2, MILLBROOK = (52.0312, 0.0062), (52.0318, 0.0068), (52.0112, 0.0062)
ZERO = {name: 0 for name in rollups.SERVICE_COUNTS}
NO_REPORTS = {name: 0 for name in rollups.REPORT_COUNTS}


@pytest.fixture(autouse=True)
def england(settings):
    settings.TIME_ZONE, settings.HOLIDAYS_COUNTRY, settings.HOLIDAYS_SUBDIVISION = "Europe/London", "GB", "ENG"
    settings.ANALYTICS_DRAFT_STOPPED_AFTER_DAYS = 7


@pytest.fixture
def clock():
    with time_machine.travel(at("2026-03-01T09:00:00+00:00"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def permit(agency_a):
    return data.version(agency_a, "permit", deadline=3)


@pytest.fixture
def licence(agency_a):
    return data.version(agency_a, "licence", deadline=10, fee=3000)


def service_day(service_version, day: datetime.date, channel: str = "online") -> dict:
    row = ServiceDay.objects.filter(service=service_version.service, day=day, channel=channel).values().get()
    return {
        name: row[name] for name in [*rollups.SERVICE_COUNTS, "decision_days", "refusals", "stopped_at", "currency"]
    }


def expect(**figures) -> dict:
    return {**ZERO, "decision_days": {}, "refusals": {}, "stopped_at": {}, "currency": "", **figures}


def service_month(service_version, month: datetime.date, channel: str = "online") -> dict:
    row = ServiceMonth.objects.filter(service=service_version.service, month=month, channel=channel).values().get()
    return {
        name: row[name] for name in [*rollups.SERVICE_COUNTS, "decision_days", "refusals", "stopped_at", "currency"]
    }


def every_rollup_row() -> dict[str, list[tuple]]:
    """:func:`rollup_data.rollup_rows`, with the month totals as well."""
    tables = data.rollup_rows()
    for model in (ServiceMonth, ReportMonth):
        names = [f.attname for f in model._meta.concrete_fields if not f.primary_key]
        rows = [tuple(data._comparable(row[name]) for name in names) for row in model.objects.values(*names)]
        tables[model.__name__] = sorted(rows, key=repr)
    return tables


@pytest.fixture
def march(clock, citizen, caseworker_a, permit, licence):
    """Two weeks of one council's applications, to 12:00 on Friday 20 March (see each step)."""
    cw = caseworker_a

    def step(iso: str):
        clock.move_to(at(iso))

    step("2026-03-05T09:00:00+00:00")
    a = data.send(citizen, permit)
    b = data.send(citizen, permit)
    c = data.send(citizen, permit)
    d = data.send(citizen, permit)
    data.start(citizen, permit)  # E: stops on "vehicle"
    data.start(citizen, permit, page=None)  # F: stops before the first page
    g = data.start(citizen, permit)  # G: taken up again on the 18th
    step("2026-03-05T10:10:00+00:00")
    j = data.send(citizen, permit)  # still open on the 20th, past its due date
    step("2026-03-05T15:00:00+00:00")
    data.approve(cw, c)  # 0 working days
    step("2026-03-06T10:00:00+00:00")
    data.withdraw(citizen, d)
    step("2026-03-06T11:00:00+00:00")
    h = data.send(citizen, licence)  # waits for its fee
    step("2026-03-09T10:00:00+00:00")
    payment = data.pay_at_counter(cw, h)  # an online application paid at the counter
    step("2026-03-09T11:00:00+00:00")
    data.ask(cw, b)
    step("2026-03-10T09:00:00+00:00")
    data.answer(citizen, b)
    step("2026-03-10T11:00:00+00:00")
    data.approve(cw, a)  # Thu 5 -> Tue 10 over a weekend: 3 working days, on its due date
    feedback_give(actor=citizen, kind="application", reference=a.reference, answer=5)
    step("2026-03-11T11:00:00+00:00")
    data.refuse(cw, b, category="evidence_missing")  # 4 working days, a day late
    feedback_give(actor=citizen, kind="application", reference=b.reference, answer=2)
    step("2026-03-12T12:00:00+00:00")
    Refund.objects.create(
        payment=payment,
        amount=1000,
        reason="Part refund.",
        status=RefundStatus.SUCCESS,
        decided_at=at("2026-03-12T12:00:00+00:00"),
    )
    step("2026-03-16T09:00:00+00:00")
    k = data.send(citizen, permit, channel="helper")
    step("2026-03-16T09:30:00+00:00")
    data.assign(cw, k, cw)
    step("2026-03-18T10:00:00+00:00")
    data.save_again(citizen, g)
    step("2026-03-20T12:00:00+00:00")
    return {"j": j, "k": k, "h": h}


def test_service_days_count_every_column(march, permit, licence):
    rollups.recompute_days(rollups._days(D(2026, 3, 1), D(2026, 3, 20)))

    assert service_day(permit, D(2026, 3, 5)) == expect(
        started=8,
        submitted=5,
        queued=5,
        approved=1,
        decided_in_time=1,
        decision_days={"0": 1},
        left_queue=1,
        # E and F untouched for 7 days; G was saved again on the 18th, so it has not stopped.
        stopped_at={"vehicle": 1, "": 1},
    )
    assert service_day(permit, D(2026, 3, 6)) == expect(withdrawn=1, left_queue=1)
    assert service_day(permit, D(2026, 3, 9)) == expect(info_requests=1)
    assert service_day(permit, D(2026, 3, 10)) == expect(
        approved=1, decided_in_time=1, decision_days={"3": 1}, left_queue=1
    )
    assert service_day(permit, D(2026, 3, 11)) == expect(
        refused=1, decision_days={"4": 1}, refusals={"evidence_missing": 1}, left_queue=1
    )
    assert service_day(permit, D(2026, 3, 16), "helper") == expect(started=1, submitted=1, queued=1)
    # The fee: the case joins the queue when paid; the payment counts at the counter.
    assert service_day(licence, D(2026, 3, 6)) == expect(started=1, submitted=1)
    assert service_day(licence, D(2026, 3, 9)) == expect(queued=1)
    assert service_day(licence, D(2026, 3, 9), "counter") == expect(payments=1, paid=3000, currency="GBP")
    assert service_day(licence, D(2026, 3, 12), "counter") == expect(refunds=1, refunded=1000, currency="GBP")
    # A row only where something happened.
    assert ServiceDay.objects.count() == 10
    assert not ServiceDay.objects.filter(day=D(2026, 3, 18)).exists()


def test_month_rows_add_up_their_days(march, agency_a, permit, licence):
    rollups.recompute_days(rollups._days(D(2026, 3, 1), D(2026, 3, 20)))
    # A day of another month, which March's totals leave out.
    ServiceDay.objects.create(day=D(2026, 4, 1), agency=agency_a, service=permit.service, started=50)

    rollups.recompute_months([D(2026, 3, 31)])

    assert service_month(permit, D(2026, 3, 1)) == expect(
        started=8,
        submitted=5,
        queued=5,
        approved=2,
        refused=1,
        decided_in_time=2,
        decision_days={"0": 1, "3": 1, "4": 1},
        refusals={"evidence_missing": 1},
        withdrawn=1,
        left_queue=4,
        stopped_at={"vehicle": 1, "": 1},
        info_requests=1,
    )
    assert service_month(permit, D(2026, 3, 1), "helper") == expect(started=1, submitted=1, queued=1)
    assert service_month(licence, D(2026, 3, 1)) == expect(started=1, submitted=1, queued=1)
    assert service_month(licence, D(2026, 3, 1), "counter") == expect(
        payments=1, paid=3000, refunds=1, refunded=1000, currency="GBP"
    )
    assert ServiceMonth.objects.count() == 4
    assert set(ServiceMonth.objects.values_list("agency_id", flat=True)) == {agency_a.pk}

    # Every number of the month is the sum of its days, per service and channel.
    for month_row in ServiceMonth.objects.all():
        days = ServiceDay.objects.filter(
            service=month_row.service_id, channel=month_row.channel, day__gte=D(2026, 3, 1), day__lte=D(2026, 3, 31)
        )
        for name in rollups.SERVICE_COUNTS:
            assert getattr(month_row, name) == sum(getattr(row, name) for row in days), name


def test_months_and_snapshots(march, agency_a, caseworker_a, permit, licence):
    idle = data.version(agency_a, "idle")
    BacklogSnapshot.objects.create(
        agency=agency_a, service=idle.service, open_count=3, taken_at=at("2026-03-01T00:00:00+00:00")
    )
    now = at("2026-03-20T12:00:00+00:00")

    rollups.take_snapshots(now=now)
    rollups.recompute_months([D(2026, 3, 9)])

    backlog = {row.service_id: row for row in BacklogSnapshot.objects.all()}
    assert set(backlog) == {permit.service_id, licence.service_id}  # the idle service's is gone
    permit_backlog = backlog[permit.service_id]
    # J joined on Thu 5 March (11 working days ago, due on the 10th), K on Mon 16 (4, due the 19th).
    assert (permit_backlog.open_count, permit_backlog.overdue) == (2, 2)
    assert permit_backlog.ages == {"11-20": 1, "0-5": 1}
    assert permit_backlog.oldest_queued_at == at("2026-03-05T10:10:00+00:00")
    assert permit_backlog.taken_at == now and permit_backlog.agency_id == agency_a.pk
    licence_backlog = backlog[licence.service_id]
    assert (licence_backlog.open_count, licence_backlog.overdue, licence_backlog.ages) == (1, 0, {"6-10": 1})
    assert licence_backlog.oldest_queued_at == at("2026-03-09T10:00:00+00:00")

    workload = WorkloadSnapshot.objects.get()
    assert (workload.agency_id, workload.assignee_id) == (agency_a.pk, caseworker_a.pk)
    assert (workload.open_count, workload.overdue, workload.ages) == (1, 1, {"0-5": 1})
    assert workload.oldest_queued_at == at("2026-03-16T09:00:00+00:00")

    satisfaction = SatisfactionMonth.objects.get()
    assert (satisfaction.month, satisfaction.service_id, satisfaction.topic, satisfaction.channel) == (
        D(2026, 3, 1),
        permit.service_id,
        "application",
        "online",
    )
    assert satisfaction.answers == {"5": 1, "2": 1}


def test_a_decision_after_midnight_in_summer_counts_on_the_local_day(clock, citizen, caseworker_a, permit):
    clock.move_to(at("2026-06-10T09:00:00+01:00"))
    application = data.send(citizen, permit)
    clock.move_to(at("2026-06-10T23:30:00+00:00"))  # 00:30 on Thursday 11 June in London
    data.approve(caseworker_a, application)

    rollups.recompute_days([D(2026, 6, 10), D(2026, 6, 11)], now=at("2026-06-11T08:00:00+01:00"))

    assert service_day(permit, D(2026, 6, 10)) == expect(started=1, submitted=1, queued=1)
    assert service_day(permit, D(2026, 6, 11)) == expect(
        approved=1, decided_in_time=1, decision_days={"1": 1}, left_queue=1
    )


def test_working_days_from_running_totals_are_the_calendars():
    """The engine counts working days from running totals; they are working_days_between's,
    over Christmas, New Year and Easter, in both directions, whichever date it is asked first."""
    from ecitizen.core.working_days import working_days_between

    working = rollups._WorkingDays()
    days = [D(2026, 12, 1) + datetime.timedelta(days=n) for n in range(0, 150, 3)]
    pairs = [(start, end) for start in days for end in days[::4]]
    random.Random(5).shuffle(pairs)  # dates before and after those asked already, in any order
    for start, end in pairs:
        assert working.between(start, end) == working_days_between(start, end), (start, end)
    assert working.between(D(2026, 12, 24), D(2026, 12, 29)) == 1  # Christmas, the weekend, Boxing Day observed


# --- problem reports -------------------------------------------------------------------------


@pytest.fixture
def places(agency_a):
    return {
        "old_town": data.area(agency_a, "Old Town", data.square(0.000, 52.020, 0.020, 52.040)),
        "millbrook": data.area(agency_a, "Millbrook", data.square(0.000, 52.000, 0.020, 52.020)),
        "pothole": data.category(agency_a, "pothole"),
        "streetlight": data.category(agency_a, "streetlight"),
    }


def report_day(day, place_category, place_area) -> dict:
    row = ReportDay.objects.filter(day=day, category=place_category, area=place_area).values().get()
    return {name: row[name] for name in [*rollups.REPORT_COUNTS, "response_hours", "fix_days"]}


def reports_expect(**figures) -> dict:
    return {**NO_REPORTS, "response_hours": {}, "fix_days": {}, **figures}


def test_report_days_and_the_map(clock, citizen, caseworker_a, places):
    cw = caseworker_a
    clock.move_to(at("2026-03-02T08:00:00+00:00"))
    r1 = data.report(citizen, "pothole", *OLD_TOWN)
    clock.move_to(at("2026-03-02T08:30:00+00:00"))
    r2 = data.report(citizen, "pothole", *MILLBROOK)
    clock.move_to(at("2026-03-02T09:00:00+00:00"))
    # Made without signing in and never confirmed: received by nobody.
    data.report(AnonymousUser(), "pothole", *OLD_TOWN, email="passer-by@example.org", name="Passer-by")
    clock.move_to(at("2026-03-02T10:00:00+00:00"))
    r4 = data.report(citizen, "streetlight", *OLD_TOWN)
    clock.move_to(at("2026-03-02T11:00:00+00:00"))
    data.report(citizen, "pothole", *OLD_TOWN_2)
    clock.move_to(at("2026-03-02T13:30:00+00:00"))
    data.set_status(cw, r1, "investigating")  # first response after 5 h 30
    clock.move_to(at("2026-03-03T09:00:00+00:00"))
    data.set_status(cw, r2, "in_progress")  # after 24 h 30
    clock.move_to(at("2026-03-05T08:00:00+00:00"))
    data.set_status(cw, r1, "fixed")  # closed, then reopened: this closing no longer counts
    clock.move_to(at("2026-03-05T09:00:00+00:00"))
    data.set_status(cw, r4, "closed_not_fixed")  # first response and closed, after 71 h
    clock.move_to(at("2026-03-06T10:00:00+00:00"))
    from ecitizen.reports.services import report_add_update

    r1.refresh_from_db()
    report_add_update(actor=citizen, report=r1, text="Still there.", not_fixed=True)
    clock.move_to(at("2026-03-09T12:00:00+00:00"))
    data.set_status(cw, r2, "fixed")  # 7 days 3 h 30 after the report
    clock.move_to(at("2026-03-10T10:00:00+00:00"))
    data.set_status(cw, r1, "fixed")  # 8 days 2 h after
    clock.move_to(at("2026-03-11T10:00:00+00:00"))
    ReportUpdate.objects.create(report=r2, kind=UpdateKind.QUESTIONNAIRE, fixed_answer=True, is_public=True)
    ReportUpdate.objects.create(report=r1, kind=UpdateKind.QUESTIONNAIRE, fixed_answer=False, is_public=True)
    clock.move_to(at("2026-03-12T10:00:00+00:00"))

    rollups.recompute_days(rollups._days(D(2026, 3, 1), D(2026, 3, 12)))
    rollups.recompute_months([D(2026, 3, 1)])

    pothole, streetlight = places["pothole"], places["streetlight"]
    old_town, millbrook = places["old_town"], places["millbrook"]
    assert report_day(D(2026, 3, 2), pothole, old_town) == reports_expect(
        received=2, responded=1, response_hours={"5": 1}
    )
    assert report_day(D(2026, 3, 2), pothole, millbrook) == reports_expect(received=1)
    assert report_day(D(2026, 3, 2), streetlight, old_town) == reports_expect(received=1)
    assert report_day(D(2026, 3, 3), pothole, millbrook) == reports_expect(responded=1, response_hours={"24": 1})
    assert report_day(D(2026, 3, 5), streetlight, old_town) == reports_expect(
        responded=1, response_hours={"71": 1}, closed=1
    )
    assert not ReportDay.objects.filter(day=D(2026, 3, 5), category=pothole).exists()
    # The reporter's "not fixed" reopened it: a reopening, and a "no" to "is it fixed?".
    assert report_day(D(2026, 3, 6), pothole, old_town) == reports_expect(reopened=1, fixed_no=1)
    assert report_day(D(2026, 3, 9), pothole, millbrook) == reports_expect(closed=1, fixed=1, fix_days={"7": 1})
    assert report_day(D(2026, 3, 10), pothole, old_town) == reports_expect(closed=1, fixed=1, fix_days={"8": 1})
    assert report_day(D(2026, 3, 11), pothole, millbrook) == reports_expect(fixed_yes=1)
    assert report_day(D(2026, 3, 11), pothole, old_town) == reports_expect(fixed_no=1)
    assert ReportDay.objects.count() == 10
    assert set(ReportDay.objects.values_list("agency_id", flat=True)) == {pothole.agency_id}

    # March added up per category and area: the sums of the days, histograms merged.
    month = {(row.category_id, row.area_id): row for row in ReportMonth.objects.filter(month=D(2026, 3, 1))}
    assert set(month) == {(pothole.pk, old_town.pk), (pothole.pk, millbrook.pk), (streetlight.pk, old_town.pk)}
    pothole_old_town = month[(pothole.pk, old_town.pk)]
    assert (pothole_old_town.received, pothole_old_town.responded, pothole_old_town.closed) == (2, 1, 1)
    assert (pothole_old_town.fixed, pothole_old_town.reopened, pothole_old_town.fixed_no) == (1, 1, 2)
    assert (pothole_old_town.response_hours, pothole_old_town.fix_days) == ({"5": 1}, {"8": 1})
    pothole_millbrook = month[(pothole.pk, millbrook.pk)]
    assert (pothole_millbrook.response_hours, pothole_millbrook.fix_days) == ({"24": 1}, {"7": 1})
    assert (pothole_millbrook.received, pothole_millbrook.fixed, pothole_millbrook.fixed_yes) == (1, 1, 1)
    assert ReportMonth.objects.get(category=streetlight).closed == 1

    cells = {(row.category_id, row.cell): row for row in ReportCellMonth.objects.filter(month=D(2026, 3, 1))}
    assert {key: row.count for key, row in cells.items()} == {
        (pothole.pk, geo.cell_of(*OLD_TOWN)): 2,
        (pothole.pk, geo.cell_of(*MILLBROOK)): 1,
        (streetlight.pk, geo.cell_of(*OLD_TOWN)): 1,
    }
    both = cells[(pothole.pk, geo.cell_of(*OLD_TOWN))]
    assert (both.latitude, both.longitude) == (pytest.approx(52.0315), pytest.approx(0.0065))


# --- runs ------------------------------------------------------------------------------------


def test_runs_record_their_days_and_the_hourly_run_starts_where_the_last_one_started(clock, citizen, permit):
    clock.move_to(at("2026-03-10T10:00:00+00:00"))
    data.send(citizen, permit)

    first = rollups.run_hourly()
    assert (first.kind, first.first_day, first.last_day) == ("hourly", D(2026, 3, 9), D(2026, 3, 10))
    assert first.finished_at >= first.started_at == at("2026-03-10T10:00:00+00:00")
    assert first.rows == 3  # the day's row, its month's and the backlog snapshot

    clock.move_to(at("2026-03-12T08:00:00+00:00"))
    later = rollups.run_hourly()
    assert (later.first_day, later.last_day) == (D(2026, 3, 10), D(2026, 3, 12))

    daily = rollups.run_daily()
    assert (daily.first_day, daily.last_day) == (D(2026, 2, 6), D(2026, 3, 12))  # 35 days

    # An unfinished run (it failed) is not where the next one starts from.
    RollupRun.objects.create(kind="hourly", started_at=at("2026-03-13T09:00:00+00:00"))
    clock.move_to(at("2026-03-13T10:00:00+00:00"))
    assert rollups.run_hourly().first_day == D(2026, 3, 12)

    rebuilt = rollups.rebuild()
    assert (rebuilt.first_day, rebuilt.last_day) == (D(2026, 3, 10), D(2026, 3, 13))


def test_rebuild_removes_rows_outside_the_activity(clock, citizen, agency_a, permit):
    clock.move_to(at("2026-03-10T10:00:00+00:00"))
    data.send(citizen, permit)
    ServiceDay.objects.create(day=D(2025, 1, 1), agency=agency_a, service=permit.service, started=9)
    ServiceMonth.objects.create(month=D(2025, 1, 1), agency=agency_a, service=permit.service, started=9)
    ReportCellMonth.objects.create(
        month=D(2025, 1, 1),
        agency=agency_a,
        category=data.category(agency_a, "graffiti"),
        cell=1,
        latitude=0,
        longitude=0,
        count=4,
    )

    rollups.rebuild()

    assert list(ServiceDay.objects.values_list("day", "started")) == [(D(2026, 3, 10), 1)]
    assert list(ServiceMonth.objects.values_list("month", "started")) == [(D(2026, 3, 1), 1)]
    assert not ReportCellMonth.objects.exists()


def _activity(clock, day: int, people: dict, versions: dict, kept: dict) -> None:
    """One day of varied activity on day *day* of March 2026 (London, UTC in March)."""
    citizen, cw = people["citizen"], people["caseworker"]
    permit, licence = versions["permit"], versions["licence"]

    def moment(hour: int, minute: int = 0) -> None:
        clock.move_to(datetime.datetime(2026, 3, day, hour, minute, tzinfo=datetime.UTC))

    moment(8)
    sent = data.send(citizen, permit, channel="counter" if day % 3 == 0 else None)
    opened = kept.setdefault("open", [])
    opened.append(sent)
    kept.setdefault("drafts", []).append(data.start(citizen, permit, page="proof" if day % 2 else "vehicle"))
    if day % 2 == 0:
        moment(9)
        fee_case = data.send(citizen, licence)
        moment(9, 30)
        data.pay_at_counter(cw, fee_case, "card_terminal" if day % 4 == 0 else "cash")
        opened.append(fee_case)
    moment(10)
    reports = kept.setdefault("reports", [])
    reports.append(data.report(citizen, "pothole" if day % 2 else "streetlight", *OLD_TOWN))
    if len(reports) > 1:
        moment(10, 30)
        data.set_status(cw, reports[-2], "fixed" if day % 2 else "investigating")
    if len(opened) > 2:
        moment(11)
        data.approve(cw, opened.pop(0))
    if day % 3 == 1 and len(opened) > 2:
        moment(12)
        data.refuse(cw, opened.pop(0), category="not_eligible" if day % 2 else "duplicate")
    if day % 4 == 2 and opened:
        moment(14)
        data.withdraw(citizen, opened.pop())
    if day % 5 == 0 and opened:
        moment(15)
        data.ask(cw, opened.pop(0))
    if day == 11:  # a draft that had stopped is taken up again, another one is sent at last
        moment(16)
        data.save_again(citizen, kept["drafts"][0])
        data.submit(citizen, kept["drafts"][1])
    if day == 6:
        moment(17)
        feedback_give(actor=citizen, kind="application", reference=sent.reference, answer=4)


def test_hourly_runs_agree_with_a_rebuild(clock, citizen, caseworker_a, permit, licence, places):
    """Twelve days of activity with an hourly run after each step (and none at night): the rows
    the runs left equal those a rebuild writes from scratch at the same instant."""
    people = {"citizen": citizen, "caseworker": caseworker_a}
    versions = {"permit": permit, "licence": licence}
    kept: dict = {}
    for day in range(2, 14):
        _activity(clock, day, people, versions, kept)
        clock.move_to(datetime.datetime(2026, 3, day, 18, tzinfo=datetime.UTC))
        rollups.run_hourly()
        clock.move_to(datetime.datetime(2026, 3, day, 23, 50, tzinfo=datetime.UTC))
        rollups.run_hourly()

    incremental = every_rollup_row()
    rollups.rebuild()

    # The drafts of the 4th to the 6th have stopped; the 2nd's was taken up again, the 3rd's sent.
    stopped = {day: service_day(permit, D(2026, 3, day))["stopped_at"] for day in range(2, 8)}
    assert stopped == {2: {}, 3: {}, 4: {"vehicle": 1}, 5: {"proof": 1}, 6: {"vehicle": 1}, 7: {}}
    assert service_month(permit, D(2026, 3, 1))["stopped_at"] == {"vehicle": 2, "proof": 1}
    assert incremental["ServiceDay"] and incremental["ReportDay"] and incremental["SatisfactionMonth"]
    assert incremental["ServiceMonth"] and incremental["ReportMonth"]
    assert every_rollup_row() == incremental


def test_what_changes_an_earlier_day_is_caught_by_the_daily_run(clock, citizen, caseworker_a, places):
    """A report reopened days after it was closed takes its closing away from that day: the
    hourly run does not look back there, the daily run does, and then agrees with a rebuild."""
    clock.move_to(at("2026-03-02T08:00:00+00:00"))
    made = data.report(citizen, "pothole", *OLD_TOWN)
    clock.move_to(at("2026-03-02T12:00:00+00:00"))
    data.set_status(caseworker_a, made, "fixed")
    rollups.run_hourly()
    assert ReportDay.objects.get(day=D(2026, 3, 2)).closed == 1
    clock.move_to(at("2026-03-04T10:00:00+00:00"))
    rollups.run_hourly()

    clock.move_to(at("2026-03-05T10:00:00+00:00"))
    from ecitizen.reports.services import report_add_update

    made.refresh_from_db()
    report_add_update(actor=citizen, report=made, text="It is back.", not_fixed=True)
    rollups.run_hourly()
    assert ReportDay.objects.get(day=D(2026, 3, 2)).closed == 1  # not looked at again

    assert ReportMonth.objects.get(month=D(2026, 3, 1)).closed == 1

    rollups.run_daily()
    assert ReportDay.objects.get(day=D(2026, 3, 2)).closed == 0
    assert ReportMonth.objects.get(month=D(2026, 3, 1)).closed == 0
    after_daily = every_rollup_row()
    rollups.rebuild()
    assert every_rollup_row() == after_daily
