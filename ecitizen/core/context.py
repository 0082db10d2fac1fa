"""Per-request facts (request id, client IP) that audit rows and log lines carry.

Set by RequestIdMiddleware; outside a request (commands, tasks) they are empty.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str = ""
    ip: str | None = None


_EMPTY = RequestContext()
_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar(
    "ecitizen_request_context", default=None
)


def current() -> RequestContext:
    return _current.get() or _EMPTY


def set_current(ctx: RequestContext) -> contextvars.Token:
    return _current.set(ctx)


def reset(token: contextvars.Token) -> None:
    _current.reset(token)
