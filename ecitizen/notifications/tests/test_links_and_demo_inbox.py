"""Messages carry full links (never bare paths), and the demo leaves only the latest few unread."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.notifications.models import Notification
from ecitizen.notifications.selectors import unread_count
from ecitizen.notifications.services import notification_mark_older_read

pytestmark = pytest.mark.django_db


def test_templates_get_the_full_link_and_the_email_does_not_repeat_it(
    citizen, send, settings, test_templates, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://portal.example.gov"

    with django_capture_on_commit_callbacks(execute=True):
        notification = send(citizen, body_template="notifications_test/with_link.txt", url="/reports/39/")

    assert "See your report: https://portal.example.gov/reports/39/" in notification.body
    assert "/reports/39/" not in notification.body.replace("https://portal.example.gov/reports/39/", "")
    [email] = mail.outbox
    assert email.body.count("https://portal.example.gov/reports/39/") == 1


def test_a_report_message_to_a_registered_reporter_has_no_bare_path(citizen, send, settings):
    settings.SITE_URL = "https://portal.example.gov"
    notification = send(
        citizen, subject_template="notifications/email/case_update_subject.txt", url="/reports/39/", context={}
    )
    # case updates do not print the link in the body: the email and the inbox page add it in full
    assert "/reports/39/" not in notification.body


@pytest.fixture
def inbox_of(citizen):
    def make(count: int):
        now = timezone.now()
        return [
            Notification.objects.create(
                user=citizen, subject=f"Message {n}", body="Hello.", created_at=now - datetime.timedelta(minutes=n)
            )
            for n in range(count)
        ]

    return make


def test_mark_older_read_keeps_the_newest_unread_with_one_audit_row(citizen, other_citizen, inbox_of):
    messages = inbox_of(21)
    theirs = Notification.objects.create(user=other_citizen, subject="Not yours", body=".")

    changed = notification_mark_older_read(actor=None, user=citizen, keep_unread=3)

    assert changed == 18
    assert unread_count(citizen) == 3
    unread = set(Notification.objects.filter(user=citizen, read_at__isnull=True).values_list("pk", flat=True))
    assert unread == {m.pk for m in messages[:3]}  # the three newest
    theirs.refresh_from_db()
    assert theirs.read_at is None
    row = AuditLog.objects.get(action=AuditAction.NOTIFICATION_READ)
    assert (row.actor, row.subject_user, row.extra) == (None, citizen, {"count": 18, "kept_unread": 3})
    # again: nothing more to do, no second audit row
    assert notification_mark_older_read(actor=None, user=citizen, keep_unread=3) == 0
    assert AuditLog.objects.filter(action=AuditAction.NOTIFICATION_READ).count() == 1


def test_the_demo_inbox_helper(citizen, inbox_of):
    from ecitizen.demo.inbox import leave_recent_messages_unread

    inbox_of(10)
    assert leave_recent_messages_unread([citizen.email, "nobody@example.org"]) == 7
    assert unread_count(citizen) == 3
