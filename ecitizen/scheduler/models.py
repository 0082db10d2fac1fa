"""One row per run of a periodic job: the claim of a (job, slot), then its start and end.

The unique (job, slot) pair is the claim: whichever scheduler inserts it first runs that slot,
and any other scheduler's insert fails, so no slot runs twice however many schedulers there are.
The rows are an operations log, like the task queue's own results: written by the scheduler and
the worker, shown read-only to platform admins, pruned after ``SCHEDULER_KEEP_RUNS_DAYS``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    ABANDONED = "abandoned", _("Abandoned")


OUTSTANDING = (RunStatus.QUEUED, RunStatus.RUNNING)


class JobRun(models.Model):
    """A run of the periodic job *job* (a key of ``settings.PERIODIC_JOBS``) for its due instant *slot*."""

    job = models.CharField(_("job"), max_length=63)
    slot = models.DateTimeField(_("due at"))
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    claimed_at = models.DateTimeField(_("queued at"))
    claimed_by = models.CharField(_("queued by"), max_length=100, blank=True, help_text=_("host and process id"))
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        verbose_name = _("periodic job run")
        verbose_name_plural = _("periodic job runs")
        ordering = ["-slot", "job"]
        constraints = [models.UniqueConstraint(fields=["job", "slot"], name="scheduler_one_run_per_job_slot")]
        indexes = [models.Index(fields=["job", "status"], name="scheduler_jobrun_job_status")]

    def __str__(self) -> str:
        return f"{self.job} @ {self.slot:%Y-%m-%d %H:%M} UTC"

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None
