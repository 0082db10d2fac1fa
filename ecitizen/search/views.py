"""The site search page, /search/?q=…[&kind=…][&page=…]. No sign-in; GET only; works without JavaScript."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ecitizen.core.ratelimits import rate_limited
from ecitizen.search.forms import SearchForm
from ecitizen.search.selectors import kinds, site_search

RESULTS_PER_PAGE = 20
# How many results of each kind the "all results" page shows before "See all …".
RESULTS_PER_GROUP = 5

# Where the search page sends people who have not found what they want.
PLACES = [
    ("catalogue:index", _("Find a service")),
    ("reports:new", _("Report a problem")),
    ("fees:schedule", _("Fees and taxes")),
    ("payments:index", _("Pay a bill")),
    ("documents:verify", _("Verify a document")),
]


def _places() -> list[tuple[str, str]]:
    found = []
    for name, label in PLACES:
        try:
            found.append((reverse(name), label))
        except NoReverseMatch:
            continue
    return found


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET if "q" in request.GET else None)
    query = " ".join(form.cleaned_data["q"].split()) if form.is_bound and form.is_valid() else ""
    known = dict(kinds())
    kind = request.GET.get("kind", "")
    kind = kind if kind in known else ""
    context = {"form": form, "query": query, "kind": kind, "places": _places(), "per_group": RESULTS_PER_GROUP}
    if query:
        # Searching is cheap, but a misspelt query probes every provider for suggestions.
        limited = rate_limited(request, "site_search", "120/m/ip")
        if limited is not None:
            return limited
        outcome = site_search(query, language=translation.get_language(), user=request.user)
        base = reverse("search:index")
        filters = [
            {
                "kind": "",
                "label": _("All results"),
                "count": outcome.total,
                "url": f"{base}?{urlencode({'q': query})}",
                "current": not kind,
            }
        ] + [
            {
                "kind": group.kind,
                "label": group.label,
                "count": group.count,
                "url": f"{base}?{urlencode({'q': query, 'kind': group.kind})}",
                "current": group.kind == kind,
            }
            for group in outcome.groups
        ]
        context.update(outcome=outcome, filters=filters)
        if kind:
            group = outcome.group(kind)
            context.update(
                kind_label=known[kind],
                page=Paginator(group.results if group else [], RESULTS_PER_PAGE).get_page(request.GET.get("page")),
                page_query=urlencode({"q": query, "kind": kind}),
            )
    return render(request, "search/results.html", context)
