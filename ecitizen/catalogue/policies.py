"""Who may define services: the agency admins of the service's agency, nobody else."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ecitizen.agencies.models import Agency, Role
from ecitizen.agencies.selectors import agencies_where
from ecitizen.catalogue.models import Service
from ecitizen.core.policies import Policy


class ServicePolicy(Policy[Service]):
    """Agency admins view, edit, publish and retire their own agencies' services.

    Everyone else -- citizens, caseworkers, admins without an agency -- may do
    none of it (403 from :meth:`can`); an admin asking for another agency's
    service is told it does not exist (404 from :func:`~ecitizen.core.policies.access`).
    The public catalogue needs no policy: it shows published versions only.
    """

    model = Service
    ACTIONS = frozenset({"view", "create", "edit", "publish", "retire"})

    def agencies(self, user: Any) -> QuerySet[Agency]:
        """The agencies in which *user* may define services."""
        return agencies_where(user, Role.AGENCY_ADMIN)

    def can(self, user: Any, action: str) -> bool:
        if action not in self.ACTIONS or not getattr(user, "is_authenticated", False):
            return False
        return self.agencies(user).exists()

    def scope(self, user: Any, action: str) -> QuerySet[Service]:
        if not self.can(user, action):
            return Service.objects.none()
        return Service.objects.filter(agency__in=self.agencies(user))

    def can_create_in(self, user: Any, agency: Agency) -> bool:
        return self.can(user, "create") and self.agencies(user).filter(pk=agency.pk).exists()


service_policy = ServicePolicy()
