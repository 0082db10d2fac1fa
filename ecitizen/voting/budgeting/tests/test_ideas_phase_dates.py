"""Phases are entered as days and stored as instants (midnight at the start of the first day and
midnight at the end of the last day): the pages show the days people meant, never "until
1 April, 12:00am" for a last day of 31 March."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.template import Context, Template
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _midnight(y, m, d):
    return timezone.make_aware(datetime.datetime(y, m, d))


@pytest.fixture
def day_process(make_process):
    return make_process(
        "ideas",
        ideas_open_at=_midnight(2026, 10, 28),
        ideas_close_at=_midnight(2026, 11, 17),  # last day of ideas: 16 November
        voting_open_at=_midnight(2026, 12, 1),
        voting_close_at=_midnight(2027, 4, 1),  # last day of voting: 31 March
    )


def test_the_timetable_shows_last_days_as_dates(client, day_process):
    with time_machine.travel(_midnight(2026, 11, 2) + datetime.timedelta(hours=10), tick=False):
        html = client.get(f"/budgeting/{day_process.pk}/").content.decode()

    assert "<strong>Ideas</strong>: 28 October to 16 November 2026" in html
    assert "<strong>Review of the ideas</strong>: 17 November to 30 November 2026" in html
    assert "<strong>Voting</strong>: 1 December 2026 to 31 March 2027" in html
    assert "until 16 November 2026." in html and "Voting opens on 1 December 2026." in html
    assert "12:00" not in html and "midnight" not in html
    # The stored instants are unchanged.
    day_process.refresh_from_db()
    assert day_process.voting_close_at == _midnight(2027, 4, 1)


def test_voting_pages_say_the_last_day(client, day_process, make_user):
    with time_machine.travel(_midnight(2027, 3, 30) + datetime.timedelta(hours=10), tick=False):
        html = client.get(f"/budgeting/{day_process.pk}/").content.decode()
    assert "Voting is open until 31 March 2027." in html


def test_an_instant_that_is_not_midnight_keeps_its_time():
    moment = timezone.make_aware(datetime.datetime(2027, 3, 31, 17, 30))
    out = Template("{% load budgeting_dates %}{{ m|last_day }}|{% phase_dates a m %}").render(
        Context({"m": moment, "a": _midnight(2027, 3, 1)})
    )
    assert "31 March 2027, 5:30" in out and "1 March 2027" in out
