"""Add late payment penalties to unpaid tax bills. Run it daily (cron, or enqueue
``ecitizen.payments.taxes.penalties_apply_task``); running it twice in a day changes nothing."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ecitizen.payments.taxes import penalties_apply


class Command(BaseCommand):
    help = "Set the late payment penalty of every unpaid tax bill as of a date (default: today)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The date to work penalties out for, as YYYY-MM-DD (default: today).")

    def handle(self, *args, date: str | None = None, **options):
        try:
            on_date = datetime.date.fromisoformat(date) if date else timezone.localdate()
        except ValueError as exc:
            raise CommandError(f"Not a date: {date!r}. Use YYYY-MM-DD.") from exc
        changed = penalties_apply(on_date=on_date)
        self.stdout.write(f"Late payment penalties as of {on_date}: {changed} bill(s) changed.")
