"""Rate limits for our own views: a sliding window (a log of hit times) in the cache.

A rate such as ``"5/h/user"`` allows 5 hits in *any* hour, not 5 per clock hour: each
bucket keeps the times of the hits it allowed within the last window, so there is no
boundary at which twice the rate gets through (the fault of a fixed-window counter).
Refused hits are not recorded, so hammering a full bucket does not extend the wait.

Several web processes share the cache (a database table in production). Each update of a
bucket is a read-modify-write done under a short lock taken with ``cache.add``, which the
database cache makes atomic through the table's primary key; if the lock cannot be had
within a second the hit is refused (failing closed), as allauth's own limiter does --
except for a bucket marked ``fail_open`` (the per-account sign-in window), where a burst of
parallel requests for one key must not refuse the owner: the hit is then let through uncounted.

allauth limits its own views (sign-up, password reset...) and, when a limit is hit, calls
``config.urls.handler429`` -- the same page as ours. Failed sign-ins are limited by
``ecitizen.accounts.throttle`` with the functions below.
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
LOCK_TIMEOUT = 5  # seconds a crashed holder can keep a bucket's lock
LOCK_WAIT = 1.0  # seconds to wait for the lock before refusing the hit


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int
    per: str  # "ip", "user" or "key"

    @classmethod
    def parse(cls, text: str) -> Rate:
        """Parse ``"5/h/user"``: 5 hits per hour per signed-in user; ``"5/15m/key"``: per key."""
        parts = text.strip().split("/")
        amount, duration, per = (*parts, "ip") if len(parts) == 2 else parts
        unit = duration[-1]
        count = int(duration[:-1] or 1)
        return cls(amount=int(amount), seconds=count * _UNITS[unit], per=per)


@dataclass(frozen=True)
class Hit:
    """One allowed hit, so that it can be taken back (:func:`bucket_release`)."""

    bucket: str
    at: float
    seconds: int


def enabled() -> bool:
    return bool(getattr(settings, "ECITIZEN_RATE_LIMITS_ENABLED", True))


def _acquire(lock_key: str) -> bool:
    deadline = time.monotonic() + LOCK_WAIT
    pause = 0.005
    while not cache.add(lock_key, 1, timeout=LOCK_TIMEOUT):
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.1)
    return True


def bucket_hit(bucket: str, rate: Rate, *, now: float | None = None, fail_open: bool = False) -> tuple[int, Hit | None]:
    """Count one hit in *bucket* under *rate*.

    Returns ``(0, hit)`` when allowed (the hit is recorded) and ``(seconds, None)`` when
    refused, *seconds* being how long until the oldest hit in the window leaves it. If the
    bucket's lock cannot be had the hit is refused, unless *fail_open*: then it is allowed
    without being recorded, ``(0, None)``.
    """
    key = f"rl2:{bucket}"
    lock = key + ":lock"
    if not _acquire(lock):
        if fail_open:
            return 0, None
        return max(1, math.ceil(LOCK_WAIT)), None
    try:
        now = time.time() if now is None else now
        start = now - rate.seconds
        hits = sorted((t for t in (cache.get(key) or []) if start < t <= now), reverse=True)
        if len(hits) >= rate.amount:
            frees_at = hits[rate.amount - 1] + rate.seconds if rate.amount > 0 else now + rate.seconds
            cache.set(key, hits, timeout=rate.seconds + 1)
            return max(1, math.ceil(frees_at - now)), None
        hits.insert(0, now)
        cache.set(key, hits, timeout=rate.seconds + 1)
        return 0, Hit(bucket=bucket, at=now, seconds=rate.seconds)
    finally:
        cache.delete(lock)


def bucket_release(hit: Hit) -> None:
    """Take back a hit recorded by :func:`bucket_hit` (for example a sign-in that succeeded).

    If the lock cannot be had the hit stays counted, which only errs on the strict side.
    """
    key = f"rl2:{hit.bucket}"
    lock = key + ":lock"
    if not _acquire(lock):
        return
    try:
        hits = [t for t in (cache.get(key) or []) if t != hit.at]
        cache.set(key, hits, timeout=hit.seconds + 1)
    finally:
        cache.delete(lock)


def bucket_clear(bucket: str) -> None:
    cache.delete(f"rl2:{bucket}")


def bucket_name(action: str, rate: Rate, identity: str) -> str:
    """The cache name of one bucket: the action, the window length and a hash of who is counted."""
    digest = hashlib.sha256(identity.encode()).hexdigest()[:40]
    return f"{action}:{rate.amount}/{rate.seconds}:{digest}"


def _identity(request: HttpRequest, rate: Rate, key: str | None) -> str:
    if rate.per == "user" and request.user.is_authenticated:
        return f"user:{request.user.pk}"
    if rate.per == "key" and key is not None:
        return f"key:{key}"
    from ecitizen.core.middleware import client_ip

    return f"ip:{client_ip(request) or ''}"


def seconds_until_allowed(request: HttpRequest, action: str, rate_text: str, key: str | None = None) -> int:
    """Count one hit of *action*; 0 if allowed, else the seconds until it would be."""
    if not enabled():
        return 0
    rate = Rate.parse(rate_text)
    wait, _hit = bucket_hit(bucket_name(action, rate, _identity(request, rate, key)), rate)
    return wait


def too_many_requests(request: HttpRequest, retry_after: int = 300) -> HttpResponse:
    minutes = max(1, math.ceil(retry_after / 60))
    response = render(request, "errors/429.html", {"retry_minutes": minutes}, status=429)
    response["Retry-After"] = str(max(1, int(retry_after)))
    return response


def rate_limited(request: HttpRequest, action: str, rate: str, key: str | None = None) -> HttpResponse | None:
    """Return a 429 response if this hit exceeds *rate*, else None."""
    wait = seconds_until_allowed(request, action, rate, key)
    return too_many_requests(request, wait) if wait else None
