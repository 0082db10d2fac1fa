"""Make a new key to sign the public log's checkpoints, and retire the active one.

The retired key keeps co-signing checkpoints for LEDGER_KEY_OVERLAP_DAYS, so verifiers who pinned
it have time to pin the new one; the rotation is itself an entry of the log (kind ``log.key``).
Run it on a schedule, or at once if the key may have leaked. Audited.
"""

from django.core.management.base import BaseCommand

from ecitizen.ledger.services import ledger_key_rotate


class Command(BaseCommand):
    help = "Create a new active public log key (the old one keeps co-signing for a while); prints its verifier key."

    def handle(self, *args, **options):
        key = ledger_key_rotate(actor=None)
        self.stdout.write(self.style.SUCCESS("New public log key is active. Give verifiers its verifier key:"))
        self.stdout.write(key.vkey)
