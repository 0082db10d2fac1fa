"""``manage.py run_worker``: a task left RUNNING by a killed worker process is queued again and run."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from ecitizen.scheduler.management.commands.run_worker import requeue_interrupted

pytestmark = pytest.mark.django_db(transaction=True)

TASK = "ecitizen.reports.tasks.send_questionnaires"  # nothing to send: returns 0


def _running(worker: str):
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.create(
        status="RUNNING",
        task_path=TASK,
        args_kwargs={"args": [], "kwargs": {}},
        backend_name="default",
        queue_name="default",
        run_after=timezone.now() - datetime.timedelta(minutes=5),
        started_at=timezone.now() - datetime.timedelta(minutes=4),
        worker_ids=[worker],
        exception_class_path="",
        traceback="",
    )


def test_only_the_tasks_of_the_restarted_worker_are_queued_again():
    mine, other = _running("host-worker-1"), _running("host-worker-2")

    assert requeue_interrupted("host-worker-1") == [str(mine.id)]

    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.status, mine.started_at, mine.worker_ids) == ("READY", None, ["host-worker-1 (interrupted)"])
    assert (other.status, other.worker_ids) == ("RUNNING", ["host-worker-2"])
    assert requeue_interrupted("host-worker-1") == []  # nothing left to take back


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
def test_the_worker_started_again_runs_the_interrupted_task():
    task = _running("host-worker-1")

    call_command(
        "run_worker", "--worker-id", "host-worker-1", "--batch", "--no-startup-delay", "--no-reload", "-v", "0"
    )

    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    assert task.worker_ids == ["host-worker-1 (interrupted)", "host-worker-1"]


def test_a_task_cut_off_again_and_again_is_failed_not_queued_for_ever():
    from django_tasks_db.models import DBTaskResult

    from ecitizen.scheduler.management.commands.run_worker import INTERRUPTED, MAX_INTERRUPTIONS

    task = _running("host-worker-1")
    task.worker_ids = [f"host-worker-1{INTERRUPTED}"] * (MAX_INTERRUPTIONS - 1) + ["host-worker-1"]
    task.save(update_fields=["worker_ids"])

    assert requeue_interrupted("host-worker-1") == []
    task = DBTaskResult.objects.get(pk=task.pk)
    assert task.status == "FAILED" and task.finished_at is not None
    assert "died 3 times" in task.traceback


@pytest.mark.django_db(transaction=False)
def test_two_live_workers_cannot_share_an_id():
    import os

    from ecitizen.scheduler.management.commands.run_worker import WorkerIdInUse, hold_worker_id

    held = hold_worker_id("test-host-worker-7")
    try:
        with pytest.raises(WorkerIdInUse, match="already running"):
            hold_worker_id("test-host-worker-7")
        os.close(hold_worker_id("test-host-worker-8"))  # another id is free
    finally:
        os.close(held)
    os.close(hold_worker_id("test-host-worker-7"))  # free again once its holder is gone


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize(("reload", "child", "holds"), [(True, False, False), (True, True, True), (False, False, True)])
def test_with_reload_only_the_child_that_runs_tasks_holds_the_id(monkeypatch, reload, child, holds):
    """`make run` starts the worker with --reload: the watching parent starts a child that runs this
    command again, so the parent must not hold the id (the child would refuse to start)."""
    import os

    from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
    from django_tasks_db.management.commands.db_worker import Command as DbWorker

    from ecitizen.scheduler.management.commands.run_worker import Command, WorkerIdInUse, hold_worker_id

    monkeypatch.setattr(DbWorker, "handle", lambda self, *args, **options: None)
    if child:
        monkeypatch.setenv(DJANGO_AUTORELOAD_ENV, "true")
    else:
        monkeypatch.delenv(DJANGO_AUTORELOAD_ENV, raising=False)
    command = Command()
    command.handle(worker_id="test-reload-worker", reload=reload, batch=False)
    try:
        if holds:
            with pytest.raises(WorkerIdInUse):
                hold_worker_id("test-reload-worker")
        else:
            os.close(hold_worker_id("test-reload-worker"))
    finally:
        if hasattr(command, "_worker_id_lock"):
            os.close(command._worker_id_lock)
