"""Add the entries waiting in the outbox to the public log now.

The task worker does this after every commit that records an entry, and the scheduler every
minute; run it by hand after a restore, or to see the log catch up.
"""

from django.core.management.base import BaseCommand

from ecitizen.ledger.selectors import tree_size
from ecitizen.ledger.services import ledger_integrate


class Command(BaseCommand):
    help = "Add the waiting entries to the public log; prints how many were added."

    def handle(self, *args, **options):
        added = ledger_integrate()
        self.stdout.write(f"Added {added} entries to the public log; it now holds {tree_size()}.")
