"""The site's own absolute address, for links that leave the page: QR codes, emails, the JWKS.

One rule everywhere: inside a request, the address the visitor is using
(``request.scheme`` and ``request.get_host()``, which ALLOWED_HOSTS has already
vetted, and SECURE_PROXY_SSL_HEADER makes https behind a proxy); outside one
(background tasks, emails sent by a service), ``SITE_URL``. ``make run`` sets
``SITE_URL`` from its HOST and PORT; in production set it to the public
address, and the system check ``ecitizen.W010`` warns when it is not one of
ALLOWED_HOSTS.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http.request import split_domain_port, validate_host


def site_url(request: Any | None = None) -> str:
    """``scheme://host[:port]`` of the site, without a trailing slash."""
    if request is not None:
        try:
            return f"{request.scheme}://{request.get_host()}"
        except (DisallowedHost, AttributeError, KeyError):
            pass
    return settings.SITE_URL.rstrip("/")


def absolute_url(path: str, request: Any | None = None) -> str:
    """*path* (``/documents/verify/?t=…``) as an absolute address on this site."""
    return site_url(request) + path


def site_url_host_allowed() -> bool:
    """Whether the host of ``SITE_URL`` is one that ALLOWED_HOSTS lets requests use."""
    host = urlsplit(settings.SITE_URL).netloc
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)
