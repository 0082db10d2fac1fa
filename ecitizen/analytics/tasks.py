"""The scheduler's analytics jobs (``analytics-hourly`` and ``analytics-daily`` in ``PERIODIC_JOBS``)."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation
from django_tasks import task

from ecitizen.analytics import alerts, rollups


@task()
def rollup_hourly_task() -> dict:
    """Recompute the days that changed since the last run and the snapshots, then check alerts."""
    with translation.override(settings.LANGUAGE_CODE):
        run = rollups.run_hourly()
        fired = alerts.alerts_check()
    return {"days": run.rows, "seconds": round(run.seconds, 2), "alerts_fired": fired}


@task()
def rollup_daily_task() -> dict:
    """Recompute the last ``ANALYTICS_RECHECK_DAYS`` days (drafts that stopped, late corrections)."""
    with translation.override(settings.LANGUAGE_CODE):
        run = rollups.run_daily()
    return {"days": run.rows, "seconds": round(run.seconds, 2)}
