"""Reads of processes, budgets, ideas and supports. Every read of one object goes through the
policies (:func:`process_for_view`, :func:`project_for_view`); lists are scoped by them."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from ecitizen.core.policies import access
from ecitizen.voting.budgeting.models import Budget, Phase, Process, Project, ProjectPhoto, ProjectStatus, Support
from ecitizen.voting.budgeting.policies import PUBLIC_STATUSES, process_policy, project_policy

# Processes people can still take part in come first on the index, then those coming, then the rest.
_PHASE_RANK = {
    Phase.IDEAS: 0,
    Phase.VOTING: 0,
    Phase.REVIEW: 1,
    Phase.UPCOMING: 2,
    Phase.COUNTING: 3,
    Phase.RESULTS: 4,
    Phase.IMPLEMENTATION: 4,
    Phase.DRAFT: 5,
}
SORTS = ("support", "newest")


def _with_budgets(processes: QuerySet[Process]) -> QuerySet[Process]:
    return processes.prefetch_related(Prefetch("budgets", queryset=Budget.objects.select_related("area")))


def process_for_view(user: Any, pk: Any) -> Process:
    """The process *pk* if *user* may see it (published, or staff of its agency); else Http404."""
    return access(process_policy, user, "view", pk=pk, narrow=_with_budgets)


def process_for_staff(user: Any, pk: Any, action: str = "staff") -> Process:
    """The process *pk* for the back office: Http404 outside the user's agencies, PermissionDenied
    when they may see it but not perform *action* (``manage``, ``review``)."""
    return access(process_policy, user, action, view_action="staff", pk=pk, narrow=_with_budgets)


def public_processes(now=None) -> list[Process]:
    """Published processes, those open to take part in first, then the newest."""
    now = now or timezone.now()
    processes = list(_with_budgets(Process.objects.filter(published_at__isnull=False).select_related("agency")))
    return sorted(processes, key=lambda p: (_PHASE_RANK[p.phase(now)], -p.voting_close_at.timestamp(), -p.pk))


def staff_processes(user: Any) -> QuerySet[Process]:
    """The processes of the agencies where *user* is staff, newest first."""
    return _with_budgets(process_policy.scope(user, "staff")).order_by("-ideas_open_at", "-pk")


def budgets_of(process: Process) -> list[Budget]:
    """The process's budgets, the whole area's or one per district (by the district's name)."""
    budgets = list(process.budgets.all())
    return sorted(budgets, key=lambda b: (b.area is not None, b.area.display_name() if b.area else ""))


def projects_on_ballot(budget: Budget) -> QuerySet[Project]:
    """The accepted projects of *budget*, in their public number order: what voters choose from."""
    return Project.objects.filter(budget=budget, status=ProjectStatus.ACCEPTED).order_by("pk")


def project_for_view(user: Any, pk: Any) -> Project:
    """The project *pk* if *user* may see it; else Http404."""
    return access(project_policy, user, "view", pk=pk)


def project_for(user: Any, pk: Any, action: str) -> Project:
    """The project *pk* for *action* (``edit``, ``withdraw``, ``support``, ``review``): Http404 when
    *user* may not see it, PermissionDenied when they may see it but not act."""
    view_action = "staff" if action == "review" else "view"
    return access(project_policy, user, action, view_action=view_action, pk=pk)


def public_ideas(process: Process, *, budget: Budget | None = None, sort: str = "support") -> QuerySet[Project]:
    """The ideas of *process* anyone may see (withdrawn ones left out), optionally of one budget,
    most supported or newest first."""
    ideas = Project.objects.filter(process=process, status__in=PUBLIC_STATUSES).select_related("budget__area")
    if budget is not None:
        ideas = ideas.filter(budget=budget)
    order = ["-created_at", "-pk"] if sort == "newest" else ["-support_count", "-pk"]
    return ideas.order_by(*order)


def ideas_of(user: Any, process: Process) -> QuerySet[Project]:
    """*user*'s own ideas in *process* (withdrawn ones too)."""
    if not getattr(user, "is_authenticated", False):
        return Project.objects.none()
    return Project.objects.filter(process=process, author=user).order_by("-pk")


def supports(user: Any, project: Project) -> bool:
    """Whether *user* supports *project*."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Support.objects.filter(project=project, user=user).exists()


def supported_ids(user: Any, projects) -> set[int]:
    """The ids among *projects* that *user* supports (one query)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    ids = [p.pk for p in projects]
    return set(Support.objects.filter(user=user, project_id__in=ids).values_list("project_id", flat=True))


def photos_of(project: Project) -> list[ProjectPhoto]:
    """The photos of the idea itself (not of its building work: those belong to milestones)."""
    return list(project.photos.filter(milestone__isnull=True).order_by("pk"))


def photo_for_view(user: Any, pk: Any) -> ProjectPhoto:
    """The photo *pk* if *user* may see its project; else Http404."""
    from django.http import Http404

    try:
        photo = ProjectPhoto.objects.select_related("project").get(pk=pk)
    except (ProjectPhoto.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc
    if not project_policy.scope(user, "view").filter(pk=photo.project_id).exists():
        raise Http404
    return photo


def merged_into_it(project: Project) -> list[Project]:
    return list(project.merged.order_by("pk"))


def review_queue(
    process: Process, *, status: str = "", budget: Budget | None = None, user: Any = None
) -> QuerySet[Project]:
    """The ideas of *process* for its review queue, oldest first, optionally of one status and budget."""
    ideas = Project.objects.filter(process=process).select_related("budget__area", "author")
    if status:
        ideas = ideas.filter(status=status)
    if budget is not None:
        ideas = ideas.filter(budget=budget)
    return ideas.order_by("created_at", "pk")


def queue_counts(process: Process) -> dict[str, int]:
    counts = dict.fromkeys(ProjectStatus.values, 0)
    for status in Project.objects.filter(process=process).values_list("status", flat=True):
        counts[status] += 1
    return counts


def merge_candidates(project: Project) -> QuerySet[Project]:
    """Other ideas of the same budget that *project* could be merged into."""
    return (
        Project.objects.filter(budget_id=project.budget_id, status__in=(ProjectStatus.PROPOSED, ProjectStatus.ACCEPTED))
        .exclude(pk=project.pk)
        .order_by("pk")
    )
