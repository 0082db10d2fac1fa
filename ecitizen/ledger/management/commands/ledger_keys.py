"""Print the public log's verifier keys, for auditors and witnesses to pin.

Only public keys are printed. The same list is at /log/api/keys.
"""

from django.core.management.base import BaseCommand

from ecitizen.ledger.selectors import ledger_origin, log_keys, witnesses


class Command(BaseCommand):
    help = "Print the public log's active and retired verifier keys, and its witnesses' keys."

    def handle(self, *args, **options):
        self.stdout.write(f"Log: {ledger_origin()}")
        keys = log_keys()
        if not keys:
            self.stdout.write("No log key yet: the first checkpoint makes one (manage.py ledger_checkpoint).")
        for key in keys:
            if key.is_active:
                state = f"active since {key.created_at:%Y-%m-%d %H:%M}Z"
            else:
                retired = f"{key.retired_at:%Y-%m-%d %H:%M}Z" if key.retired_at else "?"
                state = f"retired {retired}"
            self.stdout.write(f"{key.vkey}  {state}")
        for witness in witnesses():
            self.stdout.write(f"{witness.vkey}  witness {witness.name}")
