"""Refunds requested by staff, with a second pair of eyes above a threshold.

A caseworker or agency admin of the bill's agency asks to refund part or all
of a successful payment, with a reason. Up to the agency's
``four_eyes_threshold`` (minor units, in the payment's currency) the refund is
issued at once through :func:`ecitizen.payments.services.refund_issue`. Above
it, a :class:`Refund` waits in ``awaiting_approval`` and no money moves until a
*different* caseworker or agency admin of the same agency approves it (it is
then issued, and the one refund row records both ``requested_by`` and
``approved_by``) or someone rejects it. The requester may reject (withdraw)
their own request; only approving needs a second person.

Requests waiting for approval count against what may still be refunded, so two
pending requests can never add up to more than was paid: every check runs in a
transaction holding the payment row (``select_for_update``; on SQLite the
immediate write transaction serialises writers the same way).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.agencies.models import Agency
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.payments.models import AgencyPaymentSettings, Payment, PaymentStatus, Refund, RefundStatus
from ecitizen.payments.staff_policies import is_payment_staff, settings_agencies

REASON_MAX_LENGTH = Refund._meta.get_field("reason").max_length
THRESHOLD_MAX = 10**12


# --- reads used by the services and the staff pages -----------------------------------


def payment_settings_for(agency: Agency) -> AgencyPaymentSettings:
    """The agency's payment settings; an unsaved row with the defaults if it has none yet.

    A read: pages call it on GET. The services below save the defaults the
    first time they need them.
    """
    return AgencyPaymentSettings.objects.filter(agency=agency).first() or AgencyPaymentSettings(agency=agency)


def pending_refund_total(payment: Payment) -> int:
    """Minor units asked for in requests still awaiting a second approval."""
    total = Refund.objects.filter(payment=payment, status=RefundStatus.AWAITING_APPROVAL).aggregate(
        total=Sum("amount")
    )["total"]
    return int(total or 0)


def refund_headroom(payment: Payment) -> int:
    """What may still be requested. :func:`refundable_amount` already counts requests awaiting
    approval as spoken for, so two pending requests can never exceed what was paid."""
    from ecitizen.payments.services import refundable_amount

    return refundable_amount(payment)


# --- helpers ---------------------------------------------------------------------------


def _lock_payment(payment: Payment) -> Payment:
    return Payment.objects.select_for_update().select_related("bill", "bill__agency").get(pk=payment.pk)


def _lock_pending(refund: Refund) -> tuple[Refund, Payment]:
    """Lock the refund's payment first, then the refund (always in that order: no deadlock)."""
    payment = _lock_payment(refund.payment)
    locked = Refund.objects.select_for_update().filter(pk=refund.pk).first()
    # An approved request has given way to the issued refund (see refund_approve): gone means decided.
    if locked is None or locked.status != RefundStatus.AWAITING_APPROVAL:
        raise ValidationError(_("This refund has already been decided."), code="decided")
    return locked, payment


def _clean_amount(amount: Any, payment: Payment) -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationError({"amount": _("Enter an amount greater than zero.")}, code="invalid")
    if payment.status != PaymentStatus.SUCCESS:
        raise ValidationError({"amount": _("Only a successful payment can be refunded.")}, code="not_refundable")
    headroom = refund_headroom(payment)
    if amount > headroom:
        from ecitizen.core.money import format_money

        if headroom == 0:
            message = _("Nothing more can be refunded from this payment.")
        else:
            message = _("You can refund at most %(amount)s from this payment.") % {
                "amount": format_money(headroom, payment.currency)
            }
        raise ValidationError({"amount": message}, code="too_much")
    return amount


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Enter the reason for the refund.")}, code="required")
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("The reason must be %(max)d characters or fewer.") % {"max": REASON_MAX_LENGTH}},
            code="max_length",
        )
    return reason


# --- services --------------------------------------------------------------------------


@transaction.atomic
def refund_request(*, actor: Any, payment: Payment, amount: int, reason: str) -> Refund:
    """Ask to refund *amount* minor units of *payment*, for *reason*.

    *actor* must be a caseworker or agency admin of the bill's agency
    (PermissionDenied otherwise). Raises ValidationError (keyed ``amount`` or
    ``reason``) for an amount that is not a positive whole number of minor
    units, is more than can still be refunded (pending requests included), or a
    payment that did not succeed. At or below the agency's four-eyes threshold
    the refund is issued at once (:func:`refund_issue`, which calls the
    provider); above it the returned refund is ``awaiting_approval`` and no
    money moves. One ``payment.refund_requested`` audit row either way.
    """
    from ecitizen.payments.services import refund_issue

    payment = _lock_payment(payment)
    agency = payment.bill.agency
    if not is_payment_staff(actor, agency):
        raise PermissionDenied
    amount = _clean_amount(amount, payment)
    reason = _clean_reason(reason)
    threshold = AgencyPaymentSettings.objects.get_or_create(agency=agency)[0].four_eyes_threshold
    needs_approval = amount > threshold
    if needs_approval:
        refund = Refund.objects.create(
            payment=payment,
            amount=amount,
            reason=reason,
            status=RefundStatus.AWAITING_APPROVAL,
            requested_by=actor,
        )
    else:
        refund = refund_issue(actor=actor, payment=payment, amount=amount, reason=reason)
    audit_record(
        actor=actor,
        action=AuditAction.REFUND_REQUESTED,
        subject=refund,
        subject_user=payment.payer,
        agency=agency,
        extra={
            "payment": payment.reference,
            "amount": amount,
            "currency": payment.currency,
            "reason": reason,
            "four_eyes_threshold": threshold,
            "needs_approval": needs_approval,
            "status": refund.status,
        },
    )
    return refund


@transaction.atomic
def refund_approve(*, actor: Any, refund: Refund) -> Refund:
    """Approve a refund awaiting approval and issue it; returns the issued refund.

    *actor* must be a caseworker or agency admin of the agency and not the
    person who requested it (PermissionDenied). ValidationError when the
    request was already decided or no longer fits what may be refunded.
    The request becomes the issued refund: the row written by
    :func:`refund_issue` carries the original ``requested_by`` and
    ``approved_by=actor``, and the waiting row is removed in the same
    transaction (the audit rows keep both ids). If the provider cannot be
    reached, nothing changes and the request still waits.
    """
    from ecitizen.payments.services import refund_issue

    pending, payment = _lock_pending(refund)
    agency = payment.bill.agency
    if not is_payment_staff(actor, agency):
        raise PermissionDenied
    if pending.requested_by_id == actor.pk:
        raise PermissionDenied(_("Someone else must approve a refund you asked for."))
    requested_by = pending.requested_by
    pending_id = pending.pk
    # The waiting row gives way to the issued one, so that refund_issue's own
    # "≤ refundable" check does not count the same money twice.
    pending.delete()
    issued = refund_issue(
        actor=actor,
        payment=payment,
        amount=pending.amount,
        reason=pending.reason,
        approved_by=actor,
    )
    if issued.requested_by_id != getattr(requested_by, "pk", None):
        issued.requested_by = requested_by
        issued.save(update_fields=["requested_by"])
    audit_record(
        actor=actor,
        action=AuditAction.REFUND_APPROVED,
        subject=issued,
        subject_user=payment.payer,
        agency=agency,
        extra={
            "payment": payment.reference,
            "request": pending_id,
            "requested_by": getattr(requested_by, "email", ""),
            "amount": issued.amount,
            "currency": payment.currency,
            "status": issued.status,
        },
    )
    return issued


@transaction.atomic
def refund_reject(*, actor: Any, refund: Refund, reason: str) -> Refund:
    """Turn down a refund awaiting approval, for *reason*; no money moves.

    Any caseworker or agency admin of the agency may reject, the requester
    included (withdrawing their own request needs no second person).
    """
    pending, payment = _lock_pending(refund)
    agency = payment.bill.agency
    if not is_payment_staff(actor, agency):
        raise PermissionDenied
    reason = _clean_reason(reason)
    pending.status = RefundStatus.REJECTED
    pending.decided_at = timezone.now()
    pending.save(update_fields=["status", "decided_at"])
    audit_record(
        actor=actor,
        action=AuditAction.REFUND_REJECTED,
        subject=pending,
        subject_user=payment.payer,
        agency=agency,
        extra={
            "payment": payment.reference,
            "amount": pending.amount,
            "currency": payment.currency,
            "reason": reason,
            "requested_by": getattr(pending.requested_by, "email", ""),
        },
    )
    return pending


@transaction.atomic
def payment_settings_update(*, actor: Any, agency: Agency, four_eyes_threshold: int) -> AgencyPaymentSettings:
    """Set the agency's four-eyes threshold (minor units). Agency admins only (PermissionDenied)."""
    if not settings_agencies(actor).filter(pk=agency.pk).exists():
        raise PermissionDenied
    if (
        isinstance(four_eyes_threshold, bool)
        or not isinstance(four_eyes_threshold, int)
        or not 0 <= four_eyes_threshold <= THRESHOLD_MAX
    ):
        raise ValidationError({"four_eyes_threshold": _("Enter an amount of zero or more.")}, code="invalid")
    settings = AgencyPaymentSettings.objects.select_for_update().get_or_create(agency=agency)[0]
    before = settings.four_eyes_threshold
    settings.four_eyes_threshold = four_eyes_threshold
    settings.save(update_fields=["four_eyes_threshold"])
    audit_record(
        actor=actor,
        action=AuditAction.PAYMENT_SETTINGS_CHANGED,
        subject=settings,
        agency=agency,
        extra={"four_eyes_threshold": {"from": before, "to": four_eyes_threshold}},
    )
    return settings
