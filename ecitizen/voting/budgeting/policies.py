"""Who may do what with participatory budgets and their projects.

Processes: the public sees published ones; staff of the process's agency (any staff role) see
their agency's processes from the draft on; its agency admins create, edit and publish them.

Projects (ideas): the public sees the ideas of a published process, except withdrawn ones; their
author sees their own at every stage; staff of the agency see all of them. The author edits and
withdraws their idea; staff of the agency review ideas (accept, reject, merge), but never their
own. Phases (ideas open, voting not yet open) are the services' to check.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from ecitizen.agencies.models import Agency, Role
from ecitizen.agencies.selectors import agencies_where
from ecitizen.core.policies import Policy
from ecitizen.voting.budgeting.models import Process, Project, ProjectStatus

# Any of these roles lets a person see their agency's processes in the back office.
STAFF_ROLES = (Role.AGENCY_ADMIN, Role.CASEWORKER, Role.MODERATOR, Role.AUDITOR)
# Creating, editing and publishing a process.
MANAGE_ROLES = (Role.AGENCY_ADMIN,)
# Reviewing ideas.
REVIEW_ROLES = (Role.AGENCY_ADMIN, Role.CASEWORKER)
# What the public may see of a published process.
PUBLIC_STATUSES = (ProjectStatus.PROPOSED, ProjectStatus.ACCEPTED, ProjectStatus.REJECTED, ProjectStatus.MERGED)
# Ideas staff may still review (a merged or withdrawn one is done with).
REVIEWABLE_STATUSES = (ProjectStatus.PROPOSED, ProjectStatus.ACCEPTED, ProjectStatus.REJECTED)


def staff_agencies(user: Any, *roles: Role) -> QuerySet[Agency]:
    """Agencies where *user* holds any of *roles* (default: any budgeting staff role)."""
    return agencies_where(user, *(roles or STAFF_ROLES))


def is_process_staff(user: Any, process: Process, *roles: Role) -> bool:
    """Whether *user* is staff (holding any of *roles*, default any staff role) of *process*'s agency."""
    if not getattr(user, "is_authenticated", False):
        return False
    return staff_agencies(user, *roles).filter(pk=process.agency_id).exists()


class ProcessPolicy(Policy[Process]):
    """Actions: ``view`` (public page), ``staff`` (back-office pages), ``manage`` (create, edit, publish)."""

    model = Process

    def can(self, user: Any, action: str) -> bool:
        if action == "view":
            return True
        if action == "staff":
            return staff_agencies(user).exists()
        if action in ("manage", "create"):
            return staff_agencies(user, *MANAGE_ROLES).exists()
        if action == "review":
            return staff_agencies(user, *REVIEW_ROLES).exists()
        return False

    def scope(self, user: Any, action: str) -> QuerySet[Process]:
        processes = Process.objects.select_related("agency")
        if action == "view":
            visible = Q(published_at__isnull=False)
            if getattr(user, "is_authenticated", False):
                visible |= Q(agency__in=staff_agencies(user))
            return processes.filter(visible)
        if not getattr(user, "is_authenticated", False):
            return processes.none()
        if action == "staff":
            return processes.filter(agency__in=staff_agencies(user))
        if action == "manage":
            return processes.filter(agency__in=staff_agencies(user, *MANAGE_ROLES))
        if action == "review":
            return processes.filter(agency__in=staff_agencies(user, *REVIEW_ROLES))
        return processes.none()


class ProjectPolicy(Policy[Project]):
    """Actions: ``view``, ``edit`` and ``withdraw`` (the author), ``support`` (anyone signed in but
    the author), ``staff`` (back-office view), ``review`` (accept, reject, merge)."""

    model = Project

    def can(self, user: Any, action: str) -> bool:
        if action == "view":
            return True
        if action in ("edit", "withdraw", "support", "propose"):
            return bool(getattr(user, "is_authenticated", False))
        if action == "staff":
            return staff_agencies(user).exists()
        if action == "review":
            return staff_agencies(user, *REVIEW_ROLES).exists()
        return False

    def scope(self, user: Any, action: str) -> QuerySet[Project]:
        projects = Project.objects.select_related("process", "process__agency", "budget", "budget__area")
        signed_in = getattr(user, "is_authenticated", False)
        if action == "view":
            visible = Q(process__published_at__isnull=False, status__in=PUBLIC_STATUSES)
            if signed_in:
                visible |= Q(author=user)
                visible |= Q(process__agency__in=staff_agencies(user))
            return projects.filter(visible)
        if not signed_in:
            return projects.none()
        if action in ("edit", "withdraw"):
            return projects.filter(author=user, status=ProjectStatus.PROPOSED)
        if action == "support":
            return projects.filter(
                process__published_at__isnull=False, status__in=(ProjectStatus.PROPOSED, ProjectStatus.ACCEPTED)
            ).exclude(author=user)
        if action == "staff":
            return projects.filter(process__agency__in=staff_agencies(user))
        if action == "review":
            # Nobody reviews their own idea.
            return projects.filter(
                process__agency__in=staff_agencies(user, *REVIEW_ROLES), status__in=REVIEWABLE_STATUSES
            ).exclude(author=user)
        return projects.none()


process_policy = ProcessPolicy()
project_policy = ProjectPolicy()
