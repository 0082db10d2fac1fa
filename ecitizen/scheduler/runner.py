"""The scheduler: on each tick, queue every periodic job whose latest slot is not yet claimed.

``manage.py run_scheduler`` runs :class:`Scheduler` until SIGINT/SIGTERM. Each tick asks each job
for the latest slot that has come (so after any downtime a job is due once, not once per missed
slot), skips the jobs whose slot this process already handled, and for the others calls
:func:`services.run_claim`, which inserts the (job, slot) row and queues the run. Any number of
schedulers may run: the unique row makes sure one of them runs each slot. A job whose claim fails
(a bad setting, the database briefly away) is logged and tried again next tick; the others go on.
"""

from __future__ import annotations

import datetime
import logging
import os
import signal
import socket
import threading
from dataclasses import dataclass

from django.db import close_old_connections
from django.utils import timezone
from django_tasks import task_backends

from ecitizen.scheduler import services
from ecitizen.scheduler.jobs import Job, periodic_jobs
from ecitizen.scheduler.selectors import slot_claimed
from ecitizen.scheduler.tasks import run_periodic_job

logger = logging.getLogger("ecitizen.scheduler")


@dataclass(frozen=True)
class TickResult:
    job: str
    slot: datetime.datetime
    outcome: str  # "queued", "taken" (by another scheduler), "waiting" (for the job's previous run), "error: …"


def _queue_in_this_database() -> bool:
    """Whether queueing the job's task is a row in our own database (django-tasks-db): then the
    claim and the queue entry commit together. Any other backend is called after the commit."""
    try:
        from django_tasks_db.backend import DatabaseBackend
    except ImportError:  # pragma: no cover - the database backend is a dependency
        return False
    return isinstance(task_backends[run_periodic_job.backend], DatabaseBackend)


def _enqueuer(job: Job):
    task = run_periodic_job.using(queue_name=job.queue_name or None, priority=job.priority)

    def enqueue(run_id: int) -> str:
        return task.enqueue(run_id).id

    return enqueue


def default_identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def tick(
    *, now: datetime.datetime | None = None, identity: str | None = None, handled: dict | None = None
) -> list[TickResult]:
    """Claim and queue every job that is due at *now*; *handled* (job -> slot) remembers, across
    ticks of one scheduler, the slots already claimed here or found taken, to spare the database."""
    now = now or timezone.now()
    identity = identity or default_identity()
    handled = {} if handled is None else handled
    results = []
    for name, job in periodic_jobs().items():
        slot = job.schedule.latest(now)
        if handled.get(name) == slot:
            continue
        try:
            run = services.run_claim(
                job=name,
                slot=slot,
                timeout=job.timeout,
                claimed_by=identity,
                enqueue=_enqueuer(job),
                enqueue_on_commit=not _queue_in_this_database(),
            )
        except Exception as exc:  # one job's trouble must not stop the others
            logger.exception("Periodic job %s: could not claim the run due at %s", name, slot.isoformat())
            results.append(TickResult(name, slot, f"error: {exc}"))
            continue
        if run is not None:
            handled[name] = slot
            results.append(TickResult(name, slot, "queued"))
        elif slot_claimed(job=name, slot=slot):
            handled[name] = slot  # another scheduler has it: final
            results.append(TickResult(name, slot, "taken"))
        else:
            results.append(TickResult(name, slot, "waiting"))  # the previous run is outstanding: ask again
    return results


class Scheduler:
    """Ticks every *interval* seconds until :meth:`stop` (or SIGINT/SIGTERM under :meth:`run`)."""

    def __init__(self, *, interval: float = 15.0, identity: str | None = None):
        self.interval = interval
        self.identity = identity or default_identity()
        self.handled: dict[str, datetime.datetime] = {}
        self._stopping = threading.Event()

    def stop(self, *_args) -> None:
        self._stopping.set()

    def run(self, *, install_signals: bool = True, max_ticks: int | None = None) -> None:
        if install_signals:
            signal.signal(signal.SIGINT, self.stop)
            signal.signal(signal.SIGTERM, self.stop)
        jobs = periodic_jobs()  # a bad PERIODIC_JOBS stops the scheduler here, before any tick
        logger.info(
            "Scheduler %s started: %d periodic job(s), a tick every %ss", self.identity, len(jobs), self.interval
        )
        ticks = 0
        while not self._stopping.is_set():
            close_old_connections()
            for result in tick(identity=self.identity, handled=self.handled):
                if result.outcome == "queued":
                    logger.info("Queued %s (due %s)", result.job, result.slot.isoformat())
            close_old_connections()
            ticks += 1
            if max_ticks is not None and ticks >= max_ticks:
                break
            self._stopping.wait(self.interval)
        logger.info("Scheduler %s stopped", self.identity)
