"""What payments does when something happens, in another app or in payments itself.

Other apps' signals (``ecitizen.core.signals``, ``ecitizen.accounts.signals``): each receiver runs
inside the sender's transaction and calls one payments service; if it fails, the sender's change
rolls back with it.

Payments' own signals (``ecitizen.payments.signals``): the receivers queue background tasks with
``transaction.on_commit`` (a rolled-back change queues nothing); the tasks call the services.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from ecitizen.accounts.signals import register_identity_verified
from ecitizen.core.signals import application_fee_due, application_withdrawn
from ecitizen.payments import signals, tasks
from ecitizen.payments.services import bill_for_application, bills_cancel_for_application, callback_handle
from ecitizen.payments.taxes import bills_claim


@receiver(application_fee_due, dispatch_uid="payments.bill_application_fee")
def bill_application_fee(sender: Any, *, application: Any, **kwargs: Any) -> str | None:
    """Bill the fee of an application just sent; returns the bill's reference."""
    bill = bill_for_application(application=application)
    return bill.reference if bill is not None else None


@receiver(application_withdrawn, dispatch_uid="payments.cancel_application_bills")
def cancel_application_bills(sender: Any, *, application: Any, actor: Any = None, **kwargs: Any) -> None:
    """A withdrawn application's fee is no longer owed: cancel its open bills."""
    bills_cancel_for_application(actor=actor, application_id=application.pk, reason="application_withdrawn")


@receiver(register_identity_verified, dispatch_uid="payments.claim_tax_bills")
def claim_tax_bills(sender: Any, *, user: Any, **kwargs: Any) -> None:
    """A person's identity now rests on a register record: the tax bills issued to it become theirs."""
    bills_claim(user=user)


# --- payments' own events: background work, queued once the change commits ---------------------------


def _enqueue_at(task: Any, when: datetime.datetime, *args: Any) -> bool:
    """Enqueue *task* to run at *when*, once the transaction commits.

    Returns False (and enqueues nothing) when the task backend cannot defer
    work, as the immediate backend used by tests refuses ``run_after``: the
    sweeps then do the work instead.
    """
    if not task.get_backend().supports_defer:
        return False
    transaction.on_commit(lambda: task.using(run_after=when).enqueue(*args), robust=True)
    return True


@receiver(signals.payment_opened, dispatch_uid="payments.expire_when_due")
def expire_when_due(sender: Any, *, payment: Any, **kwargs: Any) -> None:
    """End the payment when its time is up, unless the payer finished first."""
    _enqueue_at(tasks.expire_payment, payment.expires_at, payment.pk)


@receiver(signals.payments_stopped, dispatch_uid="payments.expire_stopped")
def expire_stopped(sender: Any, *, payment_ids: list[int], **kwargs: Any) -> None:
    """End stopped payments now (asking their provider first)."""
    for payment_id in payment_ids:
        transaction.on_commit(lambda pk=payment_id: tasks.expire_payment.enqueue(pk), robust=True)


@receiver(signals.refund_retry_due, dispatch_uid="payments.retry_refund_later")
def retry_refund_later(sender: Any, *, refund_id: int, retry_at: datetime.datetime, **kwargs: Any) -> bool:
    """Send the refund again at *retry_at*; False when the backend cannot run work later."""
    return _enqueue_at(tasks.retry_refund, retry_at, refund_id)


@receiver(signals.sandbox_charge_decided, dispatch_uid="payments.settle_sandbox_charge")
def settle_sandbox_charge(sender: Any, *, provider_id: str, **kwargs: Any) -> None:
    """The sandbox gateway's worker settles the charge after its confirmation delay."""
    delay = settings.SANDBOX_CONFIRM_DELAY_SECONDS
    settle = tasks.sandbox_settle
    if delay > 0 and _enqueue_at(settle, timezone.now() + datetime.timedelta(seconds=delay), provider_id):
        return
    transaction.on_commit(lambda: settle.enqueue(provider_id), robust=True)


@receiver(signals.sandbox_callback_sent, dispatch_uid="payments.receive_sandbox_callback")
def receive_sandbox_callback(sender: Any, *, body: bytes, headers: dict[str, str], **kwargs: Any) -> None:
    """The sandbox's callback reaches the platform as its webhook would."""
    callback_handle(provider_name="sandbox", body=body, headers=headers)
