"""Rate limits for our own views: a sliding window (a log of hit times) in a database table.

A rate such as ``"5/h/user"`` allows 5 hits in *any* hour, not 5 per clock hour: each
bucket keeps the times of the hits it allowed within the last window, so there is no
boundary at which twice the rate gets through (the fault of a fixed-window counter).
Refused hits are not recorded, so hammering a full bucket does not extend the wait.

Several web processes share the buckets, one row of :class:`~ecitizen.core.models.RateLimitBucket`
each. A hit first reads its row without a lock: a full window is refused there and then, as a
refusal writes nothing, so a flood of refused requests costs one indexed read each. A hit that
may be allowed locks the row with one ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``
(creating it if need be), checks the window again and writes it back in the same short
transaction; concurrent hits on one bucket queue on that row lock instead of polling. If the
lock cannot be had within :data:`LOCK_WAIT` (PostgreSQL's ``lock_timeout``; SQLite's busy
timeout) or the database refuses, the hit is refused (failing closed), as allauth's own limiter
does -- except for a bucket marked ``fail_open`` (the per-account sign-in window), where a burst
of parallel requests for one key must not refuse the owner: the hit is then let through uncounted.
Rows whose window has passed are deleted now and then by the hits themselves.

allauth limits its own views (sign-up, password reset...) and, when a limit is hit, calls
``config.urls.handler429`` -- the same page as ours. Failed sign-ins are limited by
``ecitizen.accounts.throttle`` with the functions below.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import random
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ecitizen.core.models import RateLimitBucket

logger = logging.getLogger(__name__)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_US = 1_000_000  # hit times are kept in whole microseconds
LOCK_WAIT = 1.0  # seconds to wait for a bucket's row lock before refusing the hit
PURGE_ONE_IN = 500  # about one allowed hit in this many deletes the rows whose window has passed


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


def _window(text: str | None, now_us: int, seconds: int) -> list[int]:
    """The hit times in *text* that are within the window ending at *now_us*, newest first.

    A time after *now_us* (another process's clock a little ahead) still counts.
    """
    start = now_us - seconds * _US
    return sorted((t for t in map(int, (text or "").split()) if start < t), reverse=True)


def _wait(hits: list[int], rate: Rate, now_us: int) -> int:
    """Seconds until a full window has room: when its rate-th newest hit leaves it."""
    frees_at = hits[rate.amount - 1] + rate.seconds * _US if rate.amount > 0 else now_us + rate.seconds * _US
    return max(1, math.ceil((frees_at - now_us) / _US))


def _lock_row(bucket: str, expires_at: float, *, own_transaction: bool) -> str:
    """Lock *bucket*'s row (made empty if missing) until the transaction ends; its hits.

    The wait for the lock is bounded only in a transaction of our own: ``SET LOCAL`` would
    outlive a savepoint in a caller's transaction.
    """
    table = connection.ops.quote_name(RateLimitBucket._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and own_transaction:
            cursor.execute(f"SET LOCAL lock_timeout = '{max(1, int(LOCK_WAIT * 1000))}ms'")
        # One statement on both databases: the row exists afterwards and is locked by this
        # transaction (a row lock on PostgreSQL, the write lock on SQLite).
        cursor.execute(
            f"INSERT INTO {table} (name, hits, expires_at) VALUES (%s, '', %s) "  # noqa: S608
            f"ON CONFLICT (name) DO UPDATE SET expires_at = {table}.expires_at RETURNING hits",
            [bucket, expires_at],
        )
        return cursor.fetchone()[0]


def _write(bucket: str, hits: list[int], expires_at: float) -> None:
    RateLimitBucket.objects.filter(name=bucket).update(hits=" ".join(map(str, hits)), expires_at=expires_at)


def _purge(now: float) -> None:
    """Now and then, delete the rows whose window has passed. Housekeeping: a purge that meets a
    lock or another purge gives up quietly (the next one will do it) rather than fail a request
    that was allowed."""
    if random.randrange(PURGE_ONE_IN) == 0:  # noqa: S311 -- a sampling rate, not a secret
        try:
            with transaction.atomic():
                RateLimitBucket.objects.filter(expires_at__lt=now).delete()
        except DatabaseError:
            logger.info("Rate-limit purge skipped: the expired rows were busy")


def _hit_in_one_statement(bucket: str, rate: Rate, now_us: int, *, own_transaction: bool) -> str | None:
    """PostgreSQL: count one hit in *bucket* with one statement, and return the bucket's hits
    afterwards, or None when the window was full (nothing written).

    ``INSERT ... ON CONFLICT DO UPDATE ... WHERE`` makes the row if need be, locks it, keeps the
    hits still in the window plus this one -- only if fewer than the rate were left -- and returns
    the row only when it wrote it. The wait for the row lock is bounded by a ``lock_timeout`` set
    for this statement alone (``set_config(..., true)`` in its source row, which runs before the
    row is locked): outside a caller's transaction the statement is its own. Inside one, there is
    no bound, as with :func:`_lock_row`.
    """
    table = connection.ops.quote_name(RateLimitBucket._meta.db_table)
    start_us = now_us - rate.seconds * _US
    source = "SELECT %s, %s, %s"
    params: list = [bucket, str(now_us), now_us / _US + rate.seconds]
    if own_transaction:
        source += " FROM (SELECT set_config('lock_timeout', %s, true)) AS bounded"
        params.append(f"{max(1, int(LOCK_WAIT * 1000))}ms")
    in_window = "FROM unnest(string_to_array(b.hits, ' ')) AS x WHERE x <> '' AND x::bigint > %s"
    sql = (
        f"INSERT INTO {table} AS b (name, hits, expires_at) {source} "  # noqa: S608 (our own table)
        "ON CONFLICT (name) DO UPDATE SET "
        "hits = (SELECT string_agg(t::text, ' ' ORDER BY t DESC) "
        f"FROM (SELECT %s::bigint AS t UNION ALL SELECT x::bigint {in_window}) AS w), "
        "expires_at = GREATEST(b.expires_at, EXCLUDED.expires_at) "
        f"WHERE (SELECT count(*) {in_window}) < %s "
        "RETURNING b.hits"
    )
    params += [now_us, start_us, start_us, rate.amount]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else row[0]


def bucket_hit(bucket: str, rate: Rate, *, now: float | None = None, fail_open: bool = False) -> tuple[int, Hit | None]:
    """Count one hit in *bucket* under *rate*.

    Returns ``(0, hit)`` when allowed (the hit is recorded) and ``(seconds, None)`` when
    refused, *seconds* being how long until the oldest hit in the window leaves it. If the
    bucket's row cannot be locked (or read) the hit is refused, unless *fail_open*: then it
    is allowed without being recorded, ``(0, None)``.

    On PostgreSQL an allowed hit is one statement (:func:`_hit_in_one_statement`) and a refused
    one two (the second reads how long to wait). Elsewhere, a full window is refused after one
    read without a lock, and an allowed hit locks the row and writes it back in a transaction.
    """
    clock = time.time if now is None else lambda: now
    if rate.amount <= 0:
        return max(1, rate.seconds), None
    try:
        if connection.vendor == "postgresql":
            own = not connection.in_atomic_block
            now = clock()
            now_us = round(now * _US)
            # Inside a caller's transaction, a savepoint: a failed statement then undoes only itself.
            with contextlib.nullcontext() if own else transaction.atomic():
                written = _hit_in_one_statement(bucket, rate, now_us, own_transaction=own)
            if written is None:
                seen = RateLimitBucket.objects.filter(name=bucket).values_list("hits", flat=True).first()
                hits = _window(seen, now_us, rate.seconds)
                return (_wait(hits, rate, now_us) if len(hits) >= rate.amount else 1), None
        else:
            seen = RateLimitBucket.objects.filter(name=bucket).values_list("hits", flat=True).first()
            if seen:
                now_us = round(clock() * _US)
                hits = _window(seen, now_us, rate.seconds)
                if len(hits) >= rate.amount:
                    return _wait(hits, rate, now_us), None  # refused without a lock: nothing to write
            own = not connection.in_atomic_block
            with transaction.atomic():
                text = _lock_row(bucket, clock() + rate.seconds, own_transaction=own)
                # The time is read once the row is ours, so that hits are recorded in the order they got it.
                now = clock()
                now_us = round(now * _US)
                hits = _window(text, now_us, rate.seconds)
                if len(hits) >= rate.amount:
                    return _wait(hits, rate, now_us), None
                hits.insert(0, now_us)
                _write(bucket, hits, max(hits) / _US + rate.seconds)
    except DatabaseError:
        if fail_open:
            return 0, None
        return max(1, math.ceil(LOCK_WAIT)), None
    _purge(now)
    return 0, Hit(bucket=bucket, at=now, seconds=rate.seconds)


def bucket_release(hit: Hit) -> None:
    """Take back a hit recorded by :func:`bucket_hit` (for example a sign-in that succeeded).

    If the row cannot be locked the hit stays counted, which only errs on the strict side.
    """
    at_us = round(hit.at * _US)
    try:
        own = not connection.in_atomic_block
        with transaction.atomic():
            hits = [int(t) for t in _lock_row(hit.bucket, hit.at + hit.seconds, own_transaction=own).split()]
            if at_us in hits:
                hits.remove(at_us)
                newest = max(hits, default=at_us) / _US
                _write(hit.bucket, hits, newest + hit.seconds)
    except DatabaseError:
        return


def bucket_clear(bucket: str) -> None:
    RateLimitBucket.objects.filter(name=bucket).delete()


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
