"""``?lang=xx`` on any page, and ``/xx/…`` addresses (listed in ``MIDDLEWARE``).

The address rules are in :mod:`ecitizen.core.language_urls`; this applies them:

* ``/es/``, ``/ar/services/?q=x``: redirected to ``/?lang=es``, ``/services/?q=x&lang=ar``
  (GET and HEAD; a real page whose address starts the same way is served as it is);
* ``?lang=xx`` with a language of the site: the page is in that language. For a visitor the
  language cookie remembers it. A signed-in person's account language is never changed by
  following a link (a GET changes nothing): they see that page in the language, and change
  their setting with the switcher's POST form or on their language page (one audited change).

Goes after ``UserLanguageMiddleware``, whose profile language it overrides for this request.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve
from django.utils import translation

from ecitizen.core.language_urls import LANGUAGE_PARAMETER, known_language, prefixed_redirect

LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60


def _resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


class LanguageUrlMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD"):
            target = prefixed_redirect(request)
            if target is not None and not _resolves(request.path_info):
                return HttpResponseRedirect(target)
        language = known_language(request.GET.get(LANGUAGE_PARAMETER))
        if language is None:
            return self.get_response(request)
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return response
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=LANGUAGE_COOKIE_AGE,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            httponly=True,
        )
        return response
