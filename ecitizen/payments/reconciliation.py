"""Reconciliation: do our payments and the provider's records of one day agree?

:func:`reconcile` compares the payments we opened through a provider on one
day with what that provider lists for the same day
(:meth:`PaymentProvider.list_payments`) and reports every disagreement:

``missing_at_provider``
    we have a payment with a provider id the provider does not list (or one we
    hold as successful that never got a provider id);
``missing_here``
    the provider lists a payment we have no record of, on any day;
``amount_differs``
    the amounts or currencies differ;
``status_differs``
    the states differ, unless both are still in progress (no money has moved
    either way: the payer may be typing their card number);
``duplicate``
    a bill paid that day has more than one successful payment that has not
    been fully refunded (automatic refunds of duplicates included);
``cancelled_bill_paid`` / ``cancelled_bill_refunded``
    a payment succeeded for a bill that had been cancelled (its application
    withdrawn while the payer was at the card page); it is refunded
    automatically, and listed as refunded once the provider confirmed it;
``reported_amount_differs``
    a callback or status answer of the provider named another amount or
    currency than the payment's, so it was not applied (one row per distinct
    report; see ``services._reported_amount_differs``). A forged or tampered
    callback shows here even when the provider's own list agrees with us;
``reported_paid_not_applied``
    the same, when the provider said the payment *succeeded* (with another
    amount or currency) and we do not hold it as paid: the payer's money may
    have been taken, so check it with the provider and refund the payer. Such a
    payment is never expired (``services.payment_expire``): it stays open.

**Days are UTC days**: ``day`` means ``[day 00:00 UTC, day+1 00:00 UTC)`` of
``Payment.created_at``, whatever the deployment's ``TIME_ZONE``, because
payment providers settle in UTC. A provider payment listed on ``day`` that we
created just before midnight on the day before is found by its provider id
(any day) and compared, not reported as missing.

Reading only: no row is written, so the staff page may run it on GET.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.db.models import Count, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ecitizen.core.spreadsheets import spreadsheet_cell as _cell
from ecitizen.payments.models import (
    IN_PROGRESS,
    Bill,
    BillStatus,
    Payment,
    PaymentEvent,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from ecitizen.payments.providers import get_provider
from ecitizen.payments.providers.base import ProviderPayment


class MismatchKind:
    MISSING_AT_PROVIDER = "missing_at_provider"
    MISSING_HERE = "missing_here"
    AMOUNT_DIFFERS = "amount_differs"
    STATUS_DIFFERS = "status_differs"
    DUPLICATE = "duplicate"
    REPORTED_AMOUNT_DIFFERS = "reported_amount_differs"
    REPORTED_PAID_NOT_APPLIED = "reported_paid_not_applied"
    CANCELLED_BILL_PAID = "cancelled_bill_paid"
    CANCELLED_BILL_REFUNDED = "cancelled_bill_refunded"

    LABELS = {
        MISSING_AT_PROVIDER: _("Missing at the provider"),
        MISSING_HERE: _("Missing here"),
        AMOUNT_DIFFERS: _("Amount differs"),
        STATUS_DIFFERS: _("Status differs"),
        DUPLICATE: _("Bill paid twice"),
        REPORTED_AMOUNT_DIFFERS: _("Provider reported another amount"),
        REPORTED_PAID_NOT_APPLIED: _("Provider reported another amount as paid: check it and refund the payer"),
        CANCELLED_BILL_PAID: _("Paid for a cancelled bill: refund not confirmed yet"),
        CANCELLED_BILL_REFUNDED: _("Paid for a cancelled bill: refunded automatically"),
    }


@dataclass(frozen=True)
class Mismatch:
    """One disagreement. Fields that a side does not have are empty (``None`` for numbers)."""

    kind: str
    reference: str = ""  # our payment reference
    provider_id: str = ""
    bill_reference: str = ""
    agency_id: int | None = None
    agency_name: str = ""
    our_amount: int | None = None
    their_amount: int | None = None
    currency: str = ""
    their_currency: str = ""
    our_status: str = ""
    their_status: str = ""

    @property
    def label(self) -> str:
        return str(MismatchKind.LABELS.get(self.kind, self.kind))


@dataclass(frozen=True)
class Report:
    day: datetime.date
    provider_name: str
    ours: int  # payments we opened through the provider that day
    theirs: int  # payments the provider listed for that day
    mismatches: list[Mismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def for_agencies(self, agency_ids: Iterable[int]) -> Report:
        """The rows of these agencies only. Rows no agency can be told for (a payment
        missing here that names none of ours) are left out: platform admins see them."""
        wanted = set(agency_ids)
        return replace(self, mismatches=[m for m in self.mismatches if m.agency_id in wanted])


def utc_day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)
    return start, start + datetime.timedelta(days=1)


def _fields(payment: Payment) -> dict:
    return {
        "reference": payment.reference,
        "provider_id": payment.provider_id,
        "bill_reference": payment.bill.reference,
        "agency_id": payment.bill.agency_id,
        "agency_name": payment.bill.agency.name,
        "our_amount": payment.amount,
        "currency": payment.currency,
        "our_status": payment.status,
    }


def _compare(ours: Payment, theirs: ProviderPayment) -> list[Mismatch]:
    found = []
    base = _fields(ours)
    common = {**base, "their_amount": theirs.amount, "their_currency": theirs.currency, "their_status": theirs.status}
    if ours.amount != theirs.amount or ours.currency != theirs.currency:
        found.append(Mismatch(kind=MismatchKind.AMOUNT_DIFFERS, **common))
    both_open = ours.status in IN_PROGRESS and theirs.status in IN_PROGRESS
    if ours.status != theirs.status and not both_open:
        found.append(Mismatch(kind=MismatchKind.STATUS_DIFFERS, **common))
    return found


def _attribute(theirs: ProviderPayment) -> dict:
    """Best effort for a payment we do not have: a provider may echo our reference."""
    raw = theirs.raw or {}
    reference = raw.get("reference") or (raw.get("metadata") or {}).get("reference") or ""
    bill = None
    if isinstance(reference, str) and reference:
        payment = Payment.objects.filter(reference=reference).select_related("bill__agency").first()
        bill = payment.bill if payment else Bill.objects.filter(reference=reference).select_related("agency").first()
    if bill is None:
        return {"reference": reference if isinstance(reference, str) else ""}
    return {
        "reference": reference,
        "bill_reference": bill.reference,
        "agency_id": bill.agency_id,
        "agency_name": bill.agency.name,
    }


def _duplicates(bill_ids: set[int]) -> list[Mismatch]:
    """Bills with more than one successful payment that is not fully refunded (one query)."""
    if not bill_ids:
        return []
    refunded = (
        Refund.objects.filter(payment=OuterRef("pk"), status__in=[RefundStatus.SUCCESS, RefundStatus.SUBMITTED])
        .values("payment")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    kept = (
        Payment.objects.filter(bill_id__in=bill_ids, status=PaymentStatus.SUCCESS)
        .annotate(refunded=Coalesce(Subquery(refunded), Value(0)))
        .filter(refunded__lt=F("amount"))
    )
    twice = (
        kept.values("bill_id")
        .annotate(n=Count("id"), total=Sum("amount"))
        .filter(n__gt=1)
        .values_list("bill_id", "total")
    )
    totals = dict(twice)
    if not totals:
        return []
    found = []
    bills = Bill.objects.filter(pk__in=totals).select_related("agency").order_by("reference")
    references = {}
    for bill_id, reference in (
        kept.filter(bill_id__in=totals).order_by("created_at").values_list("bill_id", "reference")
    ):
        references.setdefault(bill_id, []).append(reference)
    for bill in bills:
        found.append(
            Mismatch(
                kind=MismatchKind.DUPLICATE,
                reference=" ".join(references.get(bill.pk, [])),
                bill_reference=bill.reference,
                agency_id=bill.agency_id,
                agency_name=bill.agency.name,
                our_amount=totals[bill.pk],
                currency=bill.currency,
                our_status=PaymentStatus.SUCCESS,
            )
        )
    return found


def _reported_mismatches(payments: Iterable[Payment]) -> list[Mismatch]:
    """The provider reports of another amount or currency that were refused (one query)."""
    by_id = {payment.pk: payment for payment in payments}
    if not by_id:
        return []
    events = (
        PaymentEvent.objects.filter(payment_id__in=by_id, from_status=F("to_status"))
        .order_by("created_at", "pk")
        .values_list("payment_id", "data")
    )
    found = []
    for payment_id, data in events:
        reported = data.get("reported") if isinstance(data, dict) and data.get("amount_mismatch") else None
        if not isinstance(reported, dict):
            continue
        paid = reported.get("status") == PaymentStatus.SUCCESS and by_id[payment_id].status != PaymentStatus.SUCCESS
        found.append(
            Mismatch(
                kind=MismatchKind.REPORTED_PAID_NOT_APPLIED if paid else MismatchKind.REPORTED_AMOUNT_DIFFERS,
                their_amount=reported.get("amount"),
                their_currency=str(reported.get("currency") or ""),
                their_status=str(reported.get("status") or ""),
                **_fields(by_id[payment_id]),
            )
        )
    return found


def _paid_for_cancelled(payments: Iterable[Payment]) -> list[Mismatch]:
    """Successful payments of bills that were cancelled (an application withdrawn while its fee was
    being paid). Each was refunded automatically; shown as refunded once the provider confirmed
    the whole amount, else as still needing attention (one query)."""
    landed = {p.pk: p for p in payments if p.status == PaymentStatus.SUCCESS and p.bill.status == BillStatus.CANCELLED}
    if not landed:
        return []
    refunded = dict(
        Refund.objects.filter(payment_id__in=landed, status=RefundStatus.SUCCESS)
        .values("payment_id")
        .annotate(total=Sum("amount"))
        .values_list("payment_id", "total")
    )
    found = []
    for payment in landed.values():
        done = int(refunded.get(payment.pk) or 0) >= payment.amount
        kind = MismatchKind.CANCELLED_BILL_REFUNDED if done else MismatchKind.CANCELLED_BILL_PAID
        found.append(Mismatch(kind=kind, **_fields(payment)))
    return found


def reconcile(*, day: datetime.date, provider_name: str) -> Report:
    """Compare our ``method=provider_name`` payments created on UTC *day* with the provider's list.

    Raises KeyError for a provider not in ``settings.PAYMENT_PROVIDERS`` and
    lets :class:`~ecitizen.payments.providers.base.ProviderUnavailable` through
    (the caller says "try again later"). Reads only.
    """
    provider = get_provider(provider_name)
    start, end = utc_day_bounds(day)
    ours = list(
        Payment.objects.filter(method=provider_name, created_at__gte=start, created_at__lt=end)
        .select_related("bill__agency")
        .order_by("created_at", "pk")
    )
    theirs = list(provider.list_payments(day))
    theirs_by_id: dict[str, ProviderPayment] = {}
    for item in theirs:
        theirs_by_id.setdefault(item.provider_id, item)

    mismatches: list[Mismatch] = []
    seen_ids = set()
    for payment in ours:
        if not payment.provider_id:
            # Never reached the provider (it was down, or the payer left first): nothing to
            # compare unless we somehow hold it as paid.
            if payment.status == PaymentStatus.SUCCESS:
                mismatches.append(Mismatch(kind=MismatchKind.MISSING_AT_PROVIDER, **_fields(payment)))
            continue
        seen_ids.add(payment.provider_id)
        match = theirs_by_id.get(payment.provider_id)
        if match is None:
            mismatches.append(Mismatch(kind=MismatchKind.MISSING_AT_PROVIDER, **_fields(payment)))
        else:
            mismatches.extend(_compare(payment, match))

    unmatched = [item for item in theirs_by_id.values() if item.provider_id not in seen_ids]
    elsewhere = {
        p.provider_id: p
        for p in Payment.objects.filter(
            method=provider_name, provider_id__in=[item.provider_id for item in unmatched]
        ).select_related("bill__agency")
    }
    for item in unmatched:
        if item.provider_id in elsewhere:
            mismatches.extend(_compare(elsewhere[item.provider_id], item))
        else:
            mismatches.append(
                Mismatch(
                    kind=MismatchKind.MISSING_HERE,
                    provider_id=item.provider_id,
                    their_amount=item.amount,
                    their_currency=item.currency,
                    their_status=item.status,
                    **_attribute(item),
                )
            )

    paid_bills = {p.bill_id for p in ours if p.status == PaymentStatus.SUCCESS}
    paid_bills |= {p.bill_id for p in elsewhere.values() if p.status == PaymentStatus.SUCCESS}
    mismatches.extend(_duplicates(paid_bills))
    mismatches.extend(_reported_mismatches([*ours, *elsewhere.values()]))
    mismatches.extend(_paid_for_cancelled([*ours, *elsewhere.values()]))
    return Report(day=day, provider_name=provider_name, ours=len(ours), theirs=len(theirs), mismatches=mismatches)


CSV_HEADER = [
    "kind",
    "agency",
    "bill",
    "payment",
    "provider_id",
    "our_amount",
    "their_amount",
    "currency",
    "their_currency",
    "our_status",
    "their_status",
]


def report_csv(report: Report) -> str:
    """The report's mismatches as CSV, one row each; amounts in minor units."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for m in report.mismatches:
        writer.writerow(
            [
                _cell(v)
                for v in (
                    m.kind,
                    m.agency_name,
                    m.bill_reference,
                    m.reference,
                    m.provider_id,
                    m.our_amount,
                    m.their_amount,
                    m.currency,
                    m.their_currency,
                    m.our_status,
                    m.their_status,
                )
            ]
        )
    return out.getvalue()
