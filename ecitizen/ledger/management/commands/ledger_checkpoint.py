"""Add the waiting entries to the public log and sign a checkpoint of it now.

The scheduler does this every minute; run it by hand before a release or an audit, so the
checkpoint covers everything recorded so far. A tree size already signed is not signed again.
"""

import base64

from django.core.management.base import BaseCommand

from ecitizen.ledger.selectors import checkpoint_note
from ecitizen.ledger.services import ledger_checkpoint, ledger_integrate


class Command(BaseCommand):
    help = "Add the waiting entries to the public log, sign a checkpoint, print its size and root."

    def add_arguments(self, parser):
        parser.add_argument(
            "--note", action="store_true", help="Also print the signed checkpoint note, as /log/checkpoint serves it."
        )

    def handle(self, *args, note: bool = False, **options):
        added = ledger_integrate()
        checkpoint = ledger_checkpoint()
        root = base64.b64encode(bytes(checkpoint.root)).decode()
        self.stdout.write(f"Added {added} entries. Checkpoint: size {checkpoint.size}, root {root}")
        if note:
            self.stdout.write(checkpoint_note(checkpoint), ending="")
