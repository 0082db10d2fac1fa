"""Staff asking for information, refusing, taking notes; the citizen withdrawing.

Written from the survivors of ``make mutation`` in ``cases.services``: what each step stores,
who it names, what the citizen is told, and what is refused (with the reason at the field).
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecitizen.cases import services
from ecitizen.cases.models import EventKind, Status
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _field_errors(call) -> dict:
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.message_dict


def _messages(call) -> list:
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.messages


def test_asking_for_information_stores_the_question_and_tells_the_citizen(submitted, caseworker_a):
    application = services.case_request_info(
        actor=caseworker_a, application=submitted, message="  Send a utility bill  ", expected_version=submitted.version
    )
    request = application.info_requests.get()
    assert (request.message, request.requested_by) == ("Send a utility bill", caseworker_a)
    event = application.events.get(kind=EventKind.INFO_REQUESTED)
    assert (event.actor, event.message) == (caseworker_a, "Send a utility bill")
    assert "Send a utility bill" in Notification.objects.filter(user=submitted.citizen).latest("pk").body
    # asking again before the answer
    assert _messages(
        lambda: services.case_request_info(
            actor=caseworker_a, application=application, message="And more", expected_version=application.version
        )
    ) == ["This case is already waiting for information from the applicant."]


def test_asking_for_information_needs_a_question(submitted, caseworker_a):
    assert _field_errors(
        lambda: services.case_request_info(
            actor=caseworker_a, application=submitted, message=" ", expected_version=submitted.version
        )
    ) == {"message": ["Enter what you need from the applicant"]}


def test_refusing_needs_a_reason_and_tells_the_citizen_why(submitted, caseworker_a):
    assert _field_errors(
        lambda: services.case_refuse(
            actor=caseworker_a, application=submitted, reason="  ", expected_version=submitted.version
        )
    ) == {"reason": ["Enter the reason for refusing, so the applicant understands it"]}
    services.case_refuse(
        actor=caseworker_a, application=submitted, reason="No parking zone", expected_version=submitted.version
    )
    assert "No parking zone" in Notification.objects.filter(user=submitted.citizen).latest("pk").body


@pytest.mark.parametrize("step", ["request_info", "refuse"])
def test_an_out_of_date_or_decided_case_is_refused(submitted, caseworker_a, step):
    def act(application, version):
        if step == "refuse":
            return services.case_refuse(
                actor=caseworker_a, application=application, reason="No", expected_version=version
            )
        return services.case_request_info(
            actor=caseworker_a, application=application, message="More", expected_version=version
        )

    with pytest.raises(services.StaleCase):
        act(submitted, submitted.version - 1)
    approved = services.case_approve(actor=caseworker_a, application=submitted, expected_version=submitted.version)
    with pytest.raises(PermissionDenied):
        act(approved, approved.version)


def test_a_note_needs_text_and_is_recorded_for_the_citizen(submitted, caseworker_a, caseworker_b):
    assert _field_errors(lambda: services.case_add_note(actor=caseworker_a, application=submitted, text="   ")) == {
        "text": ["Enter the note"]
    }
    with pytest.raises(PermissionDenied):
        services.case_add_note(actor=caseworker_b, application=submitted, text="Not my agency")
    note = services.case_add_note(actor=caseworker_a, application=submitted, text=" Called the applicant ")
    assert (note.text, note.author) == ("Called the applicant", caseworker_a)
    row = AuditLog.objects.get(action=AuditAction.CASE_NOTE_ADDED)
    assert (row.actor, row.subject_user, row.agency) == (caseworker_a, submitted.citizen, submitted.agency)


def test_withdrawing_names_the_citizen_and_a_decided_case_cannot_be_withdrawn(submitted, caseworker_a):
    citizen = submitted.citizen
    application = services.application_withdraw(citizen=citizen, application=submitted)
    assert application.status == Status.WITHDRAWN
    assert application.events.get(kind=EventKind.WITHDRAWN).actor == citizen
    row = AuditLog.objects.get(action=AuditAction.APPLICATION_WITHDRAWN)
    assert (row.actor, row.subject_user) == (citizen, citizen)


def test_a_decided_case_cannot_be_withdrawn(submitted, caseworker_a):
    approved = services.case_approve(actor=caseworker_a, application=submitted, expected_version=submitted.version)
    assert _messages(lambda: services.application_withdraw(citizen=submitted.citizen, application=approved)) == [
        "This application has been decided and can no longer be withdrawn."
    ]
