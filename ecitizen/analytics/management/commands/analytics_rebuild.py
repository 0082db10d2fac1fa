"""Recompute every analytics rollup from the live tables: ``manage.py analytics_rebuild``.

For a new deployment, after a change to how a figure is computed, or to check the hourly runs
(a rebuild and the incremental rollups agree). Pages keep reading the old rows of a day until
its new rows replace them, so it can run while the site is in use.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from ecitizen.analytics import rollups


class Command(BaseCommand):
    help = "Recompute every analytics rollup (service and report days, months, snapshots) from scratch."

    def handle(self, *args, **options):
        run = rollups.rebuild()
        if run.first_day is None:
            days = 0
            span = "no activity yet"
        else:
            days = (run.last_day - run.first_day).days + 1
            span = f"{run.first_day.isoformat()} to {run.last_day.isoformat()}"
        self.stdout.write(f"Rebuilt {days} days ({span}): {run.rows} rows in {run.seconds:.1f} s.")
