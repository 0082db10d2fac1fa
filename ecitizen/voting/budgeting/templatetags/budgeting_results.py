"""``{% load budgeting_results %}``: what the process and project pages show of results and of
building the funded projects, for the partials ``budgeting/_process_results.html``,
``_project_results.html`` and ``_project_implementation.html`` (included by those pages)."""

from __future__ import annotations

from typing import Any

from django import template

from ecitizen.voting.budgeting import result_selectors
from ecitizen.voting.budgeting.models import Phase, Tally

register = template.Library()


@register.simple_tag
def process_results_facts(process) -> dict[str, Any]:
    """``phase``, ``published`` and, once published, ``funded`` (count) and ``budgets`` (their pks)."""
    phase = process.phase()
    facts: dict[str, Any] = {"phase": phase, "published": process.results_published_at is not None}
    # The ballots are open data once the results are published (before, they would tell the result).
    facts["budgets"] = list(process.budgets.select_related("area").order_by("pk")) if facts["published"] else []
    if facts["published"]:
        facts["funded"] = result_selectors.funded_projects(process).count()
        facts["implementing"] = phase == Phase.IMPLEMENTATION
    return facts


@register.simple_tag
def project_result_facts(project) -> dict[str, Any] | None:
    """The project's published result (``result``, ``reasons``), or None."""
    if project.process.results_published_at is None:
        return None
    result = result_selectors.project_result(project)
    if result is None:
        return None
    tally: Tally = result.tally
    return {"result": result, "reasons": result_selectors.explain(result, tally.rule)}


@register.simple_tag(takes_context=True)
def project_implementation_facts(context, project) -> dict[str, Any] | None:
    """For a funded project of published results: ``milestones``, ``photos``, ``following``,
    ``implementing``; None otherwise."""
    process = project.process
    if process.results_published_at is None:
        return None
    result = result_selectors.project_result(project)
    if result is None or not result.funded:
        return None
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "implementing": process.phase() == Phase.IMPLEMENTATION,
        "milestones": result_selectors.milestones(project),
        "photos": result_selectors.implementation_photos(project),
        "following": result_selectors.is_following(user, project) if user is not None else False,
        "signed_in": bool(getattr(user, "is_authenticated", False)),
    }
