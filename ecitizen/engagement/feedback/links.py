"""Signed rating links for people without an account.

Someone who reported a problem without signing in has no account for a rating to hang on, so
the page cannot tell that it is them. The email that tells them their report is closed carries
instead a link made here: it names the report and -- through a keyed digest, never the address
itself -- the email address the report was made with, and is signed for this one purpose (its
own salt) and for a limited time (conf: ``FEEDBACK_LINK_MAX_AGE_DAYS``). Whoever holds it may
rate that report, and only that report, without signing in; the rating names no one
(see :func:`ecitizen.engagement.feedback.services.feedback_give_by_link`).

This module only makes and reads the signed value; which reports a link may rate is
:func:`ecitizen.engagement.feedback.transactions.transaction_for_link`'s business.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

from ecitizen.engagement.feedback import conf

SALT = "ecitizen.engagement.feedback.report-link"
# Far longer than any link made here: anything longer is not read (nor its signature checked).
MAX_TOKEN_LENGTH = 300


def _reporter_digest(email: str) -> str:
    # Keyed with SECRET_KEY: the address cannot be worked back out of a link seen in a log.
    return salted_hmac(f"{SALT}.reporter", email.strip().lower()).hexdigest()[:32]


def report_link_token(*, report_id: int, reporter_email: str) -> str:
    """The signed value of a link to rate report *report_id*, for the person at *reporter_email*."""
    return signing.dumps([report_id, _reporter_digest(reporter_email)], salt=SALT, compress=False)


def read_report_link(token: Any) -> tuple[int, str] | None:
    """``(report id, reporter digest)`` from *token*, or None when it is not one of our rating
    links: forged, altered, signed for another purpose, too old or malformed."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    try:
        value = signing.loads(token, salt=SALT, max_age=conf.link_max_age())
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(value, list) or len(value) != 2:
        return None
    report_id, digest = value
    if isinstance(report_id, bool) or not isinstance(report_id, int) or report_id < 1 or not isinstance(digest, str):
        return None
    return report_id, digest


def reporter_matches(email: str, digest: str) -> bool:
    """Whether *digest* (from a link) was made for *email* (the report's address today)."""
    return bool(email) and constant_time_compare(_reporter_digest(email), digest)
