"""Settings of consultations and surveys, each with its default (config/settings need not name them)."""

from __future__ import annotations

from django.conf import settings


def document_max_bytes() -> int:
    """The largest PDF an agency may upload as a document under discussion."""
    return int(getattr(settings, "CONSULTATION_DOCUMENT_MAX_BYTES", 10 * 1024 * 1024))


def comment_max_length() -> int:
    """The longest comment on a passage of a draft text."""
    return int(getattr(settings, "CONSULTATION_COMMENT_MAX_LENGTH", 2000))


def email_link_max_age() -> int:
    """How long (seconds) the link that confirms a respondent's email address works."""
    return int(getattr(settings, "CONSULTATION_EMAIL_LINK_MAX_AGE", 3 * 24 * 3600))


def comment_rate() -> str:
    """How many passage comments one person may post (ecitizen.core.ratelimits format)."""
    return str(getattr(settings, "CONSULTATION_COMMENT_RATE", "20/h"))


def email_link_rate() -> str:
    """How many confirmation links one client may ask for."""
    return str(getattr(settings, "CONSULTATION_EMAIL_LINK_RATE", "5/h"))


def results_min_responses() -> int:
    """Per-question counts are published only once at least this many responses were sent."""
    return int(getattr(settings, "CONSULTATION_RESULTS_MIN_RESPONSES", 5))
