"""Record in the public log the acts that happened before it existed: documents issued and
revoked, and applications decided.

Run it once after the upgrade that adds the log (or after restoring a backup taken while the log
was not recording). Each act is recorded once: an act the log already has, or is about to add, is
skipped, so running it again adds nothing. It writes in batches of 500, each its own transaction,
and can be stopped and run again. The entries are marked ``"backfill": true`` and carry the time
of the act. No holder, applicant or reason is written.
"""

from django.core.management.base import BaseCommand

from ecitizen.cases.services import cases_backfill_ledger
from ecitizen.documents.services import documents_backfill_ledger


class Command(BaseCommand):
    help = "Record, once, the documents issued or revoked and the cases decided before the public log existed."

    def handle(self, *args, **options):
        counts = documents_backfill_ledger()
        counts["case.decided"] = cases_backfill_ledger()
        for kind, added in counts.items():
            self.stdout.write(f"{kind}: {added} entries queued")
        self.stdout.write("They join the log when the worker runs, or now with: manage.py ledger_integrate")
