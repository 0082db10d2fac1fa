"""Helpers for tests that need several database connections at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def run_together(targets: list[Callable[[], Any]]) -> tuple[list[Any], list[Exception]]:
    """Run each target in its own thread, released together by a barrier.

    Each thread gets its own database connection (closed at the end). Returns
    the results and the exceptions raised, in completion order.
    """
    barrier = threading.Barrier(len(targets))
    results: list[Any] = []
    errors: list[Exception] = []

    def worker(target: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results.append(target())
        except Exception as exc:  # collected for the caller to assert on
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors
