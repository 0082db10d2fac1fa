from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from allauth.mfa.utils import is_mfa_enabled
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.accounts import selectors, services
from ecitizen.accounts.forms import IdentityDetailsForm, ProfileForm
from ecitizen.core.ratelimits import rate_limited
from ecitizen.core.site_paths import site_path


@login_required
def overview(request):
    profile = selectors.profile_for(request.user)
    return render(
        request,
        "accounts/overview.html",
        {
            "profile": profile,
            "identity_level": selectors.identity_level_for(request.user),
            "mfa_enabled": is_mfa_enabled(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    profile = selectors.profile_for(request.user)
    initial = {field: getattr(profile, field) for field in services.PROFILE_FIELDS}
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.profile_update(actor=request.user, user=request.user, data=form.cleaned_data)
        messages.success(request, _("Your details have been saved."))
        return redirect("accounts:overview")
    return render(request, "accounts/profile_edit.html", {"form": form, "profile": profile})


def _next_path(request) -> str:
    """The page to go back to after verifying (a service's start page): a path on this site, or ""."""
    return site_path(request.POST.get("next", request.GET.get("next", "")), "") or ""


@login_required
@require_http_methods(["GET", "POST"])
def identity_verify(request):
    level = selectors.identity_level_for(request.user)
    next_path = _next_path(request)
    if level == "verified":
        return render(
            request,
            "accounts/identity_verified.html",
            {"profile": selectors.profile_for(request.user), "next_path": next_path},
        )
    profile = selectors.profile_for(request.user)
    form = IdentityDetailsForm(
        request.POST if request.method == "POST" else None,
        initial={
            "given_name": profile.given_name,
            "family_name": profile.family_name,
            "date_of_birth": profile.date_of_birth,
        },
    )
    if request.method == "POST":
        limited = rate_limited(request, "identity_verify", "5/h/user")
        if limited is not None:
            return limited
        if form.is_valid():
            try:
                services.identity_verify_with_register(user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Your identity has been verified."))
                return redirect(next_path or "accounts:overview")
    return render(request, "accounts/identity_verify.html", {"form": form, "level": level, "next_path": next_path})


@login_required
def security(request):
    return render(
        request,
        "accounts/security.html",
        {
            "mfa_enabled": is_mfa_enabled(request.user),
            "events": selectors.security_events_for(request.user),
        },
    )


@login_required
@require_GET
def sessions(request):
    user_sessions = UserSession.objects.purge_and_list(request.user)
    return render(request, "accounts/sessions.html", {"user_sessions": user_sessions})


@login_required
@require_POST
@reauthentication_required
def sessions_end_others(request):
    count = services.other_sessions_end(user=request.user, current_session_key=request.session.session_key)
    messages.success(
        request,
        ngettext(
            "You have been signed out on %(count)d other device.",
            "You have been signed out on %(count)d other devices.",
            count,
        )
        % {"count": count},
    )
    return redirect("accounts:sessions")


@login_required
def language(request):
    return render(request, "accounts/language.html")


@require_POST
def set_language(request):
    """Switch language: a cookie for everyone, and the profile for signed-in people."""
    language = request.POST.get("language", "")
    next_url = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = "/"
    response = HttpResponseRedirect(next_url)
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated:
        services.language_set(user=request.user, language=language)
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 60 * 60,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        httponly=True,
    )
    return response
