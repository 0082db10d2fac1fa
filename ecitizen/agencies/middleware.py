"""Request hooks that belong to agencies (listed in ``MIDDLEWARE``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from ecitizen.agencies.selectors import user_is_staff


def session_used_mfa(request) -> bool:
    """Did the person signed in to this session pass a second factor (TOTP, passkey, recovery code)?"""
    from allauth.account.authentication import get_authentication_records

    return any(record.get("method") == "mfa" for record in get_authentication_records(request, request.user))


class StaffMFARequiredMiddleware:
    """No back-office page (``/staff/``, the Django admin) without a second factor.

    Staff who have not set up MFA are sent to set it up; staff who have, but
    whose session was opened without it (a password-only sign-in through any
    door), are asked for their second factor. The page they wanted is kept.
    Goes last in ``MIDDLEWARE``: it needs the user, messages and allauth's
    account middleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.admin_prefix = "/" + settings.ADMIN_URL.lstrip("/")
        self.prefixes = ("/staff/", self.admin_prefix)

    def __call__(self, request):
        if request.path.startswith(self.prefixes) and request.user.is_authenticated:
            from allauth.mfa.utils import is_mfa_enabled

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
