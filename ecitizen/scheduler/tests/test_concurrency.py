"""Two schedulers ticking at the same instant in two threads, each with its own database connection,
never run a slot twice. PostgreSQL only: the in-memory SQLite test database is one connection (the
sequential test in test_runner.py covers SQLite, where writes are serialised anyway)."""

from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from django.db import connection, connections

from ecitizen.scheduler.models import JobRun
from ecitizen.scheduler.runner import tick

T0 = datetime.datetime(2027, 1, 5, 10, 7, 30, tzinfo=datetime.UTC)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="threads need a real database server"),
]


@pytest.mark.parametrize("schedulers", [4])
def test_concurrent_schedulers_claim_each_slot_once(jobs, calls, schedulers):
    barrier = threading.Barrier(schedulers)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def scheduler(n: int):
        try:
            barrier.wait()
            outcomes.extend(r.outcome for r in tick(now=T0, identity=f"host-{n}"))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    with time_machine.travel(T0, tick=False):
        threads = [threading.Thread(target=scheduler, args=(n,)) for n in range(schedulers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
    assert not errors
    assert outcomes.count("queued") == 3
    assert outcomes.count("taken") == 3 * (schedulers - 1)
    assert JobRun.objects.count() == 3
    assert sorted(calls) == ["five", "nightly"]
