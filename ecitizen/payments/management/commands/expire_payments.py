from django.core.management.base import BaseCommand

from ecitizen.payments.services import expire_abandoned_payments, retry_waiting_refunds


class Command(BaseCommand):
    help = (
        "End payments still in progress after their expiry time (asks the provider first), and send "
        "again the refunds still waiting for the provider. Run it every few minutes."
    )

    def handle(self, *args, **options):
        ended = expire_abandoned_payments()
        sent = retry_waiting_refunds()
        self.stdout.write(f"{ended} payment(s) ended. {sent} refund(s) sent.")
