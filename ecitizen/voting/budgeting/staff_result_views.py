"""Back-office pages of results and implementation, under /staff/budgeting/: count the votes,
publish the results (a second person), start implementation, record milestones, progress and
photos of funded projects, download and import Pabulib files. Every object is fetched through
the policies (404 outside the user's agencies); every change is a POST to an audited service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.core.policies import access
from ecitizen.voting.budgeting import implementation_services, pabulib_io, result_selectors, result_services
from ecitizen.voting.budgeting.models import Budget, Milestone, Phase, Process, Project
from ecitizen.voting.budgeting.result_forms import ImportForm, MilestoneForm, PhotoForm, ProgressForm
from ecitizen.voting.budgeting.result_policies import implementation_policy, import_agencies, result_policy


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _process(request: HttpRequest, pk: int, action: str = "staff_results") -> Process:
    if not result_policy.can(request.user, "staff_results"):
        raise Http404
    return access(result_policy, request.user, action, view_action="staff_results", pk=pk)


def _project(request: HttpRequest, pk: int) -> Project:
    """A funded project of the user's agency; 404 otherwise, 403 when they may not change it."""
    if not result_policy.can(request.user, "staff_results"):
        raise Http404
    project = get_object_or_404(
        Project.objects.select_related("process__agency", "budget"),
        pk=pk,
        process__in=result_policy.scope(request.user, "staff_results"),
        results__funded=True,
    )
    if not implementation_policy.can_for(request.user, "implement", project):
        raise PermissionDenied
    return project


@login_required
@require_GET
def results(request: HttpRequest, pk: int) -> HttpResponse:
    process = _process(request, pk)
    user = request.user
    phase = process.phase()
    return render(
        request,
        "budgeting/staff/results.html",
        {
            "process": process,
            "phase": phase,
            "budgets": result_selectors.budget_results(process),
            "chart_width": result_selectors.CHART_WIDTH,
            "problems": result_services.publish_problems(process) if phase == Phase.COUNTING else [],
            "may_count": phase == Phase.COUNTING and result_policy.can_for(user, "count", process),
            "may_publish": phase == Phase.COUNTING and result_policy.can_for(user, "publish", process),
            "may_start": phase == Phase.RESULTS and result_policy.can_for(user, "start_implementation", process),
            "implementing": phase == Phase.IMPLEMENTATION,
            "funded": list(result_selectors.funded_projects(process)) if process.results_published_at else [],
        },
    )


def _do(request: HttpRequest, process: Process, call, done: str) -> HttpResponse:
    try:
        call()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("You may not do this."))
    else:
        messages.success(request, done)
    return redirect("budgeting_staff:results", pk=process.pk)


@login_required
@require_POST
def count(request: HttpRequest, pk: int) -> HttpResponse:
    process = _process(request, pk, "count")
    return _do(
        request,
        process,
        lambda: result_services.results_count(actor=request.user, process=process),
        _("The votes are counted. Another agency admin can now publish the results."),
    )


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    process = _process(request, pk, "publish")
    return _do(
        request,
        process,
        lambda: result_services.results_publish(actor=request.user, process=process),
        _("The results are published."),
    )


@login_required
@require_POST
def start_implementation(request: HttpRequest, pk: int) -> HttpResponse:
    process = _process(request, pk, "start_implementation")
    return _do(
        request,
        process,
        lambda: implementation_services.implementation_start(actor=request.user, process=process),
        _("Implementation has started: add milestones to the funded projects."),
    )


@login_required
@require_GET
def export(request: HttpRequest, pk: int, budget_pk: int) -> HttpResponse:
    process = _process(request, pk)
    if process.voting_close_at > timezone.now():
        raise Http404
    budget = get_object_or_404(Budget.objects.select_related("process__agency", "area"), pk=budget_pk, process=process)
    text = pabulib_io.budget_export_text(budget, with_selected=True)
    result_services.export_record(actor=request.user, budget=budget)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="budget-{process.pk}-{budget.pk}.pb"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_file(request: HttpRequest) -> HttpResponse:
    agencies = import_agencies(request.user)
    if not agencies.exists():
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        try:
            process = result_services.process_import(
                actor=request.user,
                agency=form.cleaned_data["agency"],
                text=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            try:
                result_services.results_count(actor=request.user, process=process)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            messages.success(request, _("The file is imported and counted. Another agency admin can publish it."))
            return redirect("budgeting_staff:results", pk=process.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "budgeting/staff/results_import.html", {"form": form}, status=status)


def _implementation_page(request, project: Project, **extra) -> HttpResponse:
    context = {
        "project": project,
        "process": project.process,
        "milestones": result_selectors.milestones(project),
        "photos": result_selectors.implementation_photos(project),
        "progress_form": ProgressForm(initial={"progress": project.progress, "spent": project.spent}),
        "photo_form": PhotoForm(project=project),
        **extra,
    }
    status = 400 if any(getattr(f, "errors", None) for f in extra.values()) else 200
    return render(request, "budgeting/staff/results_project.html", context, status=status)


@login_required
@require_GET
def project_implementation(request: HttpRequest, pk: int) -> HttpResponse:
    return _implementation_page(request, _project(request, pk))


@login_required
@require_POST
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    form = ProgressForm(request.POST)
    if form.is_valid():
        try:
            implementation_services.progress_save(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Progress saved."))
            return redirect("budgeting_staff:project_implementation", pk=project.pk)
    return _implementation_page(request, project, progress_form=form)


@login_required
@require_POST
def photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    project = _project(request, pk)
    form = PhotoForm(request.POST, request.FILES, project=project)
    if form.is_valid():
        try:
            implementation_services.implementation_photo_add(
                actor=request.user,
                project=project,
                file=form.cleaned_data["photo"],
                alt_text=form.cleaned_data["alt_text"],
                milestone=form.cleaned_data["milestone"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Photo added."))
            return redirect("budgeting_staff:project_implementation", pk=project.pk)
    return _implementation_page(request, project, photo_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def milestone(request: HttpRequest, pk: int, milestone_pk: int | None = None) -> HttpResponse:
    project = _project(request, pk)
    existing = get_object_or_404(Milestone, pk=milestone_pk, project=project) if milestone_pk else None
    form = MilestoneForm.for_milestone(existing, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            implementation_services.milestone_save(
                actor=request.user,
                project=project,
                milestone=existing,
                title=data["title"],
                description=data["description"],
                planned_for=data["planned_for"],
                done_on=data["done_on"],
                seen_updated_at=data["seen_updated_at"] if existing else None,
                create_token=data["create_token"] if existing is None else None,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Milestone saved."))
            return redirect("budgeting_staff:project_implementation", pk=project.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "budgeting/staff/milestone.html",
        {"project": project, "milestone": existing, "form": form},
        status=status,
    )
