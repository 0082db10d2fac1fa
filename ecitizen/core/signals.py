"""Signals between apps: how one app tells the others that something happened without importing them.

Apps never import each other's services in both directions (``import-linter`` keeps the graph
free of cycles). When a change in one app must be followed by a change in another, the first
app *sends* one of the signals below and the other *receives* it, in a ``receivers.py`` that
its ``AppConfig.ready()`` imports. The signals live here, in ``core``, which depends on no app,
so that a sender and its receivers both depend only on ``core``: a signal defined in the sending
app would make every receiver import that app, which for two apps that listen to each other is
the very cycle this removes.

Rules (see docs/architecture.md):

- Senders call ``send()`` (never ``send_robust()``) **inside** their ``transaction.atomic``
  block, after their own writes and audit row. Receivers run synchronously in the same
  transaction, each calling a service of its own app (with its own audit row). If a receiver
  raises, the exception reaches the sender and the whole transaction rolls back: the change in
  both apps happens together or not at all.
- Receivers never talk to anything outside the database inside the transaction; side effects
  (provider calls, e-mail, tasks) are queued with ``transaction.on_commit``.
- Receivers take ``**kwargs`` and read only the documented arguments. Objects passed are model
  instances of the sending app; a receiver reads their fields, it does not import their models.
"""

from __future__ import annotations

from django.dispatch import Signal

#: Sent by ``cases`` when a citizen sends an application whose service charges a fee.
#: Arguments: ``application`` (locked, with ``citizen``, ``agency``, ``service_version``),
#: ``amount`` and ``currency`` of the fee. The receiver that bills the fee returns the bill's
#: reference (cases records it in its audit row); the application then waits for payment.
application_fee_due = Signal()

#: Sent by ``cases`` when a citizen withdraws an application. Arguments: ``application``
#: (locked), ``actor``. Payments cancels the application's open bills and stops their
#: payments in progress.
application_withdrawn = Signal()

#: Sent by ``payments`` when a bill is paid in full. Arguments: ``bill``, ``payment``,
#: ``application_id`` (the id of the application whose fee this was, or None). Cases moves a
#: paid application into its agency's queue.
bill_paid = Signal()
