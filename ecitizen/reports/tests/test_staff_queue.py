"""The back-office queue of problem reports and the report page: who sees what, filters, the clock."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from ecitizen.reports.models import Report, Status
from ecitizen.reports.tests.conftest import MILLBROOK, RING_ROAD

pytestmark = pytest.mark.django_db

QUEUE = "/staff/reports/"


def _pks(response):
    return [r.pk for r in response.context["page"]]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("caseworker_a", 200), ("admin_a", 200), ("caseworker_b", 404), ("auditor_a", 404), ("other_citizen", 404)],
)
def test_report_page_matrix(client, request, make_report, persona, status):
    report = make_report()
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"{QUEUE}{report.pk}/").status_code == status


def test_queue_shows_only_the_agencys_reports(client, make_report, pothole_b, caseworker_a, caseworker_b):
    mine = make_report()
    theirs = make_report(latitude=RING_ROAD[0], longitude=RING_ROAD[1], answers={})  # routed to agency_b
    assert theirs.agency.name == "Transport Agency"
    client.force_login(caseworker_a)
    assert _pks(client.get(QUEUE)) == [mine.pk]
    client.force_login(caseworker_b)
    response = client.get(QUEUE)
    assert _pks(response) == [theirs.pk]
    assert client.get(f"{QUEUE}{mine.pk}/").status_code == 404


def test_unconfirmed_reports_are_not_in_the_queue(client, make_report, caseworker_a):
    waiting = make_report(actor=None, email="walker@example.org", name="Walker")
    assert waiting.confirmed_at is None
    client.force_login(caseworker_a)
    assert _pks(client.get(QUEUE)) == []
    assert client.get(f"{QUEUE}{waiting.pk}/").status_code == 404


def test_people_without_a_work_role_cannot_open_the_queue(client, citizen, auditor_a):
    for user in (citizen, auditor_a):
        client.force_login(user)
        assert client.get(QUEUE).status_code == 403


def test_overdue_reports_come_first_and_stand_out(client, make_report, caseworker_a):
    later = make_report(title="Due later")
    overdue = make_report(title="Long overdue")
    closed_late = make_report(title="Fixed but late")
    now = timezone.now()
    Report.objects.filter(pk=overdue.pk).update(due_at=now - datetime.timedelta(days=3))
    Report.objects.filter(pk=closed_late.pk).update(due_at=now - datetime.timedelta(days=5), status=Status.FIXED)
    client.force_login(caseworker_a)
    response = client.get(QUEUE)
    assert _pks(response) == [overdue.pk, later.pk]  # open only by default, soonest due first
    page = response.content.decode()
    assert page.count("govuk-tag--red") == 1 and "Overdue" in page
    assert _pks(client.get(QUEUE, {"overdue": "on"})) == [overdue.pk]
    # closed reports are never overdue, even past their date
    response = client.get(QUEUE, {"status": "all", "overdue": "on"})
    assert _pks(response) == [overdue.pk]
    assert _pks(client.get(QUEUE, {"status": "closed"})) == [closed_late.pk]
    assert _pks(client.get(QUEUE, {"status": "all", "sort": "newest"})) == [closed_late.pk, overdue.pk, later.pk]
    assert _pks(client.get(QUEUE, {"status": "all", "sort": "oldest"})) == [later.pk, overdue.pk, closed_late.pk]


@time_machine.travel(datetime.datetime(2027, 6, 4, 23, 30, tzinfo=datetime.UTC), tick=False)  # 00:30 BST, 5 June
def test_queue_filters(client, make_report, streetlight, caseworker_a):
    hole = make_report()
    light = make_report(
        service_code="streetlight", answers={"lamp_post": "L12"}, latitude=MILLBROOK[0], longitude=MILLBROOK[1]
    )
    Report.objects.filter(pk=light.pk).update(status=Status.IN_PROGRESS, assignee=caseworker_a)
    Report.objects.filter(pk=hole.pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    client.force_login(caseworker_a)
    assert _pks(client.get(QUEUE, {"category": "streetlight"})) == [light.pk]
    assert _pks(client.get(QUEUE, {"status": "in_progress"})) == [light.pk]
    assert _pks(client.get(QUEUE, {"status": "open", "assignee": "me"})) == [light.pk]
    assert _pks(client.get(QUEUE, {"assignee": "none"})) == [hole.pk]
    assert _pks(client.get(QUEUE, {"area": light.area_id})) == [light.pk]
    assert _pks(client.get(QUEUE, {"created_from": "2027-06-05"})) == [light.pk]  # the local day, not UTC's
    assert _pks(client.get(QUEUE, {"created_to": "2027-05-31"})) == [hole.pk]
    response = client.get(QUEUE, {"created_from": "not a date"})
    assert "Enter a real date" in response.content.decode()


def test_reopened_reports_stand_out(client, make_report, citizen, caseworker_a):
    from ecitizen.reports import services

    report = make_report()
    services.report_set_status(actor=caseworker_a, report=report, status=Status.FIXED)
    services.report_add_update(actor=citizen, report=report, text="It is not fixed", not_fixed=True)
    client.force_login(caseworker_a)
    response = client.get(QUEUE, {"reopened": "on"})
    assert _pks(response) == [report.pk]
    assert "Reopened" in response.content.decode()


def test_report_page_shows_everything_and_records_the_look(client, make_report, citizen, caseworker_a):
    from ecitizen.privacy.models import AccessRecord

    report = make_report(phone="07700 900123", name_hidden=True)
    client.force_login(caseworker_a)
    page = client.get(f"{QUEUE}{report.pk}/").content.decode()
    assert "amina@example.org" in page and "07700 900123" in page and "Amina Haddad" in page
    assert "5 cm or more" in page  # the answer, shown by its label
    assert "working days left" in page
    record = AccessRecord.objects.get()
    assert (record.citizen, record.staff, record.agency.code) == (citizen, caseworker_a, "CC")
    assert f"#{report.pk}" in record.purpose


def test_no_access_record_for_reporters_without_an_account(client, make_report, caseworker_a):
    from ecitizen.privacy.models import AccessRecord
    from ecitizen.reports.services import make_token, report_confirm

    report = make_report(actor=None, email="walker@example.org", name="Walker")
    report_confirm(token=make_token("confirm", report.pk))
    client.force_login(caseworker_a)
    assert "walker@example.org" in client.get(f"{QUEUE}{report.pk}/").content.decode()
    assert not AccessRecord.objects.exists()


def test_the_clock_says_how_late(make_report):
    from ecitizen.reports.staff_selectors import response_clock

    report = make_report()
    now = report.due_at + datetime.timedelta(days=3)
    clock = response_clock(report, now=now)
    assert clock.overdue and clock.days_overdue == 3
    report.status = Status.FIXED
    assert not response_clock(report, now=now).overdue
