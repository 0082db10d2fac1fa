"""What cases does when another app says something happened (see ``ecitizen.core.signals``).

Each receiver runs inside the sender's transaction and calls one cases service: if it fails,
the sender's change rolls back with it.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from ecitizen.cases.models import Application
from ecitizen.cases.services import application_payment_received
from ecitizen.core.signals import bill_paid


@receiver(bill_paid, dispatch_uid="cases.application_fee_paid")
def application_fee_paid(sender: Any, *, application_id: int | None = None, **kwargs: Any) -> None:
    """The fee of an application is paid: the case joins its agency's queue."""
    if application_id is None:
        return
    application_payment_received(application=Application(pk=application_id))
