"""Who may do what with a process's results and the building of its funded projects.

Everyone sees the results of a process once they are published, and its Pabulib files then too
(not before: the ballots would tell the result). Staff of the process's agency (caseworkers,
agency admins, auditors) see the count before it is published. Caseworkers and agency admins count; only an agency admin
publishes, and never the person who counted (four eyes). Caseworkers and agency admins record
milestones, progress and photos of funded projects, except of a project they proposed
themselves; agency admins start the implementation phase and import Pabulib files.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from ecitizen.agencies.models import Agency, Role
from ecitizen.agencies.selectors import agencies_where
from ecitizen.core.policies import Policy
from ecitizen.voting.budgeting.models import Process, Project

READ_ROLES = (Role.CASEWORKER, Role.AGENCY_ADMIN, Role.AUDITOR)
COUNT_ROLES = (Role.CASEWORKER, Role.AGENCY_ADMIN)
# Staff action -> the roles it needs in the process's agency.
STAFF_ACTIONS: dict[str, tuple[Role, ...]] = {
    "staff_results": READ_ROLES,
    "count": COUNT_ROLES,
    "publish": (Role.AGENCY_ADMIN,),
    "start_implementation": (Role.AGENCY_ADMIN,),
}


def import_agencies(user: Any) -> QuerySet[Agency]:
    """The agencies in whose name *user* may import a Pabulib file."""
    return agencies_where(user, Role.AGENCY_ADMIN)


class ResultPolicy(Policy[Process]):
    """Actions on a process's results: ``view_results`` (published), ``export`` (voting closed),
    and the staff actions of :data:`STAFF_ACTIONS`."""

    model = Process

    def can(self, user: Any, action: str) -> bool:
        if action in ("view_results", "export"):
            return True
        if action in STAFF_ACTIONS:
            return agencies_where(user, *STAFF_ACTIONS[action]).exists()
        if action == "import":
            return import_agencies(user).exists()
        return False

    def scope(self, user: Any, action: str) -> QuerySet[Process]:
        processes = Process.objects.select_related("agency")
        if action == "view_results":
            return processes.filter(published_at__isnull=False, results_published_at__isnull=False)
        if action == "export":
            # Only once the results are published: the ballots and the votes per project would
            # let anyone count the result before it is checked and published.
            return processes.filter(
                published_at__isnull=False, voting_close_at__lte=timezone.now(), results_published_at__isnull=False
            )
        if action in STAFF_ACTIONS:
            return processes.filter(agency__in=agencies_where(user, *STAFF_ACTIONS[action]))
        return processes.none()


class ImplementationPolicy(Policy[Project]):
    """Actions on a funded project: ``view`` (funded in published results), ``follow`` (signed in),
    ``implement`` (milestones, progress, photos: agency staff, not on a project they proposed)."""

    model = Project

    def can(self, user: Any, action: str) -> bool:
        if action == "view":
            return True
        if action == "follow":
            return bool(user.is_authenticated)
        if action == "implement":
            return agencies_where(user, *COUNT_ROLES).exists()
        return False

    def scope(self, user: Any, action: str) -> QuerySet[Project]:
        funded = Project.objects.select_related("process", "budget").filter(
            process__results_published_at__isnull=False,
            results__funded=True,
        )
        if action == "view":
            return funded
        if not user.is_authenticated:
            return funded.none()
        if action == "follow":
            return funded
        if action == "implement":
            return funded.filter(
                process__implementation_started_at__isnull=False,
                process__agency__in=agencies_where(user, *COUNT_ROLES),
            ).exclude(Q(author=user))
        return funded.none()


result_policy = ResultPolicy()
implementation_policy = ImplementationPolicy()
