"""One answer to "is this a path on our own site?", for every place that sends someone back to a URL
it was given (a payment's return page, a notification's link, a provider's card page).

Hand-written checks such as ``url.startswith("/") and not url.startswith("//")`` miss what
browsers do: they drop tabs and newlines and read ``\\`` as ``/``, so ``"/\\t/evil.example"``
becomes ``//evil.example``, another site. Django's ``url_has_allowed_host_and_scheme`` knows
those rules; this module adds that the path must start with one ``/`` and hold no control or
space characters at all.
"""

from __future__ import annotations

import unicodedata

from django.utils.http import url_has_allowed_host_and_scheme

MAX_LENGTH = 2000


def is_site_path(url: str) -> bool:
    """True if *url* is an absolute path on this site (``/payments/return/PAY-1/?x=1``) that no
    browser turns into another site's address; False for anything else, including full URLs."""
    if not isinstance(url, str) or not url or len(url) > MAX_LENGTH:
        return False
    if not url.startswith("/") or url[1:2] in ("/", "\\"):
        return False
    if any(ch == "\\" or ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in url):
        return False
    return url_has_allowed_host_and_scheme(url, allowed_hosts=None, require_https=False)


def site_path(url: str, default: str | None = None) -> str | None:
    """*url* itself if :func:`is_site_path`, "" for an empty one, otherwise *default*."""
    if url == "":
        return ""
    return url if is_site_path(url) else default
