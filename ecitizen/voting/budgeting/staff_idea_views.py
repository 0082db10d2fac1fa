"""Participatory budgeting's back office for processes and ideas, under /staff/budgeting/: agency
admins create, edit and publish processes; staff of the agency review ideas. Every process and
idea is fetched through the policies (404 outside the user's agencies, 403 for a missing role);
every change is a POST to an audited service. Staff MFA is the middleware's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.core.policies import access
from ecitizen.reports.models import Area
from ecitizen.voting.budgeting import idea_selectors, idea_services, process_services
from ecitizen.voting.budgeting.idea_forms import AcceptForm, MergeForm, ProcessForm, RejectForm
from ecitizen.voting.budgeting.idea_views import add_errors
from ecitizen.voting.budgeting.models import Phase, ProjectStatus
from ecitizen.voting.budgeting.policies import MANAGE_ROLES, process_policy, project_policy, staff_agencies


def _staff_only(request: HttpRequest) -> None:
    if not process_policy.can(request.user, "staff"):
        raise Http404


def _areas(agency) -> list[Area]:
    areas = Area.objects.filter(agency=agency, is_active=True)
    return sorted(areas, key=lambda a: a.display_name())


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    processes = idea_selectors.staff_processes(request.user)
    return render(
        request,
        "budgeting/staff/process_list.html",
        {
            "processes": [(p, p.phase()) for p in processes],
            "may_create": process_policy.can(request.user, "create"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def process_new(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    agencies = list(staff_agencies(request.user, *MANAGE_ROLES).order_by("name"))
    if not agencies:
        raise Http404
    agency = agencies[0]
    if len(agencies) > 1:
        chosen = request.GET.get("agency") or request.POST.get("agency")
        agency = next((a for a in agencies if str(a.pk) == chosen), agency)
    form = ProcessForm(request.POST or None, areas=_areas(agency))
    if request.method == "POST" and form.is_valid():
        try:
            created = process_services.process_create(
                actor=request.user, agency=agency, data=form.process_data(), budgets=form.budgets()
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The participatory budget has been saved as a draft."))
            return redirect("budgeting_staff:process", pk=created.pk)
    return render(
        request,
        "budgeting/staff/process_form.html",
        {"form": form, "agency": agency, "agencies": agencies, "process": None},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def process(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    found = idea_selectors.process_for_staff(request.user, pk)
    return render(
        request,
        "budgeting/staff/process.html",
        {
            "process": found,
            "phase": found.phase(),
            "Phase": Phase,
            "budgets": idea_selectors.budgets_of(found),
            "counts": idea_selectors.queue_counts(found),
            "may_manage": process_policy.can_for(request.user, "manage", found),
            "may_review": process_policy.can_for(request.user, "review", found),
            "voting_opened": process_services.voting_has_opened(found),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def process_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    found = idea_selectors.process_for_staff(request.user, pk, "manage")
    form = ProcessForm(request.POST or None, areas=_areas(found.agency), process=found)
    if request.method == "POST" and form.is_valid():
        try:
            process_services.process_update(
                actor=request.user, process=found, data=form.process_data(), budgets=form.budgets()
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The participatory budget has been saved."))
            return redirect("budgeting_staff:process", pk=found.pk)
    return render(
        request,
        "budgeting/staff/process_form.html",
        {
            "form": form,
            "agency": found.agency,
            "process": found,
            "voting_opened": process_services.voting_has_opened(found),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def process_publish(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    found = idea_selectors.process_for_staff(request.user, pk, "manage")
    try:
        process_services.process_publish(actor=request.user, process=found)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("The participatory budget is published."))
    return redirect("budgeting_staff:process", pk=found.pk)


@login_required
@require_GET
def review_queue(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request)
    found = idea_selectors.process_for_staff(request.user, pk)
    budgets = idea_selectors.budgets_of(found)
    status = request.GET.get("status", "")
    status = status if status in ProjectStatus.values else ""
    budget = next((b for b in budgets if str(b.pk) == request.GET.get("budget", "")), None)
    ideas = idea_selectors.review_queue(found, status=status, budget=budget)
    return render(
        request,
        "budgeting/staff/review_queue.html",
        {
            "process": found,
            "budgets": budgets,
            "ideas": ideas,
            "status": status,
            "budget": budget,
            "statuses": ProjectStatus.choices,
            "counts": idea_selectors.queue_counts(found),
        },
    )


def _review_page(request: HttpRequest, project, *, status: int = 200, **forms) -> HttpResponse:
    may_review = project_policy.can_for(request.user, "review", project)
    before_voting = not process_services.voting_has_opened(project.process)
    candidates = idea_selectors.merge_candidates(project)
    context = {
        "project": project,
        "process": project.process,
        "photos": idea_selectors.photos_of(project),
        "merged": idea_selectors.merged_into_it(project),
        "may_review": may_review and before_voting,
        "own_idea": project.author_id == request.user.pk,
        "before_voting": before_voting,
        "accept_form": forms.get("accept_form")
        or AcceptForm(initial={"official_cost": project.official_cost or project.estimated_cost}),
        "reject_form": forms.get("reject_form") or RejectForm(initial={"reason": project.review_note}),
        "merge_form": forms.get("merge_form") or MergeForm(candidates=candidates),
        "has_candidates": candidates.exists(),
    }
    return render(request, "budgeting/staff/review.html", context, status=status)


def _staff_project(request: HttpRequest, pk: int, action: str = "staff"):
    _staff_only(request)
    return access(project_policy, request.user, action, view_action="staff", pk=pk)


@login_required
@require_GET
def review(request: HttpRequest, pk: int) -> HttpResponse:
    return _review_page(request, _staff_project(request, pk))


@login_required
@require_POST
def review_accept(request: HttpRequest, pk: int) -> HttpResponse:
    found = _staff_project(request, pk, "review")
    form = AcceptForm(request.POST)
    if form.is_valid():
        try:
            idea_services.idea_accept(
                actor=request.user, project=found, official_cost=form.cleaned_data["official_cost"]
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The idea is on the ballot."))
            return redirect("budgeting_staff:review_queue", pk=found.process_id)
    return _review_page(request, found, status=400, accept_form=form)


@login_required
@require_POST
def review_reject(request: HttpRequest, pk: int) -> HttpResponse:
    found = _staff_project(request, pk, "review")
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            idea_services.idea_reject(actor=request.user, project=found, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The idea has been rejected and its author told why."))
            return redirect("budgeting_staff:review_queue", pk=found.process_id)
    return _review_page(request, found, status=400, reject_form=form)


@login_required
@require_POST
def review_merge(request: HttpRequest, pk: int) -> HttpResponse:
    found = _staff_project(request, pk, "review")
    form = MergeForm(request.POST, candidates=idea_selectors.merge_candidates(found))
    if form.is_valid():
        try:
            idea_services.idea_merge(actor=request.user, projects=[found], into=form.cleaned_data["into"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("The ideas have been merged and the author told."))
            return redirect("budgeting_staff:review_queue", pk=found.process_id)
    return _review_page(request, found, status=400, merge_form=form)
