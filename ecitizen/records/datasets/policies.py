"""Who may do what with datasets and their resources.

The public sees published datasets (and their resources and history) only. Agency admins (the
agency's publishing role) see and edit every dataset of the agencies where they hold that role,
whatever its status; staff of another agency see only what the public sees.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from ecitizen.agencies.models import Role
from ecitizen.agencies.selectors import agencies_where
from ecitizen.core.policies import Policy
from ecitizen.records.datasets.models import Dataset, Resource, Status

PUBLISHER_ROLES = (Role.AGENCY_ADMIN,)


def _publishing_agencies(user: Any):
    return agencies_where(user, *PUBLISHER_ROLES)


class DatasetPolicy(Policy[Dataset]):
    """Actions: ``view`` (the public pages), ``edit`` (the back office: change, publish, resources)."""

    model = Dataset

    def can(self, user: Any, action: str) -> bool:
        if action == "view":
            return True
        if action == "edit":
            return _publishing_agencies(user).exists()
        return False

    def scope(self, user: Any, action: str) -> QuerySet[Dataset]:
        datasets = Dataset.objects.select_related("agency")
        if action == "view":
            return datasets.filter(status=Status.PUBLISHED, agency__is_active=True)
        if action == "edit":
            if not user.is_authenticated:
                return datasets.none()
            return datasets.filter(agency__in=_publishing_agencies(user))
        return datasets.none()


class ResourcePolicy(Policy[Resource]):
    """A resource is seen and edited exactly where its dataset is."""

    model = Resource

    def can(self, user: Any, action: str) -> bool:
        return dataset_policy.can(user, action)

    def scope(self, user: Any, action: str) -> QuerySet[Resource]:
        return Resource.objects.select_related("dataset", "dataset__agency").filter(
            Q(dataset__in=dataset_policy.scope(user, action))
        )


dataset_policy = DatasetPolicy()
resource_policy = ResourcePolicy()
