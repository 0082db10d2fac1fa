"""Alerts and the "has it been fixed?" questionnaire: public pages under /reports/.

Links emailed to people (confirm an alert, unsubscribe, answer the
questionnaire) never change anything on GET: mail scanners and link previews
follow links, so every such link opens a page whose button POSTs. The one
exception is the RFC 8058 one-click unsubscribe that mail programs send as a
POST without a CSRF token; :func:`unsubscribe` accepts it because the signed
token in its address is the whole of its authority.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ecitizen.core.ratelimits import rate_limited
from ecitizen.exchange import selectors as exchange_selectors
from ecitizen.reports import alerts
from ecitizen.reports import questionnaire as questionnaires
from ecitizen.reports.alert_forms import AddressLookupForm, AreaAlertForm, FollowForm, PlaceAlertForm, QuestionnaireForm
from ecitizen.reports.models import AlertKind, QuestionnaireAnswer, Report, Status

SUBSCRIBE_RATE = "20/h/ip"
ANSWER_RATE = "30/h/ip"

# Service error keys -> form fields.
_FIELD_FOR = {"location": "latitude", "radius_m": "radius_m", "email": "email", "area": "area"}


def _language() -> str:
    return (translation.get_language() or "en").split("-")[0]


def _apply_errors(form, exc: ValidationError) -> None:
    for key, messages_ in exc.message_dict.items():
        field = _FIELD_FOR.get(key)
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


def _invalid_link(request):
    return render(request, "reports/alerts/invalid_link.html", status=400)


def _subscribed(request, alert, *, next_url: str):
    # Only a signed-in person with a confirmed email is told the alert is on: anyone else
    # always sees "check your email", so the page never reveals what an address subscribes to.
    if alert.is_active and request.user.is_authenticated and request.user.email.lower() == alert.email.lower():
        messages.success(request, _("Your alert is set up. We will email %(email)s.") % {"email": alert.email})
        return redirect(next_url)
    return render(request, "reports/alerts/check_email.html", {"alert": alert})


@require_http_methods(["GET"])
def alerts_home(request):
    """What alerts are; a signed-in person's own alerts, each with a button to stop it."""
    own = [{"alert": alert, "token": alerts.unsubscribe_token(alert)} for alert in alerts.alerts_for_user(request.user)]
    return render(request, "reports/alerts/home.html", {"own_alerts": own})


@require_http_methods(["GET", "POST"])
def alert_new(request):
    """Subscribe to new reports near a place (an address or a latitude and longitude) or in an area."""
    signed_in = request.user.is_authenticated
    lookup = AddressLookupForm(request.GET or None)
    query = ""
    if request.method == "POST":
        query = request.POST.get("place-q", "").strip()[:100]
    elif lookup.is_valid():
        query = lookup.cleaned_data["q"].strip()
    found = exchange_selectors.address_search_page(query, per_page=10) if query else None
    addresses = found.items if found else []
    place_form = PlaceAlertForm(prefix="place", addresses=addresses, signed_in=signed_in, initial={"q": query})
    area_form = AreaAlertForm(prefix="area", signed_in=signed_in)
    searched = bool(query)

    if request.method == "POST":
        limited = rate_limited(request, "report_alert_subscribe", SUBSCRIBE_RATE)
        if limited:
            return limited
        kind = request.POST.get("kind")
        if kind == AlertKind.AREA:
            area_form = AreaAlertForm(request.POST, prefix="area", signed_in=signed_in)
            form = area_form
            values = {"area": area_form.cleaned_data["area"]} if area_form.is_valid() else None
        else:
            kind = AlertKind.RADIUS
            place_form = PlaceAlertForm(request.POST, prefix="place", addresses=addresses, signed_in=signed_in)
            form = place_form
            values = None
            if place_form.is_valid():
                data = place_form.cleaned_data
                values = {"latitude": data["latitude"], "longitude": data["longitude"], "radius_m": data["radius_m"]}
                if data.get("address"):
                    address = exchange_selectors.address_get(data["address"])
                    if address is None:
                        place_form.add_error("address", _("Choose one of the addresses found"))
                        values = None
                    else:
                        values.update(latitude=address.latitude, longitude=address.longitude)
        if values is not None:
            try:
                alert = alerts.alert_subscribe(
                    actor=request.user,
                    kind=kind,
                    email=form.cleaned_data.get("email", ""),
                    language=_language(),
                    **values,
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                return _subscribed(request, alert, next_url=reverse("reports:alerts"))
    error_form = area_form if area_form.errors else place_form
    return render(
        request,
        "reports/alerts/new.html",
        {
            "lookup_form": lookup,
            "place_form": place_form,
            "area_form": area_form,
            "error_form": error_form,
            "error_count": len(error_form.errors),
            "searched": searched,
            "addresses": addresses,
            "address_total": found.total if found else 0,
        },
    )


@require_http_methods(["GET", "POST"])
def follow(request, pk: int):
    """Follow one public report: an email for each public update."""
    report = get_object_or_404(Report.objects.select_related("category"), pk=pk, is_public=True)
    signed_in = request.user.is_authenticated
    form = FollowForm(request.POST if request.method == "POST" else None, signed_in=signed_in)
    if request.method == "POST":
        limited = rate_limited(request, "report_alert_subscribe", SUBSCRIBE_RATE)
        if limited:
            return limited
        if form.is_valid():
            try:
                alert = alerts.alert_subscribe(
                    actor=request.user,
                    kind=AlertKind.REPORT,
                    email=form.cleaned_data.get("email", ""),
                    language=_language(),
                    report=report,
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                return _subscribed(request, alert, next_url=reverse("reports:detail", args=[report.pk]))
    return render(request, "reports/alerts/follow.html", {"report": report, "form": form})


@require_http_methods(["GET", "POST"])
def alert_confirm(request, token: str):
    """The link in the confirmation email: a page with a button (GET changes nothing)."""
    alert = alerts.alert_for_token("alert", token)
    if alert is None:
        return _invalid_link(request)
    if request.method == "POST":
        alert = alerts.alert_confirm(token=token)
        if alert is None:
            return _invalid_link(request)
        return render(request, "reports/alerts/confirmed.html", {"alert": alert})
    return render(request, "reports/alerts/confirm.html", {"alert": alert})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """Stop an alert. GET shows one button; POST (that button, or a mail program's one-click) stops it.

    CSRF protection is off for this view alone: RFC 8058 mail programs POST
    ``List-Unsubscribe=One-Click`` without a token. The signed token in the
    address authenticates the request, and unsubscribing twice is harmless.
    """
    alert = alerts.alert_for_token("unsubscribe", token)
    if alert is None:
        return _invalid_link(request)
    if request.method == "POST":
        alert = alerts.alert_unsubscribe(token=token, actor=request.user)
        if alert is None:
            return _invalid_link(request)
        if request.POST.get("next") == "alerts" and request.user.is_authenticated:
            messages.success(request, _("You will no longer get this alert."))
            return redirect("reports:alerts")
        return render(request, "reports/alerts/unsubscribed.html", {"alert": alert})
    return render(request, "reports/alerts/unsubscribe.html", {"alert": alert})


@require_http_methods(["GET", "POST"])
def questionnaire(request, token: str):
    """Answer "has it been fixed?" from the emailed link.

    GET only shows the question (the answer in ``?answer=`` is preselected):
    mail scanners and link previews follow links, so a GET must never record
    an answer. The POST records it, once.
    """
    found = questionnaires.questionnaire_for_token(token)
    if found is None:
        return _invalid_link(request)
    if found.answered_at is not None:
        return render(request, "reports/questionnaire/answered.html", {"questionnaire": found})
    report = found.report
    if request.method == "POST":
        limited = rate_limited(request, "report_questionnaire", ANSWER_RATE)
        if limited:
            return limited
        form = QuestionnaireForm(request.POST)
        before = report.status
        if form.is_valid():
            try:
                done = questionnaires.questionnaire_answer(
                    token=token,
                    answer=form.cleaned_data["answer"],
                    comment=form.cleaned_data["comment"],
                    actor=request.user,
                )
            except questionnaires.QuestionnaireInvalid:
                return _invalid_link(request)
            except questionnaires.QuestionnaireAlreadyAnswered as exc:
                return render(request, "reports/questionnaire/answered.html", {"questionnaire": exc.questionnaire})
            except ValidationError as exc:
                for key, messages_ in exc.message_dict.items():
                    for message in messages_:
                        form.add_error(key if key in form.fields else None, message)
            else:
                report.refresh_from_db()
                return render(
                    request,
                    "reports/questionnaire/done.html",
                    {
                        "questionnaire": done,
                        "report": report,
                        "fixed": done.answer == QuestionnaireAnswer.FIXED,
                        "reopened": before != report.status and report.status == Status.OPEN,
                    },
                )
    else:
        answer = request.GET.get("answer")
        form = QuestionnaireForm(initial={"answer": answer} if answer in QuestionnaireAnswer.values else {})
    return render(request, "reports/questionnaire/form.html", {"form": form, "report": report})
