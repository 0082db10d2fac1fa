"""Alerts: follow a report, or hear of new reports near a place or in an area.

The services module calls :func:`on_new_report` when a report is confirmed,
:func:`on_update` when a public update appears, :func:`follow_report` for a
reporter and :func:`move_followers` when a report is merged.
"""

from __future__ import annotations

from typing import Any


def follow_report(*, report: Any, email: str, user: Any = None, language: str = "en") -> None:
    raise NotImplementedError


def on_new_report(report: Any) -> None:
    raise NotImplementedError


def on_update(update: Any, *, skip_email: str = "") -> None:
    raise NotImplementedError


def move_followers(*, from_report: Any, to_report: Any) -> None:
    raise NotImplementedError
