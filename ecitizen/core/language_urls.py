"""Addresses that carry a language: ``?lang=xx`` on any page, and ``/xx/…`` that leads there.

A page in a language is the page's own address with ``?lang=xx``: shareable, works
without JavaScript or cookies, and only ever names a language of ``settings.LANGUAGES``.
``/es/``, ``/fr/services/`` and the like (addresses people guess or other sites use)
redirect to that form. :mod:`ecitizen.accounts.language_urls` applies them to requests.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.utils.encoding import escape_uri_path
from django.utils.http import url_has_allowed_host_and_scheme

LANGUAGE_PARAMETER = "lang"


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def known_language(code: str | None) -> str | None:
    """*code* if it is one of the site's languages (case-insensitive), else None."""
    if not code or len(code) > 10:
        return None
    code = code.strip().lower()
    return code if code in language_codes() else None


def _prefix_pattern() -> re.Pattern[str]:
    codes = "|".join(re.escape(code) for code in language_codes())
    return re.compile(rf"^/({codes})(?:/(.*))?$", re.IGNORECASE | re.DOTALL)


def _safe_path(path: str) -> str:
    """*path* as a path on this site, percent-encoded, with one leading slash (never ``//host``
    or ``/\\host``, which browsers read as another site)."""
    return escape_uri_path("/" + path.lstrip("/\\"))


def query_with_language(params, code: str | None) -> str:
    """The query string of *params* (a QueryDict) with ``lang`` set to *code* (or removed)."""
    pairs = [(key, value) for key, values in params.lists() if key != LANGUAGE_PARAMETER for value in values]
    if code:
        pairs.append((LANGUAGE_PARAMETER, code))
    return urlencode(pairs)


def url_for_language(request: HttpRequest, code: str | None, *, absolute: bool = False) -> str:
    """This page's address in language *code* (``None``: without ``lang``, the reader's choice)."""
    query = query_with_language(request.GET, known_language(code))
    url = _safe_path(request.path) + (f"?{query}" if query else "")
    return request.build_absolute_uri(url) if absolute else url


def prefixed_redirect(request: HttpRequest) -> str | None:
    """Where ``/xx/rest?query`` goes: ``/rest?query&lang=xx`` (None if the path has no language prefix)."""
    match = _prefix_pattern().match(request.path_info)
    if match is None:
        return None
    code = match.group(1).lower()
    query = query_with_language(request.GET, code)
    target = _safe_path(request.path[: len(request.path) - len(request.path_info)] + "/" + (match.group(2) or ""))
    target = f"{target}?{query}"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return f"/?{urlencode({LANGUAGE_PARAMETER: code})}"
    return target
