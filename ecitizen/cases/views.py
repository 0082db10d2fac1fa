"""The citizen's side: start, answer page by page, check, submit, follow, respond, withdraw."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.accounts.selectors import identity_level_for
from ecitizen.cases import selectors, services
from ecitizen.cases.forms import DeclarationForm, RespondForm
from ecitizen.cases.models import Status, Upload
from ecitizen.cases.policies import citizen_application_policy as policy
from ecitizen.catalogue.formdef import PageForm
from ecitizen.catalogue.selectors import service_for_apply
from ecitizen.core.i18n import pick
from ecitizen.core.policies import access
from ecitizen.core.ratelimits import rate_limited


def _store_files(request, application, form: PageForm) -> dict:
    from ecitizen.cases.uploads import upload_store

    stored = {}
    for question in form.file_fields():
        upload = request.FILES.get(question.id)
        if upload is None:
            continue
        try:
            record = upload_store(owner=request.user, file=upload, application=application, question_id=question.id)
        except ValidationError as exc:
            form.add_error(question.id, exc)
            continue
        stored[question.id] = [*application.answers.get(question.id, []), record.pk]
    return stored


@login_required
@require_http_methods(["GET", "POST"])
def start(request, slug):
    """A confirmation step whose POST carries a one-time token: a double click starts one draft."""
    service, version = service_for_apply(slug)
    needed = version.snapshot.get("identity_level", "basic")
    level = identity_level_for(request.user)
    allowed = services.LEVEL_ORDER[level] >= services.LEVEL_ORDER.get(needed, 2)
    if request.method == "POST" and allowed:
        try:
            token = uuid.UUID(request.POST.get("start_token", ""))
        except ValueError:
            token = uuid.uuid4()
        application = services.application_start(citizen=request.user, service_version=version, start_token=token)
        first = selectors.form_for(application).visible_pages(application.answers)
        return redirect("cases:page", pk=application.pk, page_id=first[0].id)
    return render(
        request,
        "cases/start.html",
        {"service": service, "version": version, "allowed": allowed, "needed": needed, "start_token": uuid.uuid4()},
    )


MY_APPLICATIONS_PER_PAGE = 20


@login_required
@require_GET
def my_applications(request):
    applications = selectors.applications_for_citizen(request.user)
    paginator = Paginator(applications, MY_APPLICATIONS_PER_PAGE)
    number = request.GET.get("page")
    first_page = None
    if number in (None, "", "1"):
        # The first page is what nearly every visit asks for, and most citizens have fewer
        # applications than it holds: read one row more than a page, and when that extra row is
        # not there the rows read are the count (no COUNT query). Otherwise the paginator counts.
        first_page = list(selectors.with_service_titles(applications[: MY_APPLICATIONS_PER_PAGE + 1]))
        if len(first_page) <= MY_APPLICATIONS_PER_PAGE:
            paginator.count = len(first_page)  # a cached_property: this is the value it would compute
    page = paginator.get_page(number)
    if first_page is not None and page.number == 1:
        page.object_list = first_page[:MY_APPLICATIONS_PER_PAGE]
    else:
        page.object_list = selectors.with_service_titles(page.object_list)
    return render(request, "cases/my_applications.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def question_page(request, pk, page_id):
    application = access(policy, request.user, "view", pk=pk)
    if application.status != Status.DRAFT:
        return redirect("cases:detail", pk=application.pk)
    definition = selectors.form_for(application)
    page = definition.page(page_id)
    if page is None or page not in definition.visible_pages(application.answers):
        raise Http404
    saving_draft = request.method == "POST" and "save_and_exit" in request.POST
    form = PageForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        page=page,
        answers=application.answers,
        draft=saving_draft,
    )
    if request.method == "POST":
        limited = rate_limited(request, "application_save", "120/m/user")
        if limited is not None:
            return limited
        if saving_draft:
            return _save_draft(request, application, page, form)
        if form.is_valid():
            answers = form.answers()
            answers.update(_store_files(request, application, form))
        if form.is_valid():
            application = services.application_save_page(
                citizen=request.user, application=application, page_id=page.id, answers=answers
            )
            if request.GET.get("change"):
                return redirect("cases:check", pk=application.pk)
            following = definition.next_page(page.id, application.answers)
            if following is None:
                return redirect("cases:check", pk=application.pk)
            return redirect("cases:page", pk=application.pk, page_id=following.id)
    previous = definition.previous_page(page.id, application.answers)
    step, steps = definition.step_of(page, application.answers)
    return render(
        request,
        "cases/question_page.html",
        {
            "application": application,
            "page": page,
            "page_title": pick(page.title),
            "form": form,
            "previous": previous,
            "step": step,
            "steps": steps,
            "service_title": pick(application.service_version.snapshot["title"]),
            "files": Upload.objects.filter(application=application, info_request__isnull=True),
        },
    )


def _save_draft(request, application, page, form: PageForm):
    """ "Save and come back later": keep every valid answer given, never refuse, never lose one.

    Nothing is required on a draft. An answer in the wrong format is not saved (the
    citizen is told which, and the page asks again when they come back); an answer the
    citizen emptied is cleared, a field that was blank stays unanswered.
    """
    answers, dropped = form.draft_answers()
    answers.update(_store_files(request, application, form))
    dropped += [q for q in form.file_fields() if q.id in form.errors]
    services.application_save_page(citizen=request.user, application=application, page_id=page.id, answers=answers)
    if dropped:
        messages.warning(
            request,
            _("Your answers have been saved, except: %(questions)s. They were not in the right format.")
            % {"questions": "; ".join(pick(q.label) for q in dropped)},
        )
    else:
        messages.success(request, _("Your answers have been saved. You can come back to them at any time."))
    return redirect("cases:mine")


@login_required
@require_GET
def resume(request, pk):
    """Carry on with a draft where the citizen left it: the first page not answered yet, or
    "check your answers" when every page is."""
    application = access(policy, request.user, "view", pk=pk)
    if application.status != Status.DRAFT:
        return redirect("cases:detail", pk=application.pk)
    page = selectors.form_for(application).first_unanswered_page(application.answers)
    if page is None:
        return redirect("cases:check", pk=application.pk)
    return redirect("cases:page", pk=application.pk, page_id=page.id)


@login_required
@require_http_methods(["GET", "POST"])
def check_answers(request, pk):
    application = access(policy, request.user, "view", pk=pk)
    if application.status != Status.DRAFT:
        return redirect("cases:detail", pk=application.pk)
    definition = selectors.form_for(application)
    form = DeclarationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                application = services.application_submit(
                    citizen=request.user, application=application, declaration=form.cleaned_data["declaration"]
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("cases:confirmation", pk=application.pk)
    return render(
        request,
        "cases/check_answers.html",
        {
            "application": application,
            "rows": definition.summary(application.answers),
            "missing": definition.missing(application.answers),
            "form": form,
            "service_title": pick(application.service_version.snapshot["title"]),
            "snapshot": application.service_version.snapshot,
        },
    )


@login_required
@require_GET
def confirmation(request, pk):
    application = access(policy, request.user, "view", pk=pk)
    if application.status == Status.DRAFT:
        return redirect("cases:check", pk=application.pk)
    return render(
        request,
        "cases/confirmation.html",
        {"application": application, "service_title": pick(application.service_version.snapshot["title"])},
    )


@login_required
@require_GET
def detail(request, pk):
    application = access(policy, request.user, "view", pk=pk, narrow=selectors.application_for_status_page)
    if application.status == Status.DRAFT:
        return redirect("cases:resume", pk=application.pk)
    open_request = None  # asked for only while the application waits for the citizen's answer
    if application.status == Status.INFO_REQUESTED:
        open_request = application.info_requests.filter(responded_at__isnull=True).last()
    return render(
        request,
        "cases/detail.html",
        {
            "application": application,
            "events": selectors.timeline_for(application, for_citizen=True),
            "open_request": open_request,
            "respond_form": RespondForm(),
            "service_title": pick(application.service_title),
            "document": application.document_id is not None,
        },
    )


@login_required
@require_GET
def status_json(request, pk):
    """Polled by the status page so it updates without a reload."""
    # only the three columns the answer needs (not the answers)
    application = access(policy, request.user, "view", pk=pk, narrow=lambda qs: qs.only("id", "status", "version"))
    return JsonResponse(
        {"status": application.status, "label": application.get_status_display(), "version": application.version}
    )


@login_required
@require_POST
def respond(request, pk):
    from ecitizen.cases.uploads import upload_store

    application = access(policy, request.user, "respond", view_action="view", pk=pk)
    form = RespondForm(request.POST, request.FILES)
    uploads = []
    if form.is_valid() and form.cleaned_data.get("file"):
        try:
            uploads.append(upload_store(owner=request.user, file=form.cleaned_data["file"], application=application))
        except ValidationError as exc:
            form.add_error("file", exc)
    if form.is_valid():
        try:
            services.application_respond(
                citizen=request.user, application=application, response=form.cleaned_data["response"], uploads=uploads
            )
        except ValidationError as exc:
            form.add_error("response" if hasattr(exc, "error_dict") else None, exc.messages[0])
        else:
            messages.success(request, _("Thank you. We have sent your answer to the caseworker."))
            return redirect("cases:detail", pk=application.pk)
    return render(
        request,
        "cases/detail.html",
        {
            "application": application,
            "events": selectors.timeline_for(application, for_citizen=True),
            "open_request": application.info_requests.filter(responded_at__isnull=True).last(),
            "respond_form": form,
            "service_title": pick(application.service_version.snapshot["title"]),
        },
        status=400,
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, pk):
    application = access(policy, request.user, "withdraw", view_action="view", pk=pk)
    if request.method == "POST":
        try:
            services.application_withdraw(citizen=request.user, application=application)
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("Your application has been withdrawn."))
        return redirect("cases:detail", pk=application.pk)
    return render(
        request,
        "cases/withdraw.html",
        {"application": application, "service_title": pick(application.service_version.snapshot["title"])},
    )


@login_required
@require_GET
def upload_download(request, pk, upload_id):
    from ecitizen.cases.uploads import upload_response

    application = access(policy, request.user, "view", pk=pk)
    upload = Upload.objects.filter(pk=upload_id, application=application).first()
    if upload is None:
        raise Http404
    return upload_response(upload)
