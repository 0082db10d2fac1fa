"""Selectors for the payments dashboard: takings, and what is still owed.

*Takings* are successful payments less successful refunds, per currency
(amounts in different currencies are never added together). A payment counts
on the day it finished (``finished_at``), a refund on the day it was decided
(``decided_at``, or when it was made if it succeeded at once). Days are the
deployment's days (``TIME_ZONE``), as staff read them. Every figure is an
aggregate computed by the database: one grouped query for payments and one
for refunds per table, merged by key; no Python loop over payments.

*Outstanding* bills are open and not yet due; *overdue* bills are open and
past their due date (before today in the deployment's timezone).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from ecitizen.agencies.models import Agency
from ecitizen.catalogue.models import Service
from ecitizen.core.i18n import pick
from ecitizen.payments.models import Bill, BillStatus, Payment, PaymentStatus, Refund, RefundStatus

Grouping = Literal["agency", "service", "day"]
MAX_RANGE_DAYS = 366


@dataclass(frozen=True)
class TakingsRow:
    key: object  # agency id, service id (None: not a service fee, e.g. a tax) or a date
    label: str
    currency: str
    payments: int  # how many successful payments
    paid: int  # minor units taken
    refunded: int  # minor units returned
    net: int


@dataclass(frozen=True)
class OwedRow:
    agency_id: int
    agency_name: str
    currency: str
    outstanding_count: int
    outstanding_total: int
    overdue_count: int
    overdue_total: int


def _local_bounds(date_from: datetime.date, date_to: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(date_from, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(date_to + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


_PAYMENT_KEYS = {
    "agency": "bill__agency_id",
    "service": "bill__application__service_version__service_id",
}
_REFUND_KEYS = {
    "agency": "payment__bill__agency_id",
    "service": "payment__bill__application__service_version__service_id",
}


def takings(
    *, agencies: QuerySet[Agency], date_from: datetime.date, date_to: datetime.date, by: Grouping
) -> list[TakingsRow]:
    """Net takings of *agencies* from *date_from* to *date_to* (inclusive), grouped *by*."""
    start, end = _local_bounds(date_from, date_to)
    payments = Payment.objects.filter(
        bill__agency__in=agencies, status=PaymentStatus.SUCCESS, finished_at__gte=start, finished_at__lt=end
    )
    refunds = Refund.objects.annotate(at=Coalesce("decided_at", "created_at")).filter(
        payment__bill__agency__in=agencies, status=RefundStatus.SUCCESS, at__gte=start, at__lt=end
    )
    if by == "day":
        payments = payments.annotate(k=TruncDate("finished_at"))
        refunds = refunds.annotate(k=TruncDate("at"))
    else:
        payments = payments.annotate(k=F(_PAYMENT_KEYS[by]))
        refunds = refunds.annotate(k=F(_REFUND_KEYS[by]))
    paid_rows = payments.values("k", "currency").annotate(n=Count("id"), total=Sum("amount")).order_by()
    refund_rows = refunds.values("k", "payment__currency").annotate(total=Sum("amount")).order_by()

    merged: dict[tuple, dict] = {}
    for row in paid_rows:
        merged[(row["k"], row["currency"])] = {"n": row["n"], "paid": int(row["total"] or 0), "refunded": 0}
    for row in refund_rows:
        entry = merged.setdefault((row["k"], row["payment__currency"]), {"n": 0, "paid": 0, "refunded": 0})
        entry["refunded"] = int(row["total"] or 0)

    labels = _labels(by, {key for key, _currency in merged})
    rows = [
        TakingsRow(
            key=key,
            label=labels.get(key, ""),
            currency=currency,
            payments=v["n"],
            paid=v["paid"],
            refunded=v["refunded"],
            net=v["paid"] - v["refunded"],
        )
        for (key, currency), v in merged.items()
    ]
    if by == "day":
        rows.sort(key=lambda r: (r.key, r.currency))
    else:
        rows.sort(key=lambda r: (-r.net, r.label, r.currency))
    return rows


def _labels(by: Grouping, keys: set) -> dict:
    if by == "agency":
        return dict(Agency.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "service":
        labels = {service.pk: pick(service.title) for service in Service.objects.filter(pk__in=keys - {None})}
        return labels
    return {key: "" for key in keys}


def takings_totals(rows: list[TakingsRow]) -> list[TakingsRow]:
    """One total row per currency of an already aggregated table."""
    totals: dict[str, list[int]] = {}
    for row in rows:
        t = totals.setdefault(row.currency, [0, 0, 0])
        t[0] += row.payments
        t[1] += row.paid
        t[2] += row.refunded
    return [
        TakingsRow(key=None, label="", currency=c, payments=n, paid=p, refunded=r, net=p - r)
        for c, (n, p, r) in sorted(totals.items())
    ]


def bills_owed(*, agencies: QuerySet[Agency], today: datetime.date | None = None) -> list[OwedRow]:
    """Open bills of *agencies* per agency and currency: not yet due, and overdue."""
    today = today or timezone.localdate()
    not_due = Q(due_date__gte=today)
    overdue = Q(due_date__lt=today)
    rows = (
        Bill.objects.filter(agency__in=agencies, status=BillStatus.OPEN)
        .values("agency_id", "agency__name", "currency")
        .annotate(
            outstanding_count=Count("id", filter=not_due),
            outstanding_total=Coalesce(Sum("total", filter=not_due), 0),
            overdue_count=Count("id", filter=overdue),
            overdue_total=Coalesce(Sum("total", filter=overdue), 0),
        )
        .order_by("agency__name", "currency")
    )
    return [
        OwedRow(
            agency_id=row["agency_id"],
            agency_name=row["agency__name"],
            currency=row["currency"],
            outstanding_count=row["outstanding_count"],
            outstanding_total=int(row["outstanding_total"]),
            overdue_count=row["overdue_count"],
            overdue_total=int(row["overdue_total"]),
        )
        for row in rows
    ]
