"""Settings of the staff side of referendums, each read from Django settings with its default here."""

from __future__ import annotations

from django.conf import settings


def min_group() -> int:
    """Turnout is published for a district only when at least this many people there may vote:
    in a smaller group, whether someone voted is too easy to tell."""
    return int(getattr(settings, "REFERENDUMS_MIN_GROUP", 10))


def max_questions() -> int:
    """The most questions one referendum may ask."""
    return int(getattr(settings, "REFERENDUMS_MAX_QUESTIONS", 10))


def max_options() -> int:
    """The most options one question may offer."""
    return int(getattr(settings, "REFERENDUMS_MAX_OPTIONS", 20))


def max_trustees() -> int:
    """The most trustees a referendum may have."""
    return int(getattr(settings, "REFERENDUMS_MAX_TRUSTEES", 12))


def upload_max_bytes() -> int:
    """The largest file a trustee may upload (what the trustee tool writes is a few kilobytes)."""
    return int(getattr(settings, "REFERENDUMS_UPLOAD_MAX_BYTES", 1024 * 1024))


def electorate_chunk() -> int:
    """Profiles read at a time while the electorate is frozen."""
    return int(getattr(settings, "REFERENDUMS_ELECTORATE_CHUNK", 2000))
