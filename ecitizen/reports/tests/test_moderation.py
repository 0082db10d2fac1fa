"""Moderators (and agency admins) hide abusive reports and updates, with a reason that is audited."""

from __future__ import annotations

import pytest

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.reports.models import Report, ReportUpdate

pytestmark = pytest.mark.django_db

STAFF = "/staff/reports/"


@pytest.fixture
def moderator_a(make_user, with_mfa, agency_a):
    from ecitizen.agencies.models import Membership

    user = make_user("moderator@council.example")
    Membership.objects.create(user=user, agency=agency_a, role="moderator")
    with_mfa(user)
    return user


@pytest.fixture
def report(make_report):
    return make_report(title="Rude words here", description="Something abusive")


def test_moderator_hides_a_report_with_a_reason(client, report, moderator_a):
    client.force_login(moderator_a)
    assert client.get(f"{STAFF}{report.pk}/hide/").status_code == 200
    response = client.post(f"{STAFF}{report.pk}/hide/", {"reason": "Abusive language"})
    assert response.status_code == 302
    assert response["Location"] == f"{STAFF}moderation/"  # a moderator does not work the report
    report.refresh_from_db()
    assert not report.is_public and report.hidden_reason == "Abusive language"
    audit = AuditLog.objects.get(action=AuditAction.REPORT_HIDDEN)
    assert audit.actor == moderator_a and audit.extra["reason"] == "Abusive language"
    assert audit.subject_id == str(report.pk)
    assert client.get(f"/reports/{report.pk}/").status_code == 404
    # and shows it again
    response = client.post(f"{STAFF}{report.pk}/unhide/", {"next": "moderation"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.is_public and report.hidden_reason == ""
    assert AuditLog.objects.filter(action=AuditAction.REPORT_UNHIDDEN, actor=moderator_a).count() == 1


def test_a_reason_is_required(client, report, admin_a):
    client.force_login(admin_a)
    response = client.post(f"{STAFF}{report.pk}/hide/", {"reason": "  "})
    assert response.status_code == 400
    assert "Give the reason for hiding it" in response.content.decode()
    report.refresh_from_db()
    assert report.is_public
    assert not AuditLog.objects.filter(action=AuditAction.REPORT_HIDDEN).exists()


def test_agency_admin_moderates_from_the_report_page(client, report, admin_a):
    client.force_login(admin_a)
    assert "Hide this report from the public" in client.get(f"{STAFF}{report.pk}/").content.decode()
    response = client.post(f"{STAFF}{report.pk}/hide/", {"reason": "Personal data in the title"})
    assert response["Location"] == f"{STAFF}{report.pk}/"
    page = client.get(f"{STAFF}{report.pk}/").content.decode()
    assert "Hidden from the public by a moderator: Personal data in the title" in page
    # the agency still works it: it stays in the queue
    assert report.pk in [r.pk for r in client.get(STAFF).context["page"]]


def test_caseworkers_cannot_moderate(client, report, caseworker_a):
    client.force_login(caseworker_a)
    assert "Hide this report" not in client.get(f"{STAFF}{report.pk}/").content.decode()
    assert client.get(f"{STAFF}moderation/").status_code == 403
    assert client.post(f"{STAFF}{report.pk}/hide/", {"reason": "I do not like it"}).status_code == 403
    report.refresh_from_db()
    assert report.is_public
    assert not AuditLog.objects.filter(action=AuditAction.REPORT_HIDDEN).exists()


def test_moderators_of_another_agency_get_404(client, report, make_user, with_mfa, agency_b):
    from ecitizen.agencies.models import Membership

    other = make_user("moderator@transport.example")
    Membership.objects.create(user=other, agency=agency_b, role="moderator")
    with_mfa(other)
    client.force_login(other)
    assert client.post(f"{STAFF}{report.pk}/hide/", {"reason": "x"}).status_code == 404
    assert report.pk not in [r.pk for r in client.get(f"{STAFF}moderation/").context["reports"]]


def test_moderator_hides_an_update(client, report, other_citizen, moderator_a):
    from ecitizen.reports import services

    update = services.report_add_update(actor=other_citizen, report=report, text="Offensive remark about a neighbour")
    client.force_login(moderator_a)
    page = client.get(f"{STAFF}moderation/").content.decode()
    assert "Offensive remark" in page and f"{STAFF}updates/{update.pk}/hide/" in page
    response = client.post(f"{STAFF}updates/{update.pk}/hide/", {"reason": "Offensive", "next": "moderation"})
    assert response.status_code == 302
    update.refresh_from_db()
    assert not update.is_public and update.hidden_reason == "Offensive"
    audit = AuditLog.objects.get(action=AuditAction.REPORT_UPDATE_HIDDEN)
    assert audit.extra == {"update": update.pk, "reason": "Offensive"}
    assert "Offensive remark" not in client.get(f"/reports/{report.pk}/").content.decode()


def test_staff_notes_cannot_be_hidden_through_moderation(client, report, caseworker_a, admin_a):
    from ecitizen.reports import services

    note = services.report_add_note(actor=caseworker_a, report=report, text="internal")
    client.force_login(admin_a)
    assert client.post(f"{STAFF}updates/{note.pk}/hide/", {"reason": "x"}).status_code == 404
    assert ReportUpdate.objects.get(pk=note.pk).hidden_reason == ""


def test_moderator_only_users_land_on_moderation(client, moderator_a, report):
    client.force_login(moderator_a)
    response = client.get(STAFF)
    assert response.status_code == 302 and response["Location"] == f"{STAFF}moderation/"
    assert client.get(f"{STAFF}{report.pk}/").status_code == 404  # they do not see reporters' details
    assert "Moderate problem reports" in client.get("/staff/").content.decode()
    assert Report.objects.filter(pk=report.pk, is_public=True).exists()
