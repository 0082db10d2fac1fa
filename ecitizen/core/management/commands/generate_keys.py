from django.core.management.base import BaseCommand
from django.core.management.utils import get_random_secret_key

from ecitizen.core.crypto import generate_key


class Command(BaseCommand):
    help = "Print fresh SECRET_KEY, FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY lines for a .env file."

    def add_arguments(self, parser):
        parser.add_argument("--kid", default="k1", help="Id of the new encryption key (default k1).")

    def handle(self, *args, kid, **options):
        self.stdout.write(f"SECRET_KEY={get_random_secret_key()}")
        self.stdout.write(f"FIELD_ENCRYPTION_KEYS={kid}:{generate_key()}")
        self.stdout.write(f"BLIND_INDEX_KEY={generate_key()}")
