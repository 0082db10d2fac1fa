from __future__ import annotations

import re
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html")


@require_GET
def cookies(request: HttpRequest) -> HttpResponse:
    return render(request, "core/cookies.html")


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.html")


@require_GET
def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.html")


@require_GET
@cache_control(max_age=300, public=True)
def brand_css(request: HttpRequest) -> HttpResponse:
    """The deployment's colours as CSS custom properties over GOV.UK Frontend's.

    Served as a stylesheet (not inline) so the CSP needs no 'unsafe-inline'.
    Colours that are not plain #rrggbb are ignored rather than injected.
    """
    brand = settings.PLATFORM_BRAND_COLOUR if _HEX_COLOUR.match(settings.PLATFORM_BRAND_COLOUR) else "#1d5b79"
    link = settings.PLATFORM_LINK_COLOUR if _HEX_COLOUR.match(settings.PLATFORM_LINK_COLOUR) else "#1a5a96"
    css = loader.render_to_string("core/brand.css", {"brand": brand, "link": link})
    return HttpResponse(css, content_type="text/css; charset=utf-8")


def admin_login(request: HttpRequest) -> HttpResponse:
    """Send the Django admin's sign-in to the platform's, where MFA is enforced."""
    from django.urls import reverse

    next_url = request.GET.get("next") or "/" + settings.ADMIN_URL.lstrip("/")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    return HttpResponseRedirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


def _error(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return render(request, template, status=status)


def bad_request(request, exception=None):
    return _error(request, "errors/400.html", 400)


def permission_denied(request, exception=None):
    return _error(request, "errors/403.html", 403)


def page_not_found(request, exception=None):
    return _error(request, "errors/404.html", 404)


def server_error(request):
    # Rendered with a minimal context: the failure may lie in what a full one needs.
    template = loader.get_template("errors/500.html")
    return HttpResponse(template.render({"PLATFORM_NAME": settings.PLATFORM_NAME}), status=500)


def too_many_requests(request, exception=None):
    """allauth's limits (sign-in, sign-up, resets) are at most five minutes long."""
    from ecitizen.core.ratelimits import too_many_requests as render_429

    return render_429(request, retry_after=300)
