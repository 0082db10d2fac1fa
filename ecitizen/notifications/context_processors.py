"""Template context that belongs to notifications (listed in ``TEMPLATES``)."""

from __future__ import annotations

from ecitizen.notifications.selectors import unread_count


def inbox(request):
    """``unread_notifications``: the header's unread message count."""
    unread: list[int] = []

    def unread_notifications() -> int:
        # A callable, not a lazy object: templates call it and get a real int
        # (plural forms need one); it counts once, and only if a page asks.
        if not unread:
            unread.append(unread_count(getattr(request, "user", None)))
        return unread[0]

    return {"unread_notifications": unread_notifications}
