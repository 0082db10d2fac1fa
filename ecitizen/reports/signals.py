"""Events of Report a problem that other modules react to.

Senders (services, the questionnaire, the area editor) run inside their
transaction and know nothing of the receivers; the receivers
(:mod:`ecitizen.reports.receivers`, connected when the app is ready) are
called synchronously, inside that same transaction, and queue their
background work with ``transaction.on_commit`` so that a rolled-back change
starts nothing. This keeps the import graph one-way: services never import
the task queue, and the tasks import the code they run.
"""

from __future__ import annotations

from django.dispatch import Signal

# A report became real (confirmed by its reporter, or trusted at once). Argument: report.
report_confirmed = Signal()

# An update appeared on a report (public or not). Arguments: update, skip_email (an address
# already told another way, which the followers' emails leave out).
update_published = Signal()

# An area was drawn or redrawn: the reports inside it must be linked again. Argument: area.
area_reshaped = Signal()
