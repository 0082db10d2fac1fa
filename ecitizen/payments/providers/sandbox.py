"""The sandbox: a card gateway that moves no money, for development, demos and tests.

It behaves like a hosted-payment-page gateway (GOV.UK Pay, Stripe Checkout):

1. ``create()`` opens a charge and answers ``next_url`` = our own card page,
   ``/payments/sandbox/pay/<provider_id>/`` (GOV.UK-styled, no JavaScript).
2. The payer enters a card. The charge becomes ``submitted`` and the payer is
   sent to the service's return page straight away.
3. After ``SANDBOX_CONFIRM_DELAY_SECONDS`` (0 by default) the ``sandbox_settle``
   task decides the charge and sends a signed callback to the platform, as a
   real gateway's webhook would: the body is JSON with an ``event_id``, the
   signature is HMAC-SHA256 of the body with ``SANDBOX_CALLBACK_SECRET`` in
   the ``X-Sandbox-Signature`` header (hex). It is delivered in-process
   (the ``sandbox_callback_sent`` signal, handed to ``callback_handle``)
   rather than over HTTP. Until then ``get_status()`` says
   ``submitted``, so the return page shows "being confirmed"; after it,
   ``get_status()`` gives the outcome even if the callback is late or the
   task worker is not running (``make run`` starts none).

Test cards (after GOV.UK Pay's), with any future expiry date and any CVC:

=====================  ===================================================
4444333322221111       success (Visa)
4000000000000002       declined: failed, ``card_declined``
4000000000000069       expired card: failed, ``card_expired``
4000000000000119       processing error: error, ``processing_error``
any other Luhn-valid   success
not Luhn-valid         the card page shows a field error
=====================  ===================================================

The charges live in :class:`~ecitizen.payments.models.SandboxCharge`, the
gateway's own records, which ``list_payments(day)`` reports for
reconciliation. They are not audited: they stand for someone else's system.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from ecitizen.core.site_paths import is_site_path
from ecitizen.payments.models import PaymentStatus, SandboxCharge
from ecitizen.payments.providers.base import (
    BadSignature,
    CallbackEvent,
    PaymentProvider,
    ProviderPayment,
    ProviderRefund,
    ProviderUnavailable,
)
from ecitizen.payments.signals import sandbox_callback_sent, sandbox_charge_decided

SIGNATURE_HEADER = "X-Sandbox-Signature"

#: number -> (status, failure code, failure message)
TEST_CARDS: dict[str, tuple[str, str, str]] = {
    "4444333322221111": (PaymentStatus.SUCCESS, "", ""),
    "4000000000000002": (PaymentStatus.FAILED, "card_declined", "Your card was declined"),
    "4000000000000069": (PaymentStatus.FAILED, "card_expired", "Your card has expired"),
    "4000000000000119": (PaymentStatus.ERROR, "processing_error", "There was a problem processing your payment"),
}
_OPEN = (PaymentStatus.CREATED, PaymentStatus.STARTED)


def luhn_valid(number: str) -> bool:
    """Does *number* (digits only) pass the Luhn check every card number passes?"""
    if not number.isdigit():
        return False
    total = 0
    for index, digit in enumerate(reversed(number)):
        value = int(digit)
        if index % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "Visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or "2221" <= number[:4] <= "2720":
        return "Mastercard"
    if number[:2] in {"34", "37"}:
        return "American Express"
    return "Card"


def sign(body: bytes) -> str:
    """The sandbox's signature of a callback *body*."""
    return hmac.new(settings.SANDBOX_CALLBACK_SECRET.encode(), body, hashlib.sha256).hexdigest()


def _answer(charge: SandboxCharge) -> ProviderPayment:
    return ProviderPayment(
        provider_id=charge.provider_id,
        status=charge.status,
        amount=charge.amount,
        currency=charge.currency,
        next_url=reverse("payments:sandbox_pay", kwargs={"provider_id": charge.provider_id}),
        failure_code=charge.failure_code,
        failure_message=charge.failure_message,
        raw={
            "provider_id": charge.provider_id,
            "reference": charge.reference,
            "status": charge.status,
            "card_brand": charge.card_brand,
            "card_last4": charge.card_last4,
        },
    )


def _charge(provider_id: str, *, lock: bool = False) -> SandboxCharge:
    charges = SandboxCharge.objects.select_for_update() if lock else SandboxCharge.objects
    charge = charges.filter(provider_id=provider_id).first()
    if charge is None:
        raise ProviderUnavailable(f"The sandbox has no charge {provider_id!r}")
    return charge


class SandboxProvider(PaymentProvider):
    name = "sandbox"

    def create(
        self, *, reference: str, amount: int, currency: str, description: str, return_url: str
    ) -> ProviderPayment:
        parts = urlsplit(return_url)
        # The card page is on this site, so it returns the payer by path: never to another host.
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        charge = SandboxCharge.objects.create(
            provider_id=f"sbx_{secrets.token_urlsafe(18)}",
            reference=reference,
            amount=amount,
            currency=currency,
            description=description[:300],
            return_url=path if is_site_path(path) else "/",
        )
        return _answer(charge)

    def get_status(self, provider_id: str) -> ProviderPayment:
        charge = _charge(provider_id)
        if charge.status == PaymentStatus.SUBMITTED and _settlement_due(charge):
            charge = _settle(provider_id) or charge
        return _answer(charge)

    def capture(self, provider_id: str) -> ProviderPayment:
        return self.get_status(provider_id)  # the sandbox captures at once

    def cancel(self, provider_id: str) -> ProviderPayment:
        with transaction.atomic():
            charge = _charge(provider_id, lock=True)
            if charge.status in _OPEN:
                charge.status = PaymentStatus.CANCELLED
                charge.failure_code = "cancelled"
                charge.failure_message = "The payment was cancelled"
                charge.save(update_fields=["status", "failure_code", "failure_message", "updated_at"])
        return _answer(charge)

    def refund(self, provider_id: str, *, amount: int, reference: str) -> ProviderRefund:
        """Refund *amount* of a successful charge. *reference* is the idempotency key, as with
        Stripe: the same reference again returns the refund it made (nothing is refunded twice),
        and with another amount it is refused."""
        with transaction.atomic():
            charge = _charge(provider_id, lock=True)
            earlier = next((item for item in charge.refunds if reference and item.get("reference") == reference), None)
            if earlier is not None:
                if earlier["amount"] != amount:
                    return ProviderRefund(provider_refund_id="", status="failed", amount=amount)
                return ProviderRefund(provider_refund_id=earlier["id"], status="success", amount=earlier["amount"])
            refund_id = f"sbxr_{secrets.token_urlsafe(12)}"
            refunded = sum(item["amount"] for item in charge.refunds)
            if charge.status != PaymentStatus.SUCCESS or amount < 1 or refunded + amount > charge.amount:
                return ProviderRefund(provider_refund_id=refund_id, status="failed", amount=amount)
            charge.refunds = [
                *charge.refunds,
                {"id": refund_id, "amount": amount, "reference": reference, "at": timezone.now().isoformat()},
            ]
            charge.save(update_fields=["refunds", "updated_at"])
        return ProviderRefund(provider_refund_id=refund_id, status="success", amount=amount)

    def parse_callback(self, *, body: bytes, headers: dict[str, str]) -> CallbackEvent:
        given = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), "")
        if not given or not hmac.compare_digest(sign(body), str(given)):
            raise BadSignature("The sandbox callback signature does not match")
        try:
            data = json.loads(body)
            payment = ProviderPayment(
                provider_id=str(data["provider_id"]),
                status=str(data["status"]),
                amount=int(data["amount"]),
                currency=str(data["currency"]),
                failure_code=str(data.get("failure_code", "")),
                failure_message=str(data.get("failure_message", "")),
                raw=data,
            )
            return CallbackEvent(event_id=str(data["event_id"]), provider_id=payment.provider_id, payment=payment)
        except (ValueError, KeyError, TypeError) as exc:
            raise BadSignature("The sandbox callback is not readable") from exc

    def list_payments(self, day) -> list[ProviderPayment]:
        start = datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)  # a UTC day
        charges = SandboxCharge.objects.filter(
            created_at__gte=start, created_at__lt=start + datetime.timedelta(days=1)
        ).order_by("created_at", "pk")
        return [_answer(charge) for charge in charges]


# --- the gateway's own pages and worker ---------------------------------------------------


def charge_for_page(provider_id: str) -> SandboxCharge | None:
    return SandboxCharge.objects.filter(provider_id=provider_id).first()


def _schedule_settlement(provider_id: str) -> None:
    """The gateway's worker settles the charge later (payments.receivers queues ``sandbox_settle``)."""
    sandbox_charge_decided.send(sender=SandboxCharge, provider_id=provider_id)


@transaction.atomic
def submit_card(*, provider_id: str, card_number: str) -> SandboxCharge:
    """The payer entered *card_number* (Luhn-valid digits) on the card page: decide and queue the result.

    A charge already submitted or finished is returned unchanged (a double click).
    """
    charge = _charge(provider_id, lock=True)
    if charge.status not in _OPEN:
        return charge
    status, code, message = TEST_CARDS.get(card_number, (PaymentStatus.SUCCESS, "", ""))
    charge.status = PaymentStatus.SUBMITTED
    settle_at = timezone.now() + datetime.timedelta(seconds=settings.SANDBOX_CONFIRM_DELAY_SECONDS)
    charge.outcome = {
        "status": status,
        "failure_code": code,
        "failure_message": message,
        "settle_at": settle_at.isoformat(),
    }
    charge.card_brand = card_brand(card_number)
    charge.card_last4 = card_number[-4:]
    charge.save(update_fields=["status", "outcome", "card_brand", "card_last4", "updated_at"])
    _schedule_settlement(provider_id)
    return charge


@transaction.atomic
def cancel_by_payer(*, provider_id: str) -> SandboxCharge:
    """The payer chose "Cancel payment" on the card page."""
    charge = _charge(provider_id, lock=True)
    if charge.status in _OPEN:
        charge.status = PaymentStatus.CANCELLED
        charge.failure_code = "cancelled_by_user"
        charge.failure_message = "You cancelled the payment"
        charge.save(update_fields=["status", "failure_code", "failure_message", "updated_at"])
        _schedule_settlement(provider_id)
    return charge


def callback_body(charge: SandboxCharge) -> bytes:
    return json.dumps(
        {
            "event_id": f"{charge.provider_id}.{charge.status}",
            "provider_id": charge.provider_id,
            "reference": charge.reference,
            "status": charge.status,
            "amount": charge.amount,
            "currency": charge.currency,
            "failure_code": charge.failure_code,
            "failure_message": charge.failure_message,
        },
        sort_keys=True,
    ).encode()


def _settlement_due(charge: SandboxCharge) -> bool:
    settle_at = charge.outcome.get("settle_at")
    return not settle_at or datetime.datetime.fromisoformat(settle_at) <= timezone.now()


@transaction.atomic
def _settle(provider_id: str) -> SandboxCharge | None:
    """Apply a submitted charge's outcome: the gateway has decided."""
    charge = SandboxCharge.objects.select_for_update().filter(provider_id=provider_id).first()
    if charge is not None and charge.status == PaymentStatus.SUBMITTED:
        charge.status = charge.outcome.get("status", PaymentStatus.SUCCESS)
        charge.failure_code = charge.outcome.get("failure_code", "")
        charge.failure_message = charge.outcome.get("failure_message", "")
        charge.save(update_fields=["status", "failure_code", "failure_message", "updated_at"])
    return charge


def settle_charge(provider_id: str) -> SandboxCharge | None:
    """Apply a submitted charge's outcome, then send the signed callback for its final state.

    The charge is decided once its delay is over even if this task never
    runs: ``get_status()`` decides it then (a gateway's answer does not wait
    for its webhook), and the callback, when it comes, changes nothing more.
    The callback is delivered as ``sandbox_callback_sent``, which payments.receivers
    hands to ``callback_handle`` as the webhook view would.
    """
    charge = _settle(provider_id)
    if charge is None or charge.status in _OPEN:
        return charge
    body = callback_body(charge)
    sandbox_callback_sent.send(sender=SandboxCharge, body=body, headers={SIGNATURE_HEADER: sign(body)})
    return charge
