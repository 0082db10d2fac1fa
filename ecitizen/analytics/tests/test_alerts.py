"""The hourly alert check: a rule fires once per crossing, tells the agency's admins (inbox and
email, with a link to the dashboard), clears silently, and fires again on the next crossing."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail

from ecitizen.analytics.alerts import alert_value, alerts_check
from ecitizen.analytics.models import AlertRule, BacklogSnapshot
from ecitizen.analytics.tests.test_staff_fixtures import NOW, TODAY, D, day, local, make_service
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def permit(agency_a):
    return make_service(agency_a)


@pytest.fixture
def second_admin(make_user, agency_a):
    from ecitizen.agencies.models import Membership

    user = make_user("deputy@council.example", preferred_language="es")
    Membership.objects.create(user=user, agency=agency_a, role="agency_admin")
    return user


def backlog(service, open_count, overdue=0):
    BacklogSnapshot.objects.update_or_create(
        service=service,
        defaults={"agency": service.agency, "open_count": open_count, "overdue": overdue, "taken_at": local(TODAY, 9)},
    )


def fired_rows():
    return AuditLog.objects.filter(action=AuditAction.ANALYTICS_ALERT_FIRED)


def test_a_rule_fires_once_per_crossing_and_tells_the_admins(
    admin_a, second_admin, caseworker_a, permit, django_capture_on_commit_callbacks
):
    rule = AlertRule.objects.create(agency=permit.agency, service=permit, metric="backlog", threshold=5)

    backlog(permit, 5)  # at the threshold: not above it
    assert alerts_check() == 0
    rule.refresh_from_db()
    assert (rule.firing, rule.last_value) == (False, 5)

    backlog(permit, 7)
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts_check() == 1
    rule.refresh_from_db()
    assert rule.firing and rule.last_value == 7 and rule.fired_at == datetime.datetime.fromisoformat(NOW)
    row = fired_rows().get()
    assert (row.actor_id, row.agency_id, row.subject_type, row.subject_id) == (
        None,
        permit.agency_id,
        "analytics.alertrule",
        str(rule.pk),
    )
    # Both admins, nobody else, each in their language, with a link to the service's dashboard.
    notes = {note.user_id: note for note in Notification.objects.all()}
    assert set(notes) == {admin_a.pk, second_admin.pk}
    assert notes[admin_a.pk].url == f"/staff/analytics/services/{permit.pk}/"
    assert "Resident parking permit" in notes[admin_a.pk].subject
    assert "Now: 7 (alert above 5)" in notes[admin_a.pk].body
    assert sorted(message.to[0] for message in mail.outbox) == sorted([admin_a.email, second_admin.email])
    assert f"/staff/analytics/services/{permit.pk}/" in mail.outbox[0].body

    # Still above: nobody is told again.
    backlog(permit, 9)
    assert alerts_check() == 0
    assert fired_rows().count() == 1 and Notification.objects.count() == 2
    rule.refresh_from_db()
    assert rule.last_value == 9

    # Back at the threshold: cleared, silently.
    backlog(permit, 4)
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts_check() == 0
    rule.refresh_from_db()
    assert not rule.firing and rule.last_value == 4
    assert Notification.objects.count() == 2 and len(mail.outbox) == 2

    # Above again: a new crossing, heard again.
    backlog(permit, 6)
    assert alerts_check() == 1
    assert fired_rows().count() == 2 and Notification.objects.count() == 4


def test_decision_times_over_the_alert_window(admin_a, permit, settings):
    settings.ANALYTICS_ALERT_WINDOW_DAYS = 30
    rule = AlertRule.objects.create(agency=permit.agency, service=permit, metric="p90_days", threshold=10)
    median = AlertRule.objects.create(agency=permit.agency, service=permit, metric="median_days", threshold=10)
    day(permit, TODAY - datetime.timedelta(days=29), approved=9, decision_days={"3": 9})  # first day of the window
    day(permit, TODAY, refused=1, decision_days={"25": 1})
    day(permit, TODAY - datetime.timedelta(days=30), approved=50, decision_days={"40": 50})  # outside it
    # Ten decisions: nine in 3 days, one in 25. The 90th percentile is 3, the median 3.
    assert alert_value(rule, today=TODAY) == 3
    assert alert_value(median, today=TODAY) == 3
    assert alerts_check() == 0
    day(permit, TODAY - datetime.timedelta(days=1), refused=2, decision_days={"25": 2})
    # Twelve: nine in 3, three in 25: the 90th percentile is now 25, the median still 3.
    assert alerts_check() == 1
    rule.refresh_from_db()
    median.refresh_from_db()
    assert (rule.firing, rule.last_value, median.firing, median.last_value) == (True, 25, False, 3)


def test_no_figure_is_not_a_crossing(admin_a, permit):
    rule = AlertRule.objects.create(agency=permit.agency, service=permit, metric="median_days", threshold=0)
    assert alerts_check() == 0
    rule.refresh_from_db()
    assert rule.last_value is None and not rule.firing


def test_a_whole_agency_rule_adds_its_services_and_links_to_the_agency(admin_a, agency_a, agency_b, permit):
    other = make_service(agency_a, title="Bins")
    elsewhere = make_service(agency_b, title="Roads")
    backlog(permit, 2, overdue=2)
    backlog(other, 3, overdue=1)
    backlog(elsewhere, 50, overdue=50)
    rule = AlertRule.objects.create(agency=agency_a, metric="overdue", threshold=2)
    assert alert_value(rule, today=TODAY) == 3
    assert alerts_check() == 1
    note = Notification.objects.get(user=admin_a)
    assert note.url == f"/staff/analytics/?agency={agency_a.pk}"
    assert "City Council" in note.subject


def test_rules_of_an_inactive_agency_are_not_checked(admin_a, agency_a, permit):
    backlog(permit, 9)
    AlertRule.objects.create(agency=agency_a, metric="backlog", threshold=1)
    agency_a.is_active = False
    agency_a.save()
    assert alerts_check() == 0
    assert not Notification.objects.exists()


def test_the_rollup_task_reports_the_alerts_that_fired(admin_a, permit, monkeypatch):
    from ecitizen.analytics import tasks

    class Run:
        rows, seconds = 3, 0.25

    monkeypatch.setattr(tasks.rollups, "run_hourly", lambda: Run())
    backlog(permit, 9)
    AlertRule.objects.create(agency=permit.agency, service=permit, metric="backlog", threshold=1)
    result = tasks.rollup_hourly_task.call()
    assert result == {"days": 3, "seconds": 0.25, "alerts_fired": 1}


def test_date_of_the_window_is_the_local_day():
    # 30 days up to 17 June, today included, start on 19 May.
    from ecitizen.analytics.alerts import alert_window

    assert alert_window(TODAY) == (D(2026, 5, 19), TODAY)
