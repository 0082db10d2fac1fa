"""Caseworkers working the agency's queue, and what others cannot do."""

import pytest

from ecitizen.cases import services
from ecitizen.cases.models import Application, EventKind, Status
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("persona", "status"),
    [("caseworker_a", 200), ("admin_a", 200), ("caseworker_b", 404), ("auditor_a", 404), ("other_citizen", 404)],
)
def test_case_page_matrix(client, request, submitted, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"/staff/cases/{submitted.pk}/").status_code == status


def test_drafts_are_invisible_to_staff(client, verified_citizen, permit_version, caseworker_a):
    import uuid

    draft = services.application_start(
        citizen=verified_citizen, service_version=permit_version, start_token=uuid.uuid4()
    )
    client.force_login(caseworker_a)
    assert client.get(f"/staff/cases/{draft.pk}/").status_code == 404
    assert draft.pk not in [a.pk for a in client.get("/staff/cases/").context["page"]]


def test_opening_a_case_is_recorded_for_the_citizen(client, submitted, caseworker_a):
    from ecitizen.privacy.models import AccessRecord

    client.force_login(caseworker_a)
    client.get(f"/staff/cases/{submitted.pk}/")
    record = AccessRecord.objects.get()
    assert (record.citizen, record.staff, record.agency.code) == (submitted.citizen, caseworker_a, "CC")
    assert submitted.reference in record.purpose
    # and the citizen sees it
    client.force_login(submitted.citizen)
    page = client.get("/account/privacy/").content.decode()
    assert "City Council" in page and submitted.reference in page


def test_queue_filters_and_overdue(client, submitted, caseworker_a):
    Application.objects.filter(pk=submitted.pk).update(due_date="2020-01-01")
    client.force_login(caseworker_a)
    response = client.get("/staff/cases/", {"overdue": "on"})
    assert [a.pk for a in response.context["page"]] == [submitted.pk]
    assert "Overdue" in response.content.decode()
    assert list(client.get("/staff/cases/", {"assignee": "me"}).context["page"]) == []


def test_request_info_answer_and_approve(client, submitted, caseworker_a, django_capture_on_commit_callbacks):
    client.force_login(caseworker_a)
    version = submitted.version
    response = client.post(
        f"/staff/cases/{submitted.pk}/request-info/", {"version": version, "message": "Send a council tax bill"}
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.INFO_REQUESTED and submitted.assignee == caseworker_a
    # the citizen answers
    client.force_login(submitted.citizen)
    page = client.get(f"/applications/{submitted.pk}/").content.decode()
    assert "Send a council tax bill" in page
    client.post(f"/applications/{submitted.pk}/respond/", {"response": "Attached below"})
    submitted.refresh_from_db()
    assert submitted.status == Status.IN_REVIEW
    # the caseworker approves
    client.force_login(caseworker_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/staff/cases/{submitted.pk}/approve/", {"version": submitted.version, "confirm": "yes"}
        )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == Status.APPROVED
    kinds = list(submitted.events.filter(visible_to_citizen=True).values_list("kind", flat=True))
    assert kinds == [
        EventKind.SUBMITTED,
        EventKind.INFO_REQUESTED,
        EventKind.INFO_PROVIDED,
        EventKind.APPROVED,
        EventKind.DOCUMENT_ISSUED,
    ]
    assert AuditLog.objects.filter(action=AuditAction.CASE_APPROVED, actor=caseworker_a).count() == 1


def test_refusal_needs_a_reason_shown_to_the_citizen(client, submitted, caseworker_a):
    client.force_login(caseworker_a)
    empty = client.post(
        f"/staff/cases/{submitted.pk}/refuse/", {"version": submitted.version, "category": "not_eligible", "reason": ""}
    )
    assert empty.status_code == 400
    assert "Enter the reason for refusing" in empty.content.decode()
    client.post(
        f"/staff/cases/{submitted.pk}/refuse/",
        {"version": submitted.version, "category": "not_eligible", "reason": "Outside the zone"},
    )
    client.force_login(submitted.citizen)
    assert "Outside the zone" in client.get(f"/applications/{submitted.pk}/").content.decode()


def test_two_caseworkers_cannot_overwrite_each_other(client, submitted, caseworker_a, admin_a):
    seen = submitted.version
    client.force_login(caseworker_a)
    client.post(
        f"/staff/cases/{submitted.pk}/refuse/",
        {"version": seen, "category": "evidence_missing", "reason": "Incomplete"},
    )
    client.force_login(admin_a)
    late = client.post(f"/staff/cases/{submitted.pk}/approve/", {"version": seen, "confirm": "yes"})
    assert late.status_code == 409
    assert "Someone else changed this case" in late.content.decode()
    assert "Refused" in late.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.REFUSED


def test_internal_notes_never_reach_the_citizen(client, submitted, caseworker_a):
    client.force_login(caseworker_a)
    client.post(f"/staff/cases/{submitted.pk}/notes/", {"text": "Neighbour complained before"})
    assert "Neighbour complained before" in client.get(f"/staff/cases/{submitted.pk}/").content.decode()
    client.force_login(submitted.citizen)
    assert "Neighbour complained before" not in client.get(f"/applications/{submitted.pk}/").content.decode()


def test_bulk_assign(client, submitted, caseworker_a, admin_a):
    client.force_login(admin_a)
    response = client.post(
        "/staff/cases/bulk-assign/",
        {"agency": submitted.agency_id, "case": [submitted.pk], "assignee": caseworker_a.pk},
    )
    assert response.status_code == 302
    submitted.refresh_from_db()
    assert submitted.assignee == caseworker_a and submitted.status == Status.IN_REVIEW


def test_staff_of_another_agency_cannot_act(client, submitted, caseworker_b):
    client.force_login(caseworker_b)
    for action in ["approve", "assign-to-me", "request-info", "refuse", "notes"]:
        response = client.post(f"/staff/cases/{submitted.pk}/{action}/", {"version": submitted.version})
        assert response.status_code in {403, 404}, action
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_queue_counts_at_most_the_cap(client, submitted, caseworker_a, monkeypatch):
    from ecitizen.core.pagination import CappedPaginator

    monkeypatch.setattr(CappedPaginator, "__init__", _capped_init(CappedPaginator.__init__, cap=0))
    client.force_login(caseworker_a)
    body = client.get("/staff/cases/").content.decode()
    assert "More than 0 cases match." in body


def _capped_init(original, cap):
    def init(self, object_list, per_page, cap_=cap, **kwargs):
        original(self, object_list, per_page, cap=cap_, **kwargs)

    return init
