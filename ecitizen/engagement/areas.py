"""Which back-office areas of Have your say a member of staff may open, by their roles.

Each area's own views check permission again on every request (the apps' policies); this only
decides which links to show, on the staff hub and in the header's menu.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ecitizen.agencies.models import Role
from ecitizen.agencies.selectors import memberships_for

# The back-office URL namespaces of the engagement apps: the header's "Have your say" item is
# the current one on their pages.
STAFF_NAMESPACES = frozenset(
    {"engagement_staff", "consultations_staff", "petitions_staff", "discussions_staff", "feedback_staff"}
)


@dataclass(frozen=True)
class Area:
    label: Any
    description: Any
    url: str


def _roles(user: Any) -> set[str]:
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(memberships_for(user).filter(agency__is_active=True).values_list("role", flat=True))


def staff_areas_for(user: Any, roles: set[str] | None = None) -> list[Area]:
    roles = _roles(user) if roles is None else roles
    areas: list[Area] = []
    if roles & {Role.CASEWORKER, Role.AGENCY_ADMIN}:
        areas.append(
            Area(
                _("Consultations and surveys"),
                _("Build and publish them, read the results, tag answers, publish what you decided."),
                reverse("consultations_staff:index"),
            )
        )
    if roles & {Role.MODERATOR, Role.AGENCY_ADMIN}:
        areas.append(
            Area(
                _("Petitions"),
                _("Check new petitions against the rules, review flagged signatures, respond and schedule debates."),
                reverse("petitions_staff:index"),
            )
        )
    if Role.MODERATOR in roles:
        areas.append(
            Area(
                _("Comment moderation"),
                _("Comments flagged by readers, to hide or restore with a reason."),
                reverse("discussions_staff:queue"),
            )
        )
    if roles & {Role.CASEWORKER, Role.AGENCY_ADMIN, Role.MODERATOR}:
        areas.append(
            Area(
                _("Questions to answer"),
                _("Questions people asked your agency in public that no official has answered yet."),
                reverse("discussions_staff:questions"),
            )
        )
    if Role.AGENCY_ADMIN in roles:
        areas.append(
            Area(
                _("Discussion boards"),
                _("Open topic boards where people ask your agency questions."),
                reverse("discussions_staff:boards"),
            )
        )
    if roles & {Role.CASEWORKER, Role.AGENCY_ADMIN, Role.MODERATOR, Role.AUDITOR}:
        areas.append(
            Area(
                _("Service feedback"),
                _("How people rated your services after each transaction, and their comments."),
                reverse("feedback_staff:index"),
            )
        )
    return areas
