"""The service editor, for agency admins: details, the form builder, preview, publishing.

Every change is a POST through a service; every view fetches the service
with :func:`~ecitizen.core.policies.access`, so admins of other agencies get
404 and anyone who is not an agency admin gets 403.
"""

from __future__ import annotations

import dataclasses

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecitizen.catalogue import formbuilder
from ecitizen.catalogue.formdef import QUESTION_TYPES, FormDefinition, Page, PageForm
from ecitizen.catalogue.forms import (
    DEFAULT_LANGUAGE,
    PREFILL_LABELS,
    PageDetailsForm,
    QuestionForm,
    QuestionTypeForm,
    ServiceDetailsForm,
    TokenForm,
    language_initial,
    language_name,
    question_type,
)
from ecitizen.catalogue.models import Category, IdentityRequirement, IssuedKind, Service, ServiceStatus
from ecitizen.catalogue.policies import service_policy
from ecitizen.catalogue.selectors import document_field_choices, edit_token, service_versions, snapshot_changes
from ecitizen.catalogue.services import (
    publish_problems,
    service_create,
    service_form_update,
    service_publish,
    service_retire,
    service_update,
)
from ecitizen.catalogue.translations import missing_translations
from ecitizen.core.i18n import pick
from ecitizen.core.money import format_money
from ecitizen.core.policies import access

# Model field names in a service's ValidationError → the editor's field names.
_FIELD_FOR = {"title": f"title_{DEFAULT_LANGUAGE}", "fee_amount": "fee"}


def _require_admin(request: HttpRequest, action: str = "view") -> None:
    if not service_policy.can(request.user, action):
        raise PermissionDenied


def _service(request: HttpRequest, pk: int, action: str = "edit") -> Service:
    _require_admin(request, action)
    return access(service_policy, request.user, action, pk=pk)


def _add_errors(form, exc: ValidationError) -> None:
    """Put a service's errors on the matching fields; the rest at the top of the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            name = _FIELD_FOR.get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _posted(request: HttpRequest):
    """The POST data to bind a form to (even when empty), or None to show a blank form on GET."""
    return request.POST if request.method == "POST" else None


def _builder_url(service: Service, anchor: str = "") -> str:
    url = reverse("catalogue_staff:builder", args=[service.pk])
    return f"{url}#{anchor}" if anchor else url


@login_required
@require_http_methods(["GET"])
def service_list(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    services = (
        service_policy.scope(request.user, "view")
        .select_related("agency", "category", "current_version")
        .order_by("agency__name", "slug")
    )
    page = Paginator(services, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "catalogue/staff/list.html",
        {"page": page, "agencies": service_policy.agencies(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_new(request: HttpRequest) -> HttpResponse:
    _require_admin(request, "create")
    agencies = service_policy.agencies(request.user)
    form = ServiceDetailsForm(_posted(request), agencies=agencies, creating=True)
    if request.method == "POST" and form.is_valid():
        agency = form.cleaned_data.get("agency") or agencies.first()
        try:
            service = service_create(actor=request.user, agency=agency, data=form.data_for_service())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Service created. Now add the pages and questions of its form."))
            return redirect("catalogue_staff:detail", service.pk)
    return render(request, "catalogue/staff/details_form.html", {"form": form, "creating": True})


def _document_field_labels(service: Service) -> list[str]:
    labels = dict(document_field_choices(service.form))
    return [labels.get(qid, qid) for qid in service.document_fields or []]


@login_required
@require_http_methods(["GET"])
def service_detail(request: HttpRequest, pk: int) -> HttpResponse:
    service = _service(request, pk, "view")
    changes = snapshot_changes(service) if service.current_version_id else []
    return render(
        request,
        "catalogue/staff/detail.html",
        {
            "service": service,
            "versions": service_versions(service),
            "unpublished_changes": bool(changes),
            "life_events": service.life_events.all(),
            "document_field_labels": _document_field_labels(service),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def service_edit(request: HttpRequest, pk: int) -> HttpResponse:
    service = _service(request, pk)
    initial = {**ServiceDetailsForm.initial_from(service), "token": edit_token(service)}
    form = ServiceDetailsForm(_posted(request), initial=initial, service=service)
    if request.method == "POST" and form.is_valid():
        try:
            service_update(
                actor=request.user,
                service=service,
                data=form.data_for_service(),
                expected_token=form.cleaned_data["token"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Service details saved."))
            return redirect("catalogue_staff:detail", service.pk)
    return render(request, "catalogue/staff/details_form.html", {"form": form, "service": service})


def _builder_pages(service: Service) -> list[dict]:
    """The draft's pages for the builder: each question with what the admin needs to see."""
    definition = formbuilder.normalise(service.form)
    labels = {q["id"]: pick(q.get("label")) for p in definition["pages"] for q in p["questions"]}
    pages = []
    for number, page in enumerate(definition["pages"], start=1):
        questions = []
        for question in page["questions"]:
            condition = question.get("condition") or None
            questions.append(
                {
                    "q": question,
                    "label": pick(question.get("label")),
                    "condition_label": labels.get(condition["question"], "") if condition else "",
                    "prefill_label": PREFILL_LABELS.get(question.get("prefill"), ""),
                }
            )
        pages.append({"page": page, "number": number, "title": pick(page.get("title")), "questions": questions})
    return pages


def _render_builder(request: HttpRequest, service: Service, problems: list[str] | None = None) -> HttpResponse:
    return render(
        request,
        "catalogue/staff/builder.html",
        {"service": service, "pages": _builder_pages(service), "token": edit_token(service), "problems": problems},
    )


def _save_form(request: HttpRequest, service: Service, definition: dict, token: str) -> list[str]:
    """Store *definition* through the service; the problems to show if it was refused."""
    try:
        service_form_update(actor=request.user, service=service, form=definition, expected_token=token)
    except ValidationError as exc:
        return exc.message_dict.get("form", []) if hasattr(exc, "error_dict") else exc.messages
    return []


@login_required
@require_http_methods(["GET"])
def builder(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_builder(request, _service(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def page_add(request: HttpRequest, pk: int) -> HttpResponse:
    service = _service(request, pk)
    form = PageDetailsForm(_posted(request), initial={"token": edit_token(service)})
    if request.method == "POST" and form.is_valid():
        title = form.title()
        page_id = formbuilder.make_id(title[DEFAULT_LANGUAGE], formbuilder.page_ids(service.form), "page")
        definition = formbuilder.page_add(service.form, page_id=page_id, title=title)
        problems = _save_form(request, service, definition, form.cleaned_data["token"])
        if not problems:
            return redirect(_builder_url(service, f"page-{page_id}"))
        form.add_error(None, problems)
    return render(request, "catalogue/staff/page_form.html", {"form": form, "service": service})


@login_required
@require_http_methods(["GET", "POST"])
def page_edit(request: HttpRequest, pk: int, page_id: str) -> HttpResponse:
    service = _service(request, pk)
    try:
        page = formbuilder.find_page(formbuilder.normalise(service.form), page_id)
    except LookupError as exc:
        raise Http404 from exc
    initial = {**language_initial(page.get("title"), "title"), "token": edit_token(service)}
    form = PageDetailsForm(_posted(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        definition = formbuilder.page_update(service.form, page_id, title=form.title())
        problems = _save_form(request, service, definition, form.cleaned_data["token"])
        if not problems:
            return redirect(_builder_url(service, f"page-{page_id}"))
        form.add_error(None, problems)
    return render(request, "catalogue/staff/page_form.html", {"form": form, "service": service, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def page_remove(request: HttpRequest, pk: int, page_id: str) -> HttpResponse:
    service = _service(request, pk)
    try:
        page = formbuilder.find_page(formbuilder.normalise(service.form), page_id)
    except LookupError as exc:
        raise Http404 from exc
    form = TokenForm(_posted(request), initial={"token": edit_token(service)})
    if request.method == "POST" and form.is_valid():
        definition = formbuilder.page_remove(service.form, page_id)
        problems = _save_form(request, service, definition, form.cleaned_data["token"])
        if not problems:
            messages.success(request, _("Page removed."))
            return redirect(_builder_url(service))
        form.add_error(None, problems)
    return render(
        request,
        "catalogue/staff/page_remove.html",
        {"form": form, "service": service, "page": page, "title": pick(page.get("title"))},
    )


def _move(request: HttpRequest, pk: int, mover, item_id: str, anchor: str) -> HttpResponse:
    service = _service(request, pk)
    try:
        definition = mover(service.form, item_id, request.POST.get("direction", ""))
    except LookupError as exc:
        raise Http404 from exc
    problems = _save_form(request, service, definition, request.POST.get("token", ""))
    if problems:
        return _render_builder(request, service, problems)
    return redirect(_builder_url(service, anchor))


@login_required
@require_POST
def page_move(request: HttpRequest, pk: int, page_id: str) -> HttpResponse:
    return _move(request, pk, formbuilder.page_move, page_id, f"page-{page_id}")


@login_required
@require_POST
def question_move(request: HttpRequest, pk: int, question_id: str) -> HttpResponse:
    return _move(request, pk, formbuilder.question_move, question_id, f"question-{question_id}")


@login_required
@require_POST
def question_remove(request: HttpRequest, pk: int, question_id: str) -> HttpResponse:
    service = _service(request, pk)
    try:
        definition = formbuilder.question_remove(service.form, question_id)
    except LookupError as exc:
        raise Http404 from exc
    problems = _save_form(request, service, definition, request.POST.get("token", ""))
    if problems:
        return _render_builder(request, service, problems)
    messages.success(request, _("Question removed."))
    return redirect(_builder_url(service))


@login_required
@require_http_methods(["GET", "POST"])
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    service = _service(request, pk)
    definition = formbuilder.normalise(service.form)
    if not definition["pages"]:
        messages.info(request, _("Add a page first: every question belongs to a page."))
        return redirect("catalogue_staff:page_add", service.pk)
    kind = question_type(request.GET.get("type"))
    if request.method == "GET" and kind is None:
        pages = [(p["id"], pick(p.get("title")) or p["id"]) for p in definition["pages"]]
        return _choose_type(request, service, pages=pages, initial={"page": request.GET.get("page")})
    initial = {"token": edit_token(service), "page": request.GET.get("page"), "required": True, "type": kind}
    form = QuestionForm(_posted(request), initial=initial, definition=definition)
    if request.method == "POST" and form.is_valid():
        question = form.question()
        changed = formbuilder.question_add(definition, form.cleaned_data["page"], question)
        problems = _save_form(request, service, changed, form.cleaned_data["token"])
        if not problems:
            return redirect(_builder_url(service, f"question-{question['id']}"))
        form.add_error(None, problems)
    change_type = reverse("catalogue_staff:question_add", args=[service.pk])
    return render(
        request,
        "catalogue/staff/question_form.html",
        {"form": form, "service": service, "type_label": QUESTION_TYPES[form.kind], "change_type_url": change_type},
    )


def _choose_type(request: HttpRequest, service: Service, *, pages=None, initial=None, question=None) -> HttpResponse:
    """The first step of a question: its type (and page), sent by GET back to the same address."""
    chosen = "type" in request.GET
    form = QuestionTypeForm(request.GET if chosen else None, pages=pages, initial=initial)
    return render(
        request,
        "catalogue/staff/question_type.html",
        {"form": form, "service": service, "question": question},
        status=400 if chosen else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request: HttpRequest, pk: int, question_id: str) -> HttpResponse:
    service = _service(request, pk)
    definition = formbuilder.normalise(service.form)
    try:
        page, _index, question = formbuilder.find_question(definition, question_id)
    except LookupError as exc:
        raise Http404 from exc
    initial = {**QuestionForm.initial_from(question, page["id"]), "token": edit_token(service)}
    if request.method == "GET" and "choose_type" in request.GET:
        return _choose_type(request, service, initial={"type": question.get("type")}, question=question)
    if request.method == "GET" and "type" in request.GET:
        if question_type(request.GET["type"]) is None:
            return _choose_type(request, service, question=question)
        initial["type"] = request.GET["type"]
    form = QuestionForm(_posted(request), initial=initial, definition=definition, editing=question_id)
    if request.method == "POST" and form.is_valid():
        new = form.question()
        changed = formbuilder.question_update(definition, question_id, new, page_id=form.cleaned_data["page"])
        problems = _save_form(request, service, changed, form.cleaned_data["token"])
        if not problems:
            return redirect(_builder_url(service, f"question-{new['id']}"))
        form.add_error(None, problems)
    change_type = reverse("catalogue_staff:question_edit", args=[service.pk, question_id]) + "?choose_type=1"
    return render(
        request,
        "catalogue/staff/question_form.html",
        {
            "form": form,
            "service": service,
            "question": question,
            "type_label": QUESTION_TYPES[form.kind],
            "change_type_url": change_type,
        },
    )


@login_required
@require_http_methods(["GET"])
def preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Every page as applicants will see it, conditional questions included (and marked)."""
    service = _service(request, pk, "view")
    definition = formbuilder.normalise(service.form)
    filled = {"pages": [p for p in definition["pages"] if p["questions"]]}
    pages = []
    if filled["pages"]:
        parsed = FormDefinition.parse(filled)
        labels = {q.id: pick(q.label) for q in parsed.questions}
        for page in parsed.pages:
            always = Page(page.id, page.title, tuple(dataclasses.replace(q, condition=None) for q in page.questions))
            form = PageForm(page=always, answers={}, auto_id=f"preview-{page.id}-%s")
            blocks = [
                {
                    "question": q,
                    "condition_label": labels.get(q.condition["question"], "") if q.condition else "",
                    "fields": [form[name] for name in form.fields if name == q.id or name.startswith(f"{q.id}__")],
                }
                for q in page.questions
            ]
            pages.append({"title": pick(page.title), "blocks": blocks})
    return render(
        request,
        "catalogue/staff/preview.html",
        {"service": service, "pages": pages, "empty_pages": len(definition["pages"]) - len(filled["pages"])},
    )


def _describe_changes(changes: list[dict], service: Service) -> list[dict]:
    """:func:`snapshot_changes` as rows a person reads: a label and the before and after as text."""
    labels = {
        "title": _("Title"),
        "summary": _("Summary"),
        "description": _("Description"),
        "documents_required": _("What you need"),
        "slug": _("Web address name"),
        "identity_level": _("Identity level needed"),
        "fee": _("Fee"),
        "deadline_working_days": _("Decision within (working days)"),
        "issues": _("Issued on approval"),
        "validity_days": _("Valid for (days)"),
        "document_name": _("Document name"),
        "document_fields": _("Answers shown on the document"),
        "category": _("Category"),
        "agency": _("Agency"),
        "form": _("Questions"),
    }
    categories = {c.slug: c for c in Category.objects.all()}
    choices = {"identity_level": dict(IdentityRequirement.choices), "issues": dict(IssuedKind.choices)}

    question_labels = dict(document_field_choices(service.form))
    if service.current_version_id:
        published = dict(document_field_choices(service.current_version.snapshot.get("form")))
        question_labels = {**published, **question_labels}

    def text(field: str, value) -> str:
        if field == "issues" and value == "":
            return _("No document")
        if value in (None, "", [], {}):
            return ""
        if field == "document_fields":
            return ", ".join(question_labels.get(qid, qid) for qid in value)
        if field == "fee":
            return format_money(value["amount"], value["currency"])
        if field in choices:
            return str(choices[field].get(value, value))
        if field == "category":
            return categories[value].display_name() if value in categories else str(value)
        if field == "agency":
            return value.get("name", "")
        if field == "form":
            return ", ".join(value)
        return str(value)

    rows = []
    for change in changes:
        field, language = change["field"], change["language"]
        label = str(labels[field])
        if language:
            label = f"{label} ({language_name(language)})"
        after = text(field, change["after"])
        if field == "form" and set(change["before"] or []) == set(change["after"]):
            after = f"{after} ({_('questions changed or reordered')})"
        rows.append({**change, "label": label, "before_text": text(field, change["before"]), "after_text": after})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    service = _service(request, pk, "publish")
    form = TokenForm(_posted(request), initial={"token": edit_token(service)})
    if request.method == "POST" and form.is_valid():
        try:
            version = service_publish(actor=request.user, service=service, expected_token=form.cleaned_data["token"])
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("Version %(number)d is published.") % {"number": version.number})
            return redirect("catalogue_staff:detail", service.pk)
    last = service.current_version.number if service.current_version_id else 0
    return render(
        request,
        "catalogue/staff/publish.html",
        {
            "form": form,
            "service": service,
            "problems": publish_problems(service),
            "missing_translations": missing_translations(service),
            "changes": _describe_changes(snapshot_changes(service), service),
            "next_number": last + 1,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def retire(request: HttpRequest, pk: int) -> HttpResponse:
    service = _service(request, pk, "retire")
    if service.status != ServiceStatus.PUBLISHED:
        messages.info(request, _("Only a published service can be retired."))
        return redirect("catalogue_staff:detail", service.pk)
    form = TokenForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            service_retire(actor=request.user, service=service)
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            messages.success(request, _("The service is retired: nobody can start a new application."))
            return redirect("catalogue_staff:detail", service.pk)
    return render(request, "catalogue/staff/retire.html", {"form": form, "service": service})
