"""Events inside payments that its background work reacts to.

The services and the sandbox gateway send these inside their transactions and know nothing of
the task queue; :mod:`ecitizen.payments.receivers` (connected when the app is ready) queues the
work with ``transaction.on_commit``, so a rolled-back change queues nothing, and the tasks call
the services back. This keeps the modules of payments free of import cycles
(``services -> signals``, ``receivers -> tasks -> services``).
"""

from __future__ import annotations

from django.dispatch import Signal

#: A payment was opened with its provider; it waits for the payer until ``payment.expires_at``.
#: Argument: ``payment``.
payment_opened = Signal()

#: Payments in progress were stopped (their bill was cancelled) and are due to end now.
#: Argument: ``payment_ids``.
payments_stopped = Signal()

#: A refund still waits for the provider's answer and is to be sent again at ``retry_at``.
#: Arguments: ``refund_id``, ``retry_at``. A receiver answers True when it scheduled the retry
#: (False: the task backend cannot run work later; the ``retry_waiting_refunds`` sweep does it).
refund_retry_due = Signal()

#: The sandbox gateway decided a charge (a card was entered, or the payer cancelled); it is
#: settled, and its callback sent, after ``SANDBOX_CONFIRM_DELAY_SECONDS``. Argument: ``provider_id``.
sandbox_charge_decided = Signal()

#: The sandbox gateway's signed callback, delivered as a real gateway's webhook would be.
#: Arguments: ``body`` (bytes), ``headers``.
sandbox_callback_sent = Signal()
