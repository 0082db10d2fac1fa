"""``manage.py run_scheduler``: queue the periodic jobs of ``settings.PERIODIC_JOBS`` when they are due.

Keep one running next to the task workers (``manage.py run_worker``), which run what it queues. More
than one is safe: each due run is claimed by exactly one of them. ``--once`` ticks once and exits.
"""

from __future__ import annotations

import logging
import os
from argparse import BooleanOptionalAction

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader

from ecitizen.scheduler.jobs import periodic_jobs
from ecitizen.scheduler.runner import Scheduler, tick


class Command(BaseCommand):
    help = "Queue the periodic jobs (settings.PERIODIC_JOBS) as tasks when they are due; runs until stopped."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=15.0, help="Seconds between ticks (default 15).")
        parser.add_argument("--once", action="store_true", help="Tick once, print what was queued, and exit.")
        parser.add_argument(
            "--reload",
            action=BooleanOptionalAction,
            default=settings.DEBUG,
            help="Restart on code changes (default: DEBUG).",
        )

    def handle(self, *args, interval: float, once: bool, reload: bool, verbosity: int, **options):
        if interval <= 0:
            raise CommandError("--interval must be more than zero.")
        try:
            jobs = periodic_jobs()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        logger = logging.getLogger("ecitizen.scheduler")
        if verbosity > 0 and not logger.isEnabledFor(logging.INFO):
            logger.setLevel(logging.INFO)
        if once:
            for result in tick():
                self.stdout.write(f"{result.job}: {result.outcome} (due {result.slot:%Y-%m-%d %H:%M} UTC)")
            return
        if verbosity > 0 and not (reload and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"):
            self.stdout.write(f"Scheduler: {len(jobs)} periodic job(s): {', '.join(jobs)}")
        scheduler = Scheduler(interval=interval)
        if reload:
            # The reloader runs the scheduler in a thread of a child process and watches files in the
            # main thread, where Ctrl-C or SIGTERM ends the process as usual (a tick cut short
            # leaves only an uncommitted transaction, rolled back).
            run_with_reloader(lambda: scheduler.run(install_signals=False))
        else:
            scheduler.run()
