"""Run a task worker (``manage.py db_worker``), after taking back the task its last process left.

A worker runs one task at a time. If its process dies in the middle of one (SIGKILL, out of
memory, a restarted machine), django-tasks-db leaves that task ``RUNNING`` for ever: no worker
picks it up again, and what it was to do (settle a card payment, send alerts) never happens.
Started again under the same ``--worker-id`` (give each worker a stable one, such as
``<host>-worker-<n>``), this command first puts every task still ``RUNNING`` under that id back
in the queue, marking the interrupted attempt in its ``worker_ids`` (``"<id> (interrupted)"``),
then works exactly as ``db_worker`` does, with the same options. Such a task runs again from its
start: tasks run at least once, so each must be safe to run twice (ours are). A task whose run
has been cut off ``MAX_INTERRUPTIONS`` times (one that kills its worker, say by running out of
memory) is marked failed instead of being queued for ever.

Two live processes must never share an id: the second would take back a task the first is still
running. So the worker holds a lock named after its id for as long as it lives (a file lock in the
system's temporary folder, released by the operating system when the process dies, however it
dies), and a second worker with the same id on the same machine refuses to start. Ids that name
the host, such as ``<host>-worker-<n>``, keep machines apart.

    manage.py run_worker --queue-name '*' --no-reload --worker-id "$(hostname)-worker-1"
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import tempfile

from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)
INTERRUPTED = " (interrupted)"
MAX_INTERRUPTIONS = 3


class WorkerIdInUse(CommandError):
    pass


def hold_worker_id(worker_id: str) -> int:
    """Take the lock on *worker_id* for this process's life; its file descriptor (kept open)."""
    digest = hashlib.sha256(worker_id.encode()).hexdigest()[:32]
    path = os.path.join(tempfile.gettempdir(), f"ecitizen-worker-{digest}.lock")
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise WorkerIdInUse(
            f"A task worker with the id {worker_id!r} is already running on this machine: "
            "give each worker an id of its own (--worker-id)."
        ) from None
    return fd


def requeue_interrupted(worker_id: str) -> list[str]:
    """Put the tasks left RUNNING by a dead process of *worker_id* back in the queue; their ids."""
    requeued = []
    with transaction.atomic():
        for result in DBTaskResult.objects.select_for_update().filter(status="RUNNING").order_by("started_at"):
            if not result.worker_ids or result.worker_ids[-1] != worker_id:
                continue
            result.worker_ids[-1] = worker_id + INTERRUPTED
            cut_off = sum(1 for entry in result.worker_ids if entry.endswith(INTERRUPTED))
            if cut_off >= MAX_INTERRUPTIONS:
                result.status = "FAILED"
                result.finished_at = timezone.now()
                result.exception_class_path = "ecitizen.scheduler.WorkerDied"
                result.traceback = f"The worker running this task died {cut_off} times: not run again.\n"
                result.save(update_fields=["status", "finished_at", "worker_ids", "exception_class_path", "traceback"])
                logger.error("Task id=%s cut off %d times by a dying worker: marked failed", result.id, cut_off)
                continue
            result.status = "READY"
            result.started_at = None
            result.save(update_fields=["status", "started_at", "worker_ids"])
            requeued.append(str(result.id))
    for task_id in requeued:
        logger.warning("Task id=%s was left running by a dead process of worker %s: queued again", task_id, worker_id)
    return requeued


class Command(DbWorkerCommand):
    help = "Run a database task worker, first queueing again the task its last process left running"

    def handle(self, *args, **options):
        # With --reload (DEBUG's default, `make run`), this process only watches the code and
        # starts the worker in a child process, which runs this command again: the child, which
        # runs the tasks, takes the id and the tasks it left.
        watcher = options["reload"] and not options["batch"] and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        if not watcher:
            self._worker_id_lock = hold_worker_id(options["worker_id"])  # kept open until the process ends
            requeue_interrupted(options["worker_id"])
        super().handle(*args, **options)
