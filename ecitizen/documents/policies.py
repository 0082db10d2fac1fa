"""Who may see and revoke issued documents.

Actions:

``view``
    the holder's own pages (the document, its PDF). Nobody else, staff included:
    staff reach documents through the back office.
``staff_view``
    any staff member of the issuing agency (the back-office scope).
``revoke``
    caseworkers and agency admins of the issuing agency.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ecitizen.agencies.models import Role
from ecitizen.agencies.selectors import agencies_where
from ecitizen.core.policies import Policy
from ecitizen.documents.models import IssuedDocument

REVOKE_ROLES = (Role.CASEWORKER, Role.AGENCY_ADMIN)


class IssuedDocumentPolicy(Policy[IssuedDocument]):
    model = IssuedDocument

    def can(self, user: Any, action: str) -> bool:
        if not user.is_authenticated:
            return False
        if action == "view":
            return True
        if action == "staff_view":
            return agencies_where(user, *Role.values).exists()
        if action == "revoke":
            return agencies_where(user, *REVOKE_ROLES).exists()
        return False

    def scope(self, user: Any, action: str) -> QuerySet[IssuedDocument]:
        if not self.can(user, action):
            return IssuedDocument.objects.none()
        if action == "view":
            return IssuedDocument.objects.filter(holder=user)
        roles = Role.values if action == "staff_view" else REVOKE_ROLES
        return IssuedDocument.objects.filter(agency__in=agencies_where(user, *roles))


document_policy = IssuedDocumentPolicy()
