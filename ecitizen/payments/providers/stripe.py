"""Card payments through Stripe Checkout, behind the :class:`PaymentProvider` interface.

How it works
    ``create`` opens a Stripe Checkout Session (mode ``payment``, one line item
    of the bill's amount) and sends the payer to ``session.url``; the session id
    (``cs_…``) is our ``provider_id``. Stripe returns the payer to our
    ``return_url`` whether they paid or gave up, and the return page asks
    ``get_status``. Stripe also tells us by webhook (``parse_callback``).
    Checkout captures at once, so ``capture`` only reads the status; ``cancel``
    expires the session; ``refund`` refunds the session's PaymentIntent.

How its states map to ours (:class:`~ecitizen.payments.models.PaymentStatus`)
    session open → started; open with a PaymentIntent ``processing`` →
    submitted; PaymentIntent ``canceled`` → cancelled; session ``complete``
    and ``paid`` → success; ``complete`` but ``unpaid`` (a bank debit still
    clearing) → submitted; a delayed payment that then fails → failed;
    session ``expired`` → cancelled.

    A declined card is *not* final on Checkout: Stripe shows the decline on
    its page and lets the payer try another card in the same session, so an
    open session whose PaymentIntent is back in ``requires_payment_method``
    with a ``last_payment_error`` (and the ``payment_intent.payment_failed``
    event) stays *started*, carrying Stripe's decline code and message in
    ``failure_code`` / ``failure_message``. Reporting it as *failed* would end
    the payment for good in our records (a finished payment never changes)
    while the payer could still pay on Stripe's page a minute later: money
    taken against a bill that stays unpaid. A payer who gives up is ended by
    the expiry sweep, which expires the session (→ cancelled).

Configuring it
    1. In the Stripe dashboard, copy the secret key into ``STRIPE_SECRET_KEY``.
    2. Add a webhook endpoint ``https://<your site>/payments/callback/stripe/``
       listening to ``checkout.session.completed``, ``checkout.session.expired``,
       ``checkout.session.async_payment_succeeded``,
       ``checkout.session.async_payment_failed`` and
       ``payment_intent.payment_failed``; copy its signing secret (``whsec_…``)
       into ``STRIPE_WEBHOOK_SECRET``.
    3. Set ``PAYMENT_PROVIDER=stripe`` and ``SITE_URL`` to the site's public
       address (Stripe needs absolute return addresses).
    Without a secret key every call answers :class:`ProviderUnavailable`, so a
    misconfigured site keeps bills payable later and takes no money.
    ``parse_callback`` raises :class:`IgnoredEvent` for a correctly signed event
    that concerns none of our payments (answer it 200), and ProviderUnavailable
    when it must ask Stripe which session a declined card belongs to and cannot
    (answer it 503: Stripe sends it again later).

How it is tested
    No network reaches Stripe from where this was written, so
    ``ecitizen/payments/tests/test_stripe*.py`` run the real ``stripe`` library
    (its request building, retries off, response parsing and errors) against
    *recorded* responses: JSON files in ``ecitizen/payments/tests/recorded/``
    written field for field from Stripe's documented object shapes (not
    captured from a live account), served by a fake ``stripe.HTTPClient``
    that also records the paths and parameters the library sent. Webhook
    signatures are checked with signatures computed in the tests. Before going
    live, run one payment, one refund and one webhook in Stripe's test mode.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urljoin

import stripe
from django.conf import settings

from ecitizen.payments.providers.base import (
    BadSignature,
    CallbackEvent,
    IgnoredCallback,
    PaymentProvider,
    ProviderPayment,
    ProviderRefund,
    ProviderUnavailable,
)

logger = logging.getLogger(__name__)

# Our PaymentStatus values, spelt out so that the provider needs no models.
STARTED, SUBMITTED, SUCCESS, FAILED, CANCELLED = "started", "submitted", "success", "failed", "cancelled"

_REFUND_STATUS = {
    "succeeded": "success",
    "pending": "submitted",
    "requires_action": "submitted",
    "failed": "failed",
    "canceled": "failed",
}

HANDLED_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.expired",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "payment_intent.payment_failed",
    }
)


class IgnoredEvent(IgnoredCallback):
    """A correctly signed Stripe event that changes no payment of ours.

    An event type the endpoint should not be subscribed to, or a failed
    PaymentIntent that no Checkout Session of ours made. Answer it with 200 so
    that Stripe does not send it again; record nothing.
    """


@contextmanager
def _stripe_errors(action: str) -> Iterator[None]:
    """Turn Stripe's errors into ProviderUnavailable: the payments services then keep
    the bill payable and record nothing as taken."""
    try:
        yield
    except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as exc:
        logger.warning("Stripe unavailable during %s: %s", action, exc)
        raise ProviderUnavailable(f"Stripe could not {action}: {exc.user_message or exc}") from exc
    except stripe.StripeError as exc:
        # Bad key, missing permission, an id Stripe does not know: our error, not the payer's.
        logger.error("Stripe refused to %s: %s", action, exc)
        raise ProviderUnavailable(f"Stripe refused to {action}: {exc.user_message or exc}") from exc


def _plain(obj: Any) -> dict:
    """A Stripe object as plain dicts and lists (Stripe objects are not mappings)."""
    return obj.to_dict(recursive=True) if hasattr(obj, "to_dict") else dict(obj)


def _failure(intent: dict | None) -> tuple[str, str]:
    error = (intent or {}).get("last_payment_error") or {}
    code = error.get("decline_code") or error.get("code") or ""
    return str(code)[:40], str(error.get("message") or "")[:300]


def _session_status(session: dict) -> tuple[str, str, str]:
    """(our status, failure code, failure message) of a Checkout Session."""
    state = session.get("status")
    if state == "complete":
        if session.get("payment_status") in ("paid", "no_payment_required"):
            return SUCCESS, "", ""
        return SUBMITTED, "", ""  # a delayed method (bank debit) still clearing
    if state == "expired":
        return CANCELLED, "", ""
    intent = session.get("payment_intent")
    intent = intent if isinstance(intent, dict) else None
    if intent is not None:
        intent_state = intent.get("status")
        if intent_state == "canceled":
            return CANCELLED, "", ""
        if intent_state == "succeeded":
            return SUCCESS, "", ""
        if intent_state == "processing":
            return SUBMITTED, "", ""
        if intent_state == "requires_payment_method" and intent.get("last_payment_error"):
            # Declined, but the payer may try another card on the same page: not final (see above).
            return (STARTED, *_failure(intent))
    return STARTED, "", ""


def _from_session(session: dict, *, status: str | None = None, failure: tuple[str, str] = ("", "")) -> ProviderPayment:
    if status is None:
        status, code, message = _session_status(session)
    else:
        code, message = failure
    return ProviderPayment(
        provider_id=session["id"],
        status=status,
        amount=int(session.get("amount_total") or 0),
        currency=str(session.get("currency") or "").upper(),
        next_url=session.get("url") or "",
        failure_code=code,
        failure_message=message,
        raw=session,
    )


class StripeProvider(PaymentProvider):
    """Stripe Checkout. Built from settings by ``get_provider("stripe")``; tests pass
    ``http_client`` (a ``stripe.HTTPClient``) and ``max_network_retries=0``."""

    name = "stripe"

    def __init__(
        self,
        *,
        api_key: str | None = None,
        webhook_secret: str | None = None,
        http_client: stripe.HTTPClient | None = None,
        max_network_retries: int = 2,
    ):
        self.api_key = settings.STRIPE_SECRET_KEY if api_key is None else api_key
        self.webhook_secret = settings.STRIPE_WEBHOOK_SECRET if webhook_secret is None else webhook_secret
        self._http_client = http_client
        self._max_network_retries = max_network_retries
        self._client: stripe.StripeClient | None = None

    @property
    def client(self) -> stripe.StripeClient:
        if not self.api_key:
            logger.error("STRIPE_SECRET_KEY is not set: card payments through Stripe are unavailable")
            raise ProviderUnavailable("Stripe is not configured (STRIPE_SECRET_KEY is empty).")
        if self._client is None:
            # With retries on, the library sends an Idempotency-Key of its own on each POST.
            self._client = stripe.StripeClient(
                self.api_key, http_client=self._http_client, max_network_retries=self._max_network_retries
            )
        return self._client

    # -- payments ---------------------------------------------------------------

    def create(
        self, *, reference: str, amount: int, currency: str, description: str, return_url: str
    ) -> ProviderPayment:
        back = urljoin(settings.SITE_URL.rstrip("/") + "/", return_url)
        params = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency.lower(),
                        "unit_amount": int(amount),
                        "product_data": {"name": (description or reference)[:250]},
                    },
                }
            ],
            "success_url": back,
            "cancel_url": back,
            "client_reference_id": reference,
            "metadata": {"reference": reference},
            # So that a payment_intent.payment_failed event names the payment too.
            "payment_intent_data": {"metadata": {"reference": reference}},
        }
        with _stripe_errors("open a payment"):
            session = self.client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": f"ecitizen-create-{reference}"}
            )
        return _from_session(_plain(session))

    def get_status(self, provider_id: str) -> ProviderPayment:
        with _stripe_errors("read a payment"):
            session = self.client.v1.checkout.sessions.retrieve(provider_id, params={"expand": ["payment_intent"]})
        return _from_session(_plain(session))

    def capture(self, provider_id: str) -> ProviderPayment:
        """Checkout sessions capture at once: nothing to take, so this reads the status."""
        return self.get_status(provider_id)

    def cancel(self, provider_id: str) -> ProviderPayment:
        """Expire the session so the payer can no longer pay on it. A session that is
        no longer open (already paid or expired) cannot be expired: its status is returned."""
        with _stripe_errors("cancel a payment"):
            try:
                session = self.client.v1.checkout.sessions.expire(provider_id)
            except stripe.InvalidRequestError as exc:
                if exc.http_status == 404:
                    raise
                logger.info("Stripe session %s could not be expired: %s", provider_id, exc)
                return self.get_status(provider_id)
        return _from_session(_plain(session))

    def refund(self, provider_id: str, *, amount: int, reference: str) -> ProviderRefund:
        """Refund *amount* of the session's PaymentIntent. Stripe refusing (more than was
        paid, already refunded) is a ``failed`` refund; Stripe unreachable is ProviderUnavailable."""
        with _stripe_errors("read a payment to refund"):
            session = _plain(self.client.v1.checkout.sessions.retrieve(provider_id))
        intent = session.get("payment_intent")
        intent_id = intent.get("id") if isinstance(intent, dict) else intent
        if not intent_id:
            return ProviderRefund(provider_refund_id="", status="failed", amount=int(amount))
        with _stripe_errors("refund a payment"):
            try:
                refund = _plain(
                    self.client.v1.refunds.create(
                        params={
                            "payment_intent": intent_id,
                            "amount": int(amount),
                            "metadata": {"reference": reference},
                        },
                        options={"idempotency_key": f"ecitizen-refund-{reference}"},
                    )
                )
            except stripe.InvalidRequestError as exc:
                logger.warning("Stripe refused refund %s of %s: %s", reference, provider_id, exc)
                return ProviderRefund(provider_refund_id="", status="failed", amount=int(amount))
        return ProviderRefund(
            provider_refund_id=refund["id"],
            status=_REFUND_STATUS.get(refund.get("status"), "submitted"),
            amount=int(refund.get("amount") or amount),
        )

    # -- webhooks ---------------------------------------------------------------

    def parse_callback(self, *, body: bytes, headers: dict[str, str]) -> CallbackEvent:
        """Verify the ``Stripe-Signature`` header (BadSignature if it does not verify,
        is missing, or is older than five minutes) and read the event.

        Raises :class:`IgnoredEvent` for a verified event that changes none of our
        payments, and ProviderUnavailable if Stripe must be asked which session a
        failed PaymentIntent belongs to and cannot be reached.
        """
        signature = next(
            (v for k, v in headers.items() if k.lower() in ("stripe-signature", "http_stripe_signature")), ""
        )
        if not self.webhook_secret:
            raise BadSignature("STRIPE_WEBHOOK_SECRET is not set: no Stripe callback can be verified.")
        try:
            event = stripe.Webhook.construct_event(body, signature, self.webhook_secret)
        except stripe.SignatureVerificationError as exc:
            raise BadSignature(str(exc)) from exc
        except (ValueError, UnicodeDecodeError) as exc:  # signed, yet not a Stripe event
            raise BadSignature(f"Not a Stripe event: {exc}") from exc
        data = _plain(event)
        event_type = data.get("type", "")
        obj = (data.get("data") or {}).get("object") or {}
        if event_type not in HANDLED_EVENTS:
            raise IgnoredEvent(f"Stripe event {event_type!r} is not one we act on.")
        if event_type == "payment_intent.payment_failed":
            payment = self._failed_intent(obj)
        elif event_type == "checkout.session.async_payment_succeeded":
            payment = _from_session(obj, status=SUCCESS)
        elif event_type == "checkout.session.async_payment_failed":
            payment = _from_session(
                obj, status=FAILED, failure=("async_payment_failed", "The payment was not completed by the bank.")
            )
        elif event_type == "checkout.session.expired":
            payment = _from_session(obj, status=CANCELLED)
        else:  # checkout.session.completed: paid, or a bank debit still clearing
            payment = _from_session(obj)
        return CallbackEvent(event_id=data["id"], provider_id=payment.provider_id, payment=payment)

    def _failed_intent(self, intent: dict) -> ProviderPayment:
        """The Checkout Session whose PaymentIntent *intent* was declined: still *started*
        (the payer may try another card), with the decline's code and message."""
        with _stripe_errors("find the payment of a failed card"):
            sessions = self.client.v1.checkout.sessions.list(params={"payment_intent": intent["id"], "limit": 1})
        found = _plain(sessions).get("data") or []
        if not found:
            raise IgnoredEvent(f"No Checkout Session made PaymentIntent {intent['id']}.")
        session = found[0]
        code, message = _failure(intent)
        return ProviderPayment(
            provider_id=session["id"],
            status=STARTED,
            amount=int(intent.get("amount") or session.get("amount_total") or 0),
            currency=str(intent.get("currency") or session.get("currency") or "").upper(),
            failure_code=code,
            failure_message=message,
            raw=intent,
        )

    # -- reconciliation ---------------------------------------------------------

    def list_payments(self, day: datetime.date) -> list[ProviderPayment]:
        """Every Checkout Session created on UTC *day* (as reconciliation counts days),
        all pages, each with its current status."""
        start = datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)
        end = start + datetime.timedelta(days=1)
        params = {
            "created": {"gte": int(start.timestamp()), "lt": int(end.timestamp())},
            "limit": 100,
            "expand": ["data.payment_intent"],
        }
        with _stripe_errors("list the day's payments"):
            pages = self.client.v1.checkout.sessions.list(params=params)
            return [_from_session(_plain(session)) for session in pages.auto_paging_iter()]
