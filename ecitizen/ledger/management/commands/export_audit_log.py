"""Write the audit log as JSON Lines, in the exact form the public log's audit checkpoints hash.

One row per line (ecitizen.ledger.auditdigest.row_line), in id order. An auditor checks the file
against the log with ``python -m ecitizen.ledger.verify --audit-export FILE``: a row changed,
added or removed after its checkpoint shows. The export holds staff emails, IP addresses and
subjects: keep it as safe as the audit log itself.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError

from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.ledger.audit import audit_rows
from ecitizen.ledger.auditdigest import row_line


class Command(BaseCommand):
    help = "Write the audit log's rows (default: all) as JSON Lines, for checking against the public log."

    def add_arguments(self, parser):
        parser.add_argument("--from-id", type=int, default=1, help="First row id (default 1).")
        parser.add_argument("--to-id", type=int, default=None, help="Last row id (default: the newest now).")
        parser.add_argument("--output", default=None, help="File to write (default: standard output).")

    def handle(self, *args, from_id: int, to_id: int | None, output: str | None, **options):
        if to_id is None:
            to_id = AuditLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
        if from_id < 1 or to_id < from_id - 1:
            raise CommandError("--from-id must be 1 or more and --to-id not below it.")
        rows = audit_rows(from_id, to_id)
        if output is None:
            count = self._to_stdout(rows)
        else:
            count = self._to_file(rows, output)
        # Reading the whole audit trail is itself recorded (after the rows exported, so not in them).
        audit_record(
            actor=None,
            action=AuditAction.AUDIT_LOG_VIEWED,
            extra={"export": True, "from_id": from_id, "to_id": to_id, "rows": count, "to": output or "stdout"},
        )
        # On stderr, so that standard output is the export alone.
        self.stderr.write(f"Exported {count} audit rows, ids {from_id} to {to_id}.", style_func=str)

    def _to_file(self, rows, path: str) -> int:
        # Written aside and renamed when complete: a failed run never leaves a cut-short export
        # under the name asked for.
        partial = f"{path}.partial"
        count = 0
        try:
            with open(partial, "wb") as f:
                for row in rows:
                    f.write(row_line(row) + b"\n")
                    count += 1
            os.replace(partial, path)
        except OSError as exc:
            raise CommandError(f"Cannot write {path}: {exc}") from exc
        finally:
            if os.path.exists(partial):
                os.remove(partial)
        return count

    def _to_stdout(self, rows) -> int:
        count = 0
        for row in rows:
            self.stdout.write(row_line(row).decode("utf-8"))
            count += 1
        return count
