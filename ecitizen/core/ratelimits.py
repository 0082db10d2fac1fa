"""Rate limits for our own views: a fixed window counter in the cache.

allauth limits its own views (sign-in, sign-up, password reset...) and, when
a limit is hit, calls ``config.urls.handler429`` -- the same page as ours.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int
    per: str  # "ip", "user" or "key"

    @classmethod
    def parse(cls, text: str) -> Rate:
        """Parse ``"5/h/user"``: 5 hits per hour per signed-in user."""
        amount, duration, per = text.split("/")
        unit = duration[-1]
        count = int(duration[:-1] or 1)
        return cls(amount=int(amount), seconds=count * _UNITS[unit], per=per)


def _identity(request: HttpRequest, rate: Rate, key: str | None) -> str:
    if rate.per == "user" and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if rate.per == "key" and key is not None:
        return "key:" + hashlib.sha256(key.encode()).hexdigest()
    from ecitizen.core.middleware import client_ip

    return f"ip:{client_ip(request) or ''}"


def seconds_until_allowed(request: HttpRequest, action: str, rate_text: str, key: str | None = None) -> int:
    """Count one hit of *action*; 0 if allowed, else the seconds until the window resets."""
    if not getattr(settings, "ECITIZEN_RATE_LIMITS_ENABLED", True):
        return 0
    rate = Rate.parse(rate_text)
    now = time.time()
    window = int(now // rate.seconds)
    cache_key = f"rl:{action}:{_identity(request, rate, key)}:{window}"
    cache.add(cache_key, 0, timeout=rate.seconds + 1)
    try:
        hits = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=rate.seconds + 1)
        hits = 1
    if hits <= rate.amount:
        return 0
    return max(1, math.ceil((window + 1) * rate.seconds - now))


def too_many_requests(request: HttpRequest, retry_after: int = 300) -> HttpResponse:
    minutes = max(1, math.ceil(retry_after / 60))
    response = render(request, "errors/429.html", {"retry_minutes": minutes}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def rate_limited(request: HttpRequest, action: str, rate: str, key: str | None = None) -> HttpResponse | None:
    """Return a 429 response if this hit exceeds *rate*, else None."""
    wait = seconds_until_allowed(request, action, rate, key)
    return too_many_requests(request, wait) if wait else None
