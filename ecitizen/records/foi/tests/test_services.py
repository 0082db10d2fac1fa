"""The services: each writes its change, its timeline step, its audit row and tells the requester."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.notifications.models import Notification
from ecitizen.records.foi import services
from ecitizen.records.foi.models import EventKind, FoiRequest, ReviewStatus, Status

pytestmark = pytest.mark.django_db


def test_asking_writes_the_request_its_audit_row_and_an_acknowledgement(pinned, requester, agency_a):
    # given
    token = uuid.uuid4()
    # when
    foi = services.foi_request_create(
        actor=requester, agency=agency_a, title="Roof costs", body="The invoices, please.", create_token=token
    )
    again = services.foi_request_create(
        actor=requester, agency=agency_a, title="Roof costs", body="The invoices, please.", create_token=token
    )
    # then
    assert again.pk == foi.pk
    assert FoiRequest.objects.count() == 1
    row = AuditLog.objects.get(action=AuditAction.FOI_REQUESTED)
    assert (row.actor_id, row.agency_id, row.subject_id) == (requester.pk, agency_a.pk, str(foi.pk))
    assert list(foi.events.values_list("kind", flat=True)) == [EventKind.REQUESTED]
    note = Notification.objects.get(user=requester)
    assert note.url == f"/information-requests/{foi.pk}/"


def test_asking_needs_words(pinned, requester, agency_a):
    with pytest.raises(ValidationError) as error:
        services.foi_request_create(actor=requester, agency=agency_a, title=" ", body="x", create_token=uuid.uuid4())
    assert "title" in error.value.message_dict
    assert not FoiRequest.objects.exists()


def test_answering_closes_on_time_and_tells_the_requester(pinned, make_request, requester, caseworker_a):
    foi = make_request()
    foi = services.foi_answer(actor=caseworker_a, foi=foi, answer="The roof cost 120,000.")
    assert foi.status == Status.ANSWERED
    assert foi.closed_on == foi.received_on
    assert not foi.answered_late
    row = AuditLog.objects.get(action=AuditAction.FOI_ANSWERED)
    assert row.extra == {"late": False}
    assert Notification.objects.filter(user=requester).count() == 2


def test_an_answer_after_the_deadline_is_late(pinned, make_request, caseworker_a, settings):
    settings.FOI_HOLIDAYS = []
    foi = make_request()
    from ecitizen.records.foi.tests.conftest import at

    pinned.move_to(at("2027-02-02T10:00:00+00:00"))
    foi = services.foi_answer(actor=caseworker_a, foi=foi, answer="Sorry for the delay.")
    assert foi.answered_late
    assert AuditLog.objects.get(action=AuditAction.FOI_ANSWERED).extra == {"late": True}


def test_refusal_requires_an_exemption_from_the_list(pinned, make_request, caseworker_a, settings):
    settings.FOI_EXEMPTIONS = [("s40", "Personal data"), ("s43", "Commercial interests")]
    foi = make_request()
    for bad in ("", "made-up"):
        with pytest.raises(ValidationError) as error:
            services.foi_refuse(actor=caseworker_a, foi=foi, exemption=bad, explanation="No.", partly=False)
        assert "exemption" in error.value.message_dict
    foi.refresh_from_db()
    assert foi.status == Status.AWAITING
    foi = services.foi_refuse(actor=caseworker_a, foi=foi, exemption="s43", explanation="Trade secrets.", partly=True)
    assert (foi.status, foi.exemption) == (Status.PARTLY_REFUSED, "s43")
    row = AuditLog.objects.get(action=AuditAction.FOI_REFUSED)
    assert row.extra == {"exemption": "s43", "partly": True, "late": False}


def test_staff_of_another_agency_cannot_act(pinned, make_request, caseworker_b):
    foi = make_request()
    with pytest.raises(PermissionDenied):
        services.foi_answer(actor=caseworker_b, foi=foi, answer="Not ours.")
    assert not AuditLog.objects.filter(action=AuditAction.FOI_ANSWERED).exists()


def test_staff_never_answer_their_own_request(pinned, make_request, caseworker_a):
    foi = make_request(by=caseworker_a)
    with pytest.raises(PermissionDenied):
        services.foi_answer(actor=caseworker_a, foi=foi, answer="I know the answer.")
    with pytest.raises(PermissionDenied):
        services.foi_extend(actor=caseworker_a, foi=foi, reason="More time for me.")


def test_only_the_requester_clarifies(pinned, make_request, caseworker_a, other_citizen):
    foi = services.foi_clarification_ask(actor=caseworker_a, foi=make_request(), question="Which year?")
    with pytest.raises(PermissionDenied):
        services.foi_clarify(actor=other_citizen, foi=foi, text="2026")
    assert AuditLog.objects.get(action=AuditAction.FOI_CLARIFICATION_ASKED).extra == {"days_left": 20}


def test_an_answered_request_cannot_be_answered_again(pinned, make_request, caseworker_a, admin_a):
    foi = make_request()
    services.foi_answer(actor=caseworker_a, foi=foi, answer="First.")
    with pytest.raises(PermissionDenied):
        services.foi_answer(actor=admin_a, foi=foi, answer="Second.")


def test_internal_review_then_decision(pinned, make_request, requester, caseworker_a, admin_a, other_citizen):
    foi = services.foi_refuse(
        actor=caseworker_a, foi=make_request(), exemption="commercial", explanation="Sensitive.", partly=False
    )
    with pytest.raises(PermissionDenied):
        services.foi_review_request(actor=other_citizen, foi=foi, reason="Me too.")
    foi = services.foi_review_request(actor=requester, foi=foi, reason="The contract is public money.")
    assert foi.review_status == ReviewStatus.REQUESTED
    assert foi.review_due_on is not None
    with pytest.raises(PermissionDenied):
        services.foi_review_request(actor=requester, foi=foi, reason="Again.")
    with pytest.raises(PermissionDenied):  # not the one who answered
        services.foi_review_decide(actor=caseworker_a, foi=foi, outcome="upheld", note="I was right.")
    with pytest.raises(ValidationError):
        services.foi_review_decide(actor=admin_a, foi=foi, outcome="maybe", note="Hmm.")
    foi = services.foi_review_decide(actor=admin_a, foi=foi, outcome="changed", note="We release the contract.")
    assert foi.review_status == ReviewStatus.CHANGED
    assert AuditLog.objects.get(action=AuditAction.FOI_REVIEW_DECIDED).extra == {"outcome": "changed"}
    assert Notification.objects.filter(user=requester, subject__icontains="review").exists()


def test_an_overdue_request_can_be_neither_extended_nor_paused(pinned, make_request, caseworker_a):
    """Extending or asking for clarification after the deadline would hide that it was missed."""
    from ecitizen.records.foi.tests.conftest import at

    foi = make_request()  # due Monday 1 February 2027
    pinned.move_to(at("2027-02-02T10:00:00+00:00"))
    with pytest.raises(ValidationError):
        services.foi_extend(actor=caseworker_a, foi=foi, reason="Busy.")
    with pytest.raises(ValidationError):
        services.foi_clarification_ask(actor=caseworker_a, foi=foi, question="Which year?")
    foi.refresh_from_db()
    assert (foi.status, str(foi.due_on), foi.extended_at) == (Status.AWAITING, "2027-02-01", None)


def test_a_clock_resumed_with_no_days_left_is_due_on_a_working_day(pinned, make_request, requester, caseworker_a):
    from ecitizen.records.foi.tests.conftest import at

    foi = make_request()
    pinned.move_to(at("2027-02-01T10:00:00+00:00"))  # the due date, a Monday
    foi = services.foi_clarification_ask(actor=caseworker_a, foi=foi, question="Which year?")
    assert foi.days_left == 0
    pinned.move_to(at("2027-02-06T10:00:00+00:00"))  # the reply comes on a Saturday
    foi = services.foi_clarify(actor=requester, foi=foi, text="2026")
    assert str(foi.due_on) == "2027-02-08"  # the Monday after, not the Saturday
