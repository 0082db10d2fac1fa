"""The rollup engine: fills the tables of :mod:`ecitizen.analytics.models` from the live tables.

Every rollup row is a function of the live tables for its day (or month), so any day can be
recomputed at any time: :func:`recompute_days` reads a run of days with a few grouped queries
(no transaction held while it reads or computes), then replaces each day's rows in one short
transaction, so readers never wait for the arithmetic and never see half a day.

Three runs use it (and record themselves as a :class:`~ecitizen.analytics.models.RollupRun`):

* :func:`run_hourly` recomputes the days since the last run started, plus the older days whose
  drafts stopped (or were taken up again) since then, so that incremental rollups agree with a
  rebuild without ever scanning history;
* :func:`run_daily` recomputes the last ``ANALYTICS_RECHECK_DAYS`` days, which catches what
  changes an earlier day after the fact: a report confirmed, reopened or passed to another
  agency days after it was made;
* :func:`rebuild` recomputes every day from the first activity to today (``manage.py
  analytics_rebuild``) and removes rows outside that range.

Each also recomputes the months those days fall in (:func:`recompute_months`: the map of
reports, satisfaction, and the days' figures added up per month, which long periods read instead
of their days) and takes the backlog and workload snapshots.

Days are local dates of ``TIME_ZONE`` (the deployment's), bounded by timezone-aware instants;
working days are counted as :func:`ecitizen.core.working_days.working_days_between` counts them.

These are derived figures, not acts of anyone: they write no audit rows. The run itself is
their record (when, which days, how many rows, how long).
"""

from __future__ import annotations

import datetime
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import NotSupportedError, connections, transaction
from django.db.models import (
    Avg,
    Case,
    CharField,
    Count,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from ecitizen.analytics import conf
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
from ecitizen.cases.models import OPEN_STATUSES, Application, Channel, InformationRequest, Status
from ecitizen.catalogue.models import Service
from ecitizen.core.working_days import is_working_day
from ecitizen.engagement.feedback.models import Rating
from ecitizen.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from ecitizen.payments.services import COUNTER_METHODS
from ecitizen.reports.models import Report, ReportUpdate, UpdateKind
from ecitizen.reports.models import Status as ReportStatus

ONE_DAY = datetime.timedelta(days=1)
ONE_HOUR = datetime.timedelta(hours=1)
# The longest run of days read with one set of queries: a month of a million-case year is a few
# tens of thousands of rows per query, and a day's rows are still replaced one day at a time.
SPAN_DAYS = 31
# Days this close to each other are read together (see _spans).
MERGE_GAP_DAYS = 7
# A write stamped just before a run started may commit just after it read: the next run starts
# from the day this long before the last run's start, so a write at 23:59 is never missed.
LATE_COMMIT_MARGIN = datetime.timedelta(minutes=15)
# Buckets of the backlog's age, in working days since a case joined the queue (upper bound inclusive).
AGE_BUCKETS: tuple[tuple[str, int | None], ...] = (
    ("0-5", 5),
    ("6-10", 10),
    ("11-20", 20),
    ("21-40", 40),
    ("41+", None),
)
SERVICE_COUNTS = (
    "started",
    "submitted",
    "queued",
    "approved",
    "refused",
    "decided_in_time",
    "withdrawn",
    "left_queue",
    "info_requests",
    "payments",
    "paid",
    "refunds",
    "refunded",
)
SERVICE_HISTOGRAMS = ("decision_days", "refusals", "stopped_at")
REPORT_COUNTS = ("received", "responded", "closed", "fixed", "reopened", "fixed_yes", "fixed_no")
REPORT_HISTOGRAMS = ("response_hours", "fix_days")


# --- days and time ---------------------------------------------------------------------------


def _tz() -> datetime.tzinfo:
    return timezone.get_default_timezone()


def _local_date(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment, _tz()).date()


def _start_of(day: datetime.date) -> datetime.datetime:
    """The instant *day* begins in the deployment's time zone."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=_tz())


def _bounds(first: datetime.date, last: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The instants from the start of *first* to the start of the day after *last*."""
    return _start_of(first), _start_of(last + ONE_DAY)


def _in(field_name: str, first: datetime.date, last: datetime.date) -> Q:
    start, end = _bounds(first, last)
    return Q(**{f"{field_name}__gte": start, f"{field_name}__lt": end})


def _day_of(expression) -> TruncDate:
    """The local date of a timestamp column, computed by the database (grouping by it)."""
    return TruncDate(expression, tzinfo=_tz())


def _days(first: datetime.date, last: datetime.date) -> Iterator[datetime.date]:
    day = first
    while day <= last:
        yield day
        day += ONE_DAY


def _spans(days: Iterable[datetime.date]) -> list[tuple[datetime.date, datetime.date]]:
    """*days* as runs of days to read together, none longer than :data:`SPAN_DAYS`.

    Days a few apart share a run (the days between are recomputed too, which changes nothing
    but costs less than reading twice: some queries cost the same for one day as for many).
    """
    spans: list[tuple[datetime.date, datetime.date]] = []
    for day in sorted(set(days)):
        if spans and (day - spans[-1][1]).days <= MERGE_GAP_DAYS and (day - spans[-1][0]).days < SPAN_DAYS:
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


def _month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _next_month(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1)


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], _month_of(first)
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


class _WorkingDays:
    """Working days between two dates, as :func:`working_days_between` counts them, from running
    totals: a run asks for thousands of pairs of dates, and the calendar is asked once per date.

    ``_totals[i]`` is how many working days there are after ``_anchor`` up to and including the
    date *i* days after it, so the working days after *a* up to *b* are ``total(b) - total(a)``.
    """

    def __init__(self) -> None:
        self._anchor: datetime.date | None = None
        self._totals: list[int] = []

    def _total(self, day: datetime.date) -> int:
        if self._anchor is None:
            self._anchor, self._totals = day, [0]
        if day < self._anchor:
            earlier = self._anchor - day
            flags = [is_working_day(day + datetime.timedelta(days=n)) for n in range(1, earlier.days + 1)]
            head = [0]
            for flag in flags:
                head.append(head[-1] + flag)
            self._anchor, self._totals = day, head + [head[-1] + total for total in self._totals[1:]]
        index = (day - self._anchor).days
        while len(self._totals) <= index:
            following = self._anchor + datetime.timedelta(days=len(self._totals))
            self._totals.append(self._totals[-1] + is_working_day(following))
        return self._totals[index]

    def between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after *start* up to and including *end*; negative if *end* is earlier."""
        self._total(min(start, end))  # first: an earlier anchor renumbers the totals
        return self._total(end) - self._total(start)


def age_bucket(working_days: int) -> str:
    """The :data:`AGE_BUCKETS` label for a case open *working_days* working days."""
    for label, upper in AGE_BUCKETS:
        if upper is None or working_days <= upper:
            return label
    return AGE_BUCKETS[-1][0]


# --- services, a run of days -----------------------------------------------------------------


@dataclass
class _Figures:
    """One rollup row being added up (a ServiceDay's or a ReportDay's)."""

    counts: Counter = field(default_factory=Counter)
    histograms: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))


def _service_days(
    first: datetime.date, last: datetime.date, *, now: datetime.datetime
) -> dict[datetime.date, list[ServiceDay]]:
    """The ServiceDay rows of the days *first* to *last*, by day (only rows with a non-zero figure).

    Payments of tax bills (which belong to no application, hence no service) are left out: they
    are not service delivery, and the payments dashboard counts them.
    """
    services = {
        pk: (agency_id, currency)
        for pk, agency_id, currency in Service.objects.values_list("pk", "agency_id", "fee_currency")
    }
    figures: dict[tuple[datetime.date, int, str], _Figures] = defaultdict(_Figures)
    service = "service_version__service_id"

    def add(rows, name: str, count: str = "n", key: str = service, channel: str = "channel") -> None:
        for row in rows:
            if row[count]:
                figures[(row["d"], row[key], row[channel])].counts[name] += row[count]

    applications = Application.objects.order_by()
    for name, moment in (("started", "created_at"), ("submitted", "submitted_at"), ("queued", "queued_at")):
        rows = (
            applications.filter(_in(moment, first, last))
            .annotate(d=_day_of(moment))
            .values("d", service, "channel")
            .annotate(n=Count("id"))
        )
        add(rows, name)

    withdrawn = (
        applications.filter(_in("withdrawn_at", first, last))
        .annotate(d=_day_of("withdrawn_at"))
        .values("d", service, "channel")
        .annotate(n=Count("id"), left=Count("id", filter=Q(queued_at__isnull=False)))
    )
    withdrawn = list(withdrawn)
    add(withdrawn, "withdrawn")
    add(withdrawn, "left_queue", count="left")

    _add_decisions(figures, first, last)

    stopped_before = now - datetime.timedelta(days=conf.draft_stopped_after_days())
    stopped = (
        applications.filter(_in("created_at", first, last), status=Status.DRAFT, updated_at__lt=stopped_before)
        .annotate(d=_day_of("created_at"))
        .values("d", service, "channel", "last_page_id")
        .annotate(n=Count("id"))
    )
    for row in stopped:
        figures[(row["d"], row[service], row["channel"])].histograms["stopped_at"][row["last_page_id"]] += row["n"]

    requests = (
        InformationRequest.objects.order_by()
        .filter(_in("created_at", first, last))
        .annotate(d=_day_of("created_at"))
        .values("d", f"application__{service}", "application__channel")
        .annotate(n=Count("id"))
    )
    add(requests, "info_requests", key=f"application__{service}", channel="application__channel")

    # A payment taken at a counter counts in the counter channel, whichever way the case was made.
    paid_service = f"bill__application__{service}"
    payments = (
        Payment.objects.order_by()
        .filter(_in("finished_at", first, last), status=PaymentStatus.SUCCESS, bill__application__isnull=False)
        .annotate(
            d=_day_of("finished_at"),
            ch=Case(
                When(method__in=COUNTER_METHODS, then=Value(Channel.COUNTER)),
                default=F("bill__application__channel"),
                output_field=CharField(),
            ),
        )
        .values("d", paid_service, "ch")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    payments = list(payments)
    add(payments, "payments", key=paid_service, channel="ch")
    add(payments, "paid", count="total", key=paid_service, channel="ch")

    # A refund counts on the day it was decided (when it succeeded at once: the day it was made).
    refunded_service = f"payment__bill__application__{service}"
    refunds = (
        Refund.objects.order_by()
        .filter(status=RefundStatus.SUCCESS, payment__bill__application__isnull=False)
        .annotate(at=Coalesce("decided_at", "created_at"))
        .filter(_in("at", first, last))
        .annotate(
            d=_day_of("at"),
            ch=Case(
                When(payment__method__in=COUNTER_METHODS, then=Value(Channel.COUNTER)),
                default=F("payment__bill__application__channel"),
                output_field=CharField(),
            ),
        )
        .values("d", refunded_service, "ch")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    refunds = list(refunds)
    add(refunds, "refunds", key=refunded_service, channel="ch")
    add(refunds, "refunded", count="total", key=refunded_service, channel="ch")

    result: dict[datetime.date, list[ServiceDay]] = defaultdict(list)
    for (day, service_id, channel), figure in figures.items():
        if service_id not in services or not (any(figure.counts.values()) or figure.histograms):
            continue
        agency_id, currency = services[service_id]
        counts = figure.counts
        result[day].append(
            ServiceDay(
                day=day,
                agency_id=agency_id,
                service_id=service_id,
                channel=channel,
                **{name: counts[name] for name in SERVICE_COUNTS},
                decision_days=dict(figure.histograms.get("decision_days", {})),
                refusals=dict(figure.histograms.get("refusals", {})),
                stopped_at=dict(figure.histograms.get("stopped_at", {})),
                currency=currency if counts["payments"] or counts["refunds"] else "",
            )
        )
    return result


def _add_decisions(figures: dict, first: datetime.date, last: datetime.date) -> None:
    """Approvals and refusals of the days, grouped by the day each case joined the queue: the
    working days from there to the decision (weekends, public holidays) are counted here, once
    per group, from the calendar of :mod:`ecitizen.core.working_days`."""
    working = _WorkingDays()
    decided_on = _day_of("decided_at")
    decisions = (
        Application.objects.order_by()
        .filter(_in("decided_at", first, last), status__in=[Status.APPROVED, Status.REFUSED])
        .annotate(d=decided_on, joined_on=_day_of(Coalesce("queued_at", "submitted_at")))
        .values("d", "service_version__service_id", "channel", "status", "refusal_category", "joined_on")
        .annotate(n=Count("id"), in_time=Count("id", filter=Q(due_date__gte=decided_on)))
    )
    for row in decisions:
        figure = figures[(row["d"], row["service_version__service_id"], row["channel"])]
        n = row["n"]
        figure.counts["left_queue"] += n
        figure.counts["decided_in_time"] += row["in_time"]
        if row["status"] == Status.APPROVED:
            figure.counts["approved"] += n
        else:
            figure.counts["refused"] += n
            figure.histograms["refusals"][row["refusal_category"] or "other"] += n
        if row["joined_on"] is not None:
            figure.histograms["decision_days"][str(working.between(row["joined_on"], row["d"]))] += n


# --- problem reports, a run of days ----------------------------------------------------------


class _WholeUnits(Func):
    """Whole *unit*s (rounded down) from one instant to a later one, computed by PostgreSQL."""

    output_field = IntegerField()

    def __init__(self, since: str, moment: str, unit: datetime.timedelta):
        super().__init__(F(since), F(moment))
        self.unit_seconds = int(unit.total_seconds())

    def as_sql(self, compiler, connection, **extra):
        raise NotSupportedError("Whole units between instants are computed by PostgreSQL only (see _elapsed).")

    def as_postgresql(self, compiler, connection, **extra):
        since, since_params = compiler.compile(self.source_expressions[0])
        moment, moment_params = compiler.compile(self.source_expressions[1])
        sql = f"FLOOR(EXTRACT(EPOCH FROM ({moment} - {since})) / {self.unit_seconds})::integer"
        return sql, (*moment_params, *since_params)


def _elapsed(
    rows: QuerySet, *, since: str, moment: str, unit: datetime.timedelta, keys: tuple[str, ...]
) -> list[tuple]:
    """``(local day of moment, *keys, whole units from since to moment, count)`` for *rows*.

    PostgreSQL groups them itself; on another database (SQLite, the small embedded one) the two
    instants of each row are read and counted here. Both round down exactly alike, so the
    figures are the same on both.
    """
    if connections[rows.db].vendor == "postgresql":
        grouped = (
            rows.annotate(d=_day_of(moment), units=_WholeUnits(since, moment, unit))
            .values("d", *keys, "units")
            .annotate(n=Count("id"))
        )
        return [(row["d"], *(row[key] for key in keys), row["units"], row["n"]) for row in grouped]
    counted: Counter = Counter()
    for *values, start, end in rows.values_list(*keys, since, moment):
        counted[(_local_date(end), *values, (end - start) // unit)] += 1
    return [(*key, n) for key, n in counted.items()]


def _report_days(first: datetime.date, last: datetime.date) -> dict[datetime.date, list[ReportDay]]:
    """The ReportDay rows of the days *first* to *last*, by day, per report's current agency,
    category and area. Reports still waiting for their email address to be confirmed were never
    received by anyone: they count nowhere."""
    figures: dict[tuple[datetime.date, int, int, int | None], _Figures] = defaultdict(_Figures)
    reports = Report.objects.order_by().filter(confirmed_at__isnull=False)
    place = ("agency_id", "category_id", "area_id")

    received = (
        reports.filter(_in("created_at", first, last))
        .annotate(d=_day_of("created_at"))
        .values("d", *place)
        .annotate(n=Count("id"))
    )
    for row in received:
        figures[(row["d"], row["agency_id"], row["category_id"], row["area_id"])].counts["received"] += row["n"]

    responses = _elapsed(
        reports.filter(_in("first_response_at", first, last)),
        since="created_at",
        moment="first_response_at",
        unit=ONE_HOUR,
        keys=place,
    )
    for day, agency_id, category_id, area_id, hours, n in responses:
        figure = figures[(day, agency_id, category_id, area_id)]
        figure.counts["responded"] += n
        figure.histograms["response_hours"][str(hours)] += n

    closures = (
        reports.filter(_in("closed_at", first, last))
        .annotate(d=_day_of("closed_at"))
        .values("d", *place)
        .annotate(n=Count("id"))
    )
    for row in closures:
        figures[(row["d"], row["agency_id"], row["category_id"], row["area_id"])].counts["closed"] += row["n"]
    fixes = _elapsed(
        reports.filter(_in("closed_at", first, last), status=ReportStatus.FIXED),
        since="created_at",
        moment="closed_at",
        unit=ONE_DAY,
        keys=place,
    )
    for day, agency_id, category_id, area_id, days, n in fixes:
        figure = figures[(day, agency_id, category_id, area_id)]
        figure.counts["fixed"] += n
        figure.histograms["fix_days"][str(days)] += n

    updates = (
        ReportUpdate.objects.order_by()
        .filter(_in("created_at", first, last), report__confirmed_at__isnull=False)
        .annotate(d=_day_of("created_at"))
    )
    report_place = tuple(f"report__{name}" for name in place)
    reopened = updates.filter(kind=UpdateKind.REOPENED).values("d", *report_place).annotate(n=Count("id"))
    for row in reopened:
        figures[(row["d"], *(row[name] for name in report_place))].counts["reopened"] += row["n"]
    answers = (
        # Every "is it fixed?" answer: the questionnaire's, and a reporter's update ticked "not
        # fixed" (which becomes the reopening when it reopens a closed report; the answer stays on it).
        updates.filter(fixed_answer__isnull=False).values("d", *report_place, "fixed_answer").annotate(n=Count("id"))
    )
    for row in answers:
        name = "fixed_yes" if row["fixed_answer"] else "fixed_no"
        figures[(row["d"], *(row[name_] for name_ in report_place))].counts[name] += row["n"]

    result: dict[datetime.date, list[ReportDay]] = defaultdict(list)
    for (day, agency_id, category_id, area_id), figure in figures.items():
        if not any(figure.counts.values()):
            continue
        result[day].append(
            ReportDay(
                day=day,
                agency_id=agency_id,
                category_id=category_id,
                area_id=area_id,
                **{name: figure.counts[name] for name in REPORT_COUNTS},
                response_hours=dict(figure.histograms.get("response_hours", {})),
                fix_days=dict(figure.histograms.get("fix_days", {})),
            )
        )
    return result


# --- the interface ---------------------------------------------------------------------------

# PostgreSQL advisory lock key held by each transaction that replaces rollup rows.
WRITE_LOCK = 4_172_017


def _writers_take_turns() -> None:
    """Called first in each transaction that replaces rollup rows: two runs at once (an hourly run
    and the daily one, or a rebuild) then replace the same day one after the other. Otherwise, on
    PostgreSQL, the second one's DELETE would not see the rows the first one inserted meanwhile,
    and the day would be counted twice. SQLite lets one transaction write at a time already."""
    connection = connections[ServiceDay.objects.db]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK])


def recompute_days(days: Iterable[datetime.date], *, now: datetime.datetime | None = None) -> int:
    """Recompute the ServiceDay and ReportDay rows of *days*; returns how many rows were written.

    Days close together are read with one set of grouped queries, outside any transaction (the
    days between are recomputed too); then each day's rows are replaced in a short transaction
    of its own. *now*
    decides which drafts count as stopped (untouched for ``ANALYTICS_DRAFT_STOPPED_AFTER_DAYS``).
    """
    now = now or timezone.now()
    written = 0
    for first, last in _spans(days):
        services = _service_days(first, last, now=now)
        reports = _report_days(first, last)
        for day in _days(first, last):
            with transaction.atomic():
                _writers_take_turns()
                ServiceDay.objects.filter(day=day).delete()
                ReportDay.objects.filter(day=day).delete()
                written += len(ServiceDay.objects.bulk_create(services.get(day, [])))
                written += len(ReportDay.objects.bulk_create(reports.get(day, [])))
    return written


def _merged(rows: Iterable[dict], key: tuple[str, ...], names: tuple[str, ...]) -> dict[tuple, dict[str, Counter]]:
    """The histograms *names* of *rows* added up per *key*."""
    merged: dict[tuple, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for row in rows:
        found = merged[tuple(row[name] for name in key)]
        for name in names:
            if row[name]:
                found[name].update(row[name])
    return merged


def _service_month(month: datetime.date) -> list[ServiceMonth]:
    """The ServiceDay rows of *month* added up per service and channel (numbers by the database,
    histograms here). The agency and currency are the days' (the same on every day of a service
    unless its agency or fee currency changed since some of its days were last recomputed: then
    the latest value in sort order, as one row per service and channel must hold one)."""
    days = ServiceDay.objects.order_by().filter(day__gte=month, day__lt=_next_month(month))
    key = ("service_id", "channel")
    sums = days.values(*key).annotate(
        **{name: Sum(name) for name in SERVICE_COUNTS}, agency=Max("agency_id"), money=Max("currency")
    )
    with_histograms = days.filter(~Q(decision_days={}) | ~Q(refusals={}) | ~Q(stopped_at={}))
    histograms = _merged(with_histograms.values(*key, *SERVICE_HISTOGRAMS), key, SERVICE_HISTOGRAMS)
    rows = []
    for row in sums:
        found = histograms.get((row["service_id"], row["channel"]), {})
        rows.append(
            ServiceMonth(
                month=month,
                agency_id=row["agency"],
                service_id=row["service_id"],
                channel=row["channel"],
                **{name: row[name] or 0 for name in SERVICE_COUNTS},
                **{name: dict(found.get(name, {})) for name in SERVICE_HISTOGRAMS},
                currency=row["money"] or "",
            )
        )
    return rows


def _report_month(month: datetime.date) -> list[ReportMonth]:
    """The ReportDay rows of *month* added up per agency, category and area."""
    days = ReportDay.objects.order_by().filter(day__gte=month, day__lt=_next_month(month))
    key = ("agency_id", "category_id", "area_id")
    sums = days.values(*key).annotate(**{name: Sum(name) for name in REPORT_COUNTS})
    with_histograms = days.filter(~Q(response_hours={}) | ~Q(fix_days={}))
    histograms = _merged(with_histograms.values(*key, *REPORT_HISTOGRAMS), key, REPORT_HISTOGRAMS)
    rows = []
    for row in sums:
        found = histograms.get(tuple(row[name] for name in key), {})
        rows.append(
            ReportMonth(
                month=month,
                **{name: row[name] for name in key},
                **{name: row[name] or 0 for name in REPORT_COUNTS},
                **{name: dict(found.get(name, {})) for name in REPORT_HISTOGRAMS},
            )
        )
    return rows


def _replace_month_totals(month: datetime.date) -> int:
    """Replace the ServiceMonth and ReportMonth rows of *month* with its day rows added up; called
    inside a transaction that took :func:`_writers_take_turns`, so the days read are those the
    last writer left (a run that rewrites a day later adds its month up again after it)."""
    ServiceMonth.objects.filter(month=month).delete()
    ReportMonth.objects.filter(month=month).delete()
    written = len(ServiceMonth.objects.bulk_create(_service_month(month)))
    written += len(ReportMonth.objects.bulk_create(_report_month(month)))
    return written


def recompute_month_totals(months: Iterable[datetime.date]) -> int:
    """Add up again the day rows of *months* (any day of each) into ServiceMonth and ReportMonth;
    returns how many rows were written. :func:`recompute_months` does it for every month it
    recomputes; this is for rows written by hand (demo data, tests), which
    the live tables would not reproduce."""
    written = 0
    for month in sorted({_month_of(day) for day in months}):
        with transaction.atomic():
            _writers_take_turns()
            written += _replace_month_totals(month)
    return written


def recompute_months(months: Iterable[datetime.date], *, now: datetime.datetime | None = None) -> int:
    """Recompute the ReportCellMonth and SatisfactionMonth rows of *months* (any day of each) from
    the live tables, and their ServiceMonth and ReportMonth rows from the day rows (which must have
    been recomputed first); returns how many rows were written. *now* is accepted for symmetry:
    months depend on no clock."""
    written = 0
    for month in sorted({_month_of(day) for day in months}):
        start, end = _start_of(month), _start_of(_next_month(month))
        cells = (
            Report.objects.order_by()
            .filter(confirmed_at__isnull=False, created_at__gte=start, created_at__lt=end)
            .values("agency_id", "category_id", "cell")
            .annotate(n=Count("id"), lat=Avg("latitude"), lng=Avg("longitude"))
        )
        cell_rows = [
            ReportCellMonth(
                month=month,
                agency_id=row["agency_id"],
                category_id=row["category_id"],
                cell=row["cell"],
                latitude=row["lat"],
                longitude=row["lng"],
                count=row["n"],
            )
            for row in cells
        ]
        answers: dict[tuple, Counter] = defaultdict(Counter)
        ratings = (
            Rating.objects.order_by()
            .filter(month=month)
            .values("agency_id", "service_id", "kind", "channel", "answer")
            .annotate(n=Count("id"))
        )
        for row in ratings:
            answers[(row["agency_id"], row["service_id"], row["kind"], row["channel"])][str(row["answer"])] += row["n"]
        satisfaction_rows = [
            SatisfactionMonth(
                month=month, agency_id=agency_id, service_id=service_id, topic=topic, channel=channel, answers=dict(c)
            )
            for (agency_id, service_id, topic, channel), c in answers.items()
        ]
        with transaction.atomic():
            _writers_take_turns()
            ReportCellMonth.objects.filter(month=month).delete()
            SatisfactionMonth.objects.filter(month=month).delete()
            written += len(ReportCellMonth.objects.bulk_create(cell_rows))
            written += len(SatisfactionMonth.objects.bulk_create(satisfaction_rows))
            written += _replace_month_totals(month)
    return written


@dataclass
class _Open:
    open_count: int = 0
    overdue: int = 0
    ages: Counter = field(default_factory=Counter)
    oldest_queued_at: datetime.datetime | None = None


def _open_cases(key: tuple[str, ...], today: datetime.date, working: _WorkingDays) -> dict[tuple, _Open]:
    """Open cases grouped by *key* and by the local day they joined the queue (or were sent, for
    a case from before queueing was recorded), added up into counts and age buckets."""
    joined = Coalesce("queued_at", "submitted_at")
    rows = (
        Application.objects.order_by()
        .filter(status__in=OPEN_STATUSES)
        .annotate(joined_on=_day_of(joined))
        .values(*key, "joined_on")
        .annotate(n=Count("id"), late=Count("id", filter=Q(due_date__lt=today)), oldest=Min(joined))
    )
    result: dict[tuple, _Open] = defaultdict(_Open)
    for row in rows:
        found = result[tuple(row[name] for name in key)]
        found.open_count += row["n"]
        found.overdue += row["late"]
        joined_on = row["joined_on"] or today
        found.ages[age_bucket(max(working.between(joined_on, today), 0))] += row["n"]
        if row["oldest"] is not None and (found.oldest_queued_at is None or row["oldest"] < found.oldest_queued_at):
            found.oldest_queued_at = row["oldest"]
    return result


def take_snapshots(*, now: datetime.datetime | None = None) -> int:
    """Replace the backlog (per service) and workload (per agency and caseworker) snapshots with
    the open cases as they are at *now*; returns how many rows were written."""
    now = now or timezone.now()
    today = _local_date(now)
    working = _WorkingDays()
    agencies = dict(Service.objects.values_list("pk", "agency_id"))
    backlog = _open_cases(("service_version__service_id",), today, working)
    workload = _open_cases(("agency_id", "assignee_id"), today, working)
    backlog_rows = [
        BacklogSnapshot(
            agency_id=agencies[service_id],
            service_id=service_id,
            open_count=found.open_count,
            overdue=found.overdue,
            ages=dict(found.ages),
            oldest_queued_at=found.oldest_queued_at,
            taken_at=now,
        )
        for (service_id,), found in backlog.items()
        if service_id in agencies
    ]
    workload_rows = [
        WorkloadSnapshot(
            agency_id=agency_id,
            assignee_id=assignee_id,
            open_count=found.open_count,
            overdue=found.overdue,
            ages=dict(found.ages),
            oldest_queued_at=found.oldest_queued_at,
            taken_at=now,
        )
        for (agency_id, assignee_id), found in workload.items()
        if assignee_id is not None
    ]
    with transaction.atomic():
        _writers_take_turns()
        BacklogSnapshot.objects.all().delete()
        WorkloadSnapshot.objects.all().delete()
        written = len(BacklogSnapshot.objects.bulk_create(backlog_rows))
        written += len(WorkloadSnapshot.objects.bulk_create(workload_rows))
    return written


# --- runs ------------------------------------------------------------------------------------


def _run(
    kind: RollupRun.Kind,
    now: datetime.datetime,
    days: Iterable[datetime.date],
    months: Iterable[datetime.date],
    *,
    first_day: datetime.date | None,
    last_day: datetime.date | None,
) -> RollupRun:
    """Record a run, recompute *days*, *months* and the snapshots, and record how it went.

    The run's row is written first and finished last: a run that fails stays unfinished, and
    the next hourly run starts from the last *finished* one, so a failure loses no day.
    """
    clock = time.perf_counter()
    run = RollupRun.objects.create(kind=kind, started_at=now, first_day=first_day, last_day=last_day)
    rows = recompute_days(days, now=now)
    rows += recompute_months(months, now=now)
    rows += take_snapshots(now=now)
    run.seconds = time.perf_counter() - clock
    run.rows = rows
    run.finished_at = now + datetime.timedelta(seconds=run.seconds)
    run.save(update_fields=["rows", "seconds", "finished_at"])
    return run


def _changed_drafts_days(since: datetime.datetime, now: datetime.datetime, before: datetime.date) -> set:
    """Days before *before* whose ``stopped_at`` may have changed since *since*: drafts made
    those days that stopped meanwhile (untouched long enough), or that had been stopped and were
    saved or sent again. One query over the drafts and the recently sent."""
    after = datetime.timedelta(days=conf.draft_stopped_after_days())
    old_enough = Q(created_at__lt=now - after)
    changed = (
        Q(status=Status.DRAFT, updated_at__gte=since - after, updated_at__lt=now - after)
        | (Q(status=Status.DRAFT, updated_at__gte=since) & old_enough)
        | (Q(submitted_at__gte=since) & old_enough)
    )
    days = (
        Application.objects.order_by()
        .filter(changed, created_at__lt=_start_of(before))
        .annotate(d=_day_of("created_at"))
        .values_list("d", flat=True)
        .distinct()
    )
    return set(days)


def run_hourly(*, now: datetime.datetime | None = None) -> RollupRun:
    """Recompute the days since the last finished run started (from yesterday if none has run),
    the older days whose drafts stopped or were taken up since, their months, and the snapshots."""
    now = now or timezone.now()
    today = _local_date(now)
    last = RollupRun.objects.filter(finished_at__isnull=False).order_by("-started_at", "-pk").first()
    if last is None:
        first, extra = today - ONE_DAY, set()
    else:
        since = min(last.started_at - LATE_COMMIT_MARGIN, now)
        first = _local_date(since)
        extra = _changed_drafts_days(since, now, first)
    days = list(_days(first, today))
    months = {_month_of(day) for day in [*days, *extra]}
    # The run's range is the contiguous one; the drafts' older days are recomputed besides it.
    return _run(RollupRun.Kind.HOURLY, now, [*days, *extra], months, first_day=first, last_day=today)


def run_daily(*, now: datetime.datetime | None = None) -> RollupRun:
    """Recompute the last ``ANALYTICS_RECHECK_DAYS`` days (today included), their months and the
    snapshots: what changed an earlier day after the fact is counted within that many days."""
    now = now or timezone.now()
    today = _local_date(now)
    days = list(_days(today - datetime.timedelta(days=max(conf.recheck_days(), 1) - 1), today))
    months = {_month_of(day) for day in days}
    return _run(RollupRun.Kind.DAILY, now, days, months, first_day=days[0], last_day=days[-1])


def _earliest_activity() -> datetime.date | None:
    """The local date of the first application or received report (everything else follows one)."""
    moments = [
        Application.objects.aggregate(m=Min("created_at"))["m"],
        Report.objects.filter(confirmed_at__isnull=False).aggregate(m=Min("created_at"))["m"],
    ]
    moments = [moment for moment in moments if moment is not None]
    return _local_date(min(moments)) if moments else None


def rebuild(*, now: datetime.datetime | None = None) -> RollupRun:
    """Recompute every day from the first activity to today, every month from the first one
    (or the first rating's) to this one, and the snapshots; remove rollup rows outside."""
    now = now or timezone.now()
    today = _local_date(now)
    first = _earliest_activity()
    days = list(_days(first, today)) if first is not None else []
    first_rating = Rating.objects.aggregate(m=Min("month"))["m"]
    starts = [day for day in (first, first_rating) if day is not None]
    months = _months(min(starts), today) if starts else []
    with transaction.atomic():
        _writers_take_turns()
        if days:
            ServiceDay.objects.exclude(day__gte=days[0], day__lte=days[-1]).delete()
            ReportDay.objects.exclude(day__gte=days[0], day__lte=days[-1]).delete()
        else:
            ServiceDay.objects.all().delete()
            ReportDay.objects.all().delete()
        ReportCellMonth.objects.exclude(month__in=months).delete()
        SatisfactionMonth.objects.exclude(month__in=months).delete()
        ServiceMonth.objects.exclude(month__in=months).delete()
        ReportMonth.objects.exclude(month__in=months).delete()
    return _run(
        RollupRun.Kind.REBUILD,
        now,
        days,
        months,
        first_day=days[0] if days else None,
        last_day=days[-1] if days else None,
    )
