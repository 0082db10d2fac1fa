from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ecitizen.dashboard.selectors import dashboard_for


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """``/``: the public home page for visitors, a personal dashboard once signed in."""
    if not request.user.is_authenticated:
        return render(request, "core/home.html")
    return render(request, "dashboard/home.html", {"dashboard": dashboard_for(request.user)})
