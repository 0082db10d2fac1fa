"""An email that cannot be sent after a commit is logged; the saved change, the other after-commit
work and the request stand (a real commit, not the captured callbacks of the other tests)."""

from __future__ import annotations

import logging

import pytest
from django.db import transaction

from ecitizen.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_a_refused_email_after_commit_is_logged_and_the_rest_runs(citizen, send, settings, caplog):
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    after = []
    with caplog.at_level(logging.ERROR, logger="django.db.backends.base"):
        with transaction.atomic():
            send(citizen)
            transaction.on_commit(lambda: after.append("ran"), robust=True)
    assert Notification.objects.filter(user=citizen).count() == 1
    assert after == ["ran"]  # the failed email did not stop the next callback
    assert any("in on_commit()" in record.getMessage() for record in caplog.records)
