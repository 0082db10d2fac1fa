"""Analytics settings, with their defaults (override any of them in Django settings)."""

from __future__ import annotations

from django.conf import settings


def suppress_below() -> int:
    """Public pages show a count smaller than this as "fewer than N", and no rate built on it."""
    return int(getattr(settings, "ANALYTICS_SUPPRESS_BELOW", 5))


def draft_stopped_after_days() -> int:
    """A draft untouched for this many days counts as stopped on the page it was last saved on."""
    return int(getattr(settings, "ANALYTICS_DRAFT_STOPPED_AFTER_DAYS", 7))


def recheck_days() -> int:
    """The daily run recomputes this many days back (drafts that stop, late corrections)."""
    return int(getattr(settings, "ANALYTICS_RECHECK_DAYS", 35))


def alert_window_days() -> int:
    """Alerts on decision times look at the decisions of this many days."""
    return int(getattr(settings, "ANALYTICS_ALERT_WINDOW_DAYS", 30))


def public_round_to() -> int:
    """Public pages and open data round every count they show to the nearest multiple of this
    (halves up), so that hidden small counts cannot be worked out by subtraction; 1 turns it off."""
    return max(1, int(getattr(settings, "ANALYTICS_PUBLIC_ROUND_TO", 5)))
