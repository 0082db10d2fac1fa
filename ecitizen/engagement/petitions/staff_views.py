"""Petitions' back office, under /staff/petitions/: moderators publish or reject petitions and review
flagged signatures; agency admins answer petitions and schedule debates. Every petition is fetched
through the policy (404 outside the user's agencies); every change is a POST to an audited service.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.core.policies import access
from ecitizen.engagement.petitions import conf, selectors, services
from ecitizen.engagement.petitions.forms import DebateForm, RejectForm, ResponseForm, ReviewForm
from ecitizen.engagement.petitions.models import Petition, Signature
from ecitizen.engagement.petitions.policies import petition_policy
from ecitizen.engagement.petitions.views import _add_errors


def _staff_petition(request: HttpRequest, number: int, action: str = "staff") -> Petition:
    if not petition_policy.can(request.user, "staff"):
        raise Http404
    return access(petition_policy, request.user, action, view_action="staff", pk=number)


def _page(request: HttpRequest, petition: Petition, **extra) -> dict:
    count = selectors.signature_count(petition)
    user = request.user
    return {
        "petition": petition,
        "count": count,
        "progress": selectors.progress(petition, count),
        "removed": selectors.removed_counts(petition),
        "thresholds": selectors.threshold_states(petition) if petition.is_public else [],
        "to_review": selectors.flagged_signatures(petition).count(),
        "may_moderate": petition_policy.can_for(user, "moderate", petition),
        "may_respond": petition_policy.can_for(user, "respond", petition) and petition.responded_at is None,
        "may_debate": petition_policy.can_for(user, "schedule_debate", petition)
        and count >= conf.debate_threshold()
        and petition.debate_scheduled_at is None,
        "may_change_debate": petition_policy.can_for(user, "schedule_debate", petition)
        and petition.debate_scheduled_at is not None
        and petition.debate_date is not None
        and petition.debate_date >= timezone.localdate(),
        "response_emails": selectors.response_email_counts(petition) if petition.responded_at else None,
        "may_review": petition_policy.can_for(user, "review_signatures", petition),
        "reject_form": RejectForm(),
        **extra,
    }


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    if not petition_policy.can(request.user, "staff"):
        raise Http404
    queue = selectors.staff_queue(petition_policy.scope(request.user, "staff"))
    return render(request, "petitions/staff/index.html", {"queue": queue})


@login_required
@require_GET
def detail(request: HttpRequest, number: int) -> HttpResponse:
    petition = _staff_petition(request, number)
    return render(request, "petitions/staff/detail.html", _page(request, petition))


@login_required
@require_POST
def publish(request: HttpRequest, number: int) -> HttpResponse:
    petition = _staff_petition(request, number, "moderate")
    services.petition_publish(actor=request.user, petition=petition)
    messages.success(request, _("The petition is open for signatures."))
    return redirect("petitions_staff:detail", number=petition.pk)


@login_required
@require_POST
def reject(request: HttpRequest, number: int) -> HttpResponse:
    petition = _staff_petition(request, number, "moderate")
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.petition_reject(actor=request.user, petition=petition, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The petition is rejected. Its author has been told why."))
            return redirect("petitions_staff:index")
    return render(request, "petitions/staff/detail.html", _page(request, petition, reject_form=form), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, number: int) -> HttpResponse:
    petition = _staff_petition(request, number, "respond")
    form = ResponseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.petition_respond(actor=request.user, petition=petition, text=form.cleaned_data["response"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The response is published. Everyone who signed will be told."))
            return redirect("petitions_staff:detail", number=petition.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "petitions/staff/respond.html", {"petition": petition, "form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def debate(request: HttpRequest, number: int) -> HttpResponse:
    petition = _staff_petition(request, number, "schedule_debate")
    # Once scheduled, the debate can be changed even if the count has since fallen back.
    changing = petition.debate_scheduled_at is not None
    if not changing and selectors.signature_count(petition) < conf.debate_threshold():
        raise PermissionDenied
    initial = {"date": petition.debate_date, "place": petition.debate_place} if changing else None
    form = DebateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        before = (petition.debate_date, petition.debate_place)
        try:
            services.petition_schedule_debate(actor=request.user, petition=petition, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if not changing:
                messages.success(request, _("The debate is scheduled and shown on the petition."))
            elif before == (form.cleaned_data["date"], form.cleaned_data["place"].strip()):
                messages.info(request, _("Nothing changed: the debate already had that date and place."))
            else:
                messages.success(request, _("The debate is changed. Its followers have been told."))
            return redirect("petitions_staff:detail", number=petition.pk)
    status = 400 if request.method == "POST" else 200
    context = {"petition": petition, "form": form, "changing": changing}
    return render(request, "petitions/staff/debate.html", context, status=status)


def _flagged_page(request: HttpRequest, petition: Petition, forms: dict | None = None, status: int = 200):
    signatures = list(selectors.flagged_signatures(petition)[:100])
    forms = forms or {}
    rows = [(s, selectors.flag_label(s.flag), forms.get(s.pk) or ReviewForm(prefix=f"s{s.pk}")) for s in signatures]
    return render(
        request,
        "petitions/staff/flagged.html",
        {"petition": petition, "rows": rows, "removed": selectors.removed_counts(petition)},
        status=status,
    )


@login_required
@require_GET
def flagged(request: HttpRequest, number: int) -> HttpResponse:
    petition = _staff_petition(request, number, "review_signatures")
    return _flagged_page(request, petition)


@login_required
@require_POST
def review(request: HttpRequest, number: int, signature_id: int) -> HttpResponse:
    petition = _staff_petition(request, number, "review_signatures")
    signature = Signature.objects.filter(pk=signature_id, petition=petition).first()
    if signature is None:
        raise Http404
    form = ReviewForm(request.POST, prefix=f"s{signature.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.signature_review(
                actor=request.user,
                signature=signature,
                remove=data["decision"] == "remove",
                reason=data["reason"],
                note=data["note"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Your decision is recorded."))
            return redirect("petitions_staff:flagged", number=petition.pk)
    return _flagged_page(request, petition, {signature.pk: form}, status=400)
