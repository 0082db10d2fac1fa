"""A signed-in session's "last seen" is written at most once per SESSION_ACTIVITY_WRITE_SECONDS, not
on every request, and is still kept up to date after that."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from allauth.usersessions.models import UserSession
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2027, 1, 5, 10, 0, tzinfo=datetime.UTC)
TABLE = UserSession._meta.db_table


def writes_to_user_sessions(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries
        if TABLE in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "DELETE"))
    ]


def reads_of_user_sessions(queries) -> list[str]:
    return [q["sql"] for q in queries if TABLE in q["sql"] and q["sql"].lstrip().upper().startswith("SELECT")]


def test_many_requests_within_the_window_write_the_session_activity_once(client, citizen, settings):
    settings.SESSION_ACTIVITY_WRITE_SECONDS = 300
    with time_machine.travel(T0, tick=False):
        client.force_login(citizen)
        with CaptureQueriesContext(connection) as first:
            assert client.get("/").status_code == 200
        assert len(writes_to_user_sessions(first.captured_queries)) == 1  # created on the first request
        row = UserSession.objects.get(user=citizen)
        assert row.last_seen_at == T0

    # when: twenty more requests over the next four minutes
    with CaptureQueriesContext(connection) as later:
        for n in range(20):
            with time_machine.travel(T0 + datetime.timedelta(seconds=12 * (n + 1)), tick=False):
                assert client.get("/").status_code == 200

    # then: not one write, nor even a read, of the session's activity
    assert writes_to_user_sessions(later.captured_queries) == []
    assert reads_of_user_sessions(later.captured_queries) == []
    row.refresh_from_db()
    assert row.last_seen_at == T0


def test_after_the_window_the_activity_is_written_again_once(client, citizen, settings):
    settings.SESSION_ACTIVITY_WRITE_SECONDS = 300
    with time_machine.travel(T0, tick=False):
        client.force_login(citizen)
        client.get("/")
    six_minutes_on = T0 + datetime.timedelta(minutes=6)
    with time_machine.travel(six_minutes_on, tick=False):
        with CaptureQueriesContext(connection) as queries:
            for _ in range(5):
                client.get("/", REMOTE_ADDR="192.0.2.7")
    assert len(writes_to_user_sessions(queries.captured_queries)) == 1
    row = UserSession.objects.get(user=citizen)
    assert (row.last_seen_at, row.ip) == (six_minutes_on, "192.0.2.7")


def test_a_new_session_key_is_tracked_at_once(client, citizen, settings):
    # A sign-in cycles the session key; the new key gets its row on its first request, even though
    # the session data (copied over) says the activity was written a moment ago.
    settings.SESSION_ACTIVITY_WRITE_SECONDS = 300
    with time_machine.travel(T0, tick=False):
        client.force_login(citizen)
        client.get("/")
        old_key = client.session.session_key
        session = client.session
        session.cycle_key()
        session.save()
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        client.get("/")
    keys = set(UserSession.objects.filter(user=citizen).values_list("session_key", flat=True))
    assert session.session_key in keys and session.session_key != old_key


def test_anonymous_requests_write_nothing(client):
    with CaptureQueriesContext(connection) as queries:
        for _ in range(3):
            client.get("/")
    assert writes_to_user_sessions(queries.captured_queries) == []
    assert not UserSession.objects.exists()
