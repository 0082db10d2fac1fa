"""Settings of the Open311 API, each with a default so that a deployment need set none of them.

``OPEN311_JURISDICTION``
    The ``jurisdiction_id`` this server answers to (default: the host of
    ``SITE_URL``). Requests may leave it out; any other value gets 404.
``OPEN311_CONTACT``
    Who app developers write to (default: ``PLATFORM_CONTACT_EMAIL``).
``OPEN311_RATE_POST`` / ``OPEN311_RATE_GET``
    Posted requests per API key and reads per IP address, as
    ``"amount/period"`` (``s``, ``m``, ``h`` or ``d``): default 60 an hour and
    600 an hour.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings


def jurisdiction() -> str:
    configured = getattr(settings, "OPEN311_JURISDICTION", "")
    return configured or (urlsplit(settings.SITE_URL).hostname or "")


def contact() -> str:
    return getattr(settings, "OPEN311_CONTACT", "") or settings.PLATFORM_CONTACT_EMAIL


def _rate(name: str, default: str, per: str) -> str:
    text = getattr(settings, name, "") or default
    return text if text.count("/") == 2 else f"{text}/{per}"


def rate_post() -> str:
    return _rate("OPEN311_RATE_POST", "60/h", "key")


def rate_get() -> str:
    return _rate("OPEN311_RATE_GET", "600/h", "ip")
