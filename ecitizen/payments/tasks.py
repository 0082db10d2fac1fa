"""Background work for payments, on the django-tasks queue.

``expire_payment`` runs when a payment's 90 minutes are up (enqueued with
``run_after`` by payment_create where the backend can defer work);
``expire_abandoned_payments`` is the sweep that catches any it missed (run it
every few minutes: ``manage.py expire_payments`` from cron, or enqueue it).
``sandbox_settle`` is the sandbox gateway deciding a charge and sending its
signed callback, as a real gateway would some time after the card was entered.
"""

from __future__ import annotations

from django_tasks import task

from ecitizen.payments.models import Payment, PaymentStatus, Refund


@task()
def expire_payment(payment_id: int) -> str:
    from ecitizen.payments.services import payment_expire

    payment = Payment.objects.filter(pk=payment_id).first()
    if payment is None:
        return "missing"
    return payment_expire(payment=payment).status


@task()
def expire_abandoned_payments() -> int:
    from ecitizen.payments import services

    return services.expire_abandoned_payments()


@task()
def retry_refund(refund_id: int) -> str:
    from ecitizen.payments.services import refund_retry

    refund = Refund.objects.filter(pk=refund_id).first()
    if refund is None:
        return "missing"
    return refund_retry(refund=refund).status


@task()
def sandbox_settle(provider_id: str) -> str:
    from ecitizen.payments.providers.sandbox import settle_charge

    charge = settle_charge(provider_id)
    return charge.status if charge is not None else PaymentStatus.ERROR
