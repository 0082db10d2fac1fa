"""Writes to bills, payments and refunds. Each write: one transaction, the actor passed in, one audit row.

The payment lifecycle follows GOV.UK Pay::

    created ─► started ─► submitted ─► success
       │          │           │
       └──────────┴───────────┴─────► failed / cancelled / error   (finished: never change again)

A provider may report a later state without the ones between (a callback lost
on the way): forward moves are accepted, backward moves ignored, and a
finished payment never changes. ``success`` is always accepted from a state in
progress, because the provider has taken the money: refusing it would lose a
payment, the very thing citizens complain of.

Calls to a provider never happen while a database transaction holds a lock
for longer than the call itself needs: :func:`payment_create` reserves the
bill (one payment in progress per bill, a partial unique constraint) and
commits, then talks to the provider, then records its answer.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.core.money import format_money
from ecitizen.core.signals import bill_paid
from ecitizen.payments.models import (
    IN_PROGRESS,
    Bill,
    BillLine,
    BillReferenceCounter,
    BillStatus,
    LineKind,
    Method,
    Payment,
    PaymentEvent,
    PaymentStatus,
    ProviderCallback,
    Refund,
    RefundStatus,
)
from ecitizen.payments.providers import get_provider
from ecitizen.payments.providers.base import (
    BadSignature,
    PaymentProvider,
    ProviderPayment,
    ProviderRefund,
    ProviderUnavailable,
)
from ecitizen.payments.signals import payment_opened, payments_stopped, refund_retry_due

logger = logging.getLogger(__name__)

BILL_DUE_DAYS = 30
COUNTER_METHODS = (Method.CASH, Method.CARD_TERMINAL)
EXPIRED = "expired"
#: A reserved payment still without a provider id after this long was interrupted (see _payment_reserve).
ORPHAN_AFTER = datetime.timedelta(minutes=2)
PROVIDER_UNAVAILABLE = "provider_unavailable"
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud at a counter
_RANK = {
    PaymentStatus.CREATED: 0,
    PaymentStatus.STARTED: 1,
    PaymentStatus.SUBMITTED: 2,
}


def unavailable_message() -> str:
    return _(
        "The payment service is not available at the moment. You have not been charged. Try again in a few minutes."
    )


# --- small reads the services (and the staff pages) share ------------------------------


def refundable_amount(payment: Payment) -> int:
    """What may still be refunded: the amount paid less every refund not failed or rejected.

    Refunds awaiting approval count: the money is spoken for until decided.
    Zero for a payment that did not succeed.
    """
    if payment.status != PaymentStatus.SUCCESS:
        return 0
    taken = (
        Refund.objects.filter(payment=payment)
        .exclude(status__in=[RefundStatus.FAILED, RefundStatus.REJECTED])
        .aggregate(total=Sum("amount"))["total"]
    )
    return max(0, payment.amount - int(taken or 0))


def amount_due(bill: Bill) -> int:
    """What is left to pay on *bill*: its total, less successful payments (0 once paid or cancelled)."""
    if bill.status != BillStatus.OPEN:
        return 0
    paid = bill.payments.filter(status=PaymentStatus.SUCCESS).aggregate(total=Sum("amount"))["total"]
    return max(0, bill.total - int(paid or 0))


def provider_for(payment: Payment) -> PaymentProvider:
    return get_provider(payment.method)


def return_path(payment: Payment) -> str:
    return reverse("payments:return", kwargs={"reference": payment.reference})


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _site_path(url: str) -> str:
    """*url* if it is a path on this site, else "" (never send a payer somewhere else)."""
    from ecitizen.core.site_paths import is_site_path

    return url if len(url or "") <= 300 and is_site_path(url) else ""


def _field_error(field: str, message: str, code: str) -> ValidationError:
    """A ValidationError on *field* whose ``error_dict[field][0].code`` says why."""
    return ValidationError({field: ValidationError(message, code=code)})


def _request_hash(bill: Bill, amount: int, currency: str, method: str) -> str:
    return hashlib.sha256(f"{bill.reference}|{amount}|{currency}|{method}".encode()).hexdigest()


def _new_payment_reference() -> str:
    raw = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(10))
    return f"PAY-{raw[:5]}-{raw[5:]}"


def _event(payment: Payment, from_status: str, to_status: str, source: str, **data: Any) -> PaymentEvent:
    return PaymentEvent.objects.create(
        payment=payment, from_status=from_status, to_status=to_status, source=source, data=data
    )


# --- bills ---------------------------------------------------------------------------


def next_bill_reference(*, agency: Any) -> str:
    """A new, unique bill reference for *agency*: ``CC-B-2026-000123``. Call inside a transaction."""
    year = timezone.localdate().year
    counter = None
    for _attempt in range(3):
        try:
            with transaction.atomic():
                counter, _created = BillReferenceCounter.objects.select_for_update().get_or_create(
                    agency=agency, year=year
                )
                break
        except IntegrityError:  # two first bills of the year at once: the other created it, read again
            continue
    if counter is None:
        counter = BillReferenceCounter.objects.select_for_update().get(agency=agency, year=year)
    BillReferenceCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
    counter.refresh_from_db(fields=["last_number"])
    return f"{agency.code}-B-{year}-{counter.last_number:06d}"


@transaction.atomic
def bill_create(
    *,
    actor: Any,
    agency: Any,
    payer: Any,
    currency: str,
    lines: list[tuple[str, dict, int]],
    due_date: datetime.date,
    description: dict | None = None,
    payer_name: str = "",
    application: Any = None,
    assessment: Any = None,
    instalment: int | None = None,
) -> Bill:
    """Create a bill of *lines* (kind, multilingual description, amount in minor units).

    The total is the sum of the lines; every amount must be at least 1.
    Raises ValidationError for no lines or a non-positive amount. One
    ``payment.bill_created`` audit row.
    """
    if not lines:
        raise ValidationError(_("A bill needs at least one line."), code="no_lines")
    for _kind, _text, amount in lines:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
            raise ValidationError(_("Every amount on a bill must be greater than zero."), code="invalid_amount")
    if not payer_name and payer is not None:
        from ecitizen.accounts.selectors import profile_for

        payer_name = profile_for(payer).full_name or payer.email
    bill = Bill.objects.create(
        reference=next_bill_reference(agency=agency),
        agency=agency,
        payer=payer,
        payer_name=payer_name[:200],
        application=application,
        assessment=assessment,
        instalment=instalment,
        description=description or lines[0][1],
        currency=currency,
        total=sum(amount for _kind, _text, amount in lines),
        due_date=due_date,
    )
    BillLine.objects.bulk_create(
        [BillLine(bill=bill, kind=kind, description=text, amount=amount) for kind, text, amount in lines]
    )
    audit_record(
        actor=actor,
        action=AuditAction.BILL_CREATED,
        subject=bill,
        subject_user=payer,
        agency=agency,
        extra={"reference": bill.reference, "total": bill.total, "currency": currency},
    )
    return bill


def bill_for_application(*, application: Any) -> Bill | None:
    """The bill for *application*'s fee, created if the service charges one; None if it is free.

    Idempotent (one bill per application). Called inside ``application_submit``'s
    transaction: the fee is the one in the version the citizen applied to.
    """
    fee = application.service_version.snapshot.get("fee") or {}
    amount = int(fee.get("amount") or 0)
    if amount <= 0:
        return None
    existing = Bill.objects.filter(application=application).first()
    if existing is not None:
        return existing
    title = application.service_version.snapshot.get("title") or {}
    return bill_create(
        actor=application.citizen,
        agency=application.agency,
        payer=application.citizen,
        currency=fee.get("currency") or "GBP",
        lines=[(LineKind.FEE, title, amount)],
        description=title,
        due_date=timezone.localdate() + datetime.timedelta(days=BILL_DUE_DAYS),
        application=application,
    )


@transaction.atomic
def bill_cancel(*, actor: Any, bill: Bill, reason: str) -> Bill:
    """Cancel an open *bill*: it can no longer be paid, and its payments in progress are stopped.

    For the system (an application withdrawn: *actor* is the citizen who withdrew it). Payments
    in progress expire at once: after commit each is cancelled at the provider
    (:func:`payment_expire`); one that the provider has already taken still lands as a success
    and is then refunded automatically (:func:`payment_apply_status`). A bill that is not open
    is returned unchanged. One ``payment.bill_cancelled`` audit row.
    """
    bill = Bill.objects.select_for_update(of=("self",)).select_related("agency", "payer").get(pk=bill.pk)
    if bill.status != BillStatus.OPEN:
        return bill
    now = timezone.now()
    bill.status = BillStatus.CANCELLED
    bill.save(update_fields=["status", "updated_at"])
    stopped = list(bill.payments.filter(status__in=IN_PROGRESS).values_list("pk", "reference"))
    Payment.objects.filter(pk__in=[pk for pk, _ref in stopped]).update(expires_at=now, updated_at=now)
    audit_record(
        actor=actor,
        action=AuditAction.BILL_CANCELLED,
        subject=bill,
        subject_user=bill.payer,
        agency=bill.agency,
        extra={"reference": bill.reference, "reason": reason[:200], "payments_stopped": [r for _pk, r in stopped]},
    )
    if stopped:
        # payments.receivers ends them in the background once this commits.
        payments_stopped.send(sender=Bill, payment_ids=[pk for pk, _ref in stopped])
    return bill


def bills_cancel_for_application(*, actor: Any, application_id: int, reason: str) -> list[Bill]:
    """Cancel the open bills of the application *application_id* (see :func:`bill_cancel`)."""
    bills = Bill.objects.filter(application_id=application_id, status=BillStatus.OPEN).order_by("pk")
    return [bill_cancel(actor=actor, bill=bill, reason=reason) for bill in bills]


# --- creating a payment --------------------------------------------------------------


def _valid_in_progress(payment: Payment, payer: Any, now: datetime.datetime) -> bool:
    return payment.payer_id == payer.pk and (payment.expires_at is None or payment.expires_at > now)


@transaction.atomic
def _payment_reserve(
    *, payer: Any, bill: Bill, idempotency_key: str, method: str, return_url: str
) -> tuple[Payment, bool]:
    """Lock the bill and either find the payment this request already made, or reserve a new one.

    Returns (payment, is_new). The new payment is ``created`` and holds the
    bill's one in-progress slot until the provider answers or it expires.
    """
    bill = Bill.objects.select_for_update().get(pk=bill.pk)
    amount = amount_due(bill)
    request_hash = _request_hash(bill, amount or bill.total, bill.currency, method)
    if idempotency_key:
        earlier = Payment.objects.filter(payer=payer, idempotency_key=idempotency_key).first()
        if earlier is not None:
            if earlier.request_hash != request_hash:
                raise ValidationError(
                    _("This payment request does not match the one first made with the same key."),
                    code="idempotency_conflict",
                )
            return earlier, False
    if bill.payer_id != payer.pk:
        raise PermissionDenied
    if bill.status == BillStatus.PAID or (bill.status == BillStatus.OPEN and amount == 0):
        raise ValidationError(_("This bill has already been paid."), code="already_paid")
    if bill.status != BillStatus.OPEN:
        raise ValidationError(_("This bill has been cancelled and cannot be paid."), code="not_payable")
    now = timezone.now()
    current = bill.payments.filter(status__in=IN_PROGRESS).first()
    if current is not None and not current.provider_id and current.created_at < now - ORPHAN_AFTER:
        # Reserved, but the provider's answer was never recorded (a crash mid-request):
        # the payer never reached a card page, so nothing was taken. Free the bill.
        orphan = ProviderPayment(
            provider_id="",
            status=PaymentStatus.ERROR,
            amount=current.amount,
            currency=current.currency,
            failure_code="no_provider_answer",
            failure_message="The provider's answer was never recorded.",
        )
        payment_apply_status(payment=current, provider_payment=orphan, source="payer")
        current = None
    if current is not None:
        if _valid_in_progress(current, payer, now):
            return current, False
        if current.expires_at is not None and current.expires_at <= now:
            # Settled after commit by the caller (it may talk to the provider); refuse for now.
            raise ValidationError(
                _("A payment for this bill has just expired. Wait a moment and try again."), code="in_progress"
            )
        raise ValidationError(
            _("Someone is already paying this bill. Wait a few minutes and check it again."), code="in_progress"
        )
    payment = Payment.objects.create(
        reference=_new_payment_reference(),
        bill=bill,
        payer=payer,
        amount=amount,
        currency=bill.currency,
        method=method,
        return_url=_site_path(return_url),
        idempotency_key=idempotency_key,
        request_hash=request_hash,
        expires_at=now + datetime.timedelta(minutes=settings.PAYMENT_EXPIRY_MINUTES),
    )
    _event(payment, "", PaymentStatus.CREATED, "payer")
    audit_record(
        actor=payer,
        action=AuditAction.PAYMENT_CREATED,
        subject=payment,
        subject_user=payer,
        agency=bill.agency,
        extra={"reference": payment.reference, "bill": bill.reference, "amount": amount, "method": method},
    )
    return payment, True


def _reserve_retrying(**kwargs: Any) -> tuple[Payment, bool]:
    # A concurrent request may win the race for the in-progress slot or the
    # idempotency key between our read and our insert (SQLite has no row
    # locks; PostgreSQL's lock covers the bill but not a key used on two
    # bills). The constraint refuses the second insert; reading again then
    # finds the winner's payment.
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return _payment_reserve(**kwargs)
        except IntegrityError:
            continue
    return _payment_reserve(**kwargs)


@transaction.atomic
def _payment_opened(*, payment: Payment, answer: ProviderPayment) -> Payment:
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    payment.provider_id = answer.provider_id
    payment.next_url = answer.next_url[:500]
    payment.save(update_fields=["provider_id", "next_url", "updated_at"])
    payment_opened.send(sender=Payment, payment=payment)  # payments.receivers queues its expiry
    if answer.status != payment.status:
        payment = payment_apply_status(payment=payment, provider_payment=answer, source="provider")
    return payment


@transaction.atomic
def _payment_unavailable(*, payment: Payment, detail: str) -> Payment:
    """Record that the provider could not be reached: the attempt ends in error, the bill stays payable.

    The idempotency key is released, so that the payer's retry is a new attempt
    rather than a replay of this failure (it is kept in the event's data).
    """
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    key = payment.idempotency_key
    before = payment.status
    payment.status = PaymentStatus.ERROR
    payment.failure_code = PROVIDER_UNAVAILABLE
    payment.failure_message = "The payment service could not be reached."
    payment.finished_at = timezone.now()
    payment.idempotency_key = ""
    payment.save(
        update_fields=["status", "failure_code", "failure_message", "finished_at", "idempotency_key", "updated_at"]
    )
    _event(payment, before, PaymentStatus.ERROR, "provider", idempotency_key=key, detail=detail[:200])
    audit_record(
        actor=None,
        action=AuditAction.PAYMENT_STATUS_CHANGED,
        subject=payment,
        subject_user=payment.payer,
        agency=payment.bill.agency,
        extra={"reference": payment.reference, "from": before, "to": PaymentStatus.ERROR, "code": PROVIDER_UNAVAILABLE},
    )
    return payment


def payment_create(
    *, payer: Any, bill: Bill, idempotency_key: str = "", method: str | None = None, return_url: str = ""
) -> Payment:
    """Start paying *bill* through a provider; returns the payment (send the payer to ``next_url``).

    Idempotent: the same payer, key and request returns the original payment;
    the same key with another request raises ValidationError
    ``idempotency_conflict``. While the bill has a payment in progress, the
    payer's own (unexpired) one is returned; anyone else's raises
    ``in_progress``. A paid bill raises ``already_paid``, a cancelled one
    ``not_payable``; someone else's bill PermissionDenied. If the provider
    cannot be reached the attempt is recorded as ``error`` and
    ValidationError ``provider_unavailable`` is raised with a message for the
    payer: nothing is left in progress and the bill can be paid again.

    *return_url* is a path on this site the payer can continue to afterwards.
    Not wrapped in one transaction on purpose: the provider is called between
    two short ones (see the module docstring).
    """
    method = method or settings.PAYMENT_PROVIDER
    if method in COUNTER_METHODS or method not in settings.PAYMENT_PROVIDERS or method not in Method.values:
        raise ValidationError(_("Choose a way to pay that is available online."), code="invalid_method")
    idempotency_key = (idempotency_key or "")[:100]
    for overdue in bill.payments.filter(status__in=IN_PROGRESS, expires_at__lte=timezone.now()):
        payment_expire(payment=overdue)
    payment, is_new = _reserve_retrying(
        payer=payer, bill=bill, idempotency_key=idempotency_key, method=method, return_url=return_url
    )
    if not is_new:
        return payment
    provider = get_provider(method)
    try:
        answer = provider.create(
            reference=payment.reference,
            amount=payment.amount,
            currency=payment.currency,
            description=bill.display_description()[:255] or bill.reference,
            return_url=_absolute(return_path(payment)),
        )
    except ProviderUnavailable as exc:
        logger.warning("Payment provider %s unavailable creating %s: %s", method, payment.reference, exc)
        _payment_unavailable(payment=payment, detail=str(exc))
        raise ValidationError(unavailable_message(), code=PROVIDER_UNAVAILABLE) from exc
    return _payment_opened(payment=payment, answer=answer)


# --- state changes ---------------------------------------------------------------------


def transition_allowed(current: str, new: str) -> bool:
    """May a payment move from *current* to *new*? Forward only; never out of a finished state."""
    if current not in _RANK or new == current:
        return False
    if new in _RANK:
        return _RANK[new] > _RANK[current]
    return new in PaymentStatus.values


def _receipt_context(payment: Payment) -> dict[str, Any]:
    return {
        "payment_reference": payment.reference,
        "bill_reference": payment.bill.reference,
        "description": payment.bill.description,
        "amount": {"amount": payment.amount, "currency": payment.currency},
        "method": Method(payment.method).label,
        "paid_at": payment.finished_at,
        "agency": payment.bill.agency.name,
    }


def _notify_receipt(payment: Payment) -> None:
    from ecitizen.notifications.services import notify

    if payment.payer is None:
        return
    notify(
        user=payment.payer,
        subject_template="payments/email/receipt_subject.txt",
        body_template="payments/email/receipt_body.txt",
        context=_receipt_context(payment),
        url=reverse("payments:receipt", kwargs={"reference": payment.reference}),
    )


def _settle_bill(payment: Payment, bill: Bill) -> None:
    """Mark the (locked, open) bill paid by *payment*, send the receipt, and say so.

    ``core.signals.bill_paid`` is sent in this transaction: cases moves a paid application into
    its agency's queue (and if that fails, the payment is not recorded either).
    """
    bill.status = BillStatus.PAID
    bill.paid_at = payment.finished_at or timezone.now()
    bill.save(update_fields=["status", "paid_at", "updated_at"])
    _notify_receipt(payment)
    bill_paid.send(sender=Bill, bill=bill, payment=payment, application_id=bill.application_id)


def _refund_duplicate(payment: Payment, bill: Bill) -> None:
    """A successful payment for a bill already settled, or cancelled (its application withdrawn):
    give the money back and say so. The refund is reserved here and sent once this commits."""
    from ecitizen.notifications.services import notify

    first = bill.payments.filter(status=PaymentStatus.SUCCESS).exclude(pk=payment.pk).order_by("finished_at").first()
    cancelled = bill.status == BillStatus.CANCELLED
    if bill.status == BillStatus.PAID:
        paid_by = first.reference if first else "another payment"
        reason = f"Duplicate payment: bill {bill.reference} was already paid by {paid_by}"
    else:
        reason = f"Payment for bill {bill.reference}, which is {bill.status}"
    refund = _refund_automatic(payment=payment, amount=payment.amount, reason=reason)
    if payment.payer is not None:
        template = "cancelled_paid" if cancelled else "duplicate"
        notify(
            user=payment.payer,
            subject_template=f"payments/email/{template}_subject.txt",
            body_template=f"payments/email/{template}_body.txt",
            context={
                **_receipt_context(payment),
                "first_reference": first.reference if first else "",
                "refund_status": refund.status,
            },
            url=reverse("payments:receipt", kwargs={"reference": payment.reference}),
        )


def _reported_amount_differs(payment: Payment, provider_payment: ProviderPayment, source: str) -> bool:
    """Does the provider report another amount or currency than *payment*'s (locked) own?

    Such a report is never applied, so never a success: a correctly signed "success, amount 1"
    does not pay a bill of 1,110.00. It is recorded once (an unchanged-state event that
    reconciliation lists, and a ``payment.amount_mismatch`` audit row); the same report again
    records nothing more. Staff then settle it with the provider.
    """
    if _same_amount(payment, provider_payment):
        return False
    amount, currency = provider_payment.amount, (provider_payment.currency or "").upper()
    reported = {"status": str(provider_payment.status)[:10], "amount": amount, "currency": currency[:3]}
    known = payment.events.filter(from_status=payment.status, to_status=payment.status).values_list("data", flat=True)
    if any(data.get("amount_mismatch") and data.get("reported") == reported for data in known):
        return True
    _event(payment, payment.status, payment.status, source, amount_mismatch=True, reported=reported)
    logger.warning("Payment %s: the provider reported another amount (%s); not applied", payment.reference, reported)
    audit_record(
        actor=None,
        action=AuditAction.PAYMENT_AMOUNT_MISMATCH,
        subject=payment,
        subject_user=payment.payer,
        agency=payment.bill.agency,
        extra={
            "reference": payment.reference,
            "status": payment.status,
            "reported": reported["status"],
            "amount": payment.amount,
            "currency": payment.currency,
            "reported_amount": amount,
            "reported_currency": reported["currency"],
            "source": source,
        },
    )
    return True


@transaction.atomic
def payment_apply_status(*, payment: Payment, provider_payment: ProviderPayment, source: str) -> Payment:
    """Move *payment* to the state the provider reports, if that move is allowed.

    Idempotent: the same state again changes nothing. A backward move is
    ignored; a finished payment never changes (a *different* state reported
    for one is audited as ``payment.status_ignored`` for reconciliation). On
    success the bill is marked paid, the payer gets a receipt and the
    application (if any) moves on; if the bill was already paid by another
    payment, this one is a duplicate and is refunded in full at once, and the
    payer is told. One audit row for the change (plus the refund's own).
    A report of another amount or currency than the payment's changes nothing but is
    recorded (see :func:`_reported_amount_differs`).
    """
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("bill", "bill__agency", "payer")
        .get(pk=payment.pk)
    )
    if _reported_amount_differs(payment, provider_payment, source):
        return payment
    new, before = provider_payment.status, payment.status
    if new == before:
        return payment
    if not transition_allowed(before, new):
        if payment.finished:
            audit_record(
                actor=None,
                action=AuditAction.PAYMENT_STATUS_IGNORED,
                subject=payment,
                subject_user=payment.payer,
                agency=payment.bill.agency,
                extra={"reference": payment.reference, "status": before, "reported": new, "source": source},
            )
        return payment
    now = timezone.now()
    payment.status = new
    payment.failure_code = provider_payment.failure_code[:40]
    payment.failure_message = provider_payment.failure_message[:300]
    fields = ["status", "failure_code", "failure_message", "updated_at"]
    if payment.finished:
        payment.finished_at = now
        fields.append("finished_at")
    payment.save(update_fields=fields)
    _event(payment, before, new, source, failure_code=payment.failure_code)
    action = AuditAction.PAYMENT_STATUS_CHANGED
    bill = None
    if new == PaymentStatus.SUCCESS:
        bill = Bill.objects.select_for_update().get(pk=payment.bill_id)
        action = {
            BillStatus.OPEN: AuditAction.PAYMENT_SUCCEEDED,
            BillStatus.CANCELLED: AuditAction.PAYMENT_FOR_CANCELLED_BILL,
        }.get(bill.status, AuditAction.PAYMENT_DUPLICATE)
    audit_record(
        actor=None,
        action=action,
        subject=payment,
        subject_user=payment.payer,
        agency=payment.bill.agency,
        extra={
            "reference": payment.reference,
            "bill": payment.bill.reference,
            "from": before,
            "to": new,
            "source": source,
            "code": payment.failure_code,
        },
    )
    if bill is not None:
        payment.bill = bill
        if bill.status == BillStatus.OPEN:
            _settle_bill(payment, bill)
        else:
            _refund_duplicate(payment, bill)
    return payment


def payment_sync(*, payment: Payment) -> Payment:
    """Ask the provider for *payment*'s state and record it (the return page, the expiry sweep).

    A provider that cannot be reached leaves the payment as it is.
    """
    if payment.finished or not payment.provider_id or payment.method in COUNTER_METHODS:
        return payment
    try:
        answer = provider_for(payment).get_status(payment.provider_id)
    except ProviderUnavailable:
        logger.warning("Payment provider %s unavailable checking %s", payment.method, payment.reference)
        return payment
    return payment_apply_status(payment=payment, provider_payment=answer, source="status_check")


def _record_rejected_callback(provider_name: str, reason: str) -> None:
    from ecitizen.core import context

    with transaction.atomic():
        audit_record(
            actor=None,
            action=AuditAction.PAYMENT_CALLBACK_REJECTED,
            extra={"provider": provider_name, "ip": context.current().ip, "reason": reason[:200]},
        )


def callback_handle(*, provider_name: str, body: bytes, headers: dict) -> Payment | None:
    """Verify and apply a provider's notification; returns the payment it concerns (None if unknown).

    A bad signature is audited (provider, remote address) and BadSignature
    re-raised for the view to answer 400. Each event is applied once: a
    replay changes nothing and returns the payment as it is. Raises KeyError
    for a provider name that is not configured.
    """
    provider = get_provider(provider_name)
    try:
        event = provider.parse_callback(body=body, headers=headers)
    except BadSignature as exc:
        _record_rejected_callback(provider_name, str(exc))
        raise
    with transaction.atomic():
        payment = Payment.objects.filter(method=provider_name, provider_id=event.provider_id).first()
        try:
            with transaction.atomic():
                ProviderCallback.objects.create(
                    provider=provider_name, event_id=event.event_id[:100], payload=event.payment.raw or {}
                )
        except IntegrityError:
            return payment
        if payment is None:
            logger.warning(
                "Callback %s from %s for unknown payment %s", event.event_id, provider_name, event.provider_id
            )
            return None
        return payment_apply_status(payment=payment, provider_payment=event.payment, source="callback")


# --- expiry ----------------------------------------------------------------------------


def payment_expire(*, payment: Payment) -> Payment:
    """End *payment* if it is still in progress after ``expires_at`` (GOV.UK Pay's 90 minutes).

    Asks the provider first: a payment that succeeded meanwhile becomes
    ``success`` (and settles the bill) rather than being lost. Otherwise it is
    cancelled at the provider and becomes ``cancelled`` with failure code
    ``expired``. If the provider cannot be reached, the payment stays as it is
    and the next sweep tries again. If the provider says it was paid but with
    another amount or currency, it is never expired: it stays open for review
    (see :func:`_paid_another_amount`). Not yet expired, or finished: unchanged.
    """
    payment = Payment.objects.get(pk=payment.pk)
    if payment.finished or payment.expires_at is None or payment.expires_at > timezone.now():
        return payment
    if payment.provider_id:
        try:
            answer = provider_for(payment).get_status(payment.provider_id)
        except ProviderUnavailable:
            # We cannot know whether the payer paid: keep it, the next sweep asks again.
            logger.warning("Payment provider %s unavailable expiring %s", payment.method, payment.reference)
            return payment
        payment = payment_apply_status(payment=payment, provider_payment=answer, source="expiry")
        if payment.finished or _paid_another_amount(payment, answer):
            return payment
    expired = ProviderPayment(
        provider_id=payment.provider_id,
        status=PaymentStatus.CANCELLED,
        amount=payment.amount,
        currency=payment.currency,
        failure_code=EXPIRED,
        failure_message="The payment was not completed in time.",
    )
    if payment.provider_id:
        try:
            answer = provider_for(payment).cancel(payment.provider_id)
        except ProviderUnavailable:
            logger.warning("Payment provider %s unavailable expiring %s", payment.method, payment.reference)
            return payment
        if answer.status in IN_PROGRESS:
            # The provider would not cancel (card details being authorised): it may still succeed,
            # so leave it in progress for the next sweep rather than lose a payment.
            return payment
        if answer.status != PaymentStatus.CANCELLED and _same_amount(payment, answer):
            # It finished another way at the very last moment (paid, declined): record that instead.
            return payment_apply_status(payment=payment, provider_payment=answer, source="expiry")
        if _paid_another_amount(payment, answer):
            # Recorded as a mismatch (audit row, reconciliation), and left open for review.
            return payment_apply_status(payment=payment, provider_payment=answer, source="expiry")
    return payment_apply_status(payment=payment, provider_payment=expired, source="expiry")


def _paid_another_amount(payment: Payment, answer: ProviderPayment) -> bool:
    """Does the provider say the payer paid, but another amount or currency than *payment*'s?

    Such a payment is never ended as expired or cancelled (the payer's money would be kept
    silently): it stays open, its mismatch is recorded (:func:`_reported_amount_differs`) and
    reconciliation lists it as needing a refund until staff settle it with the provider.
    """
    return answer.status == PaymentStatus.SUCCESS and not _same_amount(payment, answer)


def _same_amount(payment: Payment, answer: ProviderPayment) -> bool:
    """Does the provider's *answer* name *payment*'s own amount and currency?"""
    return (answer.amount, (answer.currency or "").upper()) == (payment.amount, payment.currency)


def expire_abandoned_payments() -> int:
    """Expire every payment still in progress past its ``expires_at``; returns how many ended."""
    ended = 0
    overdue = Payment.objects.filter(status__in=IN_PROGRESS, expires_at__lte=timezone.now()).values_list(
        "pk", flat=True
    )
    for payment_id in list(overdue[:1000]):
        payment = payment_expire(payment=Payment(pk=payment_id))
        ended += int(payment.finished)
    return ended


# --- counter payments ------------------------------------------------------------------


@transaction.atomic
def counter_payment_record(*, actor: Any, bill: Bill, method: str, amount: int, reference_note: str = "") -> Payment:
    """Record cash or a card-terminal payment taken at a counter by *actor* (staff of the bill's agency).

    The amount must be exactly what is due. The bill is marked paid, the
    payer (if they have an account) gets a receipt, the application (if any)
    moves on. PermissionDenied for anyone but a caseworker or agency admin of
    the agency, and :class:`~ecitizen.agencies.conflicts.ConflictOfInterest` for
    staff taking payment of their own bill; ValidationError for another method
    or amount, or a bill not open.
    """
    from ecitizen.agencies.conflicts import ensure_no_conflict
    from ecitizen.payments.staff_policies import is_payment_staff

    bill = Bill.objects.select_for_update(of=("self",)).select_related("agency", "payer").get(pk=bill.pk)
    if actor is None or not is_payment_staff(actor, bill.agency):
        raise PermissionDenied
    ensure_no_conflict(
        staff=actor, citizen=bill.payer, agency=bill.agency, national_id_index=bill.payer_national_id_index
    )
    if method not in COUNTER_METHODS:
        raise _field_error("method", _("Choose cash or card terminal"), "invalid_method")
    if bill.status == BillStatus.PAID:
        raise ValidationError(_("This bill has already been paid."), code="already_paid")
    if bill.status != BillStatus.OPEN:
        raise ValidationError(_("This bill has been cancelled and cannot be paid."), code="not_payable")
    due = amount_due(bill)
    if isinstance(amount, bool) or not isinstance(amount, int) or amount != due:
        message = _("Enter the amount due: %(amount)s") % {"amount": format_money(due, bill.currency)}
        raise _field_error("amount", message, "wrong_amount")
    note = " ".join((reference_note or "").split())[:200]
    now = timezone.now()
    payment = Payment.objects.create(
        reference=_new_payment_reference(),
        bill=bill,
        payer=bill.payer,
        amount=amount,
        currency=bill.currency,
        method=method,
        status=PaymentStatus.SUCCESS,
        recorded_by=actor,
        finished_at=now,
    )
    _event(payment, "", PaymentStatus.SUCCESS, "counter", note=note, recorded_by=actor.email)
    audit_record(
        actor=actor,
        action=AuditAction.PAYMENT_COUNTER_RECORDED,
        subject=payment,
        subject_user=bill.payer,
        agency=bill.agency,
        extra={
            "reference": payment.reference,
            "bill": bill.reference,
            "amount": amount,
            "method": method,
            "note": note,
        },
    )
    _settle_bill(payment, bill)
    return payment


# --- refunds ---------------------------------------------------------------------------


def _clean_refund(payment: Payment, amount: Any, reason: str) -> str:
    if payment.status != PaymentStatus.SUCCESS:
        raise ValidationError(_("Only a successful payment can be refunded."), code="not_refundable")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise _field_error("amount", _("Enter an amount greater than zero."), "invalid_amount")
    left = refundable_amount(payment)
    if amount > left:
        message = (
            _("Nothing more can be refunded from this payment.")
            if left == 0
            else _("You can refund at most %(amount)s from this payment.")
            % {"amount": format_money(left, payment.currency)}
        )
        raise _field_error("amount", message, "too_much")
    reason = " ".join((reason or "").split())
    if not reason:
        raise _field_error("reason", _("Enter the reason for the refund."), "required")
    return reason[:500]


def _notify_refund(refund: Refund) -> None:
    from ecitizen.notifications.services import notify

    payment = refund.payment
    if payment.payer is None or refund.automatic:
        return  # the duplicate notice already explains an automatic refund
    notify(
        user=payment.payer,
        subject_template="payments/email/refund_subject.txt",
        body_template="payments/email/refund_body.txt",
        context={
            **_receipt_context(payment),
            "refund_amount": {"amount": refund.amount, "currency": payment.currency},
            "reason": refund.reason,
        },
        url=reverse("payments:receipt", kwargs={"reference": payment.reference}),
    )


def _provider_refund(refund: Refund, payment: Payment) -> ProviderRefund:
    """Ask the provider to return the money; raises ProviderUnavailable. Never inside a transaction.

    The refund's own reference (``PAY-…-R<id>``) goes with it, and is the provider's idempotency
    key: asking again for the same refund never returns the money twice. Counter payments are
    refunded in cash at the counter, without a provider.
    """
    if payment.method in COUNTER_METHODS:
        return ProviderRefund(provider_refund_id="", status="success", amount=refund.amount)
    return provider_for(payment).refund(payment.provider_id, amount=refund.amount, reference=refund.provider_reference)


def _awaits_provider(refund: Refund) -> bool:
    """Reserved, and no answer of the provider recorded yet (``submitted`` without an id: an
    automatic refund written before refunds were reserved first)."""
    return refund.status == RefundStatus.PENDING or (
        refund.status == RefundStatus.SUBMITTED and not refund.provider_refund_id
    )


@transaction.atomic
def _refund_record(*, refund: Refund, answer: ProviderRefund | None, actor: Any = None) -> Refund:
    """Record the provider's *answer* (None: it could not be reached) for a reserved refund.

    Staff refunds are reserved by :mod:`ecitizen.payments.refunds` (which holds the four-eyes
    rules); automatic ones by :func:`_refund_automatic`. Both are answered here.

    Only a definite refusal is ``failed`` (code ``refused``: the amount is free again).
    Unreachable (a timeout may come after the provider did refund): staff and automatic refunds
    alike stay ``pending`` with code ``provider_unavailable``, still counted as spoken for (and
    towards the four-eyes total), and are sent again with the same reference (the provider's
    idempotency key) by the retry task or the ``retry_waiting_refunds`` sweep: never a second
    refund with a new key, so the money never goes out twice. The first answer is audited as
    ``payment.refund_issued``, later ones (retries) as ``payment.refund_updated``. Recorded
    once: a refund already answered is returned as it is.
    """
    refund = (
        Refund.objects.select_for_update(of=("self",))
        .select_related("payment", "payment__bill", "payment__bill__agency", "payment__payer")
        .get(pk=refund.pk)
    )
    if not _awaits_provider(refund):
        return refund
    payment = refund.payment
    first = refund.status == RefundStatus.PENDING and not refund.failure_code
    before = refund.status
    retry = answer is None
    if retry:
        refund.status = RefundStatus.PENDING
        refund.failure_code = PROVIDER_UNAVAILABLE
    else:
        refund.provider_refund_id = answer.provider_refund_id[:100]
        refund.status = {"success": RefundStatus.SUCCESS, "failed": RefundStatus.FAILED}.get(
            answer.status, RefundStatus.SUBMITTED
        )
        refund.failure_code = "refused" if refund.status == RefundStatus.FAILED else ""
    refund.decided_at = refund.decided_at or timezone.now()
    refund.save(update_fields=["status", "provider_refund_id", "failure_code", "decided_at"])
    audit_record(
        actor=actor,
        action=AuditAction.REFUND_ISSUED if first else AuditAction.REFUND_UPDATED,
        subject=refund,
        subject_user=payment.payer,
        agency=payment.bill.agency,
        extra={
            "payment": payment.reference,
            "amount": refund.amount,
            "currency": payment.currency,
            "automatic": refund.automatic,
            "requested_by": getattr(refund.requested_by, "email", ""),
            "approved_by": getattr(refund.approved_by, "email", ""),
            "from": before,
            "status": refund.status,
            "code": refund.failure_code,
            "reason": refund.reason,
        },
    )
    if refund.status in (RefundStatus.SUCCESS, RefundStatus.SUBMITTED):
        _notify_refund(refund)
    if retry and not _retry_scheduled(refund.pk, timezone.now() + datetime.timedelta(minutes=5)):
        logger.warning("Refund %s waits for the provider; run the retry_refund task", refund.pk)
    return refund


def refund_send(*, refund: Refund, actor: Any = None) -> Refund:
    """Send a reserved (``pending``) refund to the provider and record its answer; returns the refund.

    Call it outside any transaction, after the one that reserved the refund has committed: the
    payment is not locked while the provider is asked, and the answer is recorded in a short
    transaction of its own (:func:`_refund_record`). A refund already answered is returned as
    it is, so calling this twice sends nothing twice.
    """
    refund = Refund.objects.select_related("payment").get(pk=refund.pk)
    if not _awaits_provider(refund):
        return refund
    try:
        answer = _provider_refund(refund, refund.payment)
    except ProviderUnavailable as exc:
        logger.warning("Payment provider unavailable refunding %s: %s", refund.provider_reference, exc)
        answer = None
    return _refund_record(refund=refund, answer=answer, actor=actor)


def _refund_automatic(*, payment: Payment, amount: int, reason: str) -> Refund:
    """Reserve the platform's own refund of *payment* in the caller's transaction; send it after commit.

    Called while a payment's state is being recorded (a duplicate, a payment for a cancelled
    bill): the provider is not called inside that transaction. Once it commits the refund is
    sent (:func:`refund_send`); if the process stops first, or the provider cannot be reached,
    :func:`refund_retry` sends it later with the same reference.
    """
    payment = (
        Payment.objects.select_for_update(of=("self",))
        .select_related("bill", "bill__agency", "payer")
        .get(pk=payment.pk)
    )
    reason = _clean_refund(payment, amount, reason)
    refund = Refund.objects.create(
        payment=payment, amount=amount, reason=reason, automatic=True, status=RefundStatus.PENDING
    )
    refund_id = refund.pk
    transaction.on_commit(lambda: refund_send(refund=Refund(pk=refund_id)), robust=True)
    _retry_scheduled(refund_id, timezone.now() + ORPHAN_AFTER + datetime.timedelta(minutes=3))
    return refund


def _retry_scheduled(refund_id: int, retry_at: datetime.datetime) -> bool:
    """Ask for the refund to be sent again at *retry_at* (payments.receivers queues it after commit).

    False when nothing could be scheduled (a task backend that cannot run work later): the
    ``retry_waiting_refunds`` sweep sends it then.
    """
    answers = refund_retry_due.send(sender=Refund, refund_id=refund_id, retry_at=retry_at)
    return any(answer for _receiver, answer in answers)


def refund_retry(*, refund: Refund) -> Refund:
    """Send again a refund still waiting for the provider's answer (see :func:`_awaits_provider`).

    Automatic refunds, and staff refunds the provider could not be reached for (code
    ``provider_unavailable``), are retried at any time; a staff refund still ``pending`` without
    an answer only once it has waited longer than ``ORPHAN_AFTER`` (the request that reserved it
    stopped before recording the answer).
    The same reference goes to the provider, so a refund is never paid twice.
    """
    refund = Refund.objects.get(pk=refund.pk)
    if not _awaits_provider(refund):
        return refund
    in_flight = refund.status == RefundStatus.PENDING and not refund.failure_code
    if in_flight and not refund.automatic and refund.created_at > timezone.now() - ORPHAN_AFTER:
        return refund  # the request that reserved it may still be asking the provider
    return refund_send(refund=refund)


def retry_waiting_refunds() -> int:
    """Retry every refund still waiting for the provider (the sweep); returns how many got an answer."""
    waiting = Refund.objects.filter(status=RefundStatus.PENDING).values_list("pk", flat=True)
    answered = 0
    for refund_id in list(waiting[:1000]):
        answered += int(not _awaits_provider(refund_retry(refund=Refund(pk=refund_id))))
    return answered


__all__ = [
    "BadSignature",
    "ProviderUnavailable",
    "amount_due",
    "bill_cancel",
    "bill_create",
    "bill_for_application",
    "bills_cancel_for_application",
    "callback_handle",
    "counter_payment_record",
    "expire_abandoned_payments",
    "next_bill_reference",
    "payment_apply_status",
    "payment_create",
    "payment_expire",
    "payment_sync",
    "refund_retry",
    "refund_send",
    "refundable_amount",
    "retry_waiting_refunds",
    "transition_allowed",
]
