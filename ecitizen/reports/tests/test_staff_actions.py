"""Caseworkers acting on a report: status with a public note, notes, assignment, merging, forwarding, conflicts."""

from __future__ import annotations

import pytest

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.reports.models import Report, ReportUpdate, Status, UpdateKind
from ecitizen.reports.tests.conftest import RING_ROAD

pytestmark = pytest.mark.django_db

STAFF = "/staff/reports/"


@pytest.fixture
def report(make_report):
    return make_report()


@pytest.fixture
def worker(client, caseworker_a):
    client.force_login(caseworker_a)
    return client


def test_status_change_with_a_public_note_is_public_and_tells_the_reporter(
    worker, report, citizen, caseworker_a, mailoutbox, django_capture_on_commit_callbacks
):
    from ecitizen.notifications.models import Notification

    with django_capture_on_commit_callbacks(execute=True):
        response = worker.post(
            f"{STAFF}{report.pk}/status/",
            {"version": report.version, "status": Status.ACTION_SCHEDULED, "public_note": "A crew comes on Tuesday."},
        )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.ACTION_SCHEDULED
    assert AuditLog.objects.filter(action=AuditAction.REPORT_STATUS_CHANGED, subject_id=str(report.pk)).count() == 1
    public = worker.get(f"/reports/{report.pk}/").content.decode()
    assert "A crew comes on Tuesday." in public
    notification = Notification.objects.filter(user=citizen).latest("pk")
    assert "Action scheduled" in notification.subject + notification.body
    assert any(citizen.email in m.to for m in mailoutbox)


def test_not_our_responsibility_needs_who_is(worker, report):
    response = worker.post(f"{STAFF}{report.pk}/status/", {"version": report.version, "status": Status.NOT_RESPONSIBLE})
    assert response.status_code == 400
    assert "Say who is responsible" in response.content.decode()
    assert 'id="status-responsible_body-error"' in response.content.decode()
    report.refresh_from_db()
    assert report.status == Status.OPEN
    response = worker.post(
        f"{STAFF}{report.pk}/status/",
        {"version": report.version, "status": Status.NOT_RESPONSIBLE, "responsible_body": "Highways England"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.responsible_body) == (Status.NOT_RESPONSIBLE, "Highways England")
    assert report.closed_at is not None


def test_duplicate_is_not_a_status_you_pick(worker, report):
    response = worker.post(f"{STAFF}{report.pk}/status/", {"version": report.version, "status": Status.DUPLICATE})
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.status == Status.OPEN


def test_stale_version_is_a_conflict_and_changes_nothing(worker, report, admin_a):
    from ecitizen.reports import services

    seen = report.version
    services.report_assign(actor=admin_a, report=report, assignee=admin_a)  # someone else acts first
    before = AuditLog.objects.count()
    response = worker.post(f"{STAFF}{report.pk}/status/", {"version": seen, "status": Status.FIXED})
    assert response.status_code == 409
    assert "Someone else changed this report" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Status.OPEN
    assert not report.updates.filter(kind=UpdateKind.STATUS).exists()
    # the page shows the current state, so a resubmission carries the new version
    assert f'value="{report.version}"' in response.content.decode()
    for path, data in [
        ("assign/", {"assignee": "me"}),
        ("merge/", {"into": 999}),
        ("forward/", {"agency": 1}),
    ]:
        response = worker.post(f"{STAFF}{report.pk}/{path}", {"version": seen, **data})
        assert response.status_code in (400, 409), path
    assert AuditLog.objects.count() == before
    report.refresh_from_db()
    assert report.assignee == admin_a and report.status == Status.OPEN


def test_staff_notes_are_never_public(worker, report):
    response = worker.post(f"{STAFF}{report.pk}/note/", {"text": "Reporter is a regular: call first"})
    assert response.status_code == 302
    note = ReportUpdate.objects.get(report=report, kind=UpdateKind.NOTE)
    assert note.is_internal and not note.is_public
    staff_page = worker.get(f"{STAFF}{report.pk}/").content.decode()
    assert "Reporter is a regular" in staff_page and "Staff only" in staff_page
    public = worker.get(f"/reports/{report.pk}/").content.decode()
    assert "Reporter is a regular" not in public
    assert worker.post(f"{STAFF}{report.pk}/note/", {"text": ""}).status_code == 400


def test_assignment_is_limited_to_the_agencys_staff(worker, report, caseworker_a, admin_a, caseworker_b):
    response = worker.post(f"{STAFF}{report.pk}/assign/", {"version": report.version, "assignee": str(caseworker_b.pk)})
    assert response.status_code == 400
    assert "Choose someone who works on this agency" in response.content.decode()
    report.refresh_from_db()
    assert report.assignee is None
    response = worker.post(f"{STAFF}{report.pk}/assign/", {"version": report.version, "assignee": str(admin_a.pk)})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.assignee == admin_a
    worker.post(f"{STAFF}{report.pk}/assign/", {"version": report.version, "assignee": "me"})
    report.refresh_from_db()
    assert report.assignee == caseworker_a
    worker.post(f"{STAFF}{report.pk}/assign/", {"version": report.version, "assignee": "none"})
    report.refresh_from_db()
    assert report.assignee is None
    assert AuditLog.objects.filter(action=AuditAction.REPORT_ASSIGNED).count() == 3


def test_merge_sets_the_original_and_the_status(worker, make_report, report):
    original = make_report(title="The first report of it")
    response = worker.post(f"{STAFF}{report.pk}/merge/", {"version": report.version, "into": original.pk})
    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.duplicate_of) == (Status.DUPLICATE, original)
    assert AuditLog.objects.filter(action=AuditAction.REPORT_MERGED, subject_id=str(report.pk)).count() == 1
    assert f"#{report.pk}" in worker.get(f"{STAFF}{original.pk}/").content.decode()


def test_merge_target_must_be_visible(worker, make_report, report, pothole_b):
    # a report of another agency that is hidden from the public is not a target
    other = make_report(latitude=RING_ROAD[0], longitude=RING_ROAD[1], answers={})
    Report.objects.filter(pk=other.pk).update(is_public=False, hidden_reason="abuse")
    for target, message in [
        (other.pk, "no report with this number"),
        (999999, "no report with this number"),
        (report.pk, "cannot be a duplicate of itself"),
    ]:
        response = worker.post(f"{STAFF}{report.pk}/merge/", {"version": report.version, "into": target})
        assert response.status_code == 400
        assert message in response.content.decode()
    report.refresh_from_db()
    assert report.status == Status.OPEN and report.duplicate_of is None
    # a public report of another agency is a fine target
    Report.objects.filter(pk=other.pk).update(is_public=True, hidden_reason="")
    assert worker.post(f"{STAFF}{report.pk}/merge/", {"version": report.version, "into": other.pk}).status_code == 302


def test_forward_moves_the_report_to_the_other_agencys_queue(
    client, report, caseworker_a, caseworker_b, agency_b, pothole_b
):
    client.force_login(caseworker_a)
    response = client.post(
        f"{STAFF}{report.pk}/forward/", {"version": report.version, "agency": agency_b.pk, "public_note": ""}
    )
    assert response.status_code == 302 and response["Location"] == STAFF
    report.refresh_from_db()
    assert report.agency == agency_b and report.category == pothole_b
    assert [r.pk for r in client.get(STAFF).context["page"]] == []
    assert client.get(f"{STAFF}{report.pk}/").status_code == 404
    client.force_login(caseworker_b)
    assert [r.pk for r in client.get(STAFF).context["page"]] == [report.pk]
    assert client.get(f"{STAFF}{report.pk}/").status_code == 200
    audit = AuditLog.objects.get(action=AuditAction.REPORT_FORWARDED)
    assert audit.extra["to_agency"] == agency_b.pk


def test_forward_needs_another_agency(worker, report, agency_a):
    response = worker.post(f"{STAFF}{report.pk}/forward/", {"version": report.version, "agency": agency_a.pk})
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.agency == agency_a


def test_other_agencies_staff_cannot_act(client, report, caseworker_b, agency_b):
    client.force_login(caseworker_b)
    for path, data in [
        ("status/", {"status": Status.FIXED}),
        ("note/", {"text": "hi"}),
        ("assign/", {"assignee": "me"}),
        ("forward/", {"agency": agency_b.pk}),
    ]:
        assert client.post(f"{STAFF}{report.pk}/{path}", {"version": report.version, **data}).status_code == 404
    report.refresh_from_db()
    assert report.status == Status.OPEN and report.agency.name == "City Council"


def test_every_staff_write_is_audited(worker, make_report, report, agency_b, pothole_b):
    original = make_report()
    steps = [
        ("note/", {"text": "Looked at it"}, AuditAction.REPORT_NOTE_ADDED),
        ("assign/", {"assignee": "me"}, AuditAction.REPORT_ASSIGNED),
        ("status/", {"status": Status.INVESTIGATING}, AuditAction.REPORT_STATUS_CHANGED),
        ("forward/", {"agency": agency_b.pk}, AuditAction.REPORT_FORWARDED),
    ]
    for path, data, action in steps:
        report.refresh_from_db()
        before = AuditLog.objects.filter(action=action).count()
        response = worker.post(f"{STAFF}{report.pk}/{path}", {"version": report.version, **data})
        assert response.status_code == 302, path
        assert AuditLog.objects.filter(action=action).count() == before + 1, path
    # merging needs an original the (original) agency's staff can see: a report of its own
    other = make_report(title="Same hole")
    before = AuditLog.objects.filter(action=AuditAction.REPORT_MERGED).count()
    response = worker.post(f"{STAFF}{other.pk}/merge/", {"version": other.version, "into": original.pk})
    assert response.status_code == 302
    assert AuditLog.objects.filter(action=AuditAction.REPORT_MERGED).count() == before + 1


def test_staff_photo_view_checks_the_agency(client, make_report, citizen, caseworker_a, caseworker_b):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from ecitizen.reports import services

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "JPEG")
    photo = services.photo_store(actor=citizen, file=SimpleUploadedFile("p.jpg", buffer.getvalue(), "image/jpeg"))
    report = make_report(photos=[photo])
    Report.objects.filter(pk=report.pk).update(is_public=False, hidden_reason="abuse")
    client.force_login(caseworker_a)
    response = client.get(f"{STAFF}photos/{photo.pk}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    client.force_login(caseworker_b)
    assert client.get(f"{STAFF}photos/{photo.pk}/").status_code == 404
