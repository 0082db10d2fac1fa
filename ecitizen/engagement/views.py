"""The hub of Have your say: what is open now in each engagement app, and the code of conduct."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ecitizen.engagement.consultations.selectors import open_consultations
from ecitizen.engagement.discussions.selectors import boards_public
from ecitizen.engagement.petitions.selectors import public_petitions

HUB_LIST = 5


@require_GET
def hub(request: HttpRequest) -> HttpResponse:
    """Open consultations (closing soonest first), the open petitions with most signatures, and
    the open discussion boards: a few of each, with a link to all of them."""
    context = {
        "consultations": list(open_consultations()[:HUB_LIST]),
        "petitions": list(public_petitions(state="open")[:HUB_LIST]),
        "boards": [b for b in boards_public()[:HUB_LIST] if b.is_open],
    }
    return render(request, "engagement/hub.html", context)


@require_GET
def code_of_conduct(request: HttpRequest) -> HttpResponse:
    return render(request, "engagement/code_of_conduct.html")
