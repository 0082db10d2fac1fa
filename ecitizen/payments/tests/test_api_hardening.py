"""The payments API refuses what an attacker sends (issue 9, 2.9 and 2.10) with a 4xx and a JSON body.

* ``return_url`` must be a path on this site that no browser turns into another site's address
  (``"/\\t/evil.example"`` became ``//evil.example``).
* ``limit`` and ``offset`` are bounded: ``?limit=99999999999999999999`` was a 500.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client

from ecitizen.payments.models import Payment

pytestmark = pytest.mark.django_db

CSRF = "hardeningtestcsrftoken0123456789"


@pytest.fixture
def api(citizen):
    from django.conf import settings

    client = Client(enforce_csrf_checks=True)
    client.force_login(citizen)
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF
    return client


def _start(api, bill, return_url, key="key-1"):
    return api.post(
        f"/api/payments/bills/{bill.reference}/payments",
        data=json.dumps({"amount": bill.total, "currency": bill.currency, "return_url": return_url}),
        content_type="application/json",
        headers={"Idempotency-Key": key, "X-CSRFToken": CSRF},
    )


@pytest.mark.parametrize(
    "return_url",
    [
        "/\t/evil.example",
        "/\n/evil.example",
        "/\\evil.example",
        "//evil.example",
        "///evil.example",
        "https:evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\u200b/evil.example",
        "\uff0f\uff0fevil.example",
        "evil.example",
    ],
)
def test_a_return_url_a_browser_would_send_elsewhere_is_refused(api, open_bill, return_url):
    response = _start(api, open_bill, return_url)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_return_url"
    assert not Payment.objects.exists()


def test_a_path_on_this_site_is_kept(api, open_bill):
    response = _start(api, open_bill, "/payments/?from=api")
    assert response.status_code == 201
    assert Payment.objects.get().return_url == "/payments/?from=api"


def test_the_service_drops_a_hostile_return_url_too(open_bill, citizen):
    from ecitizen.payments.services import payment_create

    payment = payment_create(payer=citizen, bill=open_bill, idempotency_key="k", return_url="/\t/evil.example")
    assert payment.return_url == ""


def test_notifications_link_only_to_site_paths():
    from ecitizen.notifications.services import _check_site_path

    _check_site_path("/payments/")
    for url in ("/\t/evil.example", "/\\evil.example", "https:evil.example"):
        with pytest.raises(ValueError):
            _check_site_path(url)


@pytest.mark.parametrize("path", ["/api/payments/bills", "/api/payments/payments"])
@pytest.mark.parametrize(
    "query",
    [
        "limit=99999999999999999999",
        "offset=99999999999999999999",
        "limit=99999999999999999999&offset=99999999999999999999",
        "offset=9223372036854775807",
        "limit=101",
        "limit=0",
        "limit=-1",
        "offset=-1",
        "offset=100001",
        "limit=abc",
        "limit=1e3",
    ],
)
def test_limit_and_offset_out_of_bounds_are_400_with_errors(api, open_bill, path, query):
    response = api.get(f"{path}?{query}")

    assert response.status_code == 400
    body = response.json()
    assert body["detail"] and body["errors"][0]["loc"][0] == "query"
    assert body["errors"][0]["loc"][-1] in ("limit", "offset")


@pytest.mark.parametrize("path", ["/api/payments/bills", "/api/payments/payments"])
def test_limit_and_offset_within_bounds_page_as_before(api, open_bill, path):
    assert api.get(f"{path}?limit=100&offset=100000").json()["items"] == []
    assert api.get(f"{path}?limit=1&offset=0").status_code == 200


def test_a_form_body_django_cannot_read_is_a_json_400(api, open_bill):
    response = api.post(
        f"/api/payments/bills/{open_bill.reference}/payments",
        data=b"{}",
        content_type="multipart/form-data",  # no boundary
        headers={"Idempotency-Key": "k", "X-CSRFToken": CSRF},
    )
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["errors"][0]["type"] == "body_parsing"


def test_a_body_that_is_not_json_is_a_json_400(api, open_bill):
    response = api.post(
        f"/api/payments/bills/{open_bill.reference}/payments",
        data=b"\x00not json",
        content_type="application/json",
        headers={"Idempotency-Key": "k", "X-CSRFToken": CSRF},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["loc"] == ["body"]


def test_a_missing_csrf_token_is_a_json_403(api, open_bill):
    response = api.post(
        f"/api/payments/bills/{open_bill.reference}/payments",
        data=json.dumps({"amount": 3000, "currency": "GBP"}),
        content_type="application/json",
        headers={"Idempotency-Key": "k"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "csrf"


def test_the_document_lists_the_errors_every_operation_may_answer(client):
    document = client.get("/api/openapi.json").json()
    bills = document["paths"]["/api/payments/bills"]["get"]["responses"]
    start = document["paths"]["/api/payments/bills/{reference}/payments"]["post"]["responses"]
    health = document["paths"]["/api/health"]["get"]["responses"]
    assert {"200", "400", "401"} <= set(bills)
    assert {"201", "400", "401", "403", "404", "409", "422", "503"} <= set(start)
    assert "401" not in health
    limit = next(p for p in document["paths"]["/api/payments/bills"]["get"]["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 100)
