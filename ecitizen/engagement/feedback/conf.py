"""Settings of service feedback, each with its default (override them in the deployment's settings)."""

from __future__ import annotations

from django.conf import settings


def min_ratings_to_show() -> int:
    """Fewer ratings than this in a period: the figure is not shown, so no one can be picked out."""
    return int(getattr(settings, "FEEDBACK_MIN_RATINGS", 10))


def comment_max_length() -> int:
    return int(getattr(settings, "FEEDBACK_COMMENT_MAX_LENGTH", 1200))


def start_page_months() -> int:
    """How many months (this one included) the satisfaction figure on a service's start page covers."""
    return int(getattr(settings, "FEEDBACK_START_PAGE_MONTHS", 12))


def rate_limit() -> str:
    """How often one person may post ratings (see ecitizen.core.ratelimits)."""
    return str(getattr(settings, "FEEDBACK_RATE", "30/h/user"))


def link_max_age() -> int:
    """Seconds a rating link emailed to someone without an account keeps working (default 90 days)."""
    return int(getattr(settings, "FEEDBACK_LINK_MAX_AGE_DAYS", 90)) * 24 * 3600


def link_rate_limit() -> str:
    """How often ratings may be posted through one rating link (see ecitizen.core.ratelimits)."""
    return str(getattr(settings, "FEEDBACK_LINK_RATE", "10/h/key"))
