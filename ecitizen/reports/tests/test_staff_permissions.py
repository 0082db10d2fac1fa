"""Every staff service of Report a problem checks its policy itself, on the locked row.

The views fetch reports, categories and areas through the policies; these
tests call the services directly, as the wrong person, and expect
``PermissionDenied`` with nothing written: no change to the row, no update,
no audit row.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from ecitizen.agencies.models import Membership
from ecitizen.core.models import AuditLog
from ecitizen.reports import admin_services, services
from ecitizen.reports.models import Alert, ApiClient, Area, Category, Report, ReportUpdate, Status
from ecitizen.reports.open311.keys import api_client_issue, api_client_revoke
from ecitizen.reports.tests.conftest import square


@pytest.fixture
def admin_b(make_user, with_mfa, agency_b):
    user = make_user("admin@transport.example")
    Membership.objects.create(user=user, agency=agency_b, role="agency_admin")
    with_mfa(user)
    return user


@pytest.fixture
def snapshot():
    """What a refused call must leave alone: every row count that a staff service could change."""

    def take():
        return {
            "audit": AuditLog.objects.count(),
            "updates": ReportUpdate.objects.count(),
            "alerts": Alert.objects.count(),
            "reports": list(
                Report.objects.order_by("pk").values_list(
                    "pk", "version", "status", "agency_id", "assignee_id", "is_public", "duplicate_of_id"
                )
            ),
            "categories": list(Category.objects.order_by("pk").values_list("pk", "name", "questions", "is_active")),
            "areas": list(Area.objects.order_by("pk").values_list("pk", "name", "is_active", "geometry")),
            "clients": list(ApiClient.objects.order_by("pk").values_list("pk", "is_active")),
        }

    return take


def refused(snapshot, call) -> None:
    before = snapshot()
    with pytest.raises(PermissionDenied):
        call()
    assert snapshot() == before


# --- reports -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["caseworker_b", "citizen", "moderator_a"])
def test_only_the_agencys_caseworkers_change_a_reports_status(request, make_report, snapshot, persona):
    actor, report = request.getfixturevalue(persona), make_report()
    refused(snapshot, lambda: services.report_set_status(actor=actor, report=report, status=Status.FIXED))


@pytest.mark.parametrize("persona", ["caseworker_b", "citizen", "moderator_a"])
def test_only_the_agencys_caseworkers_add_staff_notes(request, make_report, snapshot, persona):
    actor, report = request.getfixturevalue(persona), make_report()
    refused(snapshot, lambda: services.report_add_note(actor=actor, report=report, text="Crew booked"))


@pytest.mark.parametrize("persona", ["caseworker_b", "citizen"])
def test_only_the_agencys_caseworkers_assign(request, make_report, caseworker_a, snapshot, persona):
    actor, report = request.getfixturevalue(persona), make_report()
    refused(snapshot, lambda: services.report_assign(actor=actor, report=report, assignee=caseworker_a))


@pytest.mark.parametrize("persona", ["caseworker_b", "citizen"])
def test_only_the_agencys_caseworkers_merge(request, make_report, snapshot, persona):
    actor, original, copy = request.getfixturevalue(persona), make_report(), make_report(title="Same hole")
    refused(snapshot, lambda: services.report_merge(actor=actor, report=copy, into=original))


@pytest.mark.parametrize("persona", ["caseworker_b", "citizen"])
def test_only_the_agencys_caseworkers_forward(request, make_report, agency_b, pothole_b, snapshot, persona):
    actor, report = request.getfixturevalue(persona), make_report()
    refused(snapshot, lambda: services.report_forward(actor=actor, report=report, agency=agency_b))


def test_a_report_forwarded_away_can_no_longer_be_worked_by_the_old_agency(
    make_report, caseworker_a, agency_b, pothole_b, snapshot
):
    """The check runs on the locked row as it is now, not on the copy the caller loaded."""
    stale_copy = make_report()
    services.report_forward(actor=caseworker_a, report=stale_copy, agency=agency_b)
    refused(snapshot, lambda: services.report_add_note(actor=caseworker_a, report=stale_copy, text="Still ours?"))


@pytest.mark.parametrize("persona", ["caseworker_b", "citizen", "caseworker_a"])
def test_only_the_agencys_moderators_hide_and_show(request, make_report, admin_a, snapshot, persona):
    actor, shown, hidden = request.getfixturevalue(persona), make_report(), make_report()
    services.report_hide(actor=admin_a, report=hidden, reason="Spam")
    refused(snapshot, lambda: services.report_hide(actor=actor, report=shown, reason="Abusive"))
    refused(snapshot, lambda: services.report_unhide(actor=actor, report=hidden))


@pytest.mark.parametrize("persona", ["caseworker_b", "citizen", "caseworker_a"])
def test_only_the_agencys_moderators_hide_updates(request, make_report, other_citizen, snapshot, persona):
    actor, report = request.getfixturevalue(persona), make_report()
    update = services.report_add_update(actor=other_citizen, report=report, text="Still there")
    refused(snapshot, lambda: services.update_hide(actor=actor, update=update, reason="Rude"))


def test_a_moderator_cannot_hide_a_staff_note(make_report, caseworker_a, moderator_a, snapshot):
    note = services.report_add_note(actor=caseworker_a, report=make_report(), text="Crew booked")
    refused(snapshot, lambda: services.update_hide(actor=moderator_a, update=note, reason="Rude"))


def test_the_right_people_are_still_let_in(make_report, caseworker_a, moderator_a, other_citizen):
    report = make_report()
    services.report_add_note(actor=caseworker_a, report=report, text="Crew booked")
    update = services.report_add_update(actor=other_citizen, report=report, text="Still there")
    services.update_hide(actor=moderator_a, update=update, reason="Rude")
    services.report_hide(actor=moderator_a, report=report, reason="Spam")
    assert not Report.objects.get(pk=report.pk).is_public


# --- categories and areas ------------------------------------------------------------------

CATEGORY = {"code": "graffiti", "name": {"en": "Graffiti"}, "response_days": 5}


@pytest.mark.parametrize("persona", ["caseworker_a", "admin_b", "citizen", "moderator_a"])
def test_only_the_agencys_admins_make_categories(request, agency_a, snapshot, persona):
    actor = request.getfixturevalue(persona)
    refused(snapshot, lambda: admin_services.category_save(actor=actor, agency=agency_a, data=CATEGORY))


@pytest.mark.parametrize("persona", ["caseworker_a", "admin_b", "citizen"])
def test_only_the_agencys_admins_edit_categories(request, pothole, snapshot, persona):
    actor = request.getfixturevalue(persona)
    data = {"name": {"en": "Renamed"}, "response_days": 3}
    refused(snapshot, lambda: admin_services.category_save(actor=actor, category=pothole, data=data))


@pytest.mark.parametrize("persona", ["caseworker_a", "admin_b", "citizen"])
def test_only_the_agencys_admins_import_areas(request, agency_a, snapshot, persona):
    actor = request.getfixturevalue(persona)
    shape = square(0.0, 52.0, 0.01, 52.01)
    refused(
        snapshot,
        lambda: admin_services.areas_import(actor=actor, agency=agency_a, data=shape, name={"en": "Corner"}),
    )


def test_an_area_of_no_agency_is_the_platforms(admin_a, common, snapshot):
    shape = square(0.0, 52.0, 0.01, 52.01)
    refused(snapshot, lambda: admin_services.areas_import(actor=admin_a, agency=None, data=shape, name={"en": "X"}))
    refused(snapshot, lambda: admin_services.area_set_active(actor=admin_a, area=common, active=False))


@pytest.mark.parametrize("persona", ["caseworker_a", "admin_b", "citizen"])
def test_only_the_agencys_admins_change_areas(request, city, snapshot, persona):
    actor, area = request.getfixturevalue(persona), city["old_town"]
    refused(snapshot, lambda: admin_services.area_save(actor=actor, area=area, name={"en": "Renamed"}))
    refused(snapshot, lambda: admin_services.area_set_active(actor=actor, area=area, active=False))


# --- Open311 keys ---------------------------------------------------------------------------


def test_only_platform_admins_issue_and_revoke_keys(admin_a, snapshot):
    refused(snapshot, lambda: api_client_issue(actor=admin_a, name="FixIt", contact_email="dev@fixit.example"))
    client, _raw = api_client_issue(actor=None, name="FixIt", contact_email="dev@fixit.example")
    refused(snapshot, lambda: api_client_revoke(actor=admin_a, client=client))
