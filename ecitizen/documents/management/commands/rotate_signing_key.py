"""Create a new document signing key and retire the active one.

Documents signed with the retired key keep verifying: its public half stays
in /.well-known/jwks.json. Run it on a schedule, or at once if a key may have
leaked (then also revoke what the leaked key signed).
"""

from django.core.management.base import BaseCommand

from ecitizen.documents.services import signing_key_rotate


class Command(BaseCommand):
    help = "Create a new active document signing key; the old one stays published for verification."

    def handle(self, *args, **options):
        key = signing_key_rotate(actor=None)
        self.stdout.write(self.style.SUCCESS(f"New signing key {key.kid} is active."))
