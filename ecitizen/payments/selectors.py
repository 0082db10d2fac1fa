"""Reads for the citizen's payment pages and receipts."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.core.policies import access
from ecitizen.payments.models import (
    IN_PROGRESS,
    Bill,
    BillLine,
    BillStatus,
    Method,
    Payment,
    PaymentStatus,
    Refund,
    RefundStatus,
)
from ecitizen.payments.policies import citizen_bill_policy, citizen_payment_policy


def bills_for_citizen(user: Any) -> QuerySet[Bill]:
    """The citizen's bills: open ones first, soonest due first, then the rest newest first."""
    return (
        Bill.objects.filter(payer=user)
        .select_related("agency")
        .prefetch_related(Prefetch("lines", queryset=BillLine.objects.order_by("id")))
        .order_by("-status", "due_date", "-id")  # "open" sorts after "cancelled"/"paid": reversed
    )


def open_bills_for_citizen(user: Any) -> QuerySet[Bill]:
    return bills_for_citizen(user).filter(status=BillStatus.OPEN).order_by("due_date", "id")


def bills_due_for_citizen(user: Any, *, limit: int = 10) -> list[Bill]:
    """The citizen's open bills, soonest due first, at most *limit*, without their lines. One query."""
    return list(
        Bill.objects.filter(payer=user, status=BillStatus.OPEN)
        .select_related("agency")
        .order_by("due_date", "id")[:limit]
    )


def payments_for_citizen(user: Any) -> QuerySet[Payment]:
    """Every payment the citizen made or started, newest first."""
    return Payment.objects.filter(payer=user).select_related("bill", "bill__agency").order_by("-created_at", "-id")


def receipts_for_citizen(user: Any) -> QuerySet[Payment]:
    """The citizen's successful payments, newest first: the receipts they can open."""
    return payments_for_citizen(user).filter(status=PaymentStatus.SUCCESS).order_by("-finished_at", "-id")


def payment_for_citizen(user: Any, reference: str) -> Payment:
    """The citizen's own payment *reference*; Http404 for anyone else's or none."""
    return access(citizen_payment_policy, user, "view", reference=reference)


def bill_for_citizen(user: Any, reference: str) -> Bill:
    """The citizen's own bill *reference*; Http404 for anyone else's or none."""
    return access(citizen_bill_policy, user, "view", reference=reference)


def in_progress_payment(bill: Bill) -> Payment | None:
    return bill.payments.filter(status__in=IN_PROGRESS).first()


def is_overdue(bill: Bill) -> bool:
    return bill.status == BillStatus.OPEN and bill.due_date < timezone.localdate()


def failure_reason(payment: Payment) -> str:
    """Why a payment did not go through, in plain words in the active language."""
    code = payment.failure_code
    reasons = {
        "card_declined": _("Your card was declined. You have not been charged. Try again with another card."),
        "card_expired": _("Your card has expired. You have not been charged. Try again with another card."),
        "processing_error": _(
            "There was a problem processing your payment. You have not been charged. Try again in a few minutes."
        ),
        "expired": _(
            "You did not finish paying within 90 minutes, so the payment was cancelled. You have not been charged."
        ),
        "cancelled": _("The payment was cancelled. You have not been charged."),
        "cancelled_by_user": _("You cancelled the payment. You have not been charged."),
        "provider_unavailable": _(
            "The payment service is not available at the moment. You have not been charged. Try again in a few minutes."
        ),
    }
    if code in reasons:
        return reasons[code]
    if payment.status == PaymentStatus.CANCELLED:
        return reasons["cancelled"]
    if payment.status == PaymentStatus.ERROR:
        return reasons["processing_error"]
    return _("Your payment did not go through. You have not been charged. Try again, or use another card.")


def refunds_for(payment: Payment) -> QuerySet[Refund]:
    return payment.refunds.exclude(status__in=[RefundStatus.REJECTED, RefundStatus.AWAITING_APPROVAL])


def receipt_context(payment: Payment) -> dict[str, Any]:
    """Everything a receipt shows: what was paid for, how much, how, when, and any refunds."""
    bill = payment.bill
    refunds = list(refunds_for(payment))
    refunded = payment.refunds.filter(status=RefundStatus.SUCCESS).aggregate(total=Sum("amount"))["total"] or 0
    return {
        "payment": payment,
        "bill": bill,
        "reference": payment.reference,
        "bill_reference": bill.reference,
        "agency": bill.agency.name,
        "payer_name": bill.payer_name,
        "description": bill.display_description(),
        "lines": [
            {"kind": line.get_kind_display(), "description": line.description, "amount": line.amount}
            for line in bill.lines.all()
        ],
        "amount": {"amount": payment.amount, "currency": payment.currency},
        "method": Method(payment.method).label if payment.method in Method.values else payment.method,
        "paid_at": payment.finished_at,
        "refunds": [
            {
                "amount": {"amount": refund.amount, "currency": payment.currency},
                "status": refund.get_status_display(),
                "automatic": refund.automatic,
                "created_at": refund.created_at,
            }
            for refund in refunds
        ],
        "refunded": {"amount": int(refunded), "currency": payment.currency} if refunded else None,
    }
