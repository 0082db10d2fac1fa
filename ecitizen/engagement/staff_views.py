"""The back-office hub of Have your say: one page that links each engagement area a member of
staff's roles open, so that the header needs one menu item for all of them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ecitizen.engagement.areas import staff_areas_for


@login_required
@require_GET
def hub(request: HttpRequest) -> HttpResponse:
    areas = staff_areas_for(request.user)
    if not areas:
        # Citizens and staff without a role here: the page does not exist for them.
        raise Http404
    return render(request, "engagement/staff_hub.html", {"areas": areas})
