"""Discussions' settings, read from Django settings with their defaults."""

from __future__ import annotations

from django.conf import settings


def flags_to_hide() -> int:
    """How many flags (from different people) hide a comment pending review."""
    return int(getattr(settings, "DISCUSSIONS_FLAGS_TO_HIDE", 3))


def max_depth() -> int:
    """How deep replies nest: 3 means a comment, a reply and a reply to the reply."""
    return int(getattr(settings, "DISCUSSIONS_MAX_DEPTH", 3))


def post_rate() -> str:
    """The rate limit on posting (comments and new topics) per person."""
    return getattr(settings, "DISCUSSIONS_POST_RATE", "10/h/user")


def flag_rate() -> str:
    return getattr(settings, "DISCUSSIONS_FLAG_RATE", "20/h/user")


def follow_rate() -> str:
    """The rate limit on following and unfollowing (one budget for both) per person."""
    return getattr(settings, "DISCUSSIONS_FOLLOW_RATE", "30/m/user")


def page_size() -> int:
    return int(getattr(settings, "DISCUSSIONS_PAGE_SIZE", 50))


def comments_page_size() -> int:
    """How many conversations (a comment with its replies) a discussion page shows at once."""
    return max(1, int(getattr(settings, "DISCUSSIONS_COMMENTS_PAGE_SIZE", 30)))
