"""Information requests: the back office (MFA enforced by middleware). Staff see their agencies'
requests (others answer 404); every change is a POST to an audited service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecitizen.cases.uploads import prepare_upload
from ecitizen.core.policies import access
from ecitizen.records.foi import clock, conf, selectors, services
from ecitizen.records.foi.forms import (
    AnswerForm,
    ClarificationForm,
    DocumentForm,
    ExtendForm,
    QueueForm,
    RefuseForm,
    ReviewDecisionForm,
)
from ecitizen.records.foi.models import FoiDocument, FoiRequest
from ecitizen.records.foi.policies import foi_policy
from ecitizen.records.foi.views import add_errors, file_response

PAGE_SIZE = 50


def _staff_request(request: HttpRequest, number: int, action: str = "staff") -> FoiRequest:
    if not foi_policy.can(request.user, "staff"):
        raise Http404
    return access(foi_policy, request.user, action, view_action="staff", pk=number)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    if not foi_policy.can(request.user, "staff"):
        raise Http404
    form = QueueForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    queue = selectors.staff_queue(foi_policy.scope(request.user, "staff"), status=status)
    page = Paginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "foi/staff/index.html", {"page": page, "form": form, "today": clock.today()})


def _page(request: HttpRequest, foi: FoiRequest, status: int = 200, **forms) -> HttpResponse:
    user = request.user
    context = {
        "foi": foi,
        "events": list(foi.events.select_related("actor")),
        "documents": list(foi.documents.all()),
        "overdue": foi.is_overdue(clock.today()),
        "today": clock.today(),
        "exemption_label": conf.exemption_label(foi.exemption) if foi.exemption else "",
        "own_request": foi.requester_id == user.pk,
        "may_answer": foi_policy.can_for(user, "answer", foi),
        "may_extend": foi_policy.can_for(user, "extend", foi),
        "may_document": foi_policy.can_for(user, "document", foi),
        "may_review": foi_policy.can_for(user, "review", foi),
        "answer_form": forms.get("answer_form") or AnswerForm(),
        "refuse_form": forms.get("refuse_form") or RefuseForm(),
        "clarification_form": forms.get("clarification_form") or ClarificationForm(),
        "extend_form": forms.get("extend_form") or ExtendForm(),
        "document_form": forms.get("document_form") or DocumentForm(),
        "review_form": forms.get("review_form") or ReviewDecisionForm(),
        "extension_days": conf.extension_days(),
        "error_forms": list(forms.values()),
    }
    return render(request, "foi/staff/detail.html", context, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, number: int) -> HttpResponse:
    return _page(request, _staff_request(request, number))


def _act(request, number, action, form_class, form_name, call, done):
    foi = _staff_request(request, number, action)
    form = form_class(request.POST, request.FILES) if form_class is DocumentForm else form_class(request.POST)
    if form.is_valid():
        try:
            call(foi, form.cleaned_data)
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("foi_staff:detail", number=foi.pk)
    foi.refresh_from_db()
    return _page(request, foi, status=400, **{form_name: form})


@login_required
@require_POST
def answer(request: HttpRequest, number: int) -> HttpResponse:
    return _act(
        request,
        number,
        "answer",
        AnswerForm,
        "answer_form",
        lambda foi, data: services.foi_answer(actor=request.user, foi=foi, answer=data["answer"]),
        _("The answer is published. The requester has been told."),
    )


@login_required
@require_POST
def refuse(request: HttpRequest, number: int) -> HttpResponse:
    return _act(
        request,
        number,
        "answer",
        RefuseForm,
        "refuse_form",
        lambda foi, data: services.foi_refuse(actor=request.user, foi=foi, **data),
        _("The refusal is published. The requester has been told."),
    )


@login_required
@require_POST
def clarification(request: HttpRequest, number: int) -> HttpResponse:
    return _act(
        request,
        number,
        "clarify",
        ClarificationForm,
        "clarification_form",
        lambda foi, data: services.foi_clarification_ask(actor=request.user, foi=foi, question=data["question"]),
        _("Your question is sent. The clock stops until the requester replies."),
    )


@login_required
@require_POST
def extend(request: HttpRequest, number: int) -> HttpResponse:
    return _act(
        request,
        number,
        "extend",
        ExtendForm,
        "extend_form",
        lambda foi, data: services.foi_extend(actor=request.user, foi=foi, reason=data["reason"]),
        _("The deadline is extended."),
    )


def _add_document(request: HttpRequest, foi: FoiRequest, data: dict) -> None:
    errors = {}
    public = original = None
    try:
        public = prepare_upload(data["public_file"])
    except ValidationError as exc:
        errors["public_file"] = exc.messages
    if data.get("original_file"):
        try:
            original = prepare_upload(data["original_file"])
        except ValidationError as exc:
            errors["original_file"] = exc.messages
    if errors:
        raise ValidationError(errors)
    services.foi_document_add(actor=request.user, foi=foi, title=data["title"], public=public, original=original)


@login_required
@require_POST
def add_document(request: HttpRequest, number: int) -> HttpResponse:
    return _act(
        request,
        number,
        "document",
        DocumentForm,
        "document_form",
        lambda foi, data: _add_document(request, foi, data),
        _("The document is published on the request."),
    )


@login_required
@require_POST
def review(request: HttpRequest, number: int) -> HttpResponse:
    return _act(
        request,
        number,
        "review",
        ReviewDecisionForm,
        "review_form",
        lambda foi, data: services.foi_review_decide(actor=request.user, foi=foi, **data),
        _("The outcome of the review is published. The requester has been told."),
    )


@login_required
@require_GET
def original(request: HttpRequest, number: int, document_id: int) -> HttpResponse:
    """The unredacted original of a released document: staff of the agency only (never the requester,
    should they work there), and each read is audited."""
    foi = _staff_request(request, number, "original")
    doc = FoiDocument.objects.filter(pk=document_id, request=foi).exclude(original_name="").first()
    if doc is None:
        raise Http404
    services.foi_original_viewed(actor=request.user, document=doc)
    return file_response(
        doc.original_name, doc.original_filename or doc.filename, doc.original_content_type, public=False
    )
