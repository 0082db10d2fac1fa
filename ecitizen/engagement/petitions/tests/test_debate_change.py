"""Scheduling a debate twice: the same date and place again changes nothing; another date or place
is a change (audited as one, followers told it moved); a debate that took place stays as it was."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.engagement.petitions import services
from ecitizen.engagement.petitions.models import Petition
from ecitizen.ledger.models import LogEntry, PendingEntry

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 9, 1, 10, 0, tzinfo=datetime.UTC)
IN_A_WEEK = datetime.date(2026, 9, 8)


def _entries(kind: str, key: str) -> int:
    return LogEntry.objects.filter(kind=kind, key=key).count() + PendingEntry.objects.filter(kind=kind, key=key).count()


def _audits() -> list[AuditLog]:
    return list(AuditLog.objects.filter(action=AuditAction.PETITION_DEBATE_SCHEDULED).order_by("pk"))


@pytest.fixture
def scheduled(open_petition, admin_a, other_citizen, time_machine, settings, django_capture_on_commit_callbacks):
    """An open petition, followed by other_citizen, whose debate is scheduled in a week's time."""
    from ecitizen.engagement.discussions.services import follow_start

    time_machine.move_to(NOW, tick=False)
    settings.PETITION_DEBATE_THRESHOLD = 7
    follow_start(actor=other_citizen, kind="petition", key=str(open_petition.pk))
    with django_capture_on_commit_callbacks(execute=True):
        services.petition_schedule_debate(actor=admin_a, petition=open_petition, date=IN_A_WEEK, place="Town hall")
    open_petition.refresh_from_db()
    return open_petition


def test_the_same_date_and_place_again_changes_nothing(
    scheduled, admin_a, other_citizen, django_capture_on_commit_callbacks
):
    # given a scheduled debate
    first_at = scheduled.debate_scheduled_at
    # when the same form is sent again (a double click, a stale page)
    with django_capture_on_commit_callbacks(execute=True):
        returned = services.petition_schedule_debate(
            actor=admin_a, petition=scheduled, date=IN_A_WEEK, place="  Town hall "
        )
    # then the petition comes back as it was: one audit row, one log entry, followers told once
    assert returned.pk == scheduled.pk and returned.debate_date == IN_A_WEEK
    scheduled.refresh_from_db()
    assert scheduled.debate_scheduled_at == first_at
    assert len(_audits()) == 1
    assert _entries("petition.debated", str(scheduled.pk)) == 1
    assert _entries("petition.debate_moved", str(scheduled.pk)) == 0
    assert other_citizen.notifications.count() == 1


def test_another_date_is_a_change(scheduled, admin_a, other_citizen, django_capture_on_commit_callbacks):
    # when the admin moves the debate to another day and room
    later = IN_A_WEEK + datetime.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        services.petition_schedule_debate(actor=admin_a, petition=scheduled, date=later, place="Room 2")
    scheduled.refresh_from_db()
    # then the petition shows the new date and place
    assert (scheduled.debate_date, scheduled.debate_place) == (later, "Room 2")
    # and the change is audited as a change, with the old values
    first, change = _audits()
    assert first.extra in ({}, None)
    assert change.actor == admin_a and change.subject_id == str(scheduled.pk)
    assert change.extra["change"] is True
    assert change.extra["old_date"] == IN_A_WEEK.isoformat() and change.extra["old_place"] == "Town hall"
    # and followers are told it moved
    moved = other_citizen.notifications.get(subject__startswith="Debate changed")
    assert "Room 2" in moved.body
    # and the public log keeps its debate entry, with one entry saying the date moved
    key = str(scheduled.pk)
    assert _entries("petition.debated", key) == 1
    entry = PendingEntry.objects.get(kind="petition.debate_moved", key=key)
    text = bytes(entry.data).decode()
    assert later.isoformat() in text and IN_A_WEEK.isoformat() in text


def test_another_place_only_is_a_change_without_a_log_entry(
    scheduled, admin_a, other_citizen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.petition_schedule_debate(actor=admin_a, petition=scheduled, date=IN_A_WEEK, place="Library")
    scheduled.refresh_from_db()
    assert scheduled.debate_place == "Library"
    assert _audits()[-1].extra["change"] is True and len(_audits()) == 2
    assert other_citizen.notifications.filter(subject__startswith="Debate changed").count() == 1
    # the log entry holds the date only, which did not change
    assert _entries("petition.debate_moved", str(scheduled.pk)) == 0


def test_a_change_is_allowed_after_the_count_fell_back(scheduled, admin_a, settings):
    settings.PETITION_DEBATE_THRESHOLD = 10_000
    services.petition_schedule_debate(actor=admin_a, petition=scheduled, date=IN_A_WEEK, place="Library")
    scheduled.refresh_from_db()
    assert scheduled.debate_place == "Library"


def test_a_debate_that_took_place_cannot_be_changed(scheduled, admin_a, time_machine):
    # given the day after the debate
    time_machine.move_to(NOW + datetime.timedelta(days=8), tick=False)
    # when the admin tries to change it
    with pytest.raises(ValidationError) as caught:
        services.petition_schedule_debate(
            actor=admin_a, petition=scheduled, date=timezone.localdate() + datetime.timedelta(days=3), place="Hall"
        )
    # then it is refused at the date, and nothing is changed
    assert "date" in caught.value.message_dict
    scheduled.refresh_from_db()
    assert (scheduled.debate_date, scheduled.debate_place) == (IN_A_WEEK, "Town hall")
    assert len(_audits()) == 1
    # and the same values again (a stale page) are still no change, not an error
    services.petition_schedule_debate(actor=admin_a, petition=scheduled, date=IN_A_WEEK, place="Town hall")
    assert len(_audits()) == 1


def test_a_change_to_a_past_date_is_refused(scheduled, admin_a):
    with pytest.raises(ValidationError) as caught:
        services.petition_schedule_debate(
            actor=admin_a, petition=scheduled, date=NOW.date() - datetime.timedelta(days=1), place="Town hall"
        )
    assert "date" in caught.value.message_dict
    assert len(_audits()) == 1


def test_staff_change_the_date_through_the_page(scheduled, admin_a, client):
    client.force_login(admin_a)
    page = client.get(f"/staff/petitions/{scheduled.pk}/").content.decode()
    assert "Change the debate date" in page
    form = client.get(f"/staff/petitions/{scheduled.pk}/debate/").content.decode()
    assert "Change the debate date" in form and 'value="Town hall"' in form
    same = {"date-day": "8", "date-month": "9", "date-year": "2026", "place": "Town hall"}
    assert client.post(f"/staff/petitions/{scheduled.pk}/debate/", same).status_code == 302
    assert len(_audits()) == 1
    moved = {**same, "date-day": "9"}
    assert client.post(f"/staff/petitions/{scheduled.pk}/debate/", moved).status_code == 302
    scheduled.refresh_from_db()
    assert scheduled.debate_date == datetime.date(2026, 9, 9) and len(_audits()) == 2


@override_settings(PETITION_DEBATE_THRESHOLD=7)
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's concurrency")
def test_two_schedules_at_once_make_one(open_petition, admin_a):
    from ecitizen.engagement.petitions.tests.test_concurrency import _in_threads

    date = timezone.localdate() + datetime.timedelta(days=7)

    def work(_i):
        services.petition_schedule_debate(
            actor=admin_a, petition=Petition.objects.get(pk=open_petition.pk), date=date, place="Hall"
        )

    assert _in_threads(work, 2) == [None, None]
    assert len(_audits()) == 1
    assert _entries("petition.debated", str(open_petition.pk)) == 1
