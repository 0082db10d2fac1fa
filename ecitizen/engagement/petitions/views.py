"""Petitions: the public pages (list, petition, signing, starting one, supporting one)."""

from __future__ import annotations

import uuid
from importlib.util import find_spec

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.agencies.models import Agency
from ecitizen.core.policies import access
from ecitizen.core.ratelimits import rate_limited
from ecitizen.engagement.petitions import conf, selectors, services
from ecitizen.engagement.petitions.forms import EmailSignForm, IndexForm, PetitionForm, SponsorsForm
from ecitizen.engagement.petitions.models import PUBLIC_STATUSES, Petition, SignatureState, Status
from ecitizen.engagement.petitions.policies import petition_policy

DRAFT_KEY = "petitions:draft"
PAGE_SIZE = 20


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def discussions_available() -> bool:
    return find_spec("ecitizen.engagement.discussions.templatetags.discussions") is not None


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    form = IndexForm(request.GET or None)
    state = sort = ""
    if form.is_valid():
        state, sort = form.cleaned_data["state"], form.cleaned_data["sort"]
    state, sort = state or "open", sort or "signatures"
    page = Paginator(selectors.public_petitions(state=state, sort=sort), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "petitions/index.html",
        {
            "page": page,
            "state": state,
            "sort": sort,
            "states": form.fields["state"].choices,
            "sorts": form.fields["sort"].choices,
            "query": f"state={state}&sort={sort}",
            "response_threshold": conf.response_threshold(),
            "may_start": services.may_start(request.user),
        },
    )


@require_GET
def rules(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "petitions/rules.html",
        {
            "sponsors": conf.sponsors_required(),
            "response_threshold": conf.response_threshold(),
            "debate_threshold": conf.debate_threshold(),
            "open_days": conf.open_days(),
        },
    )


def _detail_context(request: HttpRequest, petition: Petition, *, sign_form: EmailSignForm | None = None) -> dict:
    is_public = petition.status in PUBLIC_STATUSES
    count = selectors.signature_count(petition) if is_public else 0
    districts = selectors.district_counts(petition) if is_public else []
    return {
        "petition": petition,
        "is_public": is_public,
        "is_author": request.user.is_authenticated and petition.author_id == request.user.pk,
        "count": count,
        "progress": selectors.progress(petition, count),
        "districts": districts,
        "bubbles": selectors.district_map(districts),
        "map_width": selectors.MAP_WIDTH,
        "map_height": selectors.MAP_HEIGHT,
        "removed": selectors.removed_counts(petition) if is_public else [],
        "signature": selectors.signature_of(petition, request.user),
        "sign_form": sign_form or EmailSignForm(),
        "sponsors": list(petition.sponsors.all()) if petition.status == Status.SPONSORS else [],
        "sponsors_required": conf.sponsors_required(),
        "response_threshold": conf.response_threshold(),
        "debate_threshold": conf.debate_threshold(),
        "discussions": is_public and discussions_available(),
    }


@require_GET
def detail(request: HttpRequest, number: int) -> HttpResponse:
    petition = access(petition_policy, request.user, "view", pk=number)
    return render(request, "petitions/detail.html", _detail_context(request, petition))


@require_GET
def count_json(request: HttpRequest, number: int) -> JsonResponse:
    """The live count of a public petition, for its page to refresh without reloading (and for
    anyone's widget): the sum of its counter rows, never a ``COUNT(*)``."""
    petition = selectors.public_petition(number)
    if petition is None:
        raise Http404
    count = selectors.signature_count(petition)
    progress = selectors.progress(petition, count)
    response = JsonResponse(
        {
            "number": petition.pk,
            "open": petition.status == Status.OPEN,
            "count": count,
            "count_display": intcomma(count),
            "label": ngettext("signature", "signatures", count),
            "progress": {"value": progress.count, "max": progress.target, "percent": progress.percent},
        }
    )
    # Everyone sees the same figure: a shared cache may keep it for a few seconds.
    response["Cache-Control"] = "public, max-age=5"
    return response


@require_POST
def sign(request: HttpRequest, number: int) -> HttpResponse:
    if request.user.is_authenticated:
        return _sign_with_account(request, number)
    petition = access(petition_policy, request.user, "view", pk=number)
    if limited := rate_limited(request, "petition-sign", conf.sign_rate()):
        return limited
    form = EmailSignForm(request.POST)
    if form.is_valid():
        try:
            services.signature_start_by_email(petition=petition, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return redirect("petitions:check_email", number=petition.pk)
    return render(request, "petitions/detail.html", _detail_context(request, petition, sign_form=form), status=400)


def _sign_with_account(request: HttpRequest, number: int) -> HttpResponse:
    """A signed-in person signs petition *number*.

    Anyone may sign an open petition, and open petitions are public, so the usual case reads no
    petition here: the signing statement itself writes only to an open petition
    (``services.signature_add`` is given a reference to it). When it refuses, the petition is read
    as the person may see it -- a 404 if they may not, so a refusal never reveals a petition --
    and the refusal shown.
    """
    low, high = connection.ops.integer_field_range(Petition._meta.pk.get_internal_type())
    if not low <= number <= high:  # no petition has it; the statement would refuse the number itself
        raise Http404
    if limited := rate_limited(request, "petition-sign", conf.sign_rate()):
        return limited
    try:
        services.signature_add(actor=request.user, petition=Petition(pk=number))
    except ValidationError as exc:
        petition = access(petition_policy, request.user, "view", pk=number)
        return render(request, "petitions/problem.html", {"petition": petition, "messages_": exc.messages}, status=400)
    return redirect("petitions:signed", number=number)


@require_GET
def signed(request: HttpRequest, number: int) -> HttpResponse:
    petition = access(petition_policy, request.user, "view", pk=number)
    return render(request, "petitions/signed.html", {"petition": petition})


@require_GET
def check_email(request: HttpRequest, number: int) -> HttpResponse:
    petition = access(petition_policy, request.user, "view", pk=number)
    return render(request, "petitions/check_email.html", {"petition": petition})


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the signer's email. GET shows a button (mail scanners follow links; they do not
    press buttons); POST confirms."""
    signature = services.signature_for_token(token)
    if signature is None or signature.petition.status not in PUBLIC_STATUSES:
        return render(request, "petitions/bad_link.html", status=404)
    if request.method == "POST":
        if limited := rate_limited(request, "petition-confirm", conf.sign_rate()):
            return limited
        try:
            services.signature_confirm(signature=signature)
        except ValidationError as exc:
            return render(
                request,
                "petitions/problem.html",
                {"petition": signature.petition, "messages_": exc.messages},
                status=400,
            )
        return redirect("petitions:signed", number=signature.petition_id)
    if signature.state == SignatureState.COUNTED:
        return redirect("petitions:signed", number=signature.petition_id)
    return render(request, "petitions/confirm.html", {"petition": signature.petition, "signature": signature})


@login_required
@require_POST
def withdraw(request: HttpRequest, number: int) -> HttpResponse:
    petition = access(petition_policy, request.user, "view", pk=number)
    signature = selectors.signature_of(petition, request.user)
    if signature is None:
        raise Http404
    try:
        services.signature_withdraw(actor=request.user, signature=signature)
    except ValidationError as exc:
        return render(request, "petitions/problem.html", {"petition": petition, "messages_": exc.messages}, status=400)
    return render(request, "petitions/withdrawn.html", {"petition": petition})


@require_http_methods(["GET", "POST"])
def withdraw_email(request: HttpRequest, token: str) -> HttpResponse:
    signature = services.signature_for_token(token)
    if signature is None or signature.user_id is not None or signature.petition.status not in PUBLIC_STATUSES:
        return render(request, "petitions/bad_link.html", status=404)
    petition = signature.petition
    if request.method == "POST":
        try:
            services.signature_withdraw(actor=None, signature=signature)
        except ValidationError as exc:
            return render(
                request, "petitions/problem.html", {"petition": petition, "messages_": exc.messages}, status=400
            )
        return render(request, "petitions/withdrawn.html", {"petition": petition})
    return render(request, "petitions/withdraw_confirm.html", {"petition": petition, "signature": signature})


# --- starting a petition -----------------------------------------------------------------


def _may_start_or_page(request: HttpRequest) -> HttpResponse | None:
    if not services.may_start(request.user):
        return render(request, "petitions/verify_first.html", status=403)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    if refused := _may_start_or_page(request):
        return refused
    draft = request.session.get(DRAFT_KEY) or {}
    initial = {k: draft.get(k) for k in ("agency", "title", "action", "background") if draft.get(k)}
    form = PetitionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        draft.update(
            agency=data["agency"].pk, title=data["title"], action=data["action"], background=data["background"]
        )
        request.session[DRAFT_KEY] = draft
        return redirect("petitions:start_sponsors")
    return render(request, "petitions/start.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def start_sponsors(request: HttpRequest) -> HttpResponse:
    if refused := _may_start_or_page(request):
        return refused
    draft = request.session.get(DRAFT_KEY) or {}
    if not draft.get("title"):
        return redirect("petitions:start")
    form = SponsorsForm(request.POST or None, initial={"sponsors": "\n".join(draft.get("sponsors", []))})
    if request.method == "POST" and form.is_valid():
        emails, error = services.validate_sponsor_emails(form.emails(), author_email=request.user.email)
        if error:
            form.add_error("sponsors", error)
        else:
            draft["sponsors"] = emails
            request.session[DRAFT_KEY] = draft
            return redirect("petitions:start_check")
    return render(request, "petitions/start_sponsors.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def start_check(request: HttpRequest) -> HttpResponse:
    """Check your answers, with the petitions already like this one, then create it."""
    if refused := _may_start_or_page(request):
        return refused
    draft = request.session.get(DRAFT_KEY) or {}
    if not draft.get("title"):
        return redirect("petitions:start")
    if not draft.get("sponsors"):
        return redirect("petitions:start_sponsors")
    agency = Agency.objects.filter(pk=draft.get("agency"), is_active=True).first()
    errors: list[str] = []
    if request.method == "POST":
        if limited := rate_limited(request, "petition-start", conf.start_rate()):
            return limited
        try:
            token = uuid.UUID(request.POST.get("create_token", ""))
        except ValueError:
            token = None
        if token is not None:
            try:
                petition = services.petition_create(
                    actor=request.user,
                    agency=agency,
                    title=draft["title"],
                    action=draft["action"],
                    background=draft["background"],
                    sponsor_emails=draft["sponsors"],
                    create_token=token,
                )
            except ValidationError as exc:
                errors = exc.messages
            except PermissionDenied:
                return render(request, "petitions/verify_first.html", status=403)
            else:
                request.session.pop(DRAFT_KEY, None)
                return redirect("petitions:created", number=petition.pk)
        else:
            errors = [_("Something went wrong. Check your answers and try again.")]
    if "create_token" not in draft:  # one token per draft: a second click or a reload makes no second petition
        draft["create_token"] = str(uuid.uuid4())
        request.session[DRAFT_KEY] = draft
    similar = selectors.similar_petitions(f"{draft['title']} {draft['action']}")
    return render(
        request,
        "petitions/start_check.html",
        {
            "draft": draft,
            "agency": agency,
            "similar": similar,
            "create_token": draft["create_token"],
            "errors": errors,
        },
    )


@login_required
@require_GET
def created(request: HttpRequest, number: int) -> HttpResponse:
    petition = access(petition_policy, request.user, "edit", view_action="edit", pk=number)
    return render(request, "petitions/created.html", {"petition": petition, "sponsors": petition.sponsors.all()})


@login_required
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "petitions/mine.html",
        {
            "started": selectors.petitions_by_author(request.user),
            "signed": selectors.signed_by(request.user)[:50],
            "sponsors_required": conf.sponsors_required(),
        },
    )


@require_http_methods(["GET", "POST"])
def sponsor(request: HttpRequest, token: str) -> HttpResponse:
    """The link emailed to a supporter: sign in, then support (or not) the petition."""
    found = services.sponsor_for_token(token)
    if found is None or found.petition.status == Status.REJECTED:
        return render(request, "petitions/bad_link.html", status=404)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    petition = found.petition
    errors: list[str] = []
    if request.method == "POST":
        try:
            services.sponsor_confirm(actor=request.user, sponsor=found)
        except ValidationError as exc:
            errors = exc.messages
        except PermissionDenied:
            raise Http404 from None
        else:
            return render(request, "petitions/sponsor_done.html", {"petition": petition})
    return render(
        request,
        "petitions/sponsor.html",
        {"petition": petition, "sponsor": found, "errors": errors, "done": found.confirmed_at is not None},
    )
