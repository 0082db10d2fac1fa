"""Messages to a person: kept in their inbox on the site, and sent by email."""

from __future__ import annotations

import re

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


class Notification(models.Model):
    """One message to *user*, already written in their language.

    ``subject`` and ``body`` are plain text, rendered from templates when the
    message was sent; ``url`` is the site-relative page it is about (empty
    when none). ``read_at`` is empty until the person marks it read.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notification_user_unread"),
            models.Index(fields=["user", "-created_at"], name="notification_user_time"),
        ]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_unread(self) -> bool:
        return self.read_at is None

    def paragraphs(self) -> list[str]:
        """The body split at blank lines, for one ``<p>`` each."""
        return [part.strip() for part in _PARAGRAPH_BREAK.split(self.body) if part.strip()]
