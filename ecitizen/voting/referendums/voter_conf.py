"""Settings of the voter's side of referendums, each read from Django settings with its default here."""

from __future__ import annotations

from django.conf import settings


def cast_rate() -> str:
    """Ballots one account may send (each is checked, which costs the server a few milliseconds)."""
    return getattr(settings, "REFERENDUMS_CAST_RATE", "30/h/user")


def ballot_max_bytes() -> int:
    """The largest ballot (JSON) accepted. A ballot of ten questions of ten options is about 60 kB."""
    return int(getattr(settings, "REFERENDUMS_BALLOT_MAX_BYTES", 256 * 1024))


def board_page_size() -> int:
    """Ballots per page of the public ballot board."""
    return int(getattr(settings, "REFERENDUMS_BOARD_PAGE_SIZE", 50))


def cast_retries() -> int:
    """How many times a ballot is numbered again when another took its number at the same moment."""
    return int(getattr(settings, "REFERENDUMS_CAST_RETRIES", 5))
