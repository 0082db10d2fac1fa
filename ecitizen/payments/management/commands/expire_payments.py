from django.core.management.base import BaseCommand

from ecitizen.payments.services import expire_abandoned_payments


class Command(BaseCommand):
    help = "End payments still in progress after their expiry time (asks the provider first)."

    def handle(self, *args, **options):
        ended = expire_abandoned_payments()
        self.stdout.write(f"{ended} payment(s) ended.")
