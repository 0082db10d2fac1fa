"""The inbox pages: owner only, opening a message reads it, full links, the unread count in the header."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ecitizen.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def message_for():
    def make(user, subject="Your application CC-2026-000123: Approved", **fields):
        return Notification.objects.create(user=user, subject=subject, **{"body": "First.\n\nSecond.", **fields})

    return make


def test_visitors_are_sent_to_sign_in(client):
    response = client.get("/account/inbox/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_inbox_lists_newest_first_and_marks_unread(client, citizen, message_for):
    now = timezone.now()
    message_for(citizen, "Older and read", created_at=now - datetime.timedelta(days=1), read_at=now)
    message_for(citizen, "Newer and unread", created_at=now)
    client.force_login(citizen)

    body = client.get("/account/inbox/").content.decode()

    assert body.index("Newer and unread") < body.index("Older and read")
    assert body.count('<span class="govuk-visually-hidden">Unread: </span>') == 1
    assert body.count("govuk-link govuk-!-font-weight-bold") == 1
    assert "Mark all as read" in body


def test_the_header_shows_the_unread_count_accessibly(client, citizen, message_for):
    message_for(citizen)
    message_for(citizen)
    message_for(citizen, read_at=timezone.now())
    client.force_login(citizen)

    body = client.get("/account/").content.decode()

    assert '<span class="ec-badge" aria-hidden="true">2</span>' in body
    assert "(2 unread messages)" in body


def test_no_badge_when_everything_is_read(client, citizen, message_for):
    message_for(citizen, read_at=timezone.now())
    client.force_login(citizen)

    body = client.get("/account/").content.decode()

    assert "ec-badge" not in body
    assert 'href="/account/inbox/"' in body


def test_opening_a_message_marks_it_read_once_with_one_audit_row(client, citizen, message_for):
    from ecitizen.core.models import AuditAction, AuditLog

    notification = message_for(citizen, url="/applications/7/")
    client.force_login(citizen)

    response = client.get(f"/account/inbox/{notification.pk}/")

    assert response.status_code == 200
    body = response.content.decode()
    assert '<p class="govuk-body">First.</p>' in body and '<p class="govuk-body">Second.</p>' in body
    # the link to the page it is about is the full address, shown and clickable
    assert (
        '<a class="govuk-link" href="http://testserver/applications/7/">http://testserver/applications/7/</a>' in body
    )
    assert "Mark as read" not in body
    notification.refresh_from_db()
    first_read = notification.read_at
    assert first_read is not None
    # opening it again changes nothing: same time, no second audit row
    client.get(f"/account/inbox/{notification.pk}/")
    notification.refresh_from_db()
    assert notification.read_at == first_read
    assert AuditLog.objects.filter(action=AuditAction.NOTIFICATION_READ, subject_user=citizen).count() == 1
    assert "(1 unread message" not in client.get("/account/").content.decode()


def test_paths_and_site_links_in_a_message_become_full_clickable_addresses(client, citizen, message_for, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    notification = message_for(
        citizen,
        body="Your report's page: /reports/39/.\n\nOr http://127.0.0.1:8000/reports/40/ and "
        "not https://evil.example/x nor //evil.example/y <b>bold</b>",
    )
    client.force_login(citizen)

    body = client.get(f"/account/inbox/{notification.pk}/").content.decode()

    assert 'href="http://testserver/reports/39/">http://testserver/reports/39/</a>.' in body
    assert 'href="http://testserver/reports/40/">http://testserver/reports/40/</a>' in body
    assert 'href="https://evil.example' not in body and 'href="//evil.example' not in body
    assert "&lt;b&gt;bold&lt;/b&gt;" in body


def test_mark_read_needs_a_post(client, citizen, message_for):
    notification = message_for(citizen)
    client.force_login(citizen)

    assert client.get(f"/account/inbox/{notification.pk}/read/").status_code == 405
    assert client.get("/account/inbox/read-all/").status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None

    response = client.post(f"/account/inbox/{notification.pk}/read/")

    assert response.status_code == 302 and response["Location"] == "/account/inbox/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_all_read(client, citizen, message_for):
    first, second = message_for(citizen), message_for(citizen)
    client.force_login(citizen)

    response = client.post("/account/inbox/read-all/")

    assert response.status_code == 302
    assert Notification.objects.filter(pk__in=[first.pk, second.pk], read_at__isnull=True).count() == 0


def test_another_citizen_gets_404_and_changes_nothing(client, citizen, other_citizen, message_for):
    notification = message_for(citizen, subject="Amina's secret")
    client.force_login(other_citizen)

    assert client.get(f"/account/inbox/{notification.pk}/").status_code == 404
    assert client.post(f"/account/inbox/{notification.pk}/read/").status_code == 404
    client.post("/account/inbox/read-all/")
    assert "Amina's secret" not in client.get("/account/inbox/").content.decode()

    notification.refresh_from_db()
    assert notification.read_at is None


def test_pages_that_do_not_show_the_header_count_do_not_query_it(rf, citizen):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ecitizen.notifications.context_processors import inbox

    request = rf.get("/")
    request.user = citizen
    with CaptureQueriesContext(connection) as queries:
        context = inbox(request)
    assert len(queries) == 0

    with CaptureQueriesContext(connection) as queries:
        assert context["unread_notifications"]() == 0
        assert context["unread_notifications"]() == 0
    assert len(queries) == 1
