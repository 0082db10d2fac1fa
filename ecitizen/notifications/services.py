"""Sending messages and marking them read. Every function: one transaction, one audit row."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from ecitizen.accounts.selectors import preferred_language_for
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.core.site import absolute_url
from ecitizen.core.site_paths import is_site_path
from ecitizen.notifications.models import Notification

SUBJECT_MAX_LENGTH = Notification._meta.get_field("subject").max_length


def _check_site_path(url: str) -> None:
    # Only our own pages: a message must never carry a link to somewhere else.
    if url and not is_site_path(url):
        raise ValueError(f"A notification links to a page of this site, like /applications/1/, not {url!r}.")


def _send_email(*, to: str, subject: str, body: str) -> None:
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to])


@transaction.atomic
def notify(
    *,
    user: Any,
    subject_template: str,
    body_template: str,
    context: dict[str, Any],
    url: str = "",
) -> Notification:
    """Put a message in *user*'s inbox and email it to them once the transaction commits.

    Both templates are plain text, rendered with *context* in the recipient's
    language (not the language of whoever caused the message): pass lazy
    translations (``Status.APPROVED.label``) and multilingual dicts (filtered
    with ``|pick``), not strings already translated. *url* is a path on this
    site (``/applications/12/``); templates get it as ``link``, a full address
    (``SITE_URL`` + path), so the message shows a link a person can follow wherever
    they read it, and the email adds it at the end unless the body already has it.
    The email is sent after commit and a failure to send is logged, never
    raised: the inbox row is the message of record.
    """
    _check_site_path(url)
    language = preferred_language_for(user) or settings.LANGUAGE_CODE
    link = absolute_url(url) if url else ""
    context = {"link": link, **context}
    with translation.override(language):
        subject = " ".join(render_to_string(subject_template, context).split())[:SUBJECT_MAX_LENGTH]
        body = render_to_string(body_template, context).strip()
        email_body = render_to_string(
            "notifications/email/message.txt",
            {
                "body": body,
                "link": link if link and link not in body else "",
                "inbox_link": absolute_url(reverse("notifications:inbox")),
                "PLATFORM_NAME": settings.PLATFORM_NAME,
            },
        ).strip()
    notification = Notification.objects.create(user=user, subject=subject, body=body, url=url)
    audit_record(
        actor=None,
        action=AuditAction.NOTIFICATION_SENT,
        subject=notification,
        subject_user=user,
        extra={"template": body_template, "language": language},
    )
    if user.email:
        to, text = user.email, email_body + "\n"
        # A function, not functools.partial: when a robust callback fails, Django logs the
        # callback's __qualname__, which a partial lacks. The sender is bound now, as the message is
        # queued (seed_reports swaps it out to send nothing).
        transaction.on_commit(lambda send=_send_email: send(to=to, subject=subject, body=text), robust=True)
    return notification


@transaction.atomic
def notification_mark_read(*, user: Any, notification: Notification) -> bool:
    """Mark *user*'s own *notification* read. Returns False when it already was (no audit row then)."""
    if notification.user_id != user.pk:
        raise PermissionDenied
    now = timezone.now()
    changed = Notification.objects.filter(pk=notification.pk, user=user, read_at__isnull=True).update(read_at=now)
    if not changed:
        return False
    notification.read_at = now
    audit_record(actor=user, action=AuditAction.NOTIFICATION_READ, subject=notification, subject_user=user)
    return True


@transaction.atomic
def notification_mark_older_read(*, actor: Any, user: Any, keep_unread: int) -> int:
    """Mark read all but *user*'s *keep_unread* newest unread messages; returns how many changed.

    For tidying an inbox in bulk (the demo does it, so a citizen starts with a few unread
    messages, not dozens). One audit row when any changed; running it again changes nothing.
    """
    unread = Notification.objects.filter(user=user, read_at__isnull=True).order_by("-created_at", "-id")
    keep = list(unread.values_list("pk", flat=True)[: max(keep_unread, 0)])
    changed = unread.exclude(pk__in=keep).update(read_at=timezone.now())
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.NOTIFICATION_READ,
            subject_user=user,
            extra={"count": changed, "kept_unread": len(keep)},
        )
    return changed


@transaction.atomic
def notification_mark_all_read(*, user: Any) -> int:
    """Mark all *user*'s unread messages read; returns how many. One audit row when any changed."""
    changed = Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    if changed:
        audit_record(actor=user, action=AuditAction.NOTIFICATION_READ, subject_user=user, extra={"count": changed})
    return changed
