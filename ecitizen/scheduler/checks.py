"""``manage.py check`` validates ``settings.PERIODIC_JOBS``: each entry's keys and schedule, that
its task can be imported and its management command exists."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, register
from django.core.management import get_commands
from django.utils.module_loading import import_string

from ecitizen.scheduler.jobs import job_from_spec


@register()
def periodic_jobs_valid(app_configs, **kwargs):
    errors = []
    jobs = getattr(settings, "PERIODIC_JOBS", {})
    if not isinstance(jobs, dict):
        return [Error("PERIODIC_JOBS must be a dict of job name -> job.", id="scheduler.E001")]
    for name, spec in jobs.items():
        try:
            job = job_from_spec(name, spec)
        except (ValueError, KeyError, TypeError) as exc:
            errors.append(Error(f"PERIODIC_JOBS[{name!r}]: {exc}", id="scheduler.E002"))
            continue
        if job.task:
            try:
                import_string(job.task)
            except ImportError as exc:
                errors.append(Error(f"PERIODIC_JOBS[{name!r}]: cannot import {job.task}: {exc}", id="scheduler.E003"))
        elif job.command not in get_commands():
            errors.append(
                Error(f"PERIODIC_JOBS[{name!r}]: no management command {job.command!r}.", id="scheduler.E004")
            )
    return errors
