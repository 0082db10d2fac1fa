"""Run a task worker (``manage.py db_worker``), after taking back the task its last process left.

A worker runs one task at a time. If its process dies in the middle of one (SIGKILL, out of
memory, a restarted machine), django-tasks-db leaves that task ``RUNNING`` for ever: no worker
picks it up again, and what it was to do (settle a card payment, send alerts) never happens.
Started again under the same ``--worker-id`` (give each worker a stable one, such as
``<host>-worker-<n>``), this command first puts every task still ``RUNNING`` under that id back
in the queue, marking the interrupted attempt in its ``worker_ids`` (``"<id> (interrupted)"``),
then works exactly as ``db_worker`` does, with the same options. Such a task runs again from its
start: tasks run at least once, so each must be safe to run twice (ours are).

    manage.py run_worker --queue-name '*' --no-reload --worker-id "$(hostname)-worker-1"
"""

from __future__ import annotations

import logging

from django.db import transaction
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)
INTERRUPTED = " (interrupted)"


def requeue_interrupted(worker_id: str) -> list[str]:
    """Put the tasks left RUNNING by a dead process of *worker_id* back in the queue; their ids."""
    requeued = []
    with transaction.atomic():
        for result in DBTaskResult.objects.select_for_update().filter(status="RUNNING").order_by("started_at"):
            if not result.worker_ids or result.worker_ids[-1] != worker_id:
                continue
            result.worker_ids[-1] = worker_id + INTERRUPTED
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
        requeue_interrupted(options["worker_id"])
        super().handle(*args, **options)
