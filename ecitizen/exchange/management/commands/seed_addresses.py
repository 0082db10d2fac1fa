"""Load the demo address register: about 600 addresses in the fictional city of Northbridge.

Idempotent: running it again changes nothing (and writes no audit row).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ecitizen.exchange.demo_addresses import TOWN, demo_address_rows
from ecitizen.exchange.services import address_register_load


class Command(BaseCommand):
    help = "Load the demo address register of Northbridge (about 600 addresses)."

    def handle(self, *args, **options):
        rows = demo_address_rows()
        loaded = address_register_load(actor=None, rows=rows)
        self.stdout.write(f"Address register: {loaded} of {len(rows)} {TOWN} demo addresses added or changed.")
