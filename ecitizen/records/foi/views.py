"""Information requests: the public pages (list, request, asking, the disclosure log)."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.agencies.models import Agency
from ecitizen.cases.uploads import KINDS_BY_CONTENT_TYPE, content_disposition, private_storage, sanitise_name
from ecitizen.core.policies import access
from ecitizen.core.ratelimits import rate_limited
from ecitizen.records.foi import clock, conf, selectors, services
from ecitizen.records.foi.forms import AskForm, ClarifyForm, IndexForm, ReviewRequestForm
from ecitizen.records.foi.models import FoiDocument, FoiRequest, ReviewStatus
from ecitizen.records.foi.policies import foi_policy

DRAFT_KEY = "foi:draft"
PAGE_SIZE = 20


def add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    form = IndexForm(request.GET or None)
    state, query = "all", ""
    if form.is_valid():
        state, query = form.cleaned_data["state"] or "all", form.cleaned_data["q"]
    requests = selectors.public_requests(state=state, query=query)
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "foi/index.html",
        {
            "page": page,
            "form": form,
            "state": state,
            "q": query,
            "states": form.fields["state"].choices,
            "query": urlencode({"state": state, "q": query}),
            "today": clock.today(),
        },
    )


def _detail_context(request: HttpRequest, foi: FoiRequest, **extra) -> dict:
    user = request.user
    return {
        "foi": foi,
        "requester_name": selectors.requester_name(foi),
        "is_requester": user.is_authenticated and foi.requester_id == user.pk,
        "events": list(foi.events.select_related("actor")),
        "documents": list(foi.documents.all()),
        "overdue": foi.is_overdue(clock.today()),
        "exemption_label": conf.exemption_label(foi.exemption) if foi.exemption else "",
        "may_reply": foi_policy.can_for(user, "reply", foi),
        "may_ask_review": foi_policy.can_for(user, "ask_review", foi),
        "may_staff": foi_policy.can_for(user, "staff", foi),
        "review_done": foi.review_status in (ReviewStatus.UPHELD, ReviewStatus.CHANGED),
        "regulator_text": conf.regulator_text(),
        "regulator_url": conf.regulator_url(),
        "clarify_form": ClarifyForm(),
        "review_form": ReviewRequestForm(),
        **extra,
    }


@require_GET
def detail(request: HttpRequest, number: int) -> HttpResponse:
    foi = access(foi_policy, request.user, "view", pk=number)
    return render(request, "foi/detail.html", _detail_context(request, foi))


@login_required
@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest) -> HttpResponse:
    """Step one: what to ask of whom. The draft waits in the session for the check step."""
    draft = request.session.get(DRAFT_KEY) or {}
    initial = {k: draft.get(k) for k in ("agency", "title", "body", "hide_name")} if draft else None
    form = AskForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        request.session[DRAFT_KEY] = {
            "agency": data["agency"].pk,
            "title": data["title"],
            "body": data["body"],
            "hide_name": data["hide_name"],
            "token": draft.get("token") or uuid.uuid4().hex,
        }
        return redirect("foi:ask_check")
    status = 400 if request.method == "POST" else 200
    return render(request, "foi/ask.html", {"form": form, "working_days": conf.working_days()}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def ask_check(request: HttpRequest) -> HttpResponse:
    """Step two: requests like this one that others asked, then send."""
    draft = request.session.get(DRAFT_KEY)
    agency = Agency.objects.filter(pk=(draft or {}).get("agency"), is_active=True).first()
    if not draft or agency is None:
        return redirect("foi:ask")
    if request.method == "POST":
        sent_already = FoiRequest.objects.filter(requester=request.user, create_token=draft["token"]).first()
        if sent_already is not None:  # the button pressed twice: one request, one hit of the limit
            request.session.pop(DRAFT_KEY, None)
            return redirect("foi:sent", number=sent_already.pk)
        if limited := rate_limited(request, "foi-ask", conf.ask_rate()):
            return limited
        try:
            foi = services.foi_request_create(
                actor=request.user,
                agency=agency,
                title=draft["title"],
                body=draft["body"],
                hide_name=bool(draft.get("hide_name")),
                create_token=uuid.UUID(draft["token"]),
            )
        except ValidationError:
            messages.error(request, _("Check your request: something in it needs changing."))
            return redirect("foi:ask")
        request.session.pop(DRAFT_KEY, None)
        return redirect("foi:sent", number=foi.pk)
    similar = selectors.similar_requests(title=draft["title"], body=draft["body"], agency=agency)
    context = {
        "draft": draft,
        "agency": agency,
        "similar": similar,
        "due_on": clock.add_working_days(clock.today(), conf.working_days()),
    }
    return render(request, "foi/ask_check.html", context)


@login_required
@require_GET
def sent(request: HttpRequest, number: int) -> HttpResponse:
    foi = FoiRequest.objects.filter(pk=number, requester=request.user).select_related("agency").first()
    if foi is None:
        raise Http404
    return render(request, "foi/sent.html", {"foi": foi})


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.requests_of(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "foi/mine.html", {"page": page, "today": clock.today()})


@login_required
@require_POST
def clarify(request: HttpRequest, number: int) -> HttpResponse:
    foi = access(foi_policy, request.user, "reply", pk=number)
    form = ClarifyForm(request.POST)
    if form.is_valid():
        try:
            services.foi_clarify(actor=request.user, foi=foi, text=form.cleaned_data["text"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("Your clarification is sent. The clock has started again."))
            return redirect("foi:detail", number=foi.pk)
    return render(request, "foi/detail.html", _detail_context(request, foi, clarify_form=form), status=400)


@login_required
@require_POST
def review(request: HttpRequest, number: int) -> HttpResponse:
    foi = access(foi_policy, request.user, "ask_review", pk=number)
    form = ReviewRequestForm(request.POST)
    if form.is_valid():
        try:
            services.foi_review_request(actor=request.user, foi=foi, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(request, _("You asked for an internal review. The agency will tell you the outcome."))
            return redirect("foi:detail", number=foi.pk)
    return render(request, "foi/detail.html", _detail_context(request, foi, review_form=form), status=400)


def file_response(name: str, filename: str, content_type: str, *, public: bool) -> HttpResponse:
    from django.http import FileResponse

    try:
        handle = private_storage().open(name, "rb")
    except FileNotFoundError as exc:  # a file lost from storage: not found, never a server error
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = content_disposition(
        sanitise_name(filename, KINDS_BY_CONTENT_TYPE.get(content_type))
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=300" if public else "private, no-store"
    return response


@require_GET
def document(request: HttpRequest, number: int, document_id: int) -> HttpResponse:
    """A released document as published (the redacted version when there is one)."""
    foi = access(foi_policy, request.user, "view", pk=number)
    doc = FoiDocument.objects.filter(pk=document_id, request=foi).first()
    if doc is None:
        raise Http404
    return file_response(doc.public_name, doc.filename, doc.content_type, public=True)


@require_GET
def disclosure_log(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "foi/disclosure_log.html",
        {"stats": selectors.disclosure_statistics(), "working_days": conf.working_days()},
    )
