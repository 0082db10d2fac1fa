"""The periodic jobs declared in ``settings.PERIODIC_JOBS``, and how one is run.

Each entry is ``"name": {...}`` with:

* what to run, one of ``"task"``: the dotted path of a django-tasks task (its function is called)
  or of any function, or ``"command"``: the name of a management command (its output is the
  outcome; a ``CommandError`` is a failure);
* ``"args"`` / ``"kwargs"`` for it (any Python values: they stay in settings and never travel
  through the queue);
* when, one of ``"every"``: a ``timedelta`` (with an optional ``"offset"``) or ``"at"``: "HH:MM" or a
  list of them, daily in ``TIME_ZONE`` (see :mod:`ecitizen.scheduler.schedule`);
* optional ``"timeout"`` (a ``timedelta``, default one hour): a run still queued or running after
  this no longer holds the job back (it is marked abandoned and the latest slot is claimed), and
  ``"queue_name"`` / ``"priority"`` of the task that runs it, and ``"description"``.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.utils.module_loading import import_string
from django_tasks.base import Task

from ecitizen.scheduler.schedule import Schedule, parse_schedule

DEFAULT_TIMEOUT = datetime.timedelta(hours=1)
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
KNOWN_KEYS = {
    "task",
    "command",
    "args",
    "kwargs",
    "every",
    "offset",
    "at",
    "timeout",
    "queue_name",
    "priority",
    "description",
}
OUTCOME_MAX = 2000


@dataclass(frozen=True)
class Job:
    name: str
    schedule: Schedule
    task: str = ""
    command: str = ""
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    timeout: datetime.timedelta = DEFAULT_TIMEOUT
    queue_name: str = ""
    priority: int | None = None
    description: str = ""

    @property
    def target(self) -> str:
        return f"manage.py {self.command}" if self.command else self.task

    def run(self) -> str:
        """Run the job here and now; returns its outcome as text (raises whatever the job raises)."""
        if self.command:
            out = io.StringIO()
            call_command(self.command, *self.args, stdout=out, stderr=out, **self.kwargs)
            return out.getvalue().strip()[:OUTCOME_MAX]
        target = import_string(self.task)
        # A django-tasks Task runs here, inside the task that runs the job: one queue entry per run.
        call = target.call if isinstance(target, Task) else target
        result = call(*self.args, **self.kwargs)
        return ("" if result is None else repr(result))[:OUTCOME_MAX]


def job_from_spec(name: str, spec: dict) -> Job:
    """One PERIODIC_JOBS entry as a :class:`Job`; raises ValueError saying what is wrong."""
    if not isinstance(name, str) or not NAME.match(name):
        raise ValueError("a job name is lower-case letters, digits and hyphens, at most 63 characters")
    if not isinstance(spec, dict):
        raise ValueError("a job is a dict")
    unknown = set(spec) - KNOWN_KEYS
    if unknown:
        raise ValueError(f"unknown keys: {', '.join(sorted(unknown))}")
    if bool(spec.get("task")) == bool(spec.get("command")):
        raise ValueError("give exactly one of 'task' (a dotted path) and 'command' (a management command)")
    timeout = spec.get("timeout", DEFAULT_TIMEOUT)
    if not isinstance(timeout, datetime.timedelta) or timeout <= datetime.timedelta(0):
        raise ValueError("'timeout' must be a positive timedelta")
    return Job(
        name=name,
        schedule=parse_schedule(spec, zone=settings.TIME_ZONE),
        task=spec.get("task", ""),
        command=spec.get("command", ""),
        args=tuple(spec.get("args", ())),
        kwargs=dict(spec.get("kwargs", {})),
        timeout=timeout,
        queue_name=spec.get("queue_name", ""),
        priority=spec.get("priority"),
        description=str(spec.get("description", "")),
    )


def periodic_jobs() -> dict[str, Job]:
    """Every job of ``settings.PERIODIC_JOBS`` (read each time, so tests may override the setting).
    Raises ValueError naming the first bad entry; ``manage.py check`` reports them all."""
    jobs = {}
    for name, spec in getattr(settings, "PERIODIC_JOBS", {}).items():
        try:
            jobs[name] = job_from_spec(name, spec)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"PERIODIC_JOBS[{name!r}]: {exc}") from exc
    return jobs
