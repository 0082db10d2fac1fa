"""The demo citizens start with a few unread messages, not dozens, and a complete postal address."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_demo_citizens_have_a_few_unread_messages_and_a_complete_address():
    from ecitizen.accounts.models import Profile
    from ecitizen.demo.inbox import UNREAD_TO_KEEP
    from ecitizen.notifications.models import Notification

    call_command("seed_demo", register_size=5, stdout=io.StringIO())

    for email in ("amina@example.org", "ben@example.org", "lucia@example.org"):
        messages = Notification.objects.filter(user__email=email)
        assert messages.count() > UNREAD_TO_KEEP
        assert messages.filter(read_at__isnull=True).count() == UNREAD_TO_KEEP
        assert Profile.objects.get(user__email=email).address_complete
