"""The public catalogue: search, browse, and each service's start page. No sign-in needed.

Everything shown comes from the services' published versions, never from
the drafts their agencies are editing.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from ecitizen.catalogue.forms import SearchForm
from ecitizen.catalogue.models import Category, Service
from ecitizen.catalogue.selectors import (
    categories_in_use,
    category_by_slug,
    life_event_by_slug,
    life_events_in_use,
    published_services,
    service_for_apply,
)
from ecitizen.core.i18n import pick

RESULTS_PER_PAGE = 20


def _by_title(services) -> list[Service]:
    return sorted(services, key=lambda s: pick(s.current_version.snapshot.get("title")).casefold())


def _start_url(slug: str) -> str:
    """Where "Start now" leads: the cases app's start route (a fixed path until it exists)."""
    try:
        return reverse("cases:start", args=[slug])
    except NoReverseMatch:
        return f"/applications/start/{slug}/"


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET if "q" in request.GET else None)
    query = form.cleaned_data["q"].strip() if form.is_bound and form.is_valid() else ""
    context = {"form": form, "query": query}
    if query:
        page = Paginator(_by_title(published_services(query=query)), RESULTS_PER_PAGE).get_page(request.GET.get("page"))
        context.update(page=page, query_string=urlencode({"q": query}))
    else:
        context.update(categories=categories_in_use(), life_events=life_events_in_use())
    return render(request, "catalogue/index.html", context)


@require_GET
def category(request: HttpRequest, slug: str) -> HttpResponse:
    found = category_by_slug(slug)
    if found is None:
        raise Http404
    services = _by_title(published_services(category=found))
    return render(request, "catalogue/category.html", {"category": found, "services": services})


@require_GET
def life_event(request: HttpRequest, slug: str) -> HttpResponse:
    found = life_event_by_slug(slug)
    if found is None:
        raise Http404
    services = _by_title(published_services(life_event=found))
    return render(request, "catalogue/life_event.html", {"life_event": found, "services": services})


@require_GET
def start(request: HttpRequest, slug: str) -> HttpResponse:
    service, version = service_for_apply(slug)
    snapshot = version.snapshot
    return render(
        request,
        "catalogue/start.html",
        {
            "service": service,
            "version": version,
            "snapshot": snapshot,
            "category": Category.objects.filter(slug=snapshot.get("category")).first(),
            "life_events": service.life_events.all(),
            "start_url": _start_url(service.slug),
        },
    )
