from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ecitizen.privacy.selectors import access_log_for


@login_required
@require_GET
def access_log(request):
    page = Paginator(access_log_for(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "privacy/access_log.html", {"page": page})
