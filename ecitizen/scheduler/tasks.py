"""The task that runs one claimed run of a periodic job, on the django-tasks queue.

The scheduler (:mod:`ecitizen.scheduler.runner`) queues it with the run's id; a worker
(``manage.py run_worker``) picks it up, marks the run started, runs the job named in
``settings.PERIODIC_JOBS`` and records the outcome. A failing job is recorded as failed and
re-raised, so the queue's own result shows the failure too; it stops nothing else.
"""

from __future__ import annotations

import traceback

from django_tasks import task

from ecitizen.scheduler import services
from ecitizen.scheduler.jobs import OUTCOME_MAX, periodic_jobs


@task()
def run_periodic_job(run_id: int) -> str:
    run = services.run_start(run_id=run_id)
    if run is None:
        return "not queued any more"
    try:
        job = periodic_jobs().get(run.job)
        if job is None:
            raise LookupError(f"{run.job!r} is not in settings.PERIODIC_JOBS any more")
        outcome = job.run()
    except BaseException as exc:  # a job's failure, whatever it is, is recorded first
        services.run_finish(run=run, succeeded=False, outcome=_error_text(exc))
        raise
    services.run_finish(run=run, succeeded=True, outcome=outcome)
    return outcome


def _error_text(exc: BaseException) -> str:
    """The exception's last frames and message; a management command's CommandError is its message."""
    text = "".join(traceback.format_exception(exc, limit=-3))
    return text[-OUTCOME_MAX:]
