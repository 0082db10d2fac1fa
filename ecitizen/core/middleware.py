from __future__ import annotations

import re
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ecitizen.core import context

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def client_ip(request) -> str | None:
    """The visitor's address, honouring ALLAUTH_TRUSTED_PROXY_COUNT proxies (X-Forwarded-For)."""
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter().get_client_ip(request) or None
    except PermissionDenied:
        return None


class RequestIdMiddleware:
    """Give every request an id (or keep a well-formed one from the proxy) and its client IP.

    Audit rows and log lines carry both; the id is echoed in ``X-Request-ID``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = context.set_current(context.RequestContext(request_id=request_id, ip=client_ip(request)))
        try:
            response = self.get_response(request)
        finally:
            context.reset(token)
        response["X-Request-ID"] = request_id
        return response


class UserLanguageMiddleware:
    """Signed-in people get the language saved on their profile, on every device."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from ecitizen.accounts.selectors import preferred_language_for

            language = preferred_language_for(user)
            if language and language != translation.get_language():
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


def session_used_mfa(request) -> bool:
    """Did the person signed in to this session pass a second factor (TOTP, passkey, recovery code)?"""
    from allauth.account.authentication import get_authentication_records

    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


class StaffMFARequiredMiddleware:
    """No back-office page (``/staff/``, the Django admin) without a second factor.

    Staff who have not set up MFA are sent to set it up; staff who have, but
    whose session was opened without it (a password-only sign-in through any
    door), are asked for their second factor. The page they wanted is kept.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_URL.lstrip("/")
        self.prefixes = ("/staff/", self.admin_prefix)

    def __call__(self, request):
        if request.path.startswith(self.prefixes) and request.user.is_authenticated:
            from allauth.mfa.utils import is_mfa_enabled

            from ecitizen.agencies.selectors import user_is_staff

            if user_is_staff(request.user):
                if not is_mfa_enabled(request.user):
                    messages.warning(
                        request,
                        _("Staff must set up two-factor authentication before using the back office."),
                    )
                    return redirect(reverse("mfa_index"))
                if not session_used_mfa(request):
                    return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
