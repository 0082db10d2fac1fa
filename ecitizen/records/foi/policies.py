"""Who may do what with information requests.

Everyone (signed in or not) reads every request: they are public. Anyone signed in asks. The
requester replies to a request for clarification and asks for an internal review. Caseworkers and
agency admins of the request's agency work it; nobody acts on a request they asked themselves,
and nobody reviews their own answer.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from ecitizen.agencies.models import Role
from ecitizen.agencies.selectors import agencies_where
from ecitizen.core.policies import Policy
from ecitizen.records.foi.models import CLOSED_STATUSES, FoiRequest, ReviewStatus, Status

STAFF_ROLES = (Role.CASEWORKER, Role.AGENCY_ADMIN)
# Staff action -> the statuses it applies to (plus a review condition for "review").
STAFF_ACTIONS: dict[str, Q] = {
    "answer": Q(status=Status.AWAITING),
    "clarify": Q(status=Status.AWAITING),
    "extend": Q(status=Status.AWAITING, extended_at__isnull=True),
    "document": ~Q(status=Status.CLARIFICATION),
    "review": Q(review_status=ReviewStatus.REQUESTED),
    # Reading an unredacted original: any status, but never on a request one asked oneself.
    "original": Q(),
}
REQUESTER_ACTIONS: dict[str, Q] = {
    "reply": Q(status=Status.CLARIFICATION),
    "ask_review": Q(status__in=CLOSED_STATUSES, review_status=ReviewStatus.NONE),
}


class FoiRequestPolicy(Policy[FoiRequest]):
    model = FoiRequest

    def can(self, user: Any, action: str) -> bool:
        if action == "view":
            return True
        if not user.is_authenticated:
            return False
        if action == "ask" or action in REQUESTER_ACTIONS:
            return True
        if action == "staff" or action in STAFF_ACTIONS:
            return agencies_where(user, *STAFF_ROLES).exists()
        return False

    def scope(self, user: Any, action: str) -> QuerySet[FoiRequest]:
        requests = FoiRequest.objects.select_related("agency", "requester")
        if action == "view":
            return requests
        if not user.is_authenticated:
            return requests.none()
        if action in REQUESTER_ACTIONS:
            return requests.filter(REQUESTER_ACTIONS[action], requester=user)
        agencies = agencies_where(user, *STAFF_ROLES)
        if action == "staff":
            return requests.filter(agency__in=agencies)
        if action in STAFF_ACTIONS:
            # Nobody acts on their own affairs: staff never work a request they asked, and an
            # internal review is done by someone other than who gave the answer under review.
            scoped = requests.filter(STAFF_ACTIONS[action], agency__in=agencies).exclude(requester=user)
            return scoped.exclude(closed_by=user) if action == "review" else scoped
        return requests.none()


foi_policy = FoiRequestPolicy()
