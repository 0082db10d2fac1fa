"""Refunds requested by staff, with a second pair of eyes above a threshold.

A caseworker or agency admin of the bill's agency asks to refund part or all
of a successful payment, with a reason. The agency's ``four_eyes_threshold``
(minor units, in the payment's currency) applies to the **total** refunded on
the payment: every refund of it that is not failed or rejected (done, on its
way to the provider, or awaiting approval) plus the one asked for. Up to the
threshold the refund is issued at once. Above it the :class:`Refund` waits in
``awaiting_approval`` and no money moves until a *different* caseworker or
agency admin of the same agency approves it, or someone rejects it. A payment
cannot be refunded in small slices to stay under the threshold: once the
slices add up to more than it, the next one waits for a second person. The
requester may reject (withdraw) their own request; only approving needs a
second person.

Nobody refunds, or approves the refund of, a payment of their own affairs
(:func:`ecitizen.agencies.conflicts.ensure_no_conflict`, checked on the locked
payment).

**The provider is never called inside a transaction that holds the payment.**
A refund is *reserved* first: one short transaction locks the payment
(``select_for_update``; on SQLite the immediate write transaction serialises
writers the same way), checks what may still be refunded and the threshold,
writes the refund as ``pending`` (so the money is spoken for) with its audit
row, and commits. The provider is then asked, outside any transaction, with
the refund's own reference as idempotency key; its answer is recorded in a
second short transaction (:func:`ecitizen.payments.services.refund_send`). If
the provider refuses, the refund is recorded as ``failed`` and what it held may
be refunded again. If it cannot be reached (a timeout may come after it did
refund), the refund stays ``pending`` (code ``provider_unavailable``), still
holding its amount and counting towards the threshold, and the retry sweep
(``manage.py expire_payments``) sends it again with the same reference: nothing
is lost, nothing is sent twice.

The threshold itself is changed by two people: an agency admin proposes a new
value (:func:`payment_settings_propose`), and it takes effect only when another
agency admin of that agency, or a platform admin, confirms it
(:func:`payment_settings_confirm`). Each step has its own audit row.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.agencies.conflicts import conflict_reason, ensure_no_conflict
from ecitizen.agencies.models import Agency
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.core.money import format_money
from ecitizen.payments.models import AgencyPaymentSettings, Payment, PaymentStatus, Refund, RefundStatus
from ecitizen.payments.staff_policies import is_payment_staff, settings_agencies, settings_confirm_agencies

REASON_MAX_LENGTH = Refund._meta.get_field("reason").max_length
THRESHOLD_MAX = 10**12
#: Refunds in these states hold no money: they do not count against what is left, nor towards the threshold.
NOT_COUNTED = (RefundStatus.FAILED, RefundStatus.REJECTED)


# --- reads used by the services and the staff pages -----------------------------------


def payment_settings_for(agency: Agency) -> AgencyPaymentSettings:
    """The agency's payment settings; an unsaved row with the defaults if it has none yet.

    A read: pages call it on GET. The services below save the defaults the
    first time they need them.
    """
    return AgencyPaymentSettings.objects.filter(agency=agency).first() or AgencyPaymentSettings(agency=agency)


def four_eyes_threshold(agency: Agency) -> int:
    """The threshold in force for *agency* (a proposal not yet confirmed does not count)."""
    return payment_settings_for(agency).four_eyes_threshold


def pending_refund_total(payment: Payment) -> int:
    """Minor units asked for in requests still awaiting a second approval."""
    total = Refund.objects.filter(payment=payment, status=RefundStatus.AWAITING_APPROVAL).aggregate(
        total=Sum("amount")
    )["total"]
    return int(total or 0)


def refunded_total(payment: Payment) -> int:
    """Minor units of *payment* refunded or on their way back: every refund not failed or rejected,
    the ones awaiting approval and the ones still being sent included."""
    total = Refund.objects.filter(payment=payment).exclude(status__in=NOT_COUNTED).aggregate(total=Sum("amount"))
    return int(total["total"] or 0)


def refund_headroom(payment: Payment) -> int:
    """What may still be requested. :func:`refundable_amount` already counts requests awaiting
    approval as spoken for, so two pending requests can never exceed what was paid."""
    from ecitizen.payments.services import refundable_amount

    return refundable_amount(payment)


def refund_conflict(user: Any, payment: Payment) -> str | None:
    """Why *user* may not refund (or approve a refund of) *payment*, or None (for the pages)."""
    return conflict_reason(staff=user, **_payer_facts(payment))


# --- helpers ---------------------------------------------------------------------------


def _payer(payment: Payment) -> Any:
    return payment.payer if payment.payer_id else payment.bill.payer


def _payer_facts(payment: Payment) -> dict[str, Any]:
    """Whose payment it is, as :mod:`ecitizen.agencies.conflicts` asks (all but ``staff``)."""
    return {
        "citizen": _payer(payment),
        "agency": payment.bill.agency,
        "national_id_index": payment.bill.payer_national_id_index,
    }


def _lock_payment(payment: Payment) -> Payment:
    return (
        Payment.objects.select_for_update(of=("self",))
        .select_related("bill", "bill__agency", "bill__payer", "payer")
        .get(pk=payment.pk)
    )


def _lock_pending(refund: Refund) -> tuple[Refund, Payment]:
    """Lock the refund's payment first, then the refund (always in that order: no deadlock)."""
    payment = _lock_payment(Payment(pk=refund.payment_id))
    locked = Refund.objects.select_for_update().filter(pk=refund.pk).first()
    if locked is None or locked.status != RefundStatus.AWAITING_APPROVAL:
        raise ValidationError(_("This refund has already been decided."), code="decided")
    return locked, payment


def _clean_amount(amount: Any, payment: Payment) -> int:
    if payment.status != PaymentStatus.SUCCESS:
        raise ValidationError(_("Only a successful payment can be refunded."), code="not_refundable")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise ValidationError(
            {"amount": ValidationError(_("Enter an amount greater than zero."), code="invalid_amount")}
        )
    headroom = refund_headroom(payment)
    if amount > headroom:
        if headroom == 0:
            message = _("Nothing more can be refunded from this payment.")
        else:
            message = _("You can refund at most %(amount)s from this payment.") % {
                "amount": format_money(headroom, payment.currency)
            }
        raise ValidationError({"amount": ValidationError(message, code="too_much")})
    return amount


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": ValidationError(_("Enter the reason for the refund."), code="required")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("The reason must be %(max)d characters or fewer.") % {"max": REASON_MAX_LENGTH},
                    code="max_length",
                )
            }
        )
    return reason


def _check_staff(actor: Any, payment: Payment) -> None:
    """The actor works the payment's agency and is not dealing with their own affairs."""
    if actor is None or not is_payment_staff(actor, payment.bill.agency):
        raise PermissionDenied
    ensure_no_conflict(staff=actor, **_payer_facts(payment))


@transaction.atomic
def _refund_reserve(*, actor: Any, payment: Payment, amount: Any, reason: str, hold_above_threshold: bool) -> Refund:
    """Step 1 of a staff refund: lock, check, and write the refund (``pending`` or ``awaiting_approval``).

    Above the threshold the refund is held for a second person (``hold_above_threshold``) or
    refused with ``needs_approval``. One ``payment.refund_requested`` audit row.
    """
    payment = _lock_payment(payment)
    agency = payment.bill.agency
    _check_staff(actor, payment)
    amount = _clean_amount(amount, payment)
    reason = _clean_reason(reason)
    threshold = AgencyPaymentSettings.objects.get_or_create(agency=agency)[0].four_eyes_threshold
    already = refunded_total(payment)
    needs_approval = already + amount > threshold
    if needs_approval and not hold_above_threshold:
        raise ValidationError(_("A refund of this size needs a second person to approve it."), code="needs_approval")
    refund = Refund.objects.create(
        payment=payment,
        amount=amount,
        reason=reason,
        status=RefundStatus.AWAITING_APPROVAL if needs_approval else RefundStatus.PENDING,
        requested_by=actor,
    )
    audit_record(
        actor=actor,
        action=AuditAction.REFUND_REQUESTED,
        subject=refund,
        subject_user=_payer(payment),
        agency=agency,
        extra={
            "payment": payment.reference,
            "amount": amount,
            "currency": payment.currency,
            "reason": reason,
            "four_eyes_threshold": threshold,
            "refunded_before": already,
            "needs_approval": needs_approval,
            "status": refund.status,
        },
    )
    return refund


# --- services --------------------------------------------------------------------------


def refund_request(*, actor: Any, payment: Payment, amount: int, reason: str) -> Refund:
    """Ask to refund *amount* minor units of *payment*, for *reason*; returns the refund.

    *actor* must be a caseworker or agency admin of the bill's agency
    (PermissionDenied otherwise), and not the payer
    (:class:`~ecitizen.agencies.conflicts.ConflictOfInterest`). Raises
    ValidationError (keyed ``amount`` or ``reason``) for an amount that is not a
    positive whole number of minor units, is more than can still be refunded
    (pending requests included), or a payment that did not succeed.

    If the payment's refunds, this one included, stay within the agency's
    four-eyes threshold, the refund is issued: the provider's answer is
    recorded (``success``, ``submitted``, ``failed`` when the provider refused it, or
    ``pending`` with ``failure_code`` ``provider_unavailable`` when it could not be reached:
    it is then sent again, with the same reference, by the retry sweep).
    Above it the returned refund is ``awaiting_approval`` and no money moves.

    Not one transaction on purpose: reserve (commit), call the provider, record.
    """
    refund = _refund_reserve(actor=actor, payment=payment, amount=amount, reason=reason, hold_above_threshold=True)
    if refund.status != RefundStatus.PENDING:
        return refund
    from ecitizen.payments.services import refund_send

    return refund_send(refund=refund, actor=actor)


def refund_issue(*, actor: Any, payment: Payment, amount: int, reason: str) -> Refund:
    """Refund at once, or refuse with ValidationError ``needs_approval`` above the threshold.

    The same checks and steps as :func:`refund_request`, for callers that cannot hold a refund
    for approval.
    """
    refund = _refund_reserve(actor=actor, payment=payment, amount=amount, reason=reason, hold_above_threshold=False)
    from ecitizen.payments.services import refund_send

    return refund_send(refund=refund, actor=actor)


@transaction.atomic
def _approve_reserve(*, actor: Any, refund: Refund) -> Refund:
    pending, payment = _lock_pending(refund)
    agency = payment.bill.agency
    if actor is None or not is_payment_staff(actor, agency):
        raise PermissionDenied
    if pending.requested_by_id == actor.pk:
        raise PermissionDenied(_("Someone else must approve a refund you asked for."))
    ensure_no_conflict(staff=actor, **_payer_facts(payment))
    if payment.status != PaymentStatus.SUCCESS:
        raise ValidationError(_("Only a successful payment can be refunded."), code="not_refundable")
    pending.status = RefundStatus.PENDING
    pending.approved_by = actor
    pending.save(update_fields=["status", "approved_by"])
    audit_record(
        actor=actor,
        action=AuditAction.REFUND_APPROVED,
        subject=pending,
        subject_user=_payer(payment),
        agency=agency,
        extra={
            "payment": payment.reference,
            "request": pending.pk,
            "requested_by": getattr(pending.requested_by, "email", ""),
            "amount": pending.amount,
            "currency": payment.currency,
            "refunded_total": refunded_total(payment),
        },
    )
    return pending


def refund_approve(*, actor: Any, refund: Refund) -> Refund:
    """Approve a refund awaiting approval and issue it; returns the refund with the provider's answer.

    *actor* must be a caseworker or agency admin of the agency, not the person
    who requested it, and not the payer (PermissionDenied). ValidationError
    when the request was already decided. The one refund row records both
    ``requested_by`` and ``approved_by``. The approval is committed before
    the provider is asked; if the provider refuses, the refund is recorded as
    ``failed`` (the amount is free again, and someone may ask again); if it cannot
    be reached, the refund stays ``pending`` and is sent again by the retry sweep.
    """
    approved = _approve_reserve(actor=actor, refund=refund)
    from ecitizen.payments.services import refund_send

    return refund_send(refund=approved, actor=actor)


@transaction.atomic
def refund_reject(*, actor: Any, refund: Refund, reason: str) -> Refund:
    """Turn down a refund awaiting approval, for *reason*; no money moves.

    Any caseworker or agency admin of the agency may reject, the requester
    included (withdrawing their own request needs no second person).
    """
    pending, payment = _lock_pending(refund)
    agency = payment.bill.agency
    if actor is None or not is_payment_staff(actor, agency):
        raise PermissionDenied
    reason = _clean_reason(reason)
    pending.status = RefundStatus.REJECTED
    pending.decided_at = timezone.now()
    pending.save(update_fields=["status", "decided_at"])
    audit_record(
        actor=actor,
        action=AuditAction.REFUND_REJECTED,
        subject=pending,
        subject_user=_payer(payment),
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


# --- the threshold: proposed by one agency admin, confirmed by another ---------------------


def _clean_threshold(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= THRESHOLD_MAX:
        raise ValidationError(
            {"four_eyes_threshold": ValidationError(_("Enter an amount of zero or more."), code="invalid")}
        )
    return value


def _lock_settings(agency: Agency) -> AgencyPaymentSettings:
    AgencyPaymentSettings.objects.get_or_create(agency=agency)
    return (
        AgencyPaymentSettings.objects.select_for_update(of=("self",)).select_related("proposed_by").get(agency=agency)
    )


@transaction.atomic
def payment_settings_propose(*, actor: Any, agency: Agency, four_eyes_threshold: int) -> AgencyPaymentSettings:
    """Propose a new four-eyes threshold (minor units) for *agency*; nothing changes until confirmed.

    Agency admins of the agency only (PermissionDenied). A new proposal replaces one still
    waiting (its proposer is then *actor*). ValidationError for an amount that is not a whole
    number from 0 to 10^12, or one equal to the threshold in force when nothing else is
    proposed. One ``payment.settings_proposed`` audit row.
    """
    if not settings_agencies(actor).filter(pk=agency.pk).exists():
        raise PermissionDenied
    value = _clean_threshold(four_eyes_threshold)
    settings = _lock_settings(agency)
    if value == settings.four_eyes_threshold and not settings.has_proposal:
        raise ValidationError(
            {"four_eyes_threshold": ValidationError(_("This is already the threshold."), code="unchanged")}
        )
    replaced = settings.proposed_threshold
    settings.proposed_threshold = value
    settings.proposed_by = actor
    settings.proposed_at = timezone.now()
    settings.save(update_fields=["proposed_threshold", "proposed_by", "proposed_at"])
    audit_record(
        actor=actor,
        action=AuditAction.PAYMENT_SETTINGS_PROPOSED,
        subject=settings,
        agency=agency,
        extra={
            "four_eyes_threshold": {"from": settings.four_eyes_threshold, "to": value},
            "replaces": replaced,
        },
    )
    return settings


def _check_confirmer(actor: Any, agency: Agency) -> None:
    if actor is None or not settings_confirm_agencies(actor).filter(pk=agency.pk).exists():
        raise PermissionDenied


@transaction.atomic
def payment_settings_confirm(*, actor: Any, agency: Agency, expected_threshold: int) -> AgencyPaymentSettings:
    """Confirm the change proposed for *agency*: the new threshold takes effect.

    *actor* must be an agency admin of the agency other than the proposer, or a platform admin
    (PermissionDenied; the proposer is told someone else must confirm). *expected_threshold* is
    the proposed value the confirmer saw: if the proposal is gone or was replaced meanwhile,
    ValidationError ``changed`` and nothing changes. One ``payment.settings_changed`` audit row
    naming the proposer and the confirmer.
    """
    _check_confirmer(actor, agency)
    settings = _lock_settings(agency)
    if not settings.has_proposal or settings.proposed_threshold != expected_threshold:
        raise ValidationError(
            _("The proposed change was withdrawn or replaced. Check it again before you confirm."), code="changed"
        )
    if settings.proposed_by_id == actor.pk:
        raise PermissionDenied(_("Another agency admin or a platform admin must confirm a change you proposed."))
    before = settings.four_eyes_threshold
    proposer = settings.proposed_by
    proposed_at = settings.proposed_at
    settings.four_eyes_threshold = settings.proposed_threshold
    settings.proposed_threshold = None
    settings.proposed_by = None
    settings.proposed_at = None
    settings.save(update_fields=["four_eyes_threshold", "proposed_threshold", "proposed_by", "proposed_at"])
    audit_record(
        actor=actor,
        action=AuditAction.PAYMENT_SETTINGS_CHANGED,
        subject=settings,
        agency=agency,
        extra={
            "four_eyes_threshold": {"from": before, "to": settings.four_eyes_threshold},
            "proposed_by": getattr(proposer, "email", ""),
            "proposed_at": proposed_at.isoformat() if proposed_at else "",
            "confirmed_by": actor.email,
        },
    )
    return settings


@transaction.atomic
def payment_settings_withdraw(*, actor: Any, agency: Agency) -> AgencyPaymentSettings:
    """Drop the change proposed for *agency*; the threshold in force stays.

    The proposer, another agency admin of the agency or a platform admin may (PermissionDenied
    otherwise). ValidationError ``changed`` if nothing is proposed. One
    ``payment.settings_proposal_withdrawn`` audit row.
    """
    _check_confirmer(actor, agency)
    settings = _lock_settings(agency)
    if not settings.has_proposal:
        raise ValidationError(_("No change is waiting to be confirmed."), code="changed")
    proposed, proposer = settings.proposed_threshold, settings.proposed_by
    settings.proposed_threshold = None
    settings.proposed_by = None
    settings.proposed_at = None
    settings.save(update_fields=["proposed_threshold", "proposed_by", "proposed_at"])
    audit_record(
        actor=actor,
        action=AuditAction.PAYMENT_SETTINGS_PROPOSAL_WITHDRAWN,
        subject=settings,
        agency=agency,
        extra={
            "four_eyes_threshold": {"in_force": settings.four_eyes_threshold, "proposed": proposed},
            "proposed_by": getattr(proposer, "email", ""),
        },
    )
    return settings
