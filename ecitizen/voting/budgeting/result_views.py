"""Public pages of results and implementation, under /budgeting/: the results of a process once
published, its Pabulib files once voting has closed, the funded projects' progress, and following
a funded project. They work without JavaScript; charts are drawn on the server."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecitizen.core.policies import access
from ecitizen.voting.budgeting import implementation_services, pabulib_io, result_selectors
from ecitizen.voting.budgeting.models import Budget, Phase
from ecitizen.voting.budgeting.result_policies import implementation_policy, result_policy


@require_GET
def results(request: HttpRequest, pk: int) -> HttpResponse:
    process = access(result_policy, request.user, "view_results", view_action="view_results", pk=pk)
    return render(
        request,
        "budgeting/results.html",
        {
            "process": process,
            "budgets": result_selectors.budget_results(process),
            "chart_width": result_selectors.CHART_WIDTH,
            "implementing": process.phase() == Phase.IMPLEMENTATION,
        },
    )


@require_GET
def pabulib_file(request: HttpRequest, pk: int, budget_pk: int) -> HttpResponse:
    process = access(result_policy, request.user, "export", view_action="export", pk=pk)
    budget = get_object_or_404(Budget.objects.select_related("process__agency", "area"), pk=budget_pk, process=process)
    # The funded projects are in the file only once the results are public.
    text = pabulib_io.budget_export_text(budget, with_selected=process.results_published_at is not None)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="budget-{process.pk}-{budget.pk}.pb"'
    return response


@require_GET
def implementation(request: HttpRequest, pk: int) -> HttpResponse:
    process = access(result_policy, request.user, "view_results", view_action="view_results", pk=pk)
    return render(
        request,
        "budgeting/results_implementation.html",
        {
            "process": process,
            "projects": list(result_selectors.funded_projects(process)),
            "implementing": process.phase() == Phase.IMPLEMENTATION,
        },
    )


@login_required
@require_POST
def follow(request: HttpRequest, pk: int) -> HttpResponse:
    project = access(implementation_policy, request.user, "follow", pk=pk)
    implementation_services.follow_start(actor=request.user, project=project)
    messages.success(request, _("You are following this project. We will tell you when a step is done."))
    return redirect(project.get_absolute_url())


@login_required
@require_POST
def unfollow(request: HttpRequest, pk: int) -> HttpResponse:
    project = access(implementation_policy, request.user, "view", pk=pk)
    implementation_services.follow_stop(actor=request.user, project=project)
    messages.success(request, _("You no longer follow this project."))
    return redirect(project.get_absolute_url())
