"""Reads of the scheduler: whether a slot is claimed, and the timetable platform admins see."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count
from django.utils import timezone

from ecitizen.scheduler.jobs import Job, periodic_jobs
from ecitizen.scheduler.models import JobRun, RunStatus


def slot_claimed(*, job: str, slot: datetime.datetime) -> bool:
    return JobRun.objects.filter(job=job, slot=slot).exists()


@dataclass(frozen=True)
class TimetableRow:
    job: Job
    schedule: str
    next_due: datetime.datetime
    last_run: JobRun | None


def timetable(*, now: datetime.datetime | None = None) -> list[TimetableRow]:
    """Every periodic job with its schedule, when it is next due and its latest run (one query)."""
    now = now or timezone.now()
    jobs = periodic_jobs()
    latest: dict[str, JobRun] = {}
    # The latest run of each job: a handful of jobs, so one ordered scan of their recent runs.
    since = now - datetime.timedelta(days=8)
    for run in JobRun.objects.filter(job__in=list(jobs), slot__gte=since).order_by("job", "-slot"):
        latest.setdefault(run.job, run)
    return [
        TimetableRow(
            job=job, schedule=job.schedule.describe(), next_due=job.schedule.next(now), last_run=latest.get(name)
        )
        for name, job in jobs.items()
    ]


def run_counts() -> dict[str, int]:
    """How many runs are in each status, every status named (for scripts and checks)."""
    counts = dict.fromkeys(RunStatus.values, 0)
    for status, n in JobRun.objects.values_list("status").annotate(n=Count("id")).order_by():
        counts[status] = n
    return counts
