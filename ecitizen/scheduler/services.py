"""The scheduler's writes: claim a job's slot, mark a run started and finished, prune old runs.

Each is one short transaction (a few single-row statements); none is held while a job runs. These
rows are an operations log written by the system, not by a person, so they carry no audit row (as
the task queue's results do not).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ecitizen.scheduler.models import OUTSTANDING, JobRun, RunStatus

logger = logging.getLogger("ecitizen.scheduler")


def run_claim(
    *,
    job: str,
    slot: datetime.datetime,
    timeout: datetime.timedelta,
    claimed_by: str,
    enqueue: Callable[[int], str],
    enqueue_on_commit: bool,
) -> JobRun | None:
    """Claim *slot* of *job* and queue its run; None when it is not this caller's to run.

    It is not when another scheduler has claimed the slot already (the unique (job, slot) insert
    fails), or when an earlier run of the job is still queued or running and younger than *timeout*
    (the job waits for it rather than piling up runs; older ones are marked abandoned). *enqueue*
    takes the new run's id and queues the task that runs it, returning the task's id: inside this
    transaction when the queue lives in this database (so a crash leaves both rows or neither), or
    after the commit when *enqueue_on_commit* (a queue elsewhere, or one that runs the task at once).
    """
    now = timezone.now()
    # A queued run is stale when it waited longer than *timeout* since its claim; a running one
    # when it has run longer than that since it started (not since it was claimed, which would cut
    # short a long run that waited in the queue).
    cutoff = now - timeout
    fresh = Q(status=RunStatus.QUEUED, claimed_at__gt=cutoff) | Q(status=RunStatus.RUNNING, started_at__gt=cutoff)
    stale = Q(status=RunStatus.QUEUED, claimed_at__lte=cutoff) | Q(status=RunStatus.RUNNING, started_at__lte=cutoff)
    with transaction.atomic():
        outstanding = JobRun.objects.filter(job=job, status__in=OUTSTANDING)
        if outstanding.filter(fresh).exists():
            return None
        # Only the stale ones: on PostgreSQL this statement may see a run another scheduler committed
        # since the check above (each statement reads afresh), and that one must stay queued.
        abandoned = outstanding.filter(stale).update(status=RunStatus.ABANDONED, finished_at=now)
        if abandoned:
            logger.warning("Periodic job %s: %d run(s) older than %s abandoned", job, abandoned, timeout)
        try:
            with transaction.atomic():
                run = JobRun.objects.create(job=job, slot=slot, claimed_at=now, claimed_by=claimed_by[:100])
        except IntegrityError:
            return None  # another scheduler claimed this slot first
        if enqueue_on_commit:
            transaction.on_commit(lambda: enqueue(run.pk), robust=True)
        else:
            run.task_id = str(enqueue(run.pk))[:64]
            JobRun.objects.filter(pk=run.pk).update(task_id=run.task_id)
    logger.info("Periodic job %s: queued the run due at %s", job, slot.isoformat())
    return run


def run_start(*, run_id: int) -> JobRun | None:
    """Mark a queued run as running and return it; None if it is not queued any more (abandoned,
    or already started by a task delivered twice), in which case it must not run."""
    now = timezone.now()
    with transaction.atomic():
        started = JobRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.RUNNING, started_at=now
        )
    if not started:
        logger.warning("Periodic job run %s is not queued any more: not run", run_id)
        return None
    return JobRun.objects.get(pk=run_id)


def run_finish(*, run: JobRun, succeeded: bool, outcome: str) -> JobRun:
    """Record how *run* ended: its status, when, and its outcome (output, or the error).

    Only a run still marked running is updated: one the scheduler has meanwhile marked abandoned
    keeps that status (its outcome is recorded beside it), so the log never shows it as a clean run.
    """
    status = RunStatus.SUCCEEDED if succeeded else RunStatus.FAILED
    run.finished_at = timezone.now()
    run.outcome = outcome
    with transaction.atomic():
        updated = JobRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=status, finished_at=run.finished_at, outcome=outcome
        )
        if updated:
            run.status = status
        else:
            JobRun.objects.filter(pk=run.pk).update(outcome=outcome)
            run.status = RunStatus.ABANDONED
            logger.warning("Periodic job %s (due %s) ended after it was abandoned", run.job, run.slot.isoformat())
    log = logger.info if succeeded else logger.error
    log("Periodic job %s (due %s) %s: %s", run.job, run.slot.isoformat(), run.status, outcome[:200])
    return run


def runs_prune(*, keep_days: int = 30) -> int:
    """Delete the finished runs due more than *keep_days* ago; returns how many."""
    cutoff = timezone.now() - datetime.timedelta(days=keep_days)
    with transaction.atomic():
        deleted, _ = JobRun.objects.filter(slot__lt=cutoff).exclude(status__in=OUTSTANDING).delete()
    return deleted
