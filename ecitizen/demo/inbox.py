"""The demo citizens' inboxes: only the latest few messages unread, as for someone who uses the site.

Loading the demo files reports and moves them through their statuses, and every
step sends the reporter a message: without this, each citizen would start with
about twenty unread messages and a badge that means nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from ecitizen.accounts.models import User
from ecitizen.notifications.services import notification_mark_older_read

UNREAD_TO_KEEP = 3


def leave_recent_messages_unread(emails: Iterable[str], keep: int = UNREAD_TO_KEEP) -> int:
    """Mark read all but the *keep* newest unread messages of each demo citizen; how many changed.

    Idempotent: a second run finds nothing more to mark.
    """
    changed = 0
    for user in User.objects.filter(email__in=list(emails)):
        changed += notification_mark_older_read(actor=None, user=user, keep_unread=keep)
    return changed
