"""Figures of Report a problem read from the rollups: volumes, response and fix times, reopened
reports and "is it fixed?" answers per category, area or month, and where reports cluster.

Like :mod:`ecitizen.analytics.selectors`, these read rollup rows only (:class:`ReportMonth` for
the whole months of a period, :class:`ReportDay` for the days at its edges, and
:class:`ReportCellMonth`), never the reports themselves: sums are done by the database,
histograms added up here so that medians and percentiles over any period are exact. Callers pass
agency ids already allowed by :mod:`ecitizen.analytics.policies`.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from django.db.models import CharField, F, FloatField, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast

from ecitizen.analytics.models import ReportCellMonth, ReportDay, ReportMonth
from ecitizen.analytics.selectors import (
    Rows,
    as_parts,
    key_value,
    month_of_row,
    percentile,
    split_period,
    tidy,
    union_of,
)
from ecitizen.reports.models import Area, Category

ReportKey = Literal["category", "area", "month", "agency"]
_SUMMED = ("received", "responded", "closed", "fixed", "reopened", "fixed_yes", "fixed_no")
_HISTOGRAMS = ("response_hours", "fix_days")


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class ReportTotals:
    """Sums of :class:`~ecitizen.analytics.models.ReportDay` rows, and the measures built on them."""

    key: object = None
    received: int = 0
    responded: int = 0
    closed: int = 0
    fixed: int = 0
    reopened: int = 0
    fixed_yes: int = 0
    fixed_no: int = 0
    response_hours: Counter = field(default_factory=Counter)
    fix_days: Counter = field(default_factory=Counter)

    @property
    def median_response_hours(self) -> int | None:
        return percentile(self.response_hours, 0.5)

    @property
    def p90_response_hours(self) -> int | None:
        return percentile(self.response_hours, 0.9)

    @property
    def median_fix_days(self) -> int | None:
        return percentile(self.fix_days, 0.5)

    @property
    def p90_fix_days(self) -> int | None:
        return percentile(self.fix_days, 0.9)

    @property
    def reopened_share(self) -> float | None:
        """Reports reopened ÷ reports closed in the period."""
        return _ratio(self.reopened, self.closed)

    @property
    def fixed_share(self) -> float | None:
        """Reports closed as fixed ÷ reports closed."""
        return _ratio(self.fixed, self.closed)

    @property
    def answers(self) -> int:
        return self.fixed_yes + self.fixed_no

    @property
    def fixed_yes_share(self) -> float | None:
        """Reporters who said "yes, it is fixed" ÷ every answer to the question."""
        return _ratio(self.fixed_yes, self.answers)


def report_days(*, agency_ids: Iterable[int], date_from: datetime.date, date_to: datetime.date) -> Rows:
    """The rollup rows of *agency_ids* from *date_from* to *date_to*, inclusive: :class:`ReportMonth`
    rows for the months, :class:`ReportDay` rows for the days of the edges (as
    :func:`~ecitizen.analytics.selectors.split_period` says)."""
    return Rows(*split_period(ReportMonth, ReportDay, date_from, date_to)).filter(agency_id__in=list(agency_ids))


def _key_expression(key: ReportKey | None, part: QuerySet):
    if key is None:
        return Value(None, output_field=CharField())
    if key == "month":
        return month_of_row(part)
    return {"category": F("category_id"), "area": F("area_id"), "agency": F("agency_id")}[key]


def report_totals_by(
    rows: Rows | QuerySet, key: ReportKey | tuple[ReportKey, ...] | None = None
) -> dict[object, ReportTotals]:
    """*rows* summed per *key* (one :class:`ReportTotals` under ``None`` when *key* is None; the
    rows outside every area under ``None`` when *key* is ``"area"``; a tuple of keys gives
    tuples, as :func:`~ecitizen.analytics.selectors.totals_by` does). Two queries whatever the
    parts of *rows*: the sums, and the histograms of the rows that have any (added up here)."""
    names = (key,) if isinstance(key, str) or key is None else tuple(key)
    columns = [f"k{index}" for index in range(len(names))]
    months = [name == "month" for name in names]
    result: dict[object, ReportTotals] = {}

    def slot(values) -> ReportTotals:
        found = tuple(key_value(value, is_month) for value, is_month in zip(values, months, strict=True))
        found = found[0] if len(found) == 1 else found
        if found not in result:
            result[found] = ReportTotals(key=found)
        return result[found]

    parts = [
        part.order_by().annotate(
            **{column: _key_expression(name, part) for column, name in zip(columns, names, strict=True)},
            sign=Value(sign, output_field=IntegerField()),
        )
        for part, sign in as_parts(rows)
    ]
    if not parts:
        return result
    sums = union_of([part.values(*columns, "sign").annotate(**{name: Sum(name) for name in _SUMMED}) for part in parts])
    for item in sums:
        totals, sign = slot([item[column] for column in columns]), item["sign"]
        for name in _SUMMED:
            setattr(totals, name, getattr(totals, name) + sign * (item[name] or 0))
    with_histograms = Q(responded__gt=0) | Q(fixed__gt=0)
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


def report_totals(rows: Rows | QuerySet) -> ReportTotals:
    """*rows* summed into one :class:`ReportTotals` (empty when there are none)."""
    return report_totals_by(rows).get(None) or ReportTotals()


@dataclass(frozen=True)
class Cell:
    """A grid cell (``reports.geo``) where reports were made, at the mean position of its reports."""

    cell: int
    latitude: float
    longitude: float
    count: int


def busiest_cells(
    *, agency_ids: Iterable[int], month_from: datetime.date, month_to: datetime.date, limit: int = 20
) -> list[Cell]:
    """The *limit* cells with the most reports made from the month of *month_from* to that of
    *month_to*, the busiest first. One query; the position is the mean of the months' means,
    weighted by their counts."""
    rows = (
        ReportCellMonth.objects.filter(
            agency_id__in=list(agency_ids), month__gte=month_from.replace(day=1), month__lte=month_to.replace(day=1)
        )
        .order_by()
        .values("cell")
        .annotate(
            n=Sum("count"),
            lat=Sum(F("latitude") * Cast("count", FloatField())),
            lng=Sum(F("longitude") * Cast("count", FloatField())),
        )
        .filter(n__gt=0)
        .order_by("-n", "cell")[:limit]
    )
    return [Cell(row["cell"], row["lat"] / row["n"], row["lng"] / row["n"], row["n"]) for row in rows]


@dataclass(frozen=True)
class Label:
    """What a table row of a category or area shows, and what the report queue filters it by."""

    pk: int
    name: str
    code: str = ""


def category_labels(ids: Iterable[int]) -> dict[int, Label]:
    """``{category id: Label}`` in the reader's language, with the code the report queue filters by."""
    return {
        category.pk: Label(category.pk, category.display_name(), category.code)
        for category in Category.objects.filter(pk__in=list(ids)).only("id", "name", "code")
    }


def area_labels(ids: Iterable[int]) -> dict[int, Label]:
    """``{area id: Label}`` in the reader's language."""
    return {
        area.pk: Label(area.pk, area.display_name())
        for area in Area.objects.filter(pk__in=list(ids)).only("id", "name")
    }
