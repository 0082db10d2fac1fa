"""Who may see and mark messages: only the person they were sent to."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ecitizen.core.policies import Policy
from ecitizen.notifications.models import Notification


class NotificationPolicy(Policy[Notification]):
    model = Notification
    ACTIONS = ("view", "mark_read")

    def can(self, user: Any, action: str) -> bool:
        return action in self.ACTIONS and user.is_authenticated

    def scope(self, user: Any, action: str) -> QuerySet[Notification]:
        if not self.can(user, action):
            return Notification.objects.none()
        return Notification.objects.filter(user=user)


notification_policy = NotificationPolicy()
