"""Links in a message's plain text, made into full, clickable addresses for the inbox page.

Messages are plain text. A message links to pages of this site either as a full
address (``https://portal.example/reports/39/``, how messages are written now) or,
in messages written before that, as a bare path (``/reports/39/``). On the inbox
page both become a link showing the full address of the site the reader is on.
Any other text, other sites' addresses included, stays text: a message never
sends its reader elsewhere.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ecitizen.core.site import absolute_url, site_url
from ecitizen.core.site_paths import is_site_path

# A URL or a path, up to white space; punctuation that ends a sentence is not part of it.
# It starts a word: at the start, or after white space or an opening bracket or quote.
_CANDIDATE = re.compile(r"(?<![^\s(«“\"'])(?:https?://[^\s<>\"']+|/[^\s<>\"']*)")
_TRAILING = ".,;:!?)»”’"


def _own_path(candidate: str, request: Any | None) -> str | None:
    """The site path *candidate* points to, or None when it is not a page of this site."""
    for base in {site_url(request), settings.SITE_URL.rstrip("/")}:
        if candidate.startswith(base + "/"):
            candidate = candidate[len(base) :]
            break
    return candidate if is_site_path(candidate) else None


def linkify(text: str, request: Any | None = None) -> SafeString:
    """*text* as HTML (escaped), each link to this site made a full address one can follow."""
    parts: list[str] = []
    position = 0
    for match in _CANDIDATE.finditer(text):
        candidate = match.group(0)
        trailing = len(candidate) - len(candidate.rstrip(_TRAILING))
        if trailing:
            candidate = candidate[:-trailing]
        path = _own_path(candidate, request) if len(candidate) > 1 else None
        if path is None:
            continue
        full = absolute_url(path, request)
        parts.append(escape(text[position : match.start()]))
        parts.append(f'<a class="govuk-link" href="{escape(full)}">{escape(full)}</a>')
        position = match.start() + len(candidate)
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 -- every piece is escaped above
