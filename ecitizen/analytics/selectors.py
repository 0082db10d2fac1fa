"""Figures read from the rollups: totals over a period, per month, per service or per agency.

Every function reads :mod:`ecitizen.analytics.models` rows only (a few per service and day),
never the live tables, so a page costs the same at a thousand applications as at a million.
Numbers are summed by the database; histograms (decision times, refusals, where drafts stop)
are added up here, so medians and percentiles over any period are exact.

A period is read as :class:`Rows`: its whole months from :class:`ServiceMonth` (the days of each
month already added up), the days at its edges that make no whole month from
:class:`ServiceDay`. A year is then a dozen rows per service and channel instead of hundreds,
and the figures are the same as from the days alone.

*Who* may see what is decided by :mod:`ecitizen.analytics.policies`; these functions take the
agency and service ids already allowed.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from django.db.models import CharField, F, IntegerField, Model, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone

from ecitizen.analytics.models import BacklogSnapshot, ChannelCost, SatisfactionMonth, ServiceDay, ServiceMonth
from ecitizen.cases.models import Channel

Key = Literal["month", "service", "agency", "channel"]
_SUMMED = (
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
_HISTOGRAMS = ("decision_days", "refusals", "stopped_at")
SATISFIED = ("4", "5")
ONE_DAY = datetime.timedelta(days=1)


def percentile(histogram: Counter, share: float) -> int | None:
    """The smallest value with at least *share* of the histogram's counts at or below it."""
    total = sum(histogram.values())
    if not total:
        return None
    needed = share * total
    running = 0
    for value in sorted(histogram, key=int):
        running += histogram[value]
        if running >= needed:
            return int(value)
    return None


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Totals:
    """Sums of :class:`~ecitizen.analytics.models.ServiceDay` rows, and the measures built on them."""

    key: object = None
    started: int = 0
    submitted: int = 0
    queued: int = 0
    approved: int = 0
    refused: int = 0
    decided_in_time: int = 0
    withdrawn: int = 0
    left_queue: int = 0
    info_requests: int = 0
    payments: int = 0
    paid: int = 0
    refunds: int = 0
    refunded: int = 0
    started_by_channel: Counter = field(default_factory=Counter)
    submitted_by_channel: Counter = field(default_factory=Counter)
    decision_days: Counter = field(default_factory=Counter)
    refusals: Counter = field(default_factory=Counter)
    stopped_at: Counter = field(default_factory=Counter)
    currencies: set = field(default_factory=set)

    @property
    def decided(self) -> int:
        return self.approved + self.refused

    @property
    def completion_rate(self) -> float | None:
        """Online applications sent ÷ online applications begun (GOV.UK's completion rate: how many
        people who start the digital journey finish it; staff at a counter always finish theirs)."""
        return _ratio(self.submitted_by_channel[Channel.ONLINE], self.started_by_channel[Channel.ONLINE])

    @property
    def digital_take_up(self) -> float | None:
        """Applications made online ÷ applications made through every channel."""
        return _ratio(self.submitted_by_channel[Channel.ONLINE], sum(self.submitted_by_channel.values()))

    @property
    def in_time_share(self) -> float | None:
        return _ratio(self.decided_in_time, self.decided)

    @property
    def refusal_share(self) -> float | None:
        return _ratio(self.refused, self.decided)

    @property
    def median_days(self) -> int | None:
        return percentile(self.decision_days, 0.5)

    @property
    def p90_days(self) -> int | None:
        return percentile(self.decision_days, 0.9)

    @property
    def info_requests_per_case(self) -> float | None:
        """Requests for more information ÷ cases that joined the queue."""
        return _ratio(self.info_requests, self.queued)

    @property
    def net_paid(self) -> int:
        return self.paid - self.refunded

    def cost_per_transaction(self, costs: dict[str, int]) -> float | None:
        """What a sent application cost on average, from the agency's cost per channel
        (``{channel: minor units}``); None when a channel in use has no cost set or nothing was sent."""
        sent = sum(self.submitted_by_channel.values())
        if not sent:
            return None
        total = 0
        for channel, count in self.submitted_by_channel.items():
            if count and channel not in costs:
                return None
            total += count * costs.get(channel, 0)
        return total / sent


def next_month(month: datetime.date) -> datetime.date:
    """The first day of the month after that of *month*."""
    return datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)


@dataclass(frozen=True)
class Rows:
    """The rollup rows of a period, in three parts: ``months``, month rows to add; ``days``, day
    rows to add; ``less``, day rows to take away (the days outside the period of an edge month
    read as its month row, see :func:`split_period`). Any may be empty (``none()``, which costs
    no query). Read it with :func:`totals_by`; narrow it with :meth:`filter`, which filters every
    part alike (any column both tables have: ``service_id``, ``currency``, ``channel``…)."""

    months: QuerySet
    days: QuerySet
    less: QuerySet

    def filter(self, *args: Any, **kwargs: Any) -> Rows:
        return type(self)(*(part.filter(*args, **kwargs) for part in (self.months, self.days, self.less)))

    def parts(self) -> list[tuple[QuerySet, int]]:
        """``(rows, sign)``: +1 for the rows to add, -1 for those to take away."""
        return [(self.months, 1), (self.days, 1), (self.less, -1)]


def _day_ranges(model: type[Model], ranges: list[tuple[datetime.date, datetime.date]]) -> QuerySet:
    if not ranges:
        return model.objects.none()
    where = Q()
    for first, last in ranges:
        where |= Q(day__gte=first, day__lte=last)
    return model.objects.filter(where)


def split_period(
    month_model: type[Model],
    day_model: type[Model],
    date_from: datetime.date,
    date_to: datetime.date,
    today: datetime.date | None = None,
) -> tuple[QuerySet, QuerySet, QuerySet]:
    """The rows of the period from *date_from* to *date_to*, as :class:`Rows` reads them: the
    months it holds whole from *month_model*; each month it holds in part either as its days in
    the period (*day_model*), or as its month row less its days outside the period, whichever
    reads fewer days. Days after *today* have no rows yet, so the month so far, up to today, is
    read as one month row rather than as up to 30 days; so is a month of which the period
    leaves out only a few days. The figures are the same either way: a month row is the sum of
    its days (:func:`ecitizen.analytics.rollups.recompute_months`)."""
    today = today or timezone.localdate()
    months: list[datetime.date] = []
    added: list[tuple[datetime.date, datetime.date]] = []
    taken: list[tuple[datetime.date, datetime.date]] = []
    month = date_from.replace(day=1)
    while month <= date_to:
        end = next_month(month) - datetime.timedelta(days=1)
        first, last = max(month, date_from), min(end, date_to)
        outside = [(month, first - ONE_DAY)] if first > month else []
        outside += [(last + ONE_DAY, end)] if last < end else []
        # Days outside the period that may have rows: those up to today.
        outside_days = sum(max((min(b, today) - a).days + 1, 0) for a, b in outside)
        if not outside:
            months.append(month)
        elif outside_days < (last - first).days + 1:
            months.append(month)
            taken += outside  # every day outside, future ones too: exact whatever rows exist
        else:
            added.append((first, last))
        month = next_month(month)
    month_rows = month_model.objects.filter(month__in=months) if months else month_model.objects.none()
    return month_rows, _day_ranges(day_model, added), _day_ranges(day_model, taken)


def service_days(
    *,
    agency_ids: Iterable[int] | None = None,
    service_ids: Iterable[int] | None = None,
    date_from: datetime.date,
    date_to: datetime.date,
) -> Rows:
    """The rollup rows of *agency_ids* (or *service_ids*) from *date_from* to *date_to*, inclusive:
    :class:`ServiceMonth` rows for the months, :class:`ServiceDay` rows for the days of the edges
    (see :func:`split_period`)."""
    rows = Rows(*split_period(ServiceMonth, ServiceDay, date_from, date_to))
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=list(agency_ids))
    if service_ids is not None:
        rows = rows.filter(service_id__in=list(service_ids))
    return rows


def as_parts(rows: Rows | QuerySet) -> list[tuple[QuerySet, int]]:
    """``(queryset, sign)`` for each part of *rows* (a :class:`Rows`, or one queryset of day or
    month rows) that may hold rows: an empty part, ``none()``, would cost a query for nothing."""
    parts = rows.parts() if isinstance(rows, Rows) else [(rows, 1)]
    return [(part, sign) for part, sign in parts if not part.query.is_empty()]


def tidy(total: object) -> bool:
    """After rows were taken away: clear what the subtraction left at zero (or, while a run is
    replacing a day and has not yet added its month up again, below zero) from a total (a
    :class:`Totals` or a report's), so that it reads as the days alone would. Returns whether
    nothing is left."""
    empty = True
    for spec in dataclasses.fields(total):
        if spec.name == "key":
            continue
        value = getattr(total, spec.name)
        if isinstance(value, Counter):
            for item in [item for item, count in value.items() if count <= 0]:
                del value[item]
            empty = empty and not value
        elif isinstance(value, int):
            setattr(total, spec.name, max(value, 0))
            empty = empty and value <= 0
    return empty


def month_of_row(queryset: QuerySet):
    """The expression of a row's month: its own ``month``, or the month of its ``day``."""
    return F("month") if "month" in {f.name for f in queryset.model._meta.fields} else TruncMonth("day")


def key_value(value: object, is_month: bool) -> object:
    """A key as read back from the database, made what the callers compare it with: a month is a
    date (PostgreSQL gives the month of a day as a timestamp; SQLite, outside the ORM, as text)."""
    if not is_month or value is None:
        return value
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, str):
        return datetime.date.fromisoformat(value[:10])
    return value


def union_of(querysets: list[QuerySet]) -> QuerySet | None:
    """*querysets* (the same columns each) as one query, ``UNION ALL``: the parts of a period are
    read in one round trip. None when there are none."""
    if not querysets:
        return None
    return querysets[0].union(*querysets[1:], all=True) if len(querysets) > 1 else querysets[0]


_KEYS = {"service": F("service_id"), "agency": F("agency_id"), "channel": F("channel")}


def totals_by(rows: Rows | QuerySet, key: Key | tuple[Key, ...] | None = None) -> dict[object, Totals]:
    """*rows* summed per *key*: one :class:`Totals` under ``None`` when *key* is None, under the
    value of one key (a month is its first day), or under a tuple for several (``("service",
    "month")``).

    Three queries, whatever the parts of *rows* (each reads every part, ``UNION ALL``): the sums;
    the applications per channel, with the currencies of the payments; and the histograms of the
    rows that have any, added up here (and the rows of :attr:`Rows.less` taken away).
    """
    names = (key,) if isinstance(key, str) or key is None else tuple(key)
    columns = [f"k{index}" for index in range(len(names))]
    months = [name == "month" for name in names]
    result: dict[object, Totals] = {}

    def slot(values) -> Totals:
        found = tuple(key_value(value, is_month) for value, is_month in zip(values, months, strict=True))
        found = found[0] if len(found) == 1 else found
        if found not in result:
            result[found] = Totals(key=found)
        return result[found]

    parts = []
    for part, sign in as_parts(rows):
        # No key: one group under a constant (an empty values() would group by every column).
        expressions = [
            Value(None, output_field=CharField())
            if name is None
            else month_of_row(part)
            if name == "month"
            else _KEYS[name]
            for name in names
        ]
        annotations = dict(zip(columns, expressions, strict=True))
        parts.append(part.order_by().annotate(**annotations, sign=Value(sign, output_field=IntegerField())))
    if not parts:
        return result
    sums = union_of([part.values(*columns, "sign").annotate(**{name: Sum(name) for name in _SUMMED}) for part in parts])
    for item in sums:
        totals, sign = slot([item[column] for column in columns]), item["sign"]
        for name in _SUMMED:
            setattr(totals, name, getattr(totals, name) + sign * (item[name] or 0))
    channels = union_of(
        [
            part.values(*columns, "sign", "channel", "currency").annotate(
                sent=Sum("submitted"), begun=Sum("started"), money=Sum("payments") + Sum("refunds")
            )
            for part in parts
        ]
    )
    # Payments and refunds per currency: a currency is the total's when some are left in it.
    money: dict[object, Counter] = {}
    for item in channels:
        totals, sign = slot([item[column] for column in columns]), item["sign"]
        if item["sent"] or item["begun"]:
            totals.submitted_by_channel[item["channel"]] += sign * (item["sent"] or 0)
            totals.started_by_channel[item["channel"]] += sign * (item["begun"] or 0)
        if item["currency"]:
            money.setdefault(totals.key, Counter())[item["currency"]] += sign * (item["money"] or 0)
    for found, counts in money.items():
        result[found].currencies = {currency for currency, count in counts.items() if count > 0}
    with_histograms = Q(approved__gt=0) | Q(refused__gt=0) | ~Q(stopped_at={})
    for item in union_of([part.filter(with_histograms).values(*columns, "sign", *_HISTOGRAMS) for part in parts]):
        totals = slot([item[column] for column in columns])
        for name in _HISTOGRAMS:
            if item[name]:
                if item["sign"] > 0:
                    getattr(totals, name).update(item[name])
                else:
                    getattr(totals, name).subtract(item[name])
    if any(sign < 0 for _part, sign in as_parts(rows)):
        for found, totals in list(result.items()):
            if tidy(totals):
                del result[found]
    return result


def totals(rows: Rows | QuerySet) -> Totals:
    """*rows* summed into one :class:`Totals` (empty when there are none)."""
    return totals_by(rows).get(None) or Totals()


Summed = TypeVar("Summed")


def add_into(total: Summed, part: Summed) -> Summed:
    """Add the figures of *part* into *total* (two :class:`Totals`, or two of any dataclass of
    numbers, counters and sets such as a report's totals), and return *total*. ``key`` is kept."""
    for spec in dataclasses.fields(total):
        if spec.name == "key":
            continue
        mine, theirs = getattr(total, spec.name), getattr(part, spec.name)
        if isinstance(mine, Counter):
            mine.update(theirs)
        elif isinstance(mine, set):
            mine |= theirs
        else:
            setattr(total, spec.name, mine + theirs)
    return total


def regroup(
    by: dict[object, Summed], key_of: Callable[[object], object], make: Callable[[], Summed] = Totals
) -> dict[object, Summed]:
    """Totals per key (``totals_by(rows, ("service", "month"))``) added up again per ``key_of(key)``
    (``lambda key: key[0]`` gives them per service): one read of the rows serves several tables
    of a page. *make* makes an empty total (:class:`Totals` by default)."""
    result: dict[object, Summed] = {}
    for key, part in by.items():
        new_key = key_of(key)
        if new_key not in result:
            result[new_key] = make()
            result[new_key].key = new_key
        add_into(result[new_key], part)
    return result


@dataclass
class Satisfaction:
    key: object = None
    answers: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return sum(self.answers.values())

    @property
    def satisfied_share(self) -> float | None:
        """Very satisfied or satisfied ÷ every answer (GOV.UK's user satisfaction)."""
        return _ratio(sum(self.answers[value] for value in SATISFIED), self.count)


def satisfaction_by(
    *,
    agency_ids: Iterable[int] | None = None,
    service_ids: Iterable[int] | None = None,
    month_from: datetime.date,
    month_to: datetime.date,
    key: Key | None = None,
) -> dict[object, Satisfaction]:
    """Answers to the feedback question from the month of *month_from* to that of *month_to*."""
    rows = SatisfactionMonth.objects.filter(month__gte=month_from.replace(day=1), month__lte=month_to.replace(day=1))
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=list(agency_ids))
    if service_ids is not None:
        rows = rows.filter(service_id__in=list(service_ids))
    field_name = {"month": "month", "service": "service_id", "agency": "agency_id", "channel": "channel"}.get(key)
    result: dict[object, Satisfaction] = {}
    for item in rows.order_by().values(field_name or "month", "answers") if field_name else rows.values("answers"):
        value = item[field_name] if field_name else None
        result.setdefault(value, Satisfaction(key=value)).answers.update(item["answers"])
    return result


@dataclass
class Backlog:
    open_count: int = 0
    overdue: int = 0
    ages: Counter = field(default_factory=Counter)
    oldest_queued_at: datetime.datetime | None = None
    taken_at: datetime.datetime | None = None


def backlog_by(
    *, agency_ids: Iterable[int] | None = None, service_ids: Iterable[int] | None = None, key: Key | None = None
) -> dict[object, Backlog]:
    """Open cases at the last rollup, from :class:`BacklogSnapshot` (per service or agency)."""
    rows = BacklogSnapshot.objects.all()
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=list(agency_ids))
    if service_ids is not None:
        rows = rows.filter(service_id__in=list(service_ids))
    result: dict[object, Backlog] = {}
    for row in rows:
        value = {"service": row.service_id, "agency": row.agency_id}.get(key) if key else None
        backlog = result.setdefault(value, Backlog())
        backlog.open_count += row.open_count
        backlog.overdue += row.overdue
        backlog.ages.update(row.ages)
        oldest = backlog.oldest_queued_at
        if row.oldest_queued_at and (oldest is None or row.oldest_queued_at < oldest):
            backlog.oldest_queued_at = row.oldest_queued_at
        if backlog.taken_at is None or row.taken_at > backlog.taken_at:
            backlog.taken_at = row.taken_at
    return result


def backlog_trend(
    *,
    agency_ids: Iterable[int] | None = None,
    service_ids: Iterable[int] | None = None,
    days: list[datetime.date],
    current: Backlog | None = None,
) -> dict[datetime.date, int]:
    """Open cases at the end of each of *days*: the latest snapshot (*current*, when the caller
    has read it already), less the cases that joined the queue (and plus those that left it) on
    the days after. *days* must be sorted."""
    if not days:
        return {}
    if current is None:
        current = backlog_by(agency_ids=agency_ids, service_ids=service_ids).get(None) or Backlog()
    rows = ServiceDay.objects.filter(day__gt=days[0])
    if agency_ids is not None:
        rows = rows.filter(agency_id__in=list(agency_ids))
    if service_ids is not None:
        rows = rows.filter(service_id__in=list(service_ids))
    flows = dict(rows.order_by().values_list("day").annotate(n=Sum("queued") - Sum("left_queue")))
    result: dict[datetime.date, int] = {}
    level = current.open_count
    later = sorted((day for day in flows if day > days[0]), reverse=True)
    index = 0
    for day in sorted(days, reverse=True):
        while index < len(later) and later[index] > day:
            level -= flows[later[index]]
            index += 1
        result[day] = level
    return result


def channel_costs(agency_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """``{agency id: {channel: cost in minor units}}`` as the agencies' admins set them."""
    result: dict[int, dict[str, int]] = {}
    for cost in ChannelCost.objects.filter(agency_id__in=list(agency_ids)):
        result.setdefault(cost.agency_id, {})[cost.channel] = cost.amount
    return result
