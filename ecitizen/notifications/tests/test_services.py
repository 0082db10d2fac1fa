"""notify(): the inbox row, the recipient's language, the email after commit, the audit row."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import translation

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.notifications.models import Notification
from ecitizen.notifications.selectors import unread_count
from ecitizen.notifications.services import notification_mark_all_read, notification_mark_read

pytestmark = pytest.mark.django_db


def test_a_status_change_lands_in_the_inbox_in_plain_english(citizen, send):
    notification = send(citizen)

    assert notification.user == citizen
    assert notification.subject == "Your application CC-2026-000123: Approved"
    assert "There is news about your application for Street party permit." in notification.body
    assert "Reference: CC-2026-000123" in notification.body
    assert "Status: Approved" in notification.body
    assert "Enjoy the party & keep the road clear after 10pm." in notification.body  # not HTML-escaped
    assert notification.url == "/applications/7/"
    assert notification.read_at is None
    assert unread_count(citizen) == 1


def test_the_email_is_sent_only_once_the_transaction_commits(
    citizen, send, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://portal.example.gov/"

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send(citizen)
        assert mail.outbox == []  # nothing leaves before commit

    assert len(callbacks) == 1
    [email] = mail.outbox
    assert email.to == ["amina@example.org"]
    assert email.from_email == settings.DEFAULT_FROM_EMAIL
    assert email.subject == "Your application CC-2026-000123: Approved"
    assert "Status: Approved" in email.body
    assert "https://portal.example.gov/applications/7/" in email.body
    assert "https://portal.example.gov/account/inbox/" in email.body


def test_no_email_when_the_transaction_rolls_back(citizen, send, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        send(citizen)
    # the callback is registered, not run: a rollback would drop it with the row
    assert len(callbacks) == 1
    assert mail.outbox == []


def test_the_message_is_written_in_the_recipients_language(make_user, send, test_templates):
    # given a Spanish speaker, and a caseworker working in French
    carmen = make_user("carmen@example.org", preferred_language="es")

    with translation.override("fr"):
        notification = send(
            carmen,
            subject_template="notifications_test/language.txt",
            body_template="notifications_test/language.txt",
        )
        assert translation.get_language() == "fr"  # the caseworker's language is left alone

    # then rendering saw Spanish (Django's own catalogue translates "January")
    assert notification.subject == "es enero"
    assert notification.body == "es enero"


def test_the_service_title_is_picked_in_the_recipients_language(make_user, send):
    carmen = make_user("carmen@example.org", preferred_language="es")

    notification = send(carmen)

    assert "Permiso para fiesta en la calle" in notification.body
    assert "Street party permit" not in notification.body


def test_a_user_without_a_language_gets_the_default(make_user, send, test_templates):
    nobody = make_user("nolang@example.org", preferred_language="")

    notification = send(nobody, subject_template="notifications_test/language.txt")

    assert notification.subject == "en January"


def test_notify_writes_one_exact_audit_row(citizen, send):
    notification = send(citizen)

    row = AuditLog.objects.get()
    assert row.action == AuditAction.NOTIFICATION_SENT
    assert row.actor is None
    assert row.subject_user == citizen
    assert (row.subject_type, row.subject_id) == ("notifications.notification", str(notification.pk))
    assert row.extra == {"template": "notifications/email/case_update_body.txt", "language": "en"}


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/x", "applications/7/", "/\\evil.example"])
def test_links_to_other_sites_are_refused(citizen, send, url):
    with pytest.raises(ValueError):
        send(citizen, url=url)
    assert not Notification.objects.exists()


def test_mark_read_is_idempotent_and_audited_once(citizen, send):
    notification = send(citizen)

    assert notification_mark_read(user=citizen, notification=notification) is True
    assert notification_mark_read(user=citizen, notification=notification) is False

    notification.refresh_from_db()
    assert notification.read_at is not None
    row = AuditLog.objects.get(action=AuditAction.NOTIFICATION_READ)
    assert (row.actor, row.subject_user, row.subject_id) == (citizen, citizen, str(notification.pk))


def test_mark_read_refuses_someone_elses_message(citizen, other_citizen, send):
    from django.core.exceptions import PermissionDenied

    notification = send(citizen)

    with pytest.raises(PermissionDenied):
        notification_mark_read(user=other_citizen, notification=notification)
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_touches_only_the_users_own_messages(citizen, other_citizen, send):
    send(citizen)
    send(citizen)
    send(other_citizen)

    assert notification_mark_all_read(user=citizen) == 2

    assert unread_count(citizen) == 0
    assert unread_count(other_citizen) == 1
    row = AuditLog.objects.get(action=AuditAction.NOTIFICATION_READ)
    assert (row.actor, row.subject_user, row.extra) == (citizen, citizen, {"count": 2})
    assert notification_mark_all_read(user=citizen) == 0
    assert AuditLog.objects.filter(action=AuditAction.NOTIFICATION_READ).count() == 1
