"""Platform admins register Open311 apps and revoke their keys (under /staff/, so MFA is required).

Only superusers manage keys; everyone else gets 404, as for any page outside
their scope. A new key is shown once, on the page that answers the POST that
made it (never stored, never put in a redirect or the session) and that page
is not cached.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ecitizen.reports.models import ApiClient
from ecitizen.reports.open311.forms import ApiClientForm
from ecitizen.reports.open311.keys import api_client_issue, api_client_revoke
from ecitizen.reports.open311.views import base_url


def _require_platform_admin(request) -> None:
    if not request.user.is_superuser:
        raise Http404


@login_required
@require_GET
def client_list(request):
    _require_platform_admin(request)
    clients = ApiClient.objects.select_related("created_by").order_by("-is_active", "name", "pk")
    return render(request, "reports/open311/client_list.html", {"clients": clients, "api_url": base_url()})


@login_required
@require_http_methods(["GET", "POST"])
def client_issue(request):
    _require_platform_admin(request)
    form = ApiClientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            client, raw_key = api_client_issue(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            response = render(
                request,
                "reports/open311/client_issued.html",
                {"client": client, "raw_key": raw_key, "api_url": base_url()},
            )
            add_never_cache_headers(response)
            return response
    return render(request, "reports/open311/client_issue.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def client_revoke(request, pk: int):
    _require_platform_admin(request)
    client = get_object_or_404(ApiClient, pk=pk)
    if request.method == "POST":
        api_client_revoke(actor=request.user, client=client)
        messages.success(request, _("The key of %(name)s no longer works.") % {"name": client.name})
        return redirect("open311_staff:clients")
    return render(request, "reports/open311/client_revoke.html", {"client": client})
