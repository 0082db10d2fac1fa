"""PERIODIC_JOBS is checked at start-up, every declared job runs, and platform admins see the
timetable and the runs (read-only) in the Django admin."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.conf import settings as django_settings

from ecitizen.scheduler.checks import periodic_jobs_valid
from ecitizen.scheduler.jobs import periodic_jobs
from ecitizen.scheduler.models import JobRun, RunStatus
from ecitizen.scheduler.selectors import run_counts

T0 = datetime.datetime(2027, 1, 5, 10, 7, 30, tzinfo=datetime.UTC)


def test_the_declared_jobs_pass_the_check():
    assert periodic_jobs_valid(None) == []
    assert {"expire-payments", "apply-tax-penalties", "send-questionnaires", "purge-draft-photos"} <= set(
        periodic_jobs()
    )


def test_bad_jobs_are_reported_by_the_check(settings):
    settings.PERIODIC_JOBS = {
        "Bad Name": {"command": "check", "every": datetime.timedelta(minutes=5)},
        "both": {"command": "check", "task": "x.y", "every": datetime.timedelta(minutes=5)},
        "no-such-task": {"task": "ecitizen.nowhere.job", "at": "02:00"},
        "no-such-command": {"command": "no_such_command", "at": "02:00"},
        "typo": {"command": "check", "evry": datetime.timedelta(minutes=5)},
    }
    messages = sorted(error.msg for error in periodic_jobs_valid(None))
    assert len(messages) == 5
    assert "lower-case letters" in messages[0]
    assert any("exactly one of 'task'" in m for m in messages)
    assert any("cannot import ecitizen.nowhere.job" in m for m in messages)
    assert any("no management command 'no_such_command'" in m for m in messages)
    assert any("unknown keys: evry" in m for m in messages)


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(django_settings.PERIODIC_JOBS))
def test_every_declared_job_runs_on_an_empty_database(name, settings):
    # prune_db_task_results works on the database queue; the tests queue nothing there.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with time_machine.travel(T0, tick=False):
        periodic_jobs()[name].run()


@pytest.fixture
def platform_admin(make_user, with_mfa):
    user = make_user("root@ecitizen.example")
    user.is_staff = user.is_superuser = True
    user.save()
    with_mfa(user)
    return user


@pytest.mark.django_db
def test_platform_admins_see_the_timetable_and_the_runs(client, platform_admin, settings):
    settings.TIME_ZONE = "Europe/London"
    JobRun.objects.create(
        job="expire-payments",
        slot=T0,
        claimed_at=T0,
        status=RunStatus.FAILED,
        started_at=T0,
        finished_at=T0,
        outcome="ProviderUnavailable: the gateway timed out",
    )
    client.force_login(platform_admin)

    page = client.get(f"/{django_settings.ADMIN_URL}scheduler/jobrun/")

    assert page.status_code == 200
    html = page.content.decode()
    for name in django_settings.PERIODIC_JOBS:
        assert name in html
    assert "manage.py expire_payments" in html and "Every 5 minutes" in html
    assert "Daily at 00:30 (Europe/London)" in html
    assert "Failed" in html
    run = JobRun.objects.get()
    detail = client.get(f"/{django_settings.ADMIN_URL}scheduler/jobrun/{run.pk}/change/")
    assert detail.status_code == 200 and "the gateway timed out" in detail.content.decode()
    assert b"Save" not in detail.content  # read-only


@pytest.mark.django_db
def test_people_who_are_not_platform_admins_do_not_see_the_runs(client, citizen):
    client.force_login(citizen)
    page = client.get(f"/{django_settings.ADMIN_URL}scheduler/jobrun/")
    assert page.status_code == 302 and "login" in page["Location"]


@pytest.mark.django_db
def test_run_counts_names_every_status():
    JobRun.objects.create(job="a", slot=T0, claimed_at=T0, status=RunStatus.SUCCEEDED)
    assert run_counts() == {"queued": 0, "running": 0, "succeeded": 1, "failed": 0, "abandoned": 0}
