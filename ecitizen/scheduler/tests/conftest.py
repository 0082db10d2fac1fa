from __future__ import annotations

import datetime

import pytest

from ecitizen.scheduler.tests import sample_jobs


@pytest.fixture
def calls():
    sample_jobs.CALLS.clear()
    yield sample_jobs.CALLS
    sample_jobs.CALLS.clear()


@pytest.fixture
def jobs(settings, calls):
    """Three sample jobs in place of the real PERIODIC_JOBS; returns the dict to change further.
    Daily times are read in London, whatever TIME_ZONE the tests run with."""
    settings.TIME_ZONE = "Europe/London"
    settings.PERIODIC_JOBS = {
        "every-five": {
            "task": "ecitizen.scheduler.tests.sample_jobs.record",
            "args": ["five"],
            "every": datetime.timedelta(minutes=5),
        },
        "nightly": {
            "task": "ecitizen.scheduler.tests.sample_jobs.record",
            "kwargs": {"label": "nightly"},
            "at": "02:00",
        },
        "broken": {"task": "ecitizen.scheduler.tests.sample_jobs.boom", "every": datetime.timedelta(minutes=5)},
    }
    return settings.PERIODIC_JOBS
