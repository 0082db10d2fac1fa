"""What budgeting registers with other apps when Django starts: the discussions' subject kind
``"budget-project"`` (comments on an idea or project) and the site search's provider of processes
and projects."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Max
from django.utils.translation import gettext_lazy as _

from ecitizen.core.numbers import parse_id
from ecitizen.engagement.discussions import subjects
from ecitizen.search.registry import Entry, IndexedProvider, register
from ecitizen.voting.budgeting.models import Phase, Process, Project, ProjectStatus
from ecitizen.voting.budgeting.policies import PUBLIC_STATUSES

PROJECT_KIND = "budget-project"


def project_subject(key: str):
    """A public idea or project as a discussion's subject: it takes comments while its process is
    not over (until the results are published) and it is not merged into another."""
    number = parse_id(key)
    if number is None:
        return None
    project = (
        Project.objects.filter(pk=number, process__published_at__isnull=False, status__in=PUBLIC_STATUSES)
        .select_related("process")
        .first()
    )
    if project is None:
        return None
    return subjects.Subject(
        kind=PROJECT_KIND,
        key=str(project.pk),
        title=project.title,
        url=project.get_absolute_url(),
        agency_id=project.process.agency_id,
        is_open=project.status != ProjectStatus.MERGED
        and project.process.phase() in (Phase.IDEAS, Phase.REVIEW, Phase.VOTING),
    )


class BudgetingProvider(IndexedProvider):
    """Published participatory budgets and their public ideas and projects."""

    kind = "budgeting"
    label = _("Participatory budgeting")
    order = 57

    def fingerprint(self):
        processes = Process.objects.filter(published_at__isnull=False).aggregate(Max("updated_at"), Count("pk"))
        projects = Project.objects.filter(process__published_at__isnull=False, status__in=PUBLIC_STATUSES).aggregate(
            Max("updated_at"), Count("pk")
        )
        return (*processes.values(), *projects.values())

    def entries(self, language: str) -> Iterable[Entry]:
        for p in Process.objects.filter(published_at__isnull=False).select_related("agency").order_by("-pk"):
            yield Entry(
                key=f"process-{p.pk}",
                title=p.title,
                url=p.get_absolute_url(),
                summary=p.summary,
                keywords=f"{p.agency.display_name} {_('participatory budget')}",
                meta=str(p.phase().label),
            )
        projects = (
            Project.objects.filter(process__published_at__isnull=False, status__in=PUBLIC_STATUSES)
            .select_related("process")
            .order_by("-pk")
        )
        for project in projects:
            yield Entry(
                key=f"project-{project.pk}",
                title=project.title,
                url=project.get_absolute_url(),
                summary=project.description[:300],
                keywords=f"{project.process.title} {project.location_text} {_('idea')} {project.pk}",
                meta=str(project.get_status_display()),
            )


def register_all() -> None:
    subjects.register(PROJECT_KIND, project_subject)
    register(BudgetingProvider())
