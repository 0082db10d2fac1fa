"""Signed tokens for the links Report a problem emails (confirm a report, an update, an alert...).

A low-level module of its own, so that every module that makes or reads a link
(services, alerts, the questionnaire) can import it without importing each other.
"""

from __future__ import annotations

from django.core import signing

# How long an emailed confirmation link works.
CONFIRM_MAX_AGE = 7 * 24 * 3600


def make_token(purpose: str, pk: int, nonce: str = "") -> str:
    """A tamper-proof token for an emailed link (confirm a report, answer a questionnaire...)."""
    return signing.dumps([pk, nonce], salt=f"ecitizen.reports.{purpose}", compress=False)


def read_token(purpose: str, token: str, *, max_age: int | None = CONFIRM_MAX_AGE) -> tuple[int, str] | None:
    """The ``(pk, nonce)`` in *token*, or None when it is forged, for another purpose or too old."""
    try:
        pk, nonce = signing.loads(token, salt=f"ecitizen.reports.{purpose}", max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(pk, int):
        return None
    return pk, str(nonce)
