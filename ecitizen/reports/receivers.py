"""What happens after a Report a problem event: background tasks queued once the change commits.

The receivers run inside the sender's transaction (signals are synchronous);
``transaction.on_commit`` holds the task back until the change is saved, so
a rolled-back change queues nothing.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import receiver

from ecitizen.reports import signals, tasks


@receiver(signals.report_confirmed, dispatch_uid="reports.alert_new_report")
def alert_subscribers_of_new_report(sender: Any, report: Any, **kwargs: Any) -> None:
    """Tell subscribers near the report or in its area, from a task run after commit."""
    report_id = report.pk
    transaction.on_commit(lambda: tasks.send_new_report_alerts.enqueue(report_id), robust=True)


@receiver(signals.update_published, dispatch_uid="reports.alert_update")
def alert_followers_of_update(sender: Any, update: Any, skip_email: str = "", **kwargs: Any) -> None:
    """Tell the report's followers of a public update, from a task run after commit."""
    if update.is_internal or not update.is_public:
        return
    update_id = update.pk
    transaction.on_commit(lambda: tasks.send_update_alerts.enqueue(update_id, skip_email or ""), robust=True)


@receiver(signals.area_reshaped, dispatch_uid="reports.relink_area")
def relink_reshaped_area(sender: Any, area: Any, **kwargs: Any) -> None:
    """Rebuild an area's report links in the background once the change to its shape commits."""
    area_id = area.pk
    transaction.on_commit(lambda: tasks.relink_area.enqueue(area_id), robust=True)
