"""allauth's session tracking, writing a session's "last seen" at most once every few minutes.

With ``USERSESSIONS_TRACK_ACTIVITY`` allauth's ``UserSessionsMiddleware`` reads and updates the
session's ``UserSession`` row (last seen time, IP address, browser) on every request of a signed-in
person: a write per page view and per status poll. This middleware keeps the feature (the sessions
page still shows when and where each session was last used, to within
``SESSION_ACTIVITY_WRITE_SECONDS``) but calls allauth's tracking only when the session has not been
tracked for that long. When it was tracked is kept in the session itself, which the request has
read already, so a request in between costs no query at all; the request that does track saves the
session too (it changed).

The time is stored with a digest of the session key, so a session whose key changed (a sign-in
cycles it) is tracked afresh at once.
"""

from __future__ import annotations

import hashlib
import time

from allauth.usersessions.internal import usersessionkit
from django.conf import settings

SESSION_KEY = "_activity_tracked"


def _key_digest(session_key: str) -> str:
    return hashlib.sha256(session_key.encode()).hexdigest()[:16]


def activity_due(request, *, now: float | None = None) -> bool:
    """Whether this request should write the session's activity: a signed-in person's session whose
    last write was more than SESSION_ACTIVITY_WRITE_SECONDS ago (or under another session key)."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if session is None or user is None or not user.is_authenticated or not session.session_key:
        return False
    marker = session.get(SESSION_KEY)
    if not isinstance(marker, list) or len(marker) != 2 or marker[0] != _key_digest(session.session_key):
        return True
    now = time.time() if now is None else now
    try:
        return now - float(marker[1]) >= settings.SESSION_ACTIVITY_WRITE_SECONDS
    except (TypeError, ValueError):
        return True


class ThrottledUserSessionsMiddleware:
    """Stands in for ``allauth.usersessions.middleware.UserSessionsMiddleware`` in MIDDLEWARE."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if activity_due(request):
            session = request.session
            usersessionkit.track_activity(request, user=request.user, session=session)
            session[SESSION_KEY] = [_key_digest(session.session_key), time.time()]
        return self.get_response(request)
