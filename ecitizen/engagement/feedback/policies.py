"""Who may read ratings.

A rating's answer counts towards public figures (without a name); its comment is read only
by the staff of the agency that served the rater -- any role (caseworkers, agency admins,
moderators and auditors), as the comments are about the service, not about a case. Citizens
read only their own rating, through :func:`~ecitizen.engagement.feedback.selectors.rating_for`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ecitizen.agencies.models import Agency, Role
from ecitizen.agencies.selectors import agencies_where
from ecitizen.core.policies import Policy
from ecitizen.engagement.feedback.models import Rating

STAFF_ROLES = (Role.CASEWORKER, Role.AGENCY_ADMIN, Role.MODERATOR, Role.AUDITOR)
ACTIONS = frozenset({"view"})


def feedback_agencies(user: Any) -> QuerySet[Agency]:
    """The agencies whose feedback *user* reads."""
    return agencies_where(user, *STAFF_ROLES).order_by("name")


class StaffRatingPolicy(Policy[Rating]):
    model = Rating

    def can(self, user: Any, action: str) -> bool:
        if not getattr(user, "is_authenticated", False) or action not in ACTIONS:
            return False
        return feedback_agencies(user).exists()

    def scope(self, user: Any, action: str) -> QuerySet[Rating]:
        if not self.can(user, action):
            return Rating.objects.none()
        return Rating.objects.filter(agency__in=feedback_agencies(user))


staff_rating_policy = StaffRatingPolicy()
