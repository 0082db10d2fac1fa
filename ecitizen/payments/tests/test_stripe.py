"""The Stripe provider against recorded Stripe responses.

No network reaches Stripe here. The real ``stripe`` library builds every
request and parses every response; only its HTTP client is replaced, by one
that answers from ``recorded/*.json`` and remembers what it was sent, so the
tests check the exact paths and parameters that would go to Stripe.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import stripe

from ecitizen.payments.providers import get_provider
from ecitizen.payments.providers.base import BadSignature, ProviderUnavailable
from ecitizen.payments.providers.stripe import IgnoredEvent, StripeProvider

RECORDED = Path(__file__).parent / "recorded"
SESSION_ID = "cs_test_a1Xk9Qm3ZP7rLw2VbN8cYt4HfJ6gDs0EuRiOpA5yTq1WnKxMeC3vBz"
INTENT_ID = "pi_3QxR7aLgUG5tbmjc1Kp9ZfWd"
REFERENCE = "PAY-2026-7Q4M2K9X"
WEBHOOK_SECRET = "whsec_test_5d9b2c7e1f4a8b3c6d0e9f2a5b8c1d4e"


def recorded(name: str) -> str:
    return (RECORDED / name).read_text()


@dataclass
class Sent:
    method: str
    path: str
    query: dict
    form: dict
    headers: dict


def _flat(parsed: dict[str, list[str]]) -> dict:
    return {key: values[0] if len(values) == 1 else values for key, values in parsed.items()}


class RecordedStripe(stripe.HTTPClient):
    """Answers each request with the next recorded response queued for its method and path."""

    name = "recorded"

    def __init__(self):
        super().__init__()
        self.queue: list[tuple[str, str, object, int]] = []
        self.sent: list[Sent] = []

    def answer(self, method: str, path: str, body: str | Exception, status: int = 200) -> RecordedStripe:
        self.queue.append((method, path, body, status))
        return self

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        parts = urlsplit(url)
        assert parts.netloc == "api.stripe.com", url
        self.sent.append(
            Sent(method, parts.path, _flat(parse_qs(parts.query)), _flat(parse_qs(post_data or "")), dict(headers))
        )
        for index, (want_method, want_path, body, status) in enumerate(self.queue):
            if (want_method, want_path) == (method, parts.path):
                del self.queue[index]
                if isinstance(body, Exception):
                    raise body
                return body, status, {"Request-Id": f"req_recorded{len(self.sent)}", "Content-Type": "application/json"}
        raise AssertionError(f"No recorded response for {method.upper()} {parts.path}")

    def close(self):
        pass


@pytest.fixture
def http():
    return RecordedStripe()


@pytest.fixture
def provider(http, settings):
    settings.SITE_URL = "https://pay.example.gov"
    return StripeProvider(
        api_key="sk_test_recorded", webhook_secret=WEBHOOK_SECRET, http_client=http, max_network_retries=0
    )


# -- opening a payment ----------------------------------------------------------


def test_create_opens_a_checkout_session_for_the_amount(provider, http):
    # given
    http.answer("post", "/v1/checkout/sessions", recorded("checkout_session_created.json"))

    # when
    payment = provider.create(
        reference=REFERENCE,
        amount=3000,
        currency="GBP",
        description="Resident parking permit — CC-2026-000123",
        return_url=f"/payments/{REFERENCE}/return/",
    )

    # then: one request, built by the stripe library as Stripe documents it
    [sent] = http.sent
    assert (sent.method, sent.path) == ("post", "/v1/checkout/sessions")
    assert sent.form == {
        "mode": "payment",
        "line_items[0][quantity]": "1",
        "line_items[0][price_data][currency]": "gbp",
        "line_items[0][price_data][unit_amount]": "3000",
        "line_items[0][price_data][product_data][name]": "Resident parking permit — CC-2026-000123",
        "success_url": f"https://pay.example.gov/payments/{REFERENCE}/return/",
        "cancel_url": f"https://pay.example.gov/payments/{REFERENCE}/return/",
        "client_reference_id": REFERENCE,
        "metadata[reference]": REFERENCE,
        "payment_intent_data[metadata][reference]": REFERENCE,
    }
    assert sent.headers["Idempotency-Key"] == f"ecitizen-create-{REFERENCE}"
    assert sent.headers["Authorization"] == "Bearer sk_test_recorded"
    assert sent.headers["Stripe-Version"] == stripe.api_version
    # and the payer goes to Stripe's page
    assert payment.provider_id == SESSION_ID
    assert payment.next_url.startswith(f"https://checkout.stripe.com/c/pay/{SESSION_ID}")
    assert (payment.status, payment.amount, payment.currency) == ("started", 3000, "GBP")


def test_create_keeps_an_absolute_return_url(provider, http):
    http.answer("post", "/v1/checkout/sessions", recorded("checkout_session_created.json"))

    provider.create(
        reference=REFERENCE, amount=3000, currency="EUR", description="", return_url="https://other.example/back/"
    )

    form = http.sent[0].form
    assert form["success_url"] == "https://other.example/back/"
    assert form["line_items[0][price_data][currency]"] == "eur"
    assert form["line_items[0][price_data][product_data][name]"] == REFERENCE  # never an empty name


# -- reading a payment's state ---------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "status", "code", "message"),
    [
        ("checkout_session_open.json", "started", "", ""),
        ("checkout_session_processing.json", "submitted", "", ""),
        # declined, but Checkout lets the payer try another card: not final
        ("checkout_session_declined.json", "started", "insufficient_funds", "Your card has insufficient funds."),
        ("checkout_session_intent_canceled.json", "cancelled", "", ""),
        ("checkout_session_complete.json", "success", "", ""),
        ("checkout_session_expired.json", "cancelled", "", ""),
    ],
)
def test_get_status_maps_the_session_and_its_payment_intent(provider, http, fixture, status, code, message):
    http.answer("get", f"/v1/checkout/sessions/{SESSION_ID}", recorded(fixture))

    payment = provider.get_status(SESSION_ID)

    [sent] = http.sent
    assert sent.query == {"expand[0]": "payment_intent"}  # the PaymentIntent comes in the same answer
    assert (payment.status, payment.failure_code, payment.failure_message) == (status, code, message)
    assert (payment.provider_id, payment.amount, payment.currency) == (SESSION_ID, 3000, "GBP")
    assert payment.raw["id"] == SESSION_ID and isinstance(payment.raw, dict)


def test_capture_reads_the_status_because_checkout_captures_at_once(provider, http):
    http.answer("get", f"/v1/checkout/sessions/{SESSION_ID}", recorded("checkout_session_complete.json"))

    assert provider.capture(SESSION_ID).status == "success"
    assert [s.method for s in http.sent] == ["get"]


# -- cancelling ---------------------------------------------------------------


def test_cancel_expires_the_session(provider, http):
    http.answer("post", f"/v1/checkout/sessions/{SESSION_ID}/expire", recorded("checkout_session_expired.json"))

    payment = provider.cancel(SESSION_ID)

    assert [(s.method, s.path) for s in http.sent] == [("post", f"/v1/checkout/sessions/{SESSION_ID}/expire")]
    assert payment.status == "cancelled"


def test_cancel_of_a_session_already_paid_reports_it_paid(provider, http):
    # given: the payer finished paying a moment before we gave up on them
    http.answer("post", f"/v1/checkout/sessions/{SESSION_ID}/expire", recorded("error_session_not_open.json"), 400)
    http.answer("get", f"/v1/checkout/sessions/{SESSION_ID}", recorded("checkout_session_complete.json"))

    # when / then: the money is not lost
    assert provider.cancel(SESSION_ID).status == "success"


def test_cancel_of_an_unknown_session_is_unavailable(provider, http):
    http.answer("post", "/v1/checkout/sessions/cs_test_missing/expire", recorded("error_no_such_session.json"), 404)

    with pytest.raises(ProviderUnavailable):
        provider.cancel("cs_test_missing")


# -- refunds -----------------------------------------------------------------


def test_refund_refunds_the_sessions_payment_intent(provider, http):
    # given
    http.answer("get", f"/v1/checkout/sessions/{SESSION_ID}", recorded("checkout_session_complete_unexpanded.json"))
    http.answer("post", "/v1/refunds", recorded("refund_succeeded.json"))

    # when
    refund = provider.refund(SESSION_ID, amount=1500, reference="REF-2026-000041")

    # then
    retrieve, create = http.sent
    assert retrieve.path == f"/v1/checkout/sessions/{SESSION_ID}"
    assert (create.method, create.path) == ("post", "/v1/refunds")
    assert create.form == {
        "payment_intent": INTENT_ID,
        "amount": "1500",
        "metadata[reference]": "REF-2026-000041",
    }
    assert create.headers["Idempotency-Key"] == "ecitizen-refund-REF-2026-000041"
    assert (refund.provider_refund_id, refund.status, refund.amount) == ("re_3QxR7aLgUG5tbmjc1vK0pS2L", "success", 1500)


def test_a_pending_refund_is_submitted(provider, http):
    http.answer("get", f"/v1/checkout/sessions/{SESSION_ID}", recorded("checkout_session_complete.json"))
    http.answer("post", "/v1/refunds", recorded("refund_pending.json"))

    refund = provider.refund(SESSION_ID, amount=3000, reference="REF-2026-000042")

    assert http.sent[1].form["payment_intent"] == INTENT_ID  # read from the expanded PaymentIntent too
    assert (refund.status, refund.amount) == ("submitted", 3000)


def test_a_refund_stripe_refuses_has_failed(provider, http):
    http.answer("get", f"/v1/checkout/sessions/{SESSION_ID}", recorded("checkout_session_complete.json"))
    http.answer("post", "/v1/refunds", recorded("error_charge_already_refunded.json"), 400)

    refund = provider.refund(SESSION_ID, amount=3000, reference="REF-2026-000043")

    assert (refund.provider_refund_id, refund.status) == ("", "failed")


def test_a_session_never_paid_cannot_be_refunded(provider, http):
    http.answer("get", f"/v1/checkout/sessions/{SESSION_ID}", recorded("checkout_session_expired.json"))

    assert provider.refund(SESSION_ID, amount=3000, reference="REF-2026-000044").status == "failed"
    assert len(http.sent) == 1


# -- Stripe unreachable or refusing us ------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [
        (stripe.APIConnectionError("Network is unreachable", should_retry=True), 0),
        (recorded("error_api.json"), 500),
        (recorded("error_rate_limit.json"), 429),
        (recorded("error_invalid_api_key.json"), 401),
    ],
    ids=["connection", "server-error", "rate-limited", "bad-key"],
)
def test_stripe_errors_are_provider_unavailable(provider, http, answer):
    body, status = answer
    http.answer("get", f"/v1/checkout/sessions/{SESSION_ID}", body, status)

    with pytest.raises(ProviderUnavailable):
        provider.get_status(SESSION_ID)


def test_create_failing_on_the_network_is_unavailable(provider, http):
    http.answer("post", "/v1/checkout/sessions", stripe.APIConnectionError("timed out", should_retry=True))

    with pytest.raises(ProviderUnavailable):
        provider.create(reference=REFERENCE, amount=3000, currency="GBP", description="Fee", return_url="/back/")


def test_a_retried_create_sends_the_same_idempotency_key(http, settings, monkeypatch):
    # given: Stripe fails once, then answers; the library retries (without really sleeping)
    monkeypatch.setattr("stripe._http_client.time.sleep", lambda seconds: None)
    provider = StripeProvider(api_key="sk_test_recorded", webhook_secret=WEBHOOK_SECRET, http_client=http)
    http.answer("post", "/v1/checkout/sessions", recorded("error_api.json"), 500)
    http.answer("post", "/v1/checkout/sessions", recorded("checkout_session_created.json"))

    # when
    payment = provider.create(reference=REFERENCE, amount=3000, currency="GBP", description="Fee", return_url="/b/")

    # then: one session, whatever happened on the wire
    assert payment.provider_id == SESSION_ID
    first, second = http.sent
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"] == f"ecitizen-create-{REFERENCE}"


def test_without_a_secret_key_nothing_is_sent(http, settings):
    settings.STRIPE_SECRET_KEY = ""
    provider = StripeProvider(http_client=http, max_network_retries=0)

    with pytest.raises(ProviderUnavailable):
        provider.get_status(SESSION_ID)
    assert http.sent == []


def test_get_provider_builds_it_from_settings(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_from_settings"
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET

    provider = get_provider("stripe")

    assert isinstance(provider, StripeProvider)
    assert (provider.name, provider.api_key, provider.webhook_secret) == (
        "stripe",
        "sk_test_from_settings",
        WEBHOOK_SECRET,
    )


# -- reconciliation --------------------------------------------------------------


def test_list_payments_pages_through_the_days_sessions(provider, http, settings):
    # given: two pages of sessions created on 2 August 2026 (UTC), in a deployment on British Summer Time
    settings.TIME_ZONE = "Europe/London"
    http.answer("get", "/v1/checkout/sessions", recorded("checkout_sessions_day_page1.json"))
    http.answer("get", "/v1/checkout/sessions", recorded("checkout_sessions_day_page2.json"))

    # when
    payments = provider.list_payments(datetime.date(2026, 8, 2))

    # then
    first, second = http.sent
    day_start = int(datetime.datetime(2026, 8, 2, tzinfo=datetime.UTC).timestamp())
    assert first.query == {
        "created[gte]": str(day_start),
        "created[lt]": str(day_start + 86400),
        "limit": "100",
        "expand[0]": "data.payment_intent",
    }
    page_one = json.loads(recorded("checkout_sessions_day_page1.json"))
    assert second.query["starting_after"] == page_one["data"][-1]["id"]
    assert second.query["created[gte]"] == str(day_start)
    assert [(p.amount, p.status) for p in payments] == [(3000, "success"), (5000, "cancelled"), (12000, "started")]


# -- webhooks ------------------------------------------------------------------


def signed(body: str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """The Stripe-Signature header Stripe would send: t=<time>,v1=HMAC-SHA256("<time>.<body>")."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return {"Stripe-Signature": f"t={timestamp},v1={digest}"}


@pytest.mark.parametrize(
    ("fixture", "status", "code"),
    [
        ("event_checkout_session_completed.json", "success", ""),
        ("event_checkout_session_completed_unpaid.json", "submitted", ""),
        ("event_checkout_session_async_payment_succeeded.json", "success", ""),
        ("event_checkout_session_async_payment_failed.json", "failed", "async_payment_failed"),
        ("event_checkout_session_expired.json", "cancelled", ""),
    ],
)
def test_a_signed_checkout_event_is_read(provider, http, fixture, status, code):
    body = recorded(fixture)

    event = provider.parse_callback(body=body.encode(), headers=signed(body))

    assert event.event_id == json.loads(body)["id"]
    assert event.provider_id == event.payment.provider_id == SESSION_ID
    assert (event.payment.status, event.payment.failure_code) == (status, code)
    assert (event.payment.amount, event.payment.currency) == (3000, "GBP")
    assert http.sent == []  # a session event carries all we need


def test_a_declined_card_is_matched_to_its_session_which_stays_open(provider, http):
    # given
    body = recorded("event_payment_intent_payment_failed.json")
    http.answer("get", "/v1/checkout/sessions", recorded("checkout_sessions_by_payment_intent.json"))

    # when
    event = provider.parse_callback(body=body.encode(), headers={"stripe-signature": signed(body)["Stripe-Signature"]})

    # then
    [sent] = http.sent
    assert sent.query == {"payment_intent": INTENT_ID, "limit": "1"}
    assert event.event_id == "evt_3QxR8bLgUG5tbmjc1F1qO6rU"
    assert event.provider_id == SESSION_ID
    # the payer may still pay with another card on Stripe's page, so the payment is not ended
    assert (event.payment.status, event.payment.failure_code, event.payment.failure_message) == (
        "started",
        "insufficient_funds",
        "Your card has insufficient funds.",
    )


def test_a_failed_card_of_no_session_of_ours_is_ignored(provider, http):
    body = recorded("event_payment_intent_payment_failed.json")
    http.answer("get", "/v1/checkout/sessions", recorded("checkout_sessions_empty.json"))

    with pytest.raises(IgnoredEvent):
        provider.parse_callback(body=body.encode(), headers=signed(body))


def test_an_event_we_do_not_act_on_is_ignored(provider):
    body = recorded("event_charge_refunded.json")

    with pytest.raises(IgnoredEvent):
        provider.parse_callback(body=body.encode(), headers=signed(body))


@pytest.mark.parametrize(
    "forge",
    [
        lambda body: (body, signed(body, secret="whsec_someone_else")),  # signed with another secret
        lambda body: (body.replace('"paid"', '"unpaid"', 1), signed(body)),  # body changed after signing
        lambda body: (body, signed(body, timestamp=int(time.time()) - 3600)),  # a replay an hour later
        lambda body: (body, {"Stripe-Signature": "t=1785657600,v1=" + "0" * 64}),
        lambda body: (body, {"Stripe-Signature": "garbage"}),
        lambda body: (body, {}),  # no signature at all
    ],
    ids=["wrong-secret", "tampered", "replayed", "made-up", "malformed", "missing"],
)
def test_a_forged_callback_is_refused(provider, http, forge):
    body, headers = forge(recorded("event_checkout_session_completed.json"))

    with pytest.raises(BadSignature):
        provider.parse_callback(body=body.encode(), headers=headers)
    assert http.sent == []


def test_without_a_webhook_secret_no_callback_verifies(http):
    provider = StripeProvider(api_key="sk_test_recorded", webhook_secret="", http_client=http)
    body = recorded("event_checkout_session_completed.json")

    with pytest.raises(BadSignature):
        provider.parse_callback(body=body.encode(), headers=signed(body))


def test_a_signed_body_that_is_not_an_event_is_refused(provider):
    body = "this is not JSON"

    with pytest.raises(BadSignature):
        provider.parse_callback(body=body.encode(), headers=signed(body))
