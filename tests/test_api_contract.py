"""The API keeps its published contract: schemathesis over every operation in /api/openapi.json.

For each operation (django-ninja's root in ``ecitizen/api/api.py`` and every router it mounts)
schemathesis generates valid and invalid requests from the OpenAPI document and sends them to
the Django WSGI application, signed in as a citizen who has bills and payments (and with the
CSRF token, as a browser would send it). Every response must be no server error (5xx), have a
status code, content type, headers and body that the document declares for that operation,
and invalid input must be refused with a 4xx.

Run with ``pytest -m contract tests/test_api_contract.py``; examples are bounded so the whole
module takes well under three minutes. A test here fails with schemathesis' own report of the
request that broke the contract (and a ``curl`` line to replay it).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

pytestmark = [pytest.mark.contract, pytest.mark.django_db]

OPENAPI = "/api/openapi.json"
MAX_EXAMPLES = 60


@schemathesis.check
def errors_are_json(ctx, response, case):
    """Every error the API answers is a JSON body a program can read, never an HTML error page
    (405 for a method the path does not have is django-ninja's plain text)."""
    if response.status_code >= 400 and response.status_code != 405:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/json"), f"{response.status_code} answered as {content_type!r}"
    return None


CHECKS = [
    not_a_server_error,
    errors_are_json,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
CSRF_TOKEN = "contracttestcsrftoken0123456789a"  # what a browser echoes from its CSRF cookie
CLIENT = {"REMOTE_ADDR": "192.0.2.10"}  # every WSGI server sets it; werkzeug's test client does not


# Loaded once, when the module is collected: the document itself needs no database.
schema = schemathesis.openapi.from_wsgi(OPENAPI, WSGIHandler())
# The session cookie is the test's own (a signed-in citizen, or none): not generated data.
schema.config.generation.update(with_security_parameters=False)


@pytest.fixture
def api_schema():
    return schema


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Django closes the database connection at the end of each request it serves: calls through
    the WSGI handler would close the test's transaction (on PostgreSQL). Django's own test client
    keeps it open the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def signed_in(client, citizen, agency_a, other_citizen):
    """Amina's session cookie, with open, paid and cancelled bills and payments to list."""
    from django.conf import settings as django_settings

    from ecitizen.payments.models import LineKind
    from ecitizen.payments.services import bill_create, counter_payment_record, payment_create

    def bill(payer, amount):
        import datetime

        from django.utils import timezone

        return bill_create(
            actor=None,
            agency=agency_a,
            payer=payer,
            currency="GBP",
            lines=[(LineKind.FEE, {"en": "Parking permit", "fr": "Permis"}, amount)],
            due_date=timezone.localdate() + datetime.timedelta(days=30),
        )

    started = payment_create(payer=citizen, bill=bill(citizen, 3000), idempotency_key="contract-1")
    unpaid = bill(citizen, 3000)  # the amount the API's examples name
    from ecitizen.agencies.models import Membership

    Membership.objects.create(user=other_citizen, agency=agency_a, role="caseworker")
    counter_payment_record(actor=other_citizen, bill=bill(citizen, 500), method="cash", amount=500)
    bill(other_citizen, 700)  # someone else's: never listed
    client.force_login(citizen)
    return {
        "cookies": {
            django_settings.SESSION_COOKIE_NAME: client.cookies[django_settings.SESSION_COOKIE_NAME].value,
            django_settings.CSRF_COOKIE_NAME: CSRF_TOKEN,
        },
        "headers": {"X-CSRFToken": CSRF_TOKEN},
        # real references, so that the operations that take one also reach their success paths
        "references": {
            "/api/payments/bills/{reference}/payments": unpaid.reference,
            "/api/payments/payments/{reference}": started.reference,
        },
    }


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_keeps_the_contract(case, signed_in):
    call = {"headers": signed_in["headers"], "cookies": signed_in["cookies"], "environ_base": CLIENT}
    response = case.call(**call)
    case.validate_response(response, checks=CHECKS)
    real = signed_in["references"].get(case.operation.path)
    if real is not None and case.path_parameters:
        # the same request for one of the citizen's own bills or payments (whatever the body)
        case.path_parameters = {**case.path_parameters, "reference": real}
        response = case.call(**call)
        case.validate_response(response, checks=CHECKS[:-1])


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_keeps_the_contract_when_signed_out(case):
    response = case.call(environ_base=CLIENT)
    case.validate_response(response, checks=CHECKS[:-1])


def test_the_contract_covers_every_operation(api_schema):
    """Every operation of the API is in the document schemathesis reads (nothing left out)."""
    from ecitizen.api.api import api

    published = {(method.upper(), path) for path, ops in api.get_openapi_schema()["paths"].items() for method in ops}
    tested = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert published == tested
    assert len(tested) >= 6
