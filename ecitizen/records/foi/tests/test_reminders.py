"""Reminders: staff hear of a deadline coming, once per deadline."""

from __future__ import annotations

import pytest

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.notifications.models import Notification
from ecitizen.records.foi import services
from ecitizen.records.foi.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_staff_are_reminded_once_before_the_deadline(
    pinned, settings, make_request, caseworker_a, admin_a, caseworker_b
):
    settings.FOI_HOLIDAYS = []
    settings.FOI_REMINDER_DAYS = 3
    foi = make_request()  # due Monday 1 February 2027
    pinned.move_to(at("2027-01-26T09:00:00+00:00"))  # Tuesday: 4 working days left
    assert services.foi_reminders_send() == 0
    pinned.move_to(at("2027-01-27T09:00:00+00:00"))  # Wednesday: 3 left
    assert services.foi_reminders_send() == 1
    assert services.foi_reminders_send() == 0
    reminded = set(
        Notification.objects.filter(url=f"/staff/information-requests/{foi.pk}/").values_list("user", flat=True)
    )
    assert reminded == {caseworker_a.pk, admin_a.pk}
    row = AuditLog.objects.get(action=AuditAction.FOI_REMINDER_SENT)
    assert (row.actor_id, row.subject_id) == (None, str(foi.pk))


def test_a_moved_deadline_is_reminded_again(pinned, settings, make_request, caseworker_a):
    settings.FOI_HOLIDAYS = []
    foi = make_request()
    pinned.move_to(at("2027-01-29T09:00:00+00:00"))
    assert services.foi_reminders_send() == 1
    services.foi_extend(actor=caseworker_a, foi=foi, reason="Consulting a contractor.")
    assert services.foi_reminders_send() == 0


def test_answered_requests_are_not_reminded(pinned, settings, make_request, caseworker_a):
    settings.FOI_HOLIDAYS = []
    services.foi_answer(actor=caseworker_a, foi=make_request(), answer="Done.")
    pinned.move_to(at("2027-02-10T09:00:00+00:00"))
    assert services.foi_reminders_send() == 0
