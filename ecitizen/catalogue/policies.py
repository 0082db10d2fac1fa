"""Who may define services: the agency admins of the service's agency, nobody else."""

from __future__ import annotations

from ecitizen.agencies.policies import AgencyAdminPolicy
from ecitizen.catalogue.models import Service


class ServicePolicy(AgencyAdminPolicy[Service]):
    """Agency admins view, edit, publish and retire their own agencies' services.

    Everyone else -- citizens, caseworkers, admins without an agency -- may do
    none of it (403 from :meth:`can`); an admin asking for another agency's
    service is told it does not exist (404 from :func:`~ecitizen.core.policies.access`).
    The public catalogue needs no policy: it shows published versions only.
    """

    model = Service
    ACTIONS = frozenset({"view", "create", "edit", "publish", "retire"})


service_policy = ServicePolicy()
