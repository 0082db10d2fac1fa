"""The statutory clock: working days, weekends, holidays, the local day, the pause and the one extension."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError

from ecitizen.records.foi import clock, services
from ecitizen.records.foi.models import Status
from ecitizen.records.foi.policies import foi_policy
from ecitizen.records.foi.tests.conftest import at

D = datetime.date


def test_weekends_never_count(settings):
    settings.FOI_HOLIDAYS = []
    friday = D(2027, 1, 8)
    assert clock.add_working_days(friday, 1) == D(2027, 1, 11)
    assert clock.add_working_days(friday, 20) == D(2027, 2, 5)
    assert clock.working_days_between(friday, D(2027, 2, 5)) == 20
    assert clock.working_days_between(D(2027, 2, 5), friday) == -20


def test_holidays_do_not_count(settings):
    settings.FOI_HOLIDAYS = ["2027-01-18"]
    assert clock.add_working_days(D(2027, 1, 8), 20) == D(2027, 2, 8)
    assert not clock.is_working_day(D(2027, 1, 18))
    assert clock.working_days_between(D(2027, 1, 15), D(2027, 1, 19)) == 1


@pytest.mark.django_db
def test_a_request_is_due_after_the_configured_working_days(settings, make_request):
    settings.FOI_WORKING_DAYS = 20
    settings.FOI_HOLIDAYS = ["2027-01-18"]
    with time_machine.travel(at("2027-01-08T15:00:00+00:00"), tick=False):
        foi = make_request()
    assert foi.received_on == D(2027, 1, 8)
    assert foi.due_on == D(2027, 2, 8)

    settings.FOI_WORKING_DAYS = 5
    with time_machine.travel(at("2027-01-08T15:00:00+00:00"), tick=False):
        assert make_request().due_on == D(2027, 1, 15)


@pytest.mark.django_db
def test_the_deployments_time_zone_decides_the_day(settings, make_request):
    settings.FOI_HOLIDAYS = []
    late_thursday_utc = at("2027-01-07T23:30:00+00:00")
    settings.TIME_ZONE = "Europe/London"
    with time_machine.travel(late_thursday_utc, tick=False):
        assert make_request().received_on == D(2027, 1, 7)
    settings.TIME_ZONE = "Asia/Tokyo"  # already Friday there
    with time_machine.travel(late_thursday_utc, tick=False):
        foi = make_request()
    assert foi.received_on == D(2027, 1, 8)
    assert foi.due_on == D(2027, 2, 5)


@pytest.mark.django_db
def test_clarification_stops_the_clock_and_the_reply_resumes_it(settings, make_request, requester, caseworker_a):
    settings.FOI_HOLIDAYS = []
    with time_machine.travel(at("2027-01-04T10:00:00+00:00"), tick=False) as traveller:
        foi = make_request()
        assert foi.due_on == D(2027, 2, 1)
        traveller.move_to(at("2027-01-08T10:00:00+00:00"))  # Friday: 4 working days used
        foi = services.foi_clarification_ask(actor=caseworker_a, foi=foi, question="Which roof?")
        assert foi.status == Status.CLARIFICATION
        assert foi.days_left == 16
        assert not foi.is_overdue(D(2027, 3, 1))  # a stopped clock is never overdue
        traveller.move_to(at("2027-03-01T10:00:00+00:00"))  # weeks later, a Monday
        foi = services.foi_clarify(actor=requester, foi=foi, text="The main library on Mill Lane.")
    assert foi.status == Status.AWAITING
    assert foi.days_left is None
    # 16 working days after Monday 1 March 2027.
    assert foi.due_on == D(2027, 3, 23)


@pytest.mark.django_db
def test_the_deadline_can_be_extended_once(settings, make_request, caseworker_a):
    settings.FOI_HOLIDAYS = []
    settings.FOI_EXTENSION_DAYS = 10
    with time_machine.travel(at("2027-01-04T10:00:00+00:00"), tick=False):
        foi = make_request()
        foi = services.foi_extend(actor=caseworker_a, foi=foi, reason="We must consult a contractor.")
        assert foi.due_on == D(2027, 2, 15)
        assert not foi_policy.can_for(caseworker_a, "extend", foi)
        with pytest.raises(ValidationError) as error:
            services.foi_extend(actor=caseworker_a, foi=foi, reason="Again, please.")
    assert "reason" in error.value.message_dict
    foi.refresh_from_db()
    assert foi.due_on == D(2027, 2, 15)


@pytest.mark.django_db
def test_overdue_is_after_the_last_day(settings, make_request):
    settings.FOI_HOLIDAYS = []
    with time_machine.travel(at("2027-01-04T10:00:00+00:00"), tick=False):
        foi = make_request()
    assert not foi.is_overdue(D(2027, 2, 1))
    assert foi.is_overdue(D(2027, 2, 2))
