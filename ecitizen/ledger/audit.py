"""Audit checkpoints: a hash over the audit log's new rows, recorded in the public log.

Each checkpoint covers the rows with ids ``from_id .. to_id`` (the next after the last checkpoint,
up to the newest row older than ``LEDGER_AUDIT_SETTLE``) and records their count and a SHA-256
over their canonical lines (:mod:`ecitizen.ledger.auditdigest`). Whoever holds an export of the
audit log (``manage.py export_audit_log``) can recompute it with ``python -m ecitizen.ledger.verify``,
so a row changed or removed after its checkpoint is found.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ecitizen.core.models import AuditLog
from ecitizen.ledger import auditdigest
from ecitizen.ledger.models import LogEntry, LogState, PendingEntry
from ecitizen.ledger.services import ledger_record

KIND = "audit.checkpoint"
MAX_ROWS = 100_000


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    row["created_at"] = auditdigest.format_time(row["created_at"])
    return row


def audit_rows(from_id: int, to_id: int, *, chunk: int = 5000) -> Iterator[dict[str, Any]]:
    """The audit rows with ids from_id..to_id in id order, as the plain dicts auditdigest reads."""
    last = from_id - 1
    while True:
        rows = AuditLog.objects.filter(id__gt=last, id__lte=to_id).order_by("id").values(*auditdigest.FIELDS)
        rows = list(rows[:chunk])
        yield from (_plain(row) for row in rows)
        if len(rows) < chunk:
            return
        last = rows[-1]["id"]


def _last_covered() -> int:
    keys = [
        *PendingEntry.objects.filter(kind=KIND).order_by("-id").values_list("key", flat=True)[:1],
        *LogEntry.objects.filter(kind=KIND).order_by("-index").values_list("key", flat=True)[:1],
    ]
    return max((int(k.rsplit("-", 1)[1]) for k in keys), default=0)


def audit_checkpoint_record() -> PendingEntry | None:
    """Record the next audit checkpoint, or None when no settled row is new."""
    start = _last_covered() + 1
    settled = timezone.now() - settings.LEDGER_AUDIT_SETTLE
    settled_rows = AuditLog.objects.filter(id__gte=start, created_at__lt=settled)
    # At most MAX_ROWS settled rows per checkpoint; the next run takes the rest.
    capped = list(settled_rows.order_by("id").values_list("id", flat=True)[MAX_ROWS - 1 : MAX_ROWS])
    to_id = capped[0] if capped else settled_rows.order_by("-id").values_list("id", flat=True).first()
    if to_id is None:
        return None
    lines = [auditdigest.row_line(row) for row in audit_rows(start, to_id)]  # no lock held while hashing
    with transaction.atomic():
        # One audit checkpoint at a time: two runs at once (the scheduler and an operator) would
        # otherwise both start after the same row and cover it twice.
        LogState.objects.get_or_create(pk=1)
        LogState.objects.select_for_update().filter(pk=1).first()
        if _last_covered() + 1 != start:
            return None
        return ledger_record(
            kind=KIND,
            key=f"audit:{start}-{to_id}",
            body={"from_id": start, "to_id": to_id, "count": len(lines), "digest": auditdigest.digest(lines)},
        )


@task()
def audit_checkpoint_task() -> str:
    entry = audit_checkpoint_record()
    return entry.key if entry else "nothing new"
