import datetime

from django.core.management.base import BaseCommand

from ecitizen.reports.services import photos_purge_drafts


class Command(BaseCommand):
    help = "Delete photos uploaded for problem reports that were never sent. Run daily."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24, help="Keep drafts' photos this many hours (24).")

    def handle(self, *args, **options):
        deleted = photos_purge_drafts(older_than=datetime.timedelta(hours=options["hours"]))
        self.stdout.write(f"{deleted} photo(s) of unsent reports deleted.")
