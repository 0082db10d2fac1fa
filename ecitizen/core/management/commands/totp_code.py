import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the current TOTP code for a secret (for demo accounts only)."

    def add_arguments(self, parser):
        parser.add_argument("secret")

    def handle(self, *args, secret, **options):
        counter = int(time.time()) // 30
        self.stdout.write(format_hotp_value(hotp_value(secret, counter)))
