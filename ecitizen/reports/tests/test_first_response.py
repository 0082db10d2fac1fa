"""When the agency first answered a report in public (issue 17's "time to first response").

It is set by the agency's first public word on the report, a status change or an update the
public sees, and never moved after; staff-only notes and assignments, and the public's own
updates, are not an answer. The clock is pinned so that the instant can be compared exactly.
"""

from __future__ import annotations

import datetime
import importlib

import pytest
import time_machine
from django.apps import apps

from ecitizen.reports import services
from ecitizen.reports.models import Report, ReportUpdate, Status, UpdateKind

pytestmark = pytest.mark.django_db

MADE = datetime.datetime(2027, 3, 1, 8, 0, tzinfo=datetime.UTC)
NOTED = datetime.datetime(2027, 3, 1, 10, 0, tzinfo=datetime.UTC)
ANSWERED = datetime.datetime(2027, 3, 2, 14, 30, tzinfo=datetime.UTC)
FIXED = datetime.datetime(2027, 3, 9, 16, 0, tzinfo=datetime.UTC)


@pytest.fixture
def report(make_report):
    with time_machine.travel(MADE, tick=False):
        return make_report()


def _first_response(report: Report) -> datetime.datetime | None:
    return Report.objects.values_list("first_response_at", flat=True).get(pk=report.pk)


def test_staff_only_notes_and_assignments_are_not_a_response(report, caseworker_a):
    with time_machine.travel(NOTED, tick=False):
        services.report_add_note(actor=caseworker_a, report=report, text="Crew to look on Tuesday")
        services.report_assign(actor=caseworker_a, report=Report.objects.get(pk=report.pk), assignee=caseworker_a)
    assert _first_response(report) is None


def test_the_publics_own_updates_are_not_a_response(report, other_citizen):
    with time_machine.travel(NOTED, tick=False):
        services.report_add_update(actor=other_citizen, report=report, text="Still there this morning")
    assert _first_response(report) is None


def test_the_first_public_status_change_is_the_response_and_later_ones_do_not_move_it(report, caseworker_a):
    # given a staff note first
    with time_machine.travel(NOTED, tick=False):
        services.report_add_note(actor=caseworker_a, report=report, text="Looks deep")
    # when the agency tells the public it is looking into it, then fixes it a week later
    with time_machine.travel(ANSWERED, tick=False):
        services.report_set_status(
            actor=caseworker_a, report=report, status=Status.INVESTIGATING, public_note="We are looking into it."
        )
    assert _first_response(report) == ANSWERED
    with time_machine.travel(FIXED, tick=False):
        services.report_set_status(
            actor=caseworker_a, report=Report.objects.get(pk=report.pk), status=Status.FIXED, public_note="Filled."
        )
    # then the first answer stays the response
    report.refresh_from_db()
    assert (report.status, report.closed_at, report.first_response_at) == (Status.FIXED, FIXED, ANSWERED)


def test_a_public_note_without_a_change_of_status_is_a_response(report, caseworker_a):
    with time_machine.travel(ANSWERED, tick=False):
        services.report_set_status(
            actor=caseworker_a, report=report, status=Status.OPEN, public_note="Thank you: a crew will look at it."
        )
    assert _first_response(report) == ANSWERED


def test_the_status_form_sets_it(client, report, caseworker_a):
    with time_machine.travel(ANSWERED, tick=False):
        client.force_login(caseworker_a)  # signed in then: a session from before would have expired
        response = client.post(
            f"/staff/reports/{report.pk}/status/",
            {"version": report.version, "status": Status.ACTION_SCHEDULED, "public_note": "Booked for Tuesday."},
        )
    assert response.status_code == 302 and response["Location"] == f"/staff/reports/{report.pk}/"
    assert _first_response(report) == ANSWERED


# --- the migration that added it fills it for reports made before ----------------------------------


def test_the_migration_takes_the_first_public_staff_update_of_each_report(report, make_report, caseworker_a):
    backfill = importlib.import_module("ecitizen.reports.migrations.0006_first_response_at").backfill
    # given a report with a note, then two public status changes, and one never answered
    with time_machine.travel(NOTED, tick=False):
        services.report_add_note(actor=caseworker_a, report=report, text="Looks deep")
    with time_machine.travel(ANSWERED, tick=False):
        services.report_set_status(actor=caseworker_a, report=report, status=Status.INVESTIGATING)
    with time_machine.travel(FIXED, tick=False):
        services.report_set_status(actor=caseworker_a, report=Report.objects.get(pk=report.pk), status=Status.FIXED)
    with time_machine.travel(MADE, tick=False):
        silent = make_report(title="Another pot-hole")
    # and a public update from someone else before the agency answered
    ReportUpdate.objects.create(
        report=report, kind=UpdateKind.COMMENT, text="Still there", is_public=True, confirmed_at=MADE
    )
    ReportUpdate.objects.filter(report=report, kind=UpdateKind.COMMENT).update(created_at=MADE)
    # as the database was before the field existed
    Report.objects.update(first_response_at=None)
    # when the migration fills it
    backfill(apps, None)
    # then
    assert _first_response(report) == ANSWERED
    assert _first_response(silent) is None
