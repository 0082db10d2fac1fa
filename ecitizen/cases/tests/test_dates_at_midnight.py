"""References, due dates and "overdue" around midnight and the year end, in the deployment's time zone.

Every test pins the clock. London in winter is UTC; Paris is an hour ahead, so
23:30 on 31 December in Paris is 22:30 UTC, and 00:30 on 1 January in Paris is
still 31 December in UTC. A case's reference year and its due date are both the
local day of the one instant it was sent.
"""

from __future__ import annotations

import datetime
import uuid

import pytest
import time_machine
from django.utils import timezone

from ecitizen.cases import services
from ecitizen.cases.models import Application, Status
from ecitizen.cases.selectors import QueueFilters, case_queue
from ecitizen.cases.tests.conftest import make_version
from ecitizen.catalogue.formdef import FormDefinition

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def england_calendar(settings):
    settings.TIME_ZONE, settings.HOLIDAYS_COUNTRY, settings.HOLIDAYS_SUBDIVISION = "Europe/London", "GB", "ENG"


def at(iso: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(iso)


def send(citizen, version) -> Application:
    app = services.application_start(citizen=citizen, service_version=version, start_token=uuid.uuid4())
    services.application_save_page(
        citizen=citizen, application=app, page_id="vehicle", answers={"registration": "AB1", "moved": "no"}
    )
    return services.application_submit(citizen=citizen, application=app, declaration=True)


@pytest.mark.parametrize(
    ("zone", "sent_at", "reference", "due"),
    [
        # London, 23:30 on New Year's Eve (= 23:30 UTC): a 2026 case; 1 January is a holiday
        ("Europe/London", "2026-12-31T23:30:00+00:00", "CC-2026-000001", "2027-01-15"),
        # London, half an hour later: the first case of 2027
        ("Europe/London", "2027-01-01T00:30:00+00:00", "CC-2027-000001", "2027-01-15"),
        # Paris, 23:30 on New Year's Eve is 22:30 UTC
        ("Europe/Paris", "2026-12-31T23:30:00+01:00", "CC-2026-000001", "2027-01-15"),
        # Paris, 00:30 on 1 January is 23:30 UTC on 31 December: the local year, not UTC's
        ("Europe/Paris", "2027-01-01T00:30:00+01:00", "CC-2027-000001", "2027-01-15"),
        # Paris, 00:30 on Monday 4 January is Sunday in UTC: the clock starts on the local Monday
        ("Europe/Paris", "2027-01-04T00:30:00+01:00", "CC-2027-000001", "2027-01-18"),
    ],
)
def test_reference_year_and_due_date_are_of_the_local_day_sent(
    settings, verified_citizen, permit_version, zone, sent_at, reference, due
):
    settings.TIME_ZONE = zone
    with time_machine.travel(at(sent_at), tick=False):
        app = send(verified_citizen, permit_version)
    assert (app.reference, app.due_date) == (reference, datetime.date.fromisoformat(due))


def test_a_case_sent_as_midnight_strikes_takes_its_year_and_due_date_from_one_instant(
    verified_citizen, permit_version, monkeypatch
):
    # given: the clock passes midnight while the case is being sent (after the instant it is sent at)
    original = FormDefinition.visible_answers
    with time_machine.travel(at("2026-12-31T23:59:59+00:00"), tick=False) as clock:

        def slow_visible_answers(self, answers):
            clock.shift(datetime.timedelta(seconds=2))  # now 00:00:01 on 1 January 2027
            return original(self, answers)

        monkeypatch.setattr(FormDefinition, "visible_answers", slow_visible_answers)
        app = send(verified_citizen, permit_version)

    # then: sent on 31 December 2026, so a 2026 reference, and the due date counts from that day
    assert app.submitted_at == at("2026-12-31T23:59:59+00:00")
    assert app.reference == "CC-2026-000001"
    assert app.due_date == datetime.date(2027, 1, 15)


def test_the_clock_starts_on_the_local_day_the_fee_is_paid(settings, verified_citizen, agency_a):
    # given: a fee-paying case sent in 2026
    version = make_version(agency_a, slug="paid-permit", fee=3000)
    settings.TIME_ZONE = "Europe/Paris"
    with time_machine.travel(at("2026-12-31T23:30:00+01:00"), tick=False):
        app = send(verified_citizen, version)
    assert (app.status, app.reference, app.due_date) == (Status.AWAITING_PAYMENT, "CC-2026-000001", None)

    # when: the fee is paid at 00:30 on Monday 4 January in Paris (Sunday 23:30 UTC)
    with time_machine.travel(at("2027-01-04T00:30:00+01:00"), tick=False):
        app = services.application_payment_received(application=app)

    # then: ten working days from Monday 4 January; the reference keeps its year
    assert (app.status, app.reference, app.due_date) == (Status.SUBMITTED, "CC-2026-000001", datetime.date(2027, 1, 18))


@pytest.mark.parametrize(
    ("zone", "now", "overdue"),
    [
        ("Europe/London", "2026-12-31T23:30:00+00:00", False),  # still the due day
        ("Europe/London", "2027-01-01T00:30:00+00:00", True),
        ("Europe/Paris", "2026-12-31T23:30:00+01:00", False),
        ("Europe/Paris", "2027-01-01T00:30:00+01:00", True),  # 31 December in UTC, but 1 January here
    ],
)
def test_a_case_is_overdue_from_the_local_day_after_its_due_date(
    settings, verified_citizen, permit_version, caseworker_a, agency_a, zone, now, overdue
):
    with time_machine.travel(at("2026-12-15T10:00:00+00:00"), tick=False):
        app = send(verified_citizen, permit_version)
    assert app.due_date == datetime.date(2026, 12, 31)  # Tue 15 + 10: Christmas and Boxing Day (28th) skipped

    settings.TIME_ZONE = zone
    with time_machine.travel(at(now), tick=False):
        queue = list(case_queue(caseworker_a, agency_a, QueueFilters(overdue=True)))
    assert (app in queue) is overdue


@pytest.mark.parametrize(
    ("sent_at", "local", "due"),
    [
        # Easter Sunday 28 March 2027, the clocks go forward at 01:00 GMT; Easter Monday is a holiday
        ("2027-03-28T00:30:00+00:00", "2027-03-28 00:30 GMT", "2027-04-12"),
        ("2027-03-28T02:30:00+01:00", "2027-03-28 02:30 BST", "2027-04-12"),  # 01:30 UTC
        # Sunday 31 October 2027, the clocks go back at 02:00 BST: 01:30 happens twice
        ("2027-10-31T01:30:00+01:00", "2027-10-31 01:30 BST", "2027-11-12"),
        ("2027-10-31T01:30:00+00:00", "2027-10-31 01:30 GMT", "2027-11-12"),
    ],
)
def test_cases_sent_on_the_nights_the_clocks_change(verified_citizen, permit_version, sent_at, local, due):
    with time_machine.travel(at(sent_at), tick=False):
        app = send(verified_citizen, permit_version)
    assert app.submitted_at == at(sent_at)
    assert timezone.localtime(app.submitted_at).strftime("%Y-%m-%d %H:%M %Z") == local
    assert (app.reference, app.due_date) == ("CC-2027-000001", datetime.date.fromisoformat(due))
