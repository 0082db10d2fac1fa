"""Jobs for the scheduler's tests: they record their calls here."""

from __future__ import annotations

import threading

CALLS: list[str] = []
_lock = threading.Lock()


def record(label: str = "ran") -> str:
    with _lock:
        CALLS.append(label)
    return f"recorded {label}"


def boom() -> None:
    raise RuntimeError("the job broke")
