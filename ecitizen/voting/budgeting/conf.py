"""Participatory budgeting's settings, each read from Django settings with its default here."""

from __future__ import annotations

from django.conf import settings


def photos_per_idea() -> int:
    """The most photos an author may add to one idea."""
    return int(getattr(settings, "BUDGETING_PHOTOS_PER_IDEA", 3))


def photo_max_bytes() -> int:
    """The largest photo file accepted, before it is re-encoded."""
    return int(getattr(settings, "BUDGETING_PHOTO_MAX_BYTES", 8 * 1024 * 1024))


def photo_max_side() -> int:
    """Photos are scaled down to this many pixels on their longer side: pages stay light on old phones."""
    return int(getattr(settings, "BUDGETING_PHOTO_MAX_SIDE", 1600))


def propose_rate() -> str:
    """Ideas one account may propose."""
    return getattr(settings, "BUDGETING_PROPOSE_RATE", "10/d/user")


def support_rate() -> str:
    """Supports (and take-backs) one account may send."""
    return getattr(settings, "BUDGETING_SUPPORT_RATE", "120/h/user")


def ideas_page_size() -> int:
    return int(getattr(settings, "BUDGETING_IDEAS_PAGE_SIZE", 20))


def currency() -> str:
    """The currency the amounts are in (whole units)."""
    return getattr(settings, "BUDGETING_CURRENCY", "GBP")


def cast_rate() -> str:
    """Ballots one account may cast (each cast, even one that replaces the last, writes an audit row)."""
    return getattr(settings, "BUDGETING_CAST_RATE", "30/h/user")
