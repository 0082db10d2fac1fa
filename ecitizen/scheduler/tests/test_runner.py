"""The scheduler queues each due slot once, catches up once after downtime, and keeps going when a
job fails. Tests run the tasks at once (the immediate backend of the test settings) unless they say
otherwise; the clock is pinned."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.management import call_command

from ecitizen.scheduler import runner, services
from ecitizen.scheduler.models import JobRun, RunStatus
from ecitizen.scheduler.runner import Scheduler, tick

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2027, 1, 5, 10, 7, 30, tzinfo=datetime.UTC)  # a Tuesday in winter: London = UTC


@pytest.fixture
def ticker(django_capture_on_commit_callbacks):
    """tick(), with the tasks it queues after its commits run (the test is one transaction)."""

    def run(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return tick(**kwargs)

    return run


def runs(job=None):
    qs = JobRun.objects.order_by("slot", "job")
    return list(qs.filter(job=job) if job else qs)


def test_a_due_job_is_queued_run_and_logged(jobs, calls, ticker):
    with time_machine.travel(T0, tick=False):
        results = {r.job: r for r in ticker(identity="host-a:1")}

    assert {name: r.outcome for name, r in results.items()} == {
        "every-five": "queued",
        "nightly": "queued",
        "broken": "queued",
    }
    run = JobRun.objects.get(job="every-five")
    assert run.slot == datetime.datetime(2027, 1, 5, 10, 5, tzinfo=datetime.UTC)
    assert run.status == RunStatus.SUCCEEDED
    assert run.claimed_by == "host-a:1"
    assert run.started_at == run.finished_at == T0
    assert run.outcome == "'recorded five'"
    nightly = JobRun.objects.get(job="nightly")
    assert nightly.slot == datetime.datetime(2027, 1, 5, 2, 0, tzinfo=datetime.UTC)  # today's 02:00 has come
    assert sorted(calls) == ["five", "nightly"]


def test_a_failing_job_is_logged_as_failed_and_the_others_still_run(jobs, calls, ticker):
    with time_machine.travel(T0, tick=False):
        ticker()
    broken = JobRun.objects.get(job="broken")
    assert broken.status == RunStatus.FAILED
    assert "RuntimeError: the job broke" in broken.outcome
    assert broken.finished_at == T0
    assert JobRun.objects.get(job="every-five").status == RunStatus.SUCCEEDED
    assert sorted(calls) == ["five", "nightly"]


def test_a_job_that_cannot_be_claimed_does_not_stop_the_others(jobs, calls, monkeypatch, ticker):
    real_claim = services.run_claim

    def claim(**kwargs):
        if kwargs["job"] == "every-five":
            raise RuntimeError("database hiccup")
        return real_claim(**kwargs)

    monkeypatch.setattr(services, "run_claim", claim)
    with time_machine.travel(T0, tick=False):
        outcomes = {r.job: r.outcome for r in ticker()}
    assert outcomes["every-five"] == "error: database hiccup"
    assert outcomes["nightly"] == "queued"
    assert calls == ["nightly"]


def test_one_slot_runs_once_however_many_schedulers_tick(jobs, calls, ticker):
    # Two schedulers (two identities, no memory shared) tick at the same instant, one after the other.
    with time_machine.travel(T0, tick=False):
        first = {r.job: r.outcome for r in ticker(identity="host-a:1")}
        second = {r.job: r.outcome for r in ticker(identity="host-b:2")}
    assert set(first.values()) == {"queued"}
    assert set(second.values()) == {"taken"}
    assert [r.claimed_by for r in runs()] == ["host-a:1"] * 3
    assert sorted(calls) == ["five", "nightly"]


def test_the_next_slot_runs_and_a_scheduler_remembers_what_it_handled(
    jobs, calls, django_assert_max_num_queries, ticker
):
    handled: dict = {}
    with time_machine.travel(T0, tick=False):
        ticker(handled=handled)
        with django_assert_max_num_queries(0):
            assert ticker(handled=handled) == []  # nothing new is due: no query at all
    with time_machine.travel(T0 + datetime.timedelta(minutes=5), tick=False):
        assert {r.job for r in ticker(handled=handled)} == {"every-five", "broken"}
    assert [r.slot.minute for r in runs("every-five")] == [5, 10]


def test_after_downtime_a_missed_job_runs_once_for_the_latest_slot(jobs, calls, ticker):
    with time_machine.travel(T0, tick=False):
        ticker()
    calls.clear()
    # The scheduler was down for three hours and a day: 38 five-minute slots and one night were missed.
    later = T0 + datetime.timedelta(days=1, hours=3)
    with time_machine.travel(later, tick=False):
        ticker()
        ticker()
    assert sorted(calls) == ["five", "nightly"]  # once each, not once per missed slot
    assert [r.slot for r in runs("every-five")] == [
        datetime.datetime(2027, 1, 5, 10, 5, tzinfo=datetime.UTC),
        datetime.datetime(2027, 1, 6, 13, 5, tzinfo=datetime.UTC),
    ]
    assert [r.slot.date().isoformat() for r in runs("nightly")] == ["2027-01-05", "2027-01-06"]


def test_an_outstanding_run_holds_its_job_back_until_it_is_stale(jobs, calls, settings, ticker):
    settings.PERIODIC_JOBS = {"every-five": jobs["every-five"] | {"timeout": datetime.timedelta(minutes=30)}}
    with time_machine.travel(T0, tick=False):
        stuck = JobRun.objects.create(
            job="every-five", slot=T0 - datetime.timedelta(minutes=7, seconds=30), claimed_at=T0
        )  # queued, never picked up (no worker)
    with time_machine.travel(T0 + datetime.timedelta(minutes=10), tick=False):
        assert [r.outcome for r in ticker()] == ["waiting"]
    assert calls == []
    with time_machine.travel(T0 + datetime.timedelta(minutes=31), tick=False):
        assert [r.outcome for r in ticker()] == ["queued"]
    stuck.refresh_from_db()
    assert stuck.status == RunStatus.ABANDONED
    assert calls == ["five"]
    # Its task, delivered late, does not run the job.
    from ecitizen.scheduler.tasks import run_periodic_job

    assert run_periodic_job.call(stuck.pk) == "not queued any more"
    assert calls == ["five"]


def test_a_long_run_is_judged_by_when_it_started_and_an_abandoned_run_stays_abandoned(jobs, calls, settings, ticker):
    settings.PERIODIC_JOBS = {"every-five": jobs["every-five"] | {"timeout": datetime.timedelta(minutes=30)}}
    with time_machine.travel(T0, tick=False):
        run = JobRun.objects.create(
            job="every-five", slot=T0 - datetime.timedelta(minutes=7, seconds=30), claimed_at=T0
        )
    # It waited 25 minutes in the queue, then started: still fresh 20 minutes into its run.
    with time_machine.travel(T0 + datetime.timedelta(minutes=25), tick=False):
        run = services.run_start(run_id=run.pk)
    with time_machine.travel(T0 + datetime.timedelta(minutes=45), tick=False):
        assert [r.outcome for r in ticker()] == ["waiting"]
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    # 31 minutes after it started it is stale: abandoned, and its late finish does not undo that.
    with time_machine.travel(T0 + datetime.timedelta(minutes=56), tick=False):
        assert [r.outcome for r in ticker()] == ["queued"]
    run.refresh_from_db()
    assert run.status == RunStatus.ABANDONED
    finished = services.run_finish(run=run, succeeded=True, outcome="done at last")
    run.refresh_from_db()
    assert (finished.status, run.status, run.outcome) == (RunStatus.ABANDONED, RunStatus.ABANDONED, "done at last")


def test_a_run_is_not_started_twice(jobs, calls, ticker):
    from ecitizen.scheduler.tasks import run_periodic_job

    with time_machine.travel(T0, tick=False):
        ticker()
    run = JobRun.objects.get(job="every-five")
    assert run_periodic_job.call(run.pk) == "not queued any more"
    assert calls.count("five") == 1


def test_a_job_removed_from_settings_fails_its_queued_run(jobs, calls, settings):
    from ecitizen.scheduler.tasks import run_periodic_job

    run = JobRun.objects.create(job="gone", slot=T0, claimed_at=T0)
    with pytest.raises(LookupError):
        run_periodic_job.call(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and "not in settings.PERIODIC_JOBS" in run.outcome


def test_a_management_command_job_records_its_output_and_its_error(settings, calls, ticker):
    settings.PERIODIC_JOBS = {
        "check": {"command": "check", "every": datetime.timedelta(minutes=5)},
        "bad-date": {"command": "apply_tax_penalties", "kwargs": {"date": "nope"}, "at": "00:30"},
    }
    with time_machine.travel(T0, tick=False):
        ticker()
    check = JobRun.objects.get(job="check")
    assert check.status == RunStatus.SUCCEEDED
    assert "System check identified no issues" in check.outcome
    bad = JobRun.objects.get(job="bad-date")
    assert bad.status == RunStatus.FAILED and "Not a date: 'nope'" in bad.outcome


def test_the_claim_and_the_queue_entry_commit_together_with_the_database_queue(
    jobs, calls, settings, ticker, monkeypatch
):
    """With django-tasks-db the task is a row written in the claim's transaction; a worker runs it."""
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)  # it would close the test's transaction

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.PERIODIC_JOBS = {"every-five": jobs["every-five"]}
    with time_machine.travel(T0, tick=False):
        ticker()
    run = JobRun.objects.get()
    assert run.status == RunStatus.QUEUED and calls == []
    task = DBTaskResult.objects.get()
    assert str(task.id) == run.task_id
    assert task.task_path == "ecitizen.scheduler.tasks.run_periodic_job"

    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)

    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED and calls == ["five"]


def test_runs_prune_keeps_recent_and_outstanding_runs(jobs):
    old = T0 - datetime.timedelta(days=31)
    JobRun.objects.create(job="a", slot=old, claimed_at=old, status=RunStatus.SUCCEEDED)
    JobRun.objects.create(job="b", slot=old, claimed_at=old, status=RunStatus.RUNNING)
    JobRun.objects.create(job="c", slot=T0, claimed_at=T0, status=RunStatus.FAILED)
    with time_machine.travel(T0, tick=False):
        assert services.runs_prune(keep_days=30) == 1
    assert sorted(JobRun.objects.values_list("job", flat=True)) == ["b", "c"]


def test_the_scheduler_loop_ticks_until_stopped(jobs, calls, django_capture_on_commit_callbacks, monkeypatch):
    monkeypatch.setattr(runner, "close_old_connections", lambda: None)  # it would close the test's transaction
    scheduler = Scheduler(interval=0.01, identity="loop:1")
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        scheduler.run(install_signals=False, max_ticks=3)
    assert len(runs()) == 3  # three jobs, each once, though it ticked three times
    assert sorted(calls) == ["five", "nightly"]


def test_run_scheduler_once(jobs, calls, capsys, django_capture_on_commit_callbacks):
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        call_command("run_scheduler", "--once")
    out = capsys.readouterr().out
    assert "every-five: queued (due 2027-01-05 10:05 UTC)" in out
    assert "nightly: queued (due 2027-01-05 02:00 UTC)" in out
