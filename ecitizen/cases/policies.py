"""Who may see and act on applications.

Citizens see their own applications, drafts included. Caseworkers and agency
admins see their agency's submitted applications (never drafts: a draft is
the citizen's until they send it). Everyone else sees nothing: 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ecitizen.agencies.models import Role
from ecitizen.agencies.selectors import agencies_where
from ecitizen.cases.models import Application, Status
from ecitizen.core.policies import Policy

CASE_ROLES = (Role.CASEWORKER, Role.AGENCY_ADMIN)


class CitizenApplicationPolicy(Policy[Application]):
    model = Application

    def can(self, user: Any, action: str) -> bool:
        return bool(user.is_authenticated)

    def scope(self, user: Any, action: str) -> QuerySet[Application]:
        if not user.is_authenticated:
            return Application.objects.none()
        mine = Application.objects.filter(citizen=user)
        if action == "edit":
            return mine.filter(status=Status.DRAFT)
        if action == "withdraw":
            return mine.filter(
                status__in=[Status.AWAITING_PAYMENT, Status.SUBMITTED, Status.IN_REVIEW, Status.INFO_REQUESTED]
            )
        if action == "respond":
            return mine.filter(status=Status.INFO_REQUESTED)
        return mine


class CasePolicy(Policy[Application]):
    model = Application

    def can(self, user: Any, action: str) -> bool:
        return user.is_authenticated and agencies_where(user, *CASE_ROLES).exists()

    def scope(self, user: Any, action: str) -> QuerySet[Application]:
        if not user.is_authenticated:
            return Application.objects.none()
        return Application.objects.filter(agency__in=agencies_where(user, *CASE_ROLES)).exclude(status=Status.DRAFT)

    def can_for(self, user: Any, action: str, obj: Application) -> bool:
        if action in {"assign", "note", "request_info", "decide"}:
            return obj.is_open and self.scope(user, "view").filter(pk=obj.pk).exists()
        return super().can_for(user, action, obj)


citizen_application_policy = CitizenApplicationPolicy()
case_policy = CasePolicy()
