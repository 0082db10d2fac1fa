"""Request hooks that belong to accounts (listed in ``MIDDLEWARE``)."""

from __future__ import annotations

from django.utils import translation

from ecitizen.accounts.selectors import preferred_language_for


class UserLanguageMiddleware:
    """Signed-in people get the language saved on their profile, on every device.

    Goes after ``AuthenticationMiddleware`` (it reads ``request.user``) and after Django's
    ``LocaleMiddleware``, whose cookie-or-header choice it overrides for signed-in people.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = preferred_language_for(user)
            if language and language != translation.get_language():
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
