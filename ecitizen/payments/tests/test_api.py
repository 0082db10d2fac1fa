"""The citizen's payments API: bills, payments, status, and idempotent payment creation."""

import json

import pytest
from django.test import Client

from ecitizen.payments.models import Payment
from ecitizen.payments.providers.base import ProviderUnavailable
from ecitizen.payments.services import counter_payment_record, payment_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(citizen):
    """Amina's browser: signed in, CSRF checks on, holding the CSRF token the pages give her."""
    from django.conf import settings
    from django.utils.crypto import get_random_string

    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    # What a browser holds after any page with a form: the CSRF cookie, echoed in X-CSRFToken.
    token = get_random_string(32)
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    client.csrf = token
    return client


def _start(api, bill, *, key="key-1", body=None, csrf=True):
    body = {"amount": bill.total, "currency": bill.currency} if body is None else body
    headers = {"Idempotency-Key": key} if key is not None else {}
    if csrf:
        headers["X-CSRFToken"] = api.csrf
    return api.post(
        f"/api/payments/bills/{bill.reference}/payments",
        data=json.dumps(body),
        content_type="application/json",
        headers=headers,
    )


# --- reading --------------------------------------------------------------------------------------


def test_anonymous_callers_are_refused(open_bill):
    client = Client()
    assert client.get("/api/payments/bills").status_code == 401
    assert client.get("/api/payments/payments").status_code == 401
    assert client.post(f"/api/payments/bills/{open_bill.reference}/payments").status_code in (401, 403)


def test_bills_are_the_citizens_own(api, open_bill, make_bill, agency_a, other_citizen):
    make_bill(agency_a, other_citizen)
    response = api.get("/api/payments/bills")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 1
    [bill] = data["items"]
    assert bill["reference"] == open_bill.reference
    assert (bill["total"], bill["currency"], bill["status"], bill["overdue"]) == (3000, "GBP", "open", False)
    assert bill["agency"] == "City Council" and bill["description"] == "Resident parking permit"
    assert bill["lines"] == [{"kind": "fee", "description": "Resident parking permit", "amount": 3000}]


def test_payments_and_their_status(api, open_bill, citizen, other_citizen, make_bill, agency_a, pay_by_card):
    mine = pay_by_card(payment_create(payer=citizen, bill=open_bill, idempotency_key="a"))
    theirs = payment_create(payer=other_citizen, bill=make_bill(agency_a, other_citizen), idempotency_key="a")
    assert [p["reference"] for p in api.get("/api/payments/payments").json()["items"]] == [mine.reference]
    status = api.get(f"/api/payments/payments/{mine.reference}").json()
    assert status["status"] == "success" and status["finished"] is True
    assert (status["amount"], status["currency"], status["failure_message"], status["next_url"]) == (
        3000,
        "GBP",
        "",
        "",
    )
    response = api.get(f"/api/payments/payments/{theirs.reference}")
    assert response.status_code == 404
    assert response.json() == {"detail": "You have no payment with this reference.", "code": "not_found"}


def test_a_declined_payment_says_why(api, open_bill, citizen, pay_by_card):
    declined = pay_by_card(payment_create(payer=citizen, bill=open_bill, idempotency_key="a"), "4000000000000002")
    status = api.get(f"/api/payments/payments/{declined.reference}").json()
    assert (status["status"], status["finished"], status["failure_code"]) == ("failed", True, "card_declined")
    assert "declined" in status["failure_message"]


# --- creating a payment ---------------------------------------------------------------------------


def test_starting_a_payment(api, open_bill, citizen):
    response = _start(api, open_bill, body={"amount": 3000, "currency": "GBP", "return_url": "/payments/"})
    assert response.status_code == 201
    data = response.json()
    payment = Payment.objects.get()
    assert data["reference"] == payment.reference and data["bill_reference"] == open_bill.reference
    assert (data["status"], data["finished"], data["amount"]) == ("created", False, 3000)
    assert data["next_url"] == payment.next_url and data["next_url"].startswith("/payments/sandbox/pay/")
    assert (payment.payer, payment.idempotency_key, payment.return_url) == (citizen, "key-1", "/payments/")
    assert "Idempotent-Replayed" not in response


def test_a_post_without_the_csrf_token_is_refused(api, open_bill):
    response = _start(api, open_bill, csrf=False)
    assert response.status_code == 403
    assert not Payment.objects.exists()


def test_the_same_key_and_body_returns_the_same_payment(api, open_bill):
    first = _start(api, open_bill)
    again = _start(api, open_bill)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["reference"] == first.json()["reference"]
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1


def test_a_replay_after_the_payment_finished_returns_it_as_it_is_now(api, open_bill, pay_by_card):
    first = _start(api, open_bill).json()
    pay_by_card(Payment.objects.get(reference=first["reference"]))
    again = _start(api, open_bill)
    assert again.status_code == 201
    assert (again.json()["reference"], again.json()["status"]) == (first["reference"], "success")


@pytest.mark.parametrize(
    "change",
    [
        {"amount": 2999},
        {"currency": "EUR"},
        {"return_url": "/elsewhere/"},
    ],
)
def test_the_same_key_with_another_body_is_a_conflict(api, open_bill, change):
    _start(api, open_bill)
    response = _start(api, open_bill, body={"amount": 3000, "currency": "GBP", **change})
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_conflict" and response.json()["detail"]
    assert Payment.objects.count() == 1


def test_the_same_key_for_another_bill_is_a_conflict(api, open_bill, make_bill, agency_a, citizen):
    _start(api, open_bill)
    response = _start(api, make_bill(agency_a, citizen))
    assert response.status_code == 422 and response.json()["code"] == "idempotency_conflict"


@pytest.mark.parametrize(
    ("key", "body", "code"),
    [
        (None, None, None),
        ("has space", None, "invalid_idempotency_key"),
        ("k" * 101, None, "invalid_idempotency_key"),
        ("k", {"amount": 2999, "currency": "GBP"}, "invalid_amount"),
        ("k", {"amount": 3000, "currency": "EUR"}, "invalid_currency"),
        ("k", {"amount": 3000, "currency": "GBP", "return_url": "https://evil.example/"}, "invalid_return_url"),
        ("k", {"amount": 3000, "currency": "GBP", "return_url": "//evil.example/"}, "invalid_return_url"),
        ("k", {"amount": -1, "currency": "GBP"}, None),
        ("k", {"amount": "lots", "currency": "GBP"}, None),
        ("k", {"amount": 30.5, "currency": "GBP"}, None),
        ("k", {"amount": 3000, "currency": "gbp"}, None),
        ("k", {"currency": "GBP"}, None),
    ],
)
def test_bad_requests_are_400_with_a_detail(api, open_bill, key, body, code):
    response = _start(api, open_bill, key=key, body=body)
    assert response.status_code == 400
    data = response.json()
    assert data["detail"]
    if code:
        assert data["code"] == code
    assert not Payment.objects.exists()


def test_the_amount_must_be_what_is_due(api, open_bill):
    detail = _start(api, open_bill, body={"amount": 1, "currency": "GBP"}).json()["detail"]
    assert "£30.00" in detail and "3000" in detail


def test_unknown_and_other_peoples_bills_are_404(api, make_bill, agency_a, other_citizen):
    theirs = make_bill(agency_a, other_citizen)
    response = _start(api, theirs)
    assert response.status_code == 404
    assert response.json() == {"detail": "You have no bill with this reference.", "code": "not_found"}
    assert (
        api.post(
            "/api/payments/bills/NOPE/payments",
            data=json.dumps({"amount": 1, "currency": "GBP"}),
            content_type="application/json",
            headers={"Idempotency-Key": "k", "X-CSRFToken": api.csrf},
        ).status_code
        == 404
    )


def test_a_paid_bill_is_a_conflict(api, open_bill, caseworker_a):
    counter_payment_record(actor=caseworker_a, bill=open_bill, method="cash", amount=3000)
    response = _start(api, open_bill)
    assert response.status_code == 409 and response.json()["code"] == "already_paid"


def test_provider_down_is_503_and_the_bill_stays_payable(api, open_bill, monkeypatch):
    from ecitizen.payments.providers.sandbox import SandboxProvider

    def down(self, **kwargs):
        raise ProviderUnavailable("timeout")

    monkeypatch.setattr(SandboxProvider, "create", down)
    response = _start(api, open_bill)
    assert response.status_code == 503 and response.json()["code"] == "provider_unavailable"
    monkeypatch.undo()
    assert _start(api, open_bill).status_code == 201


def test_a_second_key_while_one_payment_is_in_progress_returns_that_payment(api, open_bill):
    first = _start(api, open_bill, key="one").json()
    second = _start(api, open_bill, key="two")
    assert second.status_code == 201 and second.json()["reference"] == first["reference"]
    assert Payment.objects.count() == 1


# --- documentation --------------------------------------------------------------------------------


def test_openapi_documents_the_payments_api(client):
    schema = client.get("/api/openapi.json").json()
    create = schema["paths"]["/api/payments/bills/{reference}/payments"]["post"]
    assert set(create["responses"]) >= {"201", "400", "404", "409", "422", "503"}
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
    assert "/payments/callback/<provider>/" in create["description"]
    status = schema["paths"]["/api/payments/payments/{reference}"]["get"]
    assert set(status["responses"]) >= {"200", "404"}
    assert "PaymentStatusOut" in schema["components"]["schemas"]
    assert "ErrorOut" in schema["components"]["schemas"]
    assert schema["paths"]["/api/payments/bills"]["get"]["tags"] == ["payments"]


def test_bill_list_is_paged_in_the_database(api, make_bill, agency_a, citizen):
    for _ in range(5):
        make_bill(agency_a, citizen)
    response = api.get("/api/payments/bills?limit=2&offset=1")
    body = response.json()
    assert body["count"] == 5 and len(body["items"]) == 2
