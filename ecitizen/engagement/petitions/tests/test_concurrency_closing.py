"""Signing, confirming and withdrawing while the petition is being closed, on PostgreSQL: each
either lands before the final count (and is in it) or is refused; none changes the count after."""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from ecitizen.engagement.petitions import selectors, services
from ecitizen.engagement.petitions.models import Petition, Status

from .test_concurrency import petition  # noqa: F401  (a fixture)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's concurrency"),
]


def _while_closing(petition, change) -> object:  # noqa: F811
    """Run *change* in another thread while this one holds the petition's row as closing does
    (FOR UPDATE) and closes it; returns what *change* raised (or None)."""
    outcome: list = [None]
    started = threading.Event()

    def run():
        try:
            started.set()
            change()
        except Exception as exc:
            outcome[0] = exc
        finally:
            connection.close()

    Petition.objects.filter(pk=petition.pk).update(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    with transaction.atomic():
        Petition.objects.select_for_update().get(pk=petition.pk)
        thread = threading.Thread(target=run)
        thread.start()
        started.wait()
        time.sleep(0.5)  # the change reaches the petition's row and waits for this transaction
        assert thread.is_alive(), "the change did not wait for the closing"
        services.petition_close(petition=petition)
    thread.join(10)
    return outcome[0]


@pytest.mark.parametrize("how", ["account", "confirm", "withdraw"])
def test_a_change_during_closing_waits_and_is_refused(petition, make_user, how):  # noqa: F811
    signer = make_user("late@example.org")
    if how == "account":

        def change():
            services.signature_add(actor=signer, petition=petition)

    elif how == "confirm":
        pending = services.signature_start_by_email(
            petition=petition, name="Late", email="late-mail@example.org", postcode="NB1 2AB"
        )

        def change():
            services.signature_confirm(signature=pending)

    else:
        mine = services.signature_add(actor=signer, petition=petition)

        def change():
            services.signature_withdraw(actor=signer, signature=mine)

    outcome = _while_closing(petition, change)
    assert isinstance(outcome, ValidationError), outcome
    petition.refresh_from_db()
    assert petition.status == Status.CLOSED
    assert petition.final_count == selectors.signature_count(petition)
