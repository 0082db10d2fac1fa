"""Participatory budgeting's public pages of processes and ideas: the list of processes, a
process's page, its ideas, proposing, editing, withdrawing and supporting an idea, and a
project's page. Thin: each parses a form, calls a service and redirects."""

from __future__ import annotations

from importlib.util import find_spec

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.cases.uploads import private_storage
from ecitizen.core.ratelimits import rate_limited
from ecitizen.voting.budgeting import ballot_selectors, conf, idea_selectors, idea_services
from ecitizen.voting.budgeting.idea_forms import IdeaForm, IdeasFilterForm, PhotoForm, ProposeForm
from ecitizen.voting.budgeting.models import Phase, Process, Project, ProjectStatus
from ecitizen.voting.budgeting.policies import is_process_staff, project_policy

# The order of the phases a process goes through, for the timeline on its page.
TIMELINE = (Phase.UPCOMING, Phase.IDEAS, Phase.REVIEW, Phase.VOTING, Phase.COUNTING, Phase.RESULTS)


def add_errors(form, exc: ValidationError) -> None:
    """Put a service's errors on *form*'s fields (the whole form's for unknown fields)."""
    names = getattr(form, "SERVICE_NAMES", {})
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            field = names.get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def discussions_available() -> bool:
    return find_spec("ecitizen.engagement.discussions.templatetags.discussions") is not None


def map_settings(process: Process | None = None) -> dict:
    """What the map of an idea's place needs: the tiles, and a first view on the process's districts."""
    lat, lng = settings.REPORTS_MAP_CENTER
    settings_ = {
        "tile_url": settings.REPORTS_TILE_URL,
        "tile_attribution": settings.REPORTS_TILE_ATTRIBUTION,
        "center_lat": lat,
        "center_lng": lng,
        "zoom": settings.REPORTS_MAP_ZOOM,
        "fit_bounds": "",
    }
    areas = [b.area for b in process.budgets.all() if b.area_id] if process is not None else []
    if areas:
        box = (
            min(a.min_lat for a in areas),
            min(a.min_lng for a in areas),
            max(a.max_lat for a in areas),
            max(a.max_lng for a in areas),
        )
        settings_["fit_bounds"] = ",".join(f"{v:.6f}" for v in box)
    return settings_


def process_context(process: Process, request: HttpRequest) -> dict:
    """What the process page and its partials need: the phase now, the timeline, the budgets."""
    now = timezone.now()
    phase = process.phase(now)
    return {
        "process": process,
        "phase": phase,
        "Phase": Phase,
        "budgets": idea_selectors.budgets_of(process),
        "is_staff": is_process_staff(request.user, process),
        "ideas_open": phase == Phase.IDEAS,
        "now": now,
    }


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    processes = idea_selectors.public_processes()
    now = timezone.now()
    return render(
        request, "budgeting/index.html", {"processes": [(p, p.phase(now)) for p in processes], "Phase": Phase}
    )


@require_GET
def process(request: HttpRequest, pk: int) -> HttpResponse:
    found = idea_selectors.process_for_view(request.user, pk)
    context = process_context(found, request)
    # For budgeting/_process_vote.html: whether this person may vote, and their ballot.
    context["vote"] = ballot_selectors.vote_box(process=found, user=request.user)
    return render(request, "budgeting/process.html", context)


@require_GET
def ideas(request: HttpRequest, pk: int) -> HttpResponse:
    found = idea_selectors.process_for_view(request.user, pk)
    budgets = idea_selectors.budgets_of(found)
    form = IdeasFilterForm(request.GET or None, budgets=budgets)
    budget = None
    sort = "support"
    if form.is_valid():
        chosen = form.cleaned_data.get("budget")
        budget = next((b for b in budgets if b.pk == chosen), None)
        sort = form.cleaned_data.get("sort") or "support"
    page = Paginator(idea_selectors.public_ideas(found, budget=budget, sort=sort), conf.ideas_page_size()).get_page(
        request.GET.get("page")
    )
    query = f"sort={sort}" + (f"&budget={budget.pk}" if budget else "")
    return render(
        request,
        "budgeting/ideas.html",
        {
            **process_context(found, request),
            "form": form,
            "page": page,
            "query": query,
            "supported": idea_selectors.supported_ids(request.user, page.object_list),
            "mine": idea_selectors.ideas_of(request.user, found),
        },
    )


def _photo_uploads(form) -> list[idea_services.PhotoUpload]:
    photo = form.cleaned_data.get("photo")
    return [idea_services.PhotoUpload(photo, form.cleaned_data.get("photo_alt", ""))] if photo else []


@login_required
@require_http_methods(["GET", "POST"])
def idea_new(request: HttpRequest, pk: int) -> HttpResponse:
    found = idea_selectors.process_for_view(request.user, pk)
    context = process_context(found, request)
    if found.phase() != Phase.IDEAS:
        return render(request, "budgeting/idea_closed.html", context, status=403 if request.method == "POST" else 200)
    form = ProposeForm(request.POST or None, request.FILES or None, process=found)
    if request.method == "POST":
        if limited := rate_limited(request, "budgeting-propose", conf.propose_rate()):
            return limited
        if form.is_valid():
            try:
                project = idea_services.idea_propose(
                    actor=request.user,
                    process=found,
                    data=form.idea_data(),
                    create_token=form.cleaned_data["create_token"],
                    photos=_photo_uploads(form),
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Your idea has been published. Staff will review it."))
                return redirect("budgeting:project", pk=project.pk)
    return render(
        request,
        "budgeting/idea_form.html",
        {**context, **map_settings(found), "form": form, "editing": None},
        status=400 if form.errors else 200,
    )


def _project_context(request: HttpRequest, project: Project) -> dict:
    found = project.process
    user = request.user
    is_author = user.is_authenticated and project.author_id == user.pk
    context = process_context(found, request)
    return {
        **context,
        **map_settings(found),
        "project": project,
        "is_author": is_author,
        "is_public": project.status != ProjectStatus.WITHDRAWN and found.published_at is not None,
        "photos": idea_selectors.photos_of(project),
        "supports": idea_selectors.supports(user, project),
        "may_support": context["ideas_open"]
        and user.is_authenticated
        and not is_author
        and project.status in (ProjectStatus.PROPOSED, ProjectStatus.ACCEPTED),
        "may_edit": bool(is_author and context["ideas_open"] and project.status == ProjectStatus.PROPOSED),
        "merged": idea_selectors.merged_into_it(project),
        "discussions": discussions_available() and project.status != ProjectStatus.WITHDRAWN,
        "may_review": context["is_staff"] and project_policy.can_for(user, "review", project),
    }


@require_GET
def project(request: HttpRequest, pk: int) -> HttpResponse:
    found = idea_selectors.project_for_view(request.user, pk)
    return render(request, "budgeting/project.html", _project_context(request, found))


@login_required
@require_http_methods(["GET", "POST"])
def idea_edit(request: HttpRequest, pk: int) -> HttpResponse:
    found = idea_selectors.project_for(request.user, pk, "edit")
    context = _project_context(request, found)
    if not context["ideas_open"]:
        return render(request, "budgeting/idea_closed.html", context, status=403 if request.method == "POST" else 200)
    form = IdeaForm(request.POST or None, process=found.process, initial=IdeaForm.initial_for(found))
    if request.method == "POST" and form.is_valid():
        try:
            idea_services.idea_edit(actor=request.user, project=found, data=form.idea_data())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Your idea has been changed."))
            return redirect("budgeting:project", pk=found.pk)
    return render(
        request,
        "budgeting/idea_form.html",
        {**context, "form": form, "editing": found, "photo_form": PhotoForm()},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def idea_photo(request: HttpRequest, pk: int) -> HttpResponse:
    found = idea_selectors.project_for(request.user, pk, "edit")
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            idea_services.photo_add(actor=request.user, project=found, photo=_photo_uploads(form)[0])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Your photo has been added."))
            return redirect("budgeting:idea_edit", pk=found.pk)
    context = _project_context(request, found)
    edit_form = IdeaForm(process=found.process, initial=IdeaForm.initial_for(found))
    return render(
        request,
        "budgeting/idea_form.html",
        {**context, "form": edit_form, "editing": found, "photo_form": form},
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def idea_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    found = idea_selectors.project_for(request.user, pk, "withdraw")
    context = _project_context(request, found)
    if request.method == "POST":
        try:
            idea_services.idea_withdraw(actor=request.user, project=found)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("budgeting:project", pk=found.pk)
        messages.success(request, _("Your idea has been withdrawn."))
        return redirect("budgeting:ideas", pk=found.process_id)
    return render(request, "budgeting/idea_withdraw.html", context)


@login_required
@require_POST
def idea_support(request: HttpRequest, pk: int) -> HttpResponse:
    found = idea_selectors.project_for_view(request.user, pk)
    if limited := rate_limited(request, "budgeting-support", conf.support_rate()):
        return limited
    take_back = request.POST.get("action") == "unsupport"
    try:
        if take_back:
            idea_services.idea_unsupport(actor=request.user, project=found)
            messages.success(request, _("You no longer support this idea."))
        else:
            idea_services.idea_support(actor=request.user, project=found)
            messages.success(request, _("You support this idea."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        messages.error(request, _("This idea cannot be supported."))
    return redirect("budgeting:project", pk=found.pk)


@require_GET
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A photo of a project anyone may see (a withdrawn idea's only to its author and staff)."""
    found = idea_selectors.photo_for_view(request.user, pk)
    try:
        handle = private_storage().open(found.image.name, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    kind = "image/png" if found.image.name.lower().endswith(".png") else "image/jpeg"
    response = FileResponse(handle, content_type=kind)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, max-age=300"
    return response
