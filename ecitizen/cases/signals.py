"""What cases tells the rest of the platform, without importing it.

``application_approved`` is sent inside the approval's transaction, after the decision and its
audit row. The documents app issues the document the application earns (with its own event and
audit row) and returns the document's number. The sender refuses when no receiver issued one, so
an application is never approved without its document.

Cases also sends ``application_fee_due`` and ``application_withdrawn``, which live in
``ecitizen.core.signals``: payments, which receives them, tells cases in turn when a bill is paid,
and two apps that listen to each other share their signals through core.
"""

from django.dispatch import Signal

application_approved = Signal()  # application (locked, approved), actor
# Sent before a caseworker confirms an approval, to show what approving would issue. The documents
# app returns the document, unsaved and unsigned (None when the application's service issues none).
approval_preview_requested = Signal()  # application
