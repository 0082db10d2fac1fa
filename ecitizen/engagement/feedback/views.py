"""The public pages of service feedback: the question (its own page, for people without the
prompt or with errors to fix) and the thank-you page. The prompt in other apps' pages posts here.
The same two pages answer a rating link, for people without an account (see the ``links`` module)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_GET, require_http_methods

from ecitizen.core.ratelimits import rate_limited
from ecitizen.engagement.feedback import conf, selectors, services
from ecitizen.engagement.feedback.forms import FeedbackForm
from ecitizen.engagement.feedback.transactions import transaction_for, transaction_for_link


def safe_next(request: HttpRequest, value: str | None, default: str) -> str:
    """*value* if it is a path on this site, else *default*."""
    if (
        value
        and value.startswith("/")
        and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return value
    return default


def _put_errors(form: FeedbackForm, exc: ValidationError) -> None:
    for name, messages in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


@login_required
@require_http_methods(["GET", "POST"])
def give(request: HttpRequest, kind: str, reference: str) -> HttpResponse:
    found = transaction_for(request.user, kind, reference)
    if found is None:
        raise Http404
    back = safe_next(request, request.POST.get("next") or request.GET.get("next"), found.url)
    existing = selectors.rating_for(request.user, kind, reference)
    if existing is not None and selectors.month_is_over(existing.month):
        # Final: its month's figures are published. Show the answer instead of the form.
        url = reverse("feedback:thanks", args=[kind, reference])
        return redirect(f"{url}?{urlencode({'next': back})}")
    if request.method == "POST":
        refused = rate_limited(request, "feedback.give", conf.rate_limit())
        if refused:
            return refused
        form = FeedbackForm(request.POST)
        if form.is_valid():
            try:
                services.feedback_give(
                    actor=request.user,
                    kind=kind,
                    reference=reference,
                    answer=form.cleaned_data["answer"],
                    comment=form.cleaned_data["comment"],
                )
            except services.NotRateable as exc:
                raise Http404 from exc
            except ValidationError as exc:
                _put_errors(form, exc)
            else:
                url = reverse("feedback:thanks", args=[kind, reference])
                return redirect(f"{url}?{urlencode({'next': back})}")
        status = 400
    else:
        initial = {"answer": existing.answer, "comment": existing.comment} if existing else None
        form = FeedbackForm(initial=initial)
        status = 200
    return render(
        request,
        "feedback/give.html",
        {"form": form, "transaction": found, "back": back, "existing": existing},
        status=status,
    )


@login_required
@require_GET
def thanks(request: HttpRequest, kind: str, reference: str) -> HttpResponse:
    found = transaction_for(request.user, kind, reference)
    rating = selectors.rating_for(request.user, kind, reference) if found is not None else None
    if rating is None:
        raise Http404
    back = safe_next(request, request.GET.get("next"), found.url)
    change = reverse("feedback:give", args=[kind, reference])
    return render(
        request,
        "feedback/thanks.html",
        {
            "rating": rating,
            "transaction": found,
            "back": back,
            "change_url": f"{change}?{urlencode({'next': back})}",
            "final": selectors.month_is_over(rating.month),
        },
    )


def _bad_link(request: HttpRequest) -> HttpResponse:
    return render(request, "feedback/bad_link.html", status=404)


@require_http_methods(["GET", "POST"])
def give_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """The question for someone without an account, from the signed link emailed to them. The
    link is the whole of their authority: whoever is signed in, the rating names no one."""
    found = transaction_for_link(token)
    if found is None:
        return _bad_link(request)
    existing = selectors.rating_by_link(found)
    thanks_url = reverse("feedback:thanks_by_link", args=[token])
    if existing is not None and selectors.month_is_over(existing.month):
        return redirect(thanks_url)
    if request.method == "POST":
        refused = rate_limited(request, "feedback.give", conf.rate_limit()) or rate_limited(
            request, "feedback.give_by_link", conf.link_rate_limit(), key=f"{found.kind}:{found.reference}"
        )
        if refused:
            return refused
        form = FeedbackForm(request.POST)
        if form.is_valid():
            try:
                services.feedback_give_by_link(
                    token=token, answer=form.cleaned_data["answer"], comment=form.cleaned_data["comment"]
                )
            except services.NotRateable:
                return _bad_link(request)
            except ValidationError as exc:
                _put_errors(form, exc)
            else:
                return redirect(thanks_url)
        status = 400
    else:
        initial = {"answer": existing.answer, "comment": existing.comment} if existing else None
        form = FeedbackForm(initial=initial)
        status = 200
    return render(
        request,
        "feedback/give.html",
        {"form": form, "transaction": found, "back": found.url, "existing": existing, "by_link": True},
        status=status,
    )


@require_GET
def thanks_by_link(request: HttpRequest, token: str) -> HttpResponse:
    found = transaction_for_link(token)
    rating = selectors.rating_by_link(found)
    if rating is None:
        return _bad_link(request)
    return render(
        request,
        "feedback/thanks.html",
        {
            "rating": rating,
            "transaction": found,
            "back": found.url,
            "change_url": reverse("feedback:give_by_link", args=[token]),
            "final": selectors.month_is_over(rating.month),
        },
    )


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Satisfaction with each service over the latest months, for everyone: only the services
    enough people rated (conf: min_ratings_to_show)."""
    return render(
        request,
        "feedback/index.html",
        {
            "rows": selectors.public_satisfaction(),
            "months": conf.start_page_months(),
            "minimum": conf.min_ratings_to_show(),
        },
    )
