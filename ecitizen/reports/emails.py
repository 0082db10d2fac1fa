"""Email to people who may have no account: anonymous reporters and alert subscribers.

Signed-in people get messages through :func:`ecitizen.notifications.services.notify`
(inbox and email); people known only by an email address get a plain email
rendered in the language they used, sent once the transaction commits.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from ecitizen.notifications.services import absolute_url

__all__ = ["absolute_url", "send_email"]  # absolute_url: the one notifications uses, for callers here

logger = logging.getLogger(__name__)


def _send(message: EmailMessage) -> None:
    try:
        message.send()
    except Exception:  # the report or update is already saved; a failed email must not undo it
        logger.exception("Could not send an email about a report")


def send_email(
    *,
    to: str,
    language: str,
    subject_template: str,
    body_template: str,
    context: dict[str, Any],
    unsubscribe_url: str = "",
) -> None:
    """Render both templates in *language* and send after commit.

    With *unsubscribe_url* (absolute), the email carries ``List-Unsubscribe``
    and ``List-Unsubscribe-Post`` headers so mail programs offer one-click
    unsubscribing (RFC 8058).
    """
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        full = {**context, "PLATFORM_NAME": settings.PLATFORM_NAME, "unsubscribe_url": unsubscribe_url}
        subject = " ".join(render_to_string(subject_template, full).split())[:200]
        body = render_to_string(body_template, full).strip() + "\n"
    headers = {}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to], headers=headers)
    # The sender is bound now, as the message is queued (seed_reports swaps it out to send nothing);
    # a function, not functools.partial: Django logs a failed robust callback by its __qualname__.
    transaction.on_commit(lambda send=_send: send(message), robust=True)
