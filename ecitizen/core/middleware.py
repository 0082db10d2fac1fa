from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ecitizen.core import context

_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


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
        token = context.set_current(
            context.RequestContext(request_id=request_id, ip=request.META.get("REMOTE_ADDR") or None)
        )
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


class StaffMFARequiredMiddleware:
    """No back-office page (``/staff/``, the Django admin) for staff without MFA.

    Staff who have not set up a second factor are sent to set one up; the
    page they wanted is kept so they land there afterwards.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefixes = ("/staff/", "/" + settings.ADMIN_URL.lstrip("/"))

    def __call__(self, request):
        if request.path.startswith(self.prefixes) and request.user.is_authenticated:
            from allauth.mfa.utils import is_mfa_enabled

            from ecitizen.agencies.selectors import user_is_staff

            if user_is_staff(request.user) and not is_mfa_enabled(request.user):
                messages.warning(
                    request,
                    _("Staff must set up two-factor authentication before using the back office."),
                )
                return redirect(reverse("mfa_index"))
        return self.get_response(request)
