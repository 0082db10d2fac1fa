"""Petitions' settings, each read from Django settings with its default here."""

from __future__ import annotations

from django.conf import settings


def sponsors_required() -> int:
    """How many supporters named by the author must confirm before moderation."""
    return int(getattr(settings, "PETITION_SPONSORS_REQUIRED", 6))


def response_threshold() -> int:
    """At this many signatures the responsible agency must answer publicly."""
    return int(getattr(settings, "PETITION_RESPONSE_THRESHOLD", 10_000))


def debate_threshold() -> int:
    """At this many signatures the petition is scheduled for debate."""
    return int(getattr(settings, "PETITION_DEBATE_THRESHOLD", 100_000))


def open_days() -> int:
    """How long a petition takes signatures once published."""
    return int(getattr(settings, "PETITION_OPEN_DAYS", 180))


def counter_shards() -> int:
    """Counter rows per petition: signers add to one chosen at random, readers sum them.

    One row would make every signing transaction wait for the one before it (a row lock
    held until commit); several let that many commit side by side.
    """
    return max(1, int(getattr(settings, "PETITION_COUNTER_SHARDS", 16)))


def burst_window_minutes() -> int:
    return int(getattr(settings, "PETITION_BURST_WINDOW_MINUTES", 10))


def burst_ip_limit() -> int:
    """Signatures of one petition from one IP address within the window, beyond which they are flagged."""
    return int(getattr(settings, "PETITION_BURST_IP_LIMIT", 20))


def burst_domain_limit() -> int:
    """Signatures of one petition from one email domain within the window, beyond which they are flagged."""
    return int(getattr(settings, "PETITION_BURST_DOMAIN_LIMIT", 50))


def common_email_domains() -> frozenset[str]:
    """Big mail providers that many real people share: never flagged as a burst by domain."""
    default = ("gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "example.org", "example.com")
    return frozenset(d.lower() for d in getattr(settings, "PETITION_COMMON_EMAIL_DOMAINS", default))


def sign_rate() -> str:
    """Signing requests per client (IP address)."""
    return getattr(settings, "PETITION_SIGN_RATE", "60/h")


def start_rate() -> str:
    return getattr(settings, "PETITION_START_RATE", "5/d/user")


def mail_batch_size() -> int:
    """Signers told of a response per task run."""
    return int(getattr(settings, "PETITION_MAIL_BATCH_SIZE", 500))
