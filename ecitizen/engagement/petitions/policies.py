"""Who may do what with petitions.

The public sees open and closed petitions; the author also sees their own at every stage;
staff of the responsible agency see it from submission on. Moderators of that agency publish,
reject and review flagged signatures; its agency admins answer and schedule debates. Nobody
acts on a petition they started.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from ecitizen.agencies.models import Role
from ecitizen.agencies.selectors import agencies_where
from ecitizen.core.policies import Policy
from ecitizen.engagement.petitions.models import ACTIVE_STATES, PUBLIC_STATUSES, Petition, Signature, Sponsor, Status

STAFF_ROLES = (Role.MODERATOR, Role.AGENCY_ADMIN)
# Staff action -> the role it needs in the petition's agency, and the statuses it applies to.
STAFF_ACTIONS: dict[str, tuple[Role, tuple[str, ...]]] = {
    "moderate": (Role.MODERATOR, (Status.MODERATION,)),
    "review_signatures": (Role.MODERATOR, (Status.OPEN, Status.CLOSED)),
    "respond": (Role.AGENCY_ADMIN, (Status.OPEN, Status.CLOSED)),
    "schedule_debate": (Role.AGENCY_ADMIN, (Status.OPEN, Status.CLOSED)),
}


class PetitionPolicy(Policy[Petition]):
    model = Petition

    def can(self, user: Any, action: str) -> bool:
        if action == "view":
            return True
        if action == "start":
            return user.is_authenticated
        if action == "staff":
            return agencies_where(user, *STAFF_ROLES).exists()
        if action in STAFF_ACTIONS:
            return agencies_where(user, STAFF_ACTIONS[action][0]).exists()
        return False

    def scope(self, user: Any, action: str) -> QuerySet[Petition]:
        petitions = Petition.objects.select_related("agency")
        if action == "view":
            visible = Q(status__in=PUBLIC_STATUSES)
            if user.is_authenticated:
                visible |= Q(author=user)
                visible |= Q(agency__in=agencies_where(user, *STAFF_ROLES)) & ~Q(status=Status.SPONSORS)
            return petitions.filter(visible)
        if not user.is_authenticated:
            return petitions.none()
        if action == "staff":
            return petitions.filter(agency__in=agencies_where(user, *STAFF_ROLES)).exclude(status=Status.SPONSORS)
        if action in STAFF_ACTIONS:
            role, statuses = STAFF_ACTIONS[action]
            # Nobody acts on their own affairs: not on a petition they started, supported or signed.
            involved = Q(author=user) | Exists(Sponsor.objects.filter(petition=OuterRef("pk"), user=user))
            involved |= Exists(Signature.objects.filter(petition=OuterRef("pk"), user=user, state__in=ACTIVE_STATES))
            return petitions.filter(agency__in=agencies_where(user, role), status__in=statuses).exclude(involved)
        if action == "edit":
            return petitions.filter(author=user, status=Status.SPONSORS)
        return petitions.none()


petition_policy = PetitionPolicy()
