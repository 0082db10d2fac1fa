from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ecitizen.notifications.models import Notification


def notifications_for(user: Any) -> QuerySet[Notification]:
    """*user*'s messages, newest first."""
    if not user.is_authenticated:
        return Notification.objects.none()
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    """How many of *user*'s messages are unread (0 for visitors). One indexed COUNT."""
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
