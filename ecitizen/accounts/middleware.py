"""Request hooks that belong to accounts (listed in ``MIDDLEWARE``)."""

from __future__ import annotations

from django.contrib.auth import BACKEND_SESSION_KEY
from django.utils import translation

from ecitizen.accounts.backends import LOADED_LANGUAGE, REPLACED_BACKENDS
from ecitizen.accounts.selectors import preferred_language_for


class UserLanguageMiddleware:
    """Signed-in people get the language saved on their profile, on every device.

    Goes after ``AuthenticationMiddleware`` (it reads ``request.user``) and after Django's
    ``LocaleMiddleware``, whose cookie-or-header choice it overrides for signed-in people.
    The language comes with the user's row (``accounts.backends``), read afresh on every request;
    a user loaded another way has it read here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None:
            # A session signed in before accounts.backends names the backend it extends, no longer
            # listed: point it at ours before the user is loaded, so it stays signed in.
            replacement = REPLACED_BACKENDS.get(session.get(BACKEND_SESSION_KEY))
            if replacement is not None:
                session[BACKEND_SESSION_KEY] = replacement
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = getattr(user, LOADED_LANGUAGE, None)
            if language is None:
                language = preferred_language_for(user)
            if language and language != translation.get_language():
                translation.activate(language)
                request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
