"""Double clicks and retries of one payment request at the same moment (PostgreSQL)."""

import json
import threading

import pytest
from django.conf import settings
from django.db import connection, connections
from django.test import Client

from ecitizen.payments.models import Payment

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database with row locks (PostgreSQL)"),
]


def _client(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.cookies[settings.CSRF_COOKIE_NAME] = "a" * 32
    return client


def test_one_key_sent_six_times_at_once_makes_one_payment(open_bill, citizen):
    clients = [_client(citizen) for _ in range(6)]
    barrier = threading.Barrier(len(clients))
    answers, errors = [], []

    def post(client):
        try:
            barrier.wait()
            response = client.post(
                f"/api/payments/bills/{open_bill.reference}/payments",
                data=json.dumps({"amount": 3000, "currency": "GBP"}),
                content_type="application/json",
                headers={"Idempotency-Key": "double-click", "X-CSRFToken": "a" * 32},
            )
            answers.append((response.status_code, response.json().get("reference")))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    payment = Payment.objects.get()
    assert answers == [(201, payment.reference)] * 6
