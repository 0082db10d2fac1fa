"""The citizen answers a caseworker's request for information (``cases.services.application_respond``).

Written from the survivors of ``make mutation``: the answer, its files and the case's state
must all be recorded, and a refusal must say why at the right field.
"""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from ecitizen.cases import services
from ecitizen.cases.models import EventKind, Status
from ecitizen.cases.uploads import upload_store
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(submitted, caseworker_a):
    return services.case_request_info(
        actor=caseworker_a, application=submitted, message="Send a utility bill", expected_version=submitted.version
    )


def _photo(citizen):
    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), (200, 30, 30)).save(buffer, format="JPEG")
    return upload_store(owner=citizen, file=SimpleUploadedFile("bill.jpg", buffer.getvalue(), "image/jpeg"))


def test_the_answer_and_its_files_reach_the_case(asked, verified_citizen):
    upload = _photo(verified_citizen)
    assert upload.application is None
    request = services.application_respond(
        citizen=verified_citizen, application=asked, response="  Here it is  ", uploads=[upload]
    )
    request.refresh_from_db()
    assert (request.response, request.responded_at is not None) == ("Here it is", True)
    upload.refresh_from_db()
    assert (upload.info_request, upload.application) == (request, asked)
    asked.refresh_from_db()
    assert asked.status == Status.IN_REVIEW
    event = asked.events.get(kind=EventKind.INFO_PROVIDED)
    assert (event.actor, event.message, event.visible_to_citizen) == (verified_citizen, "Here it is", True)
    row = AuditLog.objects.get(action=AuditAction.APPLICATION_INFO_PROVIDED)
    assert (row.actor, row.subject_user, row.agency, row.extra) == (
        verified_citizen,
        verified_citizen,
        asked.agency,
        {"files": 1},
    )


def test_a_file_alone_is_an_answer(asked, verified_citizen):
    request = services.application_respond(
        citizen=verified_citizen, application=asked, response=" ", uploads=[_photo(verified_citizen)]
    )
    assert request.response == "" and request.uploads.count() == 1


def test_an_empty_answer_is_refused_at_the_field(asked, verified_citizen):
    with pytest.raises(ValidationError) as exc:
        services.application_respond(citizen=verified_citizen, application=asked, response="  ", uploads=[])
    assert exc.value.message_dict == {"response": ["Enter your answer or attach a file"]}
    asked.refresh_from_db()
    assert asked.status == Status.INFO_REQUESTED


def test_there_must_be_an_open_request(submitted, verified_citizen):
    with pytest.raises(ValidationError) as exc:
        services.application_respond(citizen=verified_citizen, application=submitted, response="Hello")
    assert exc.value.messages == ["There is no open request for information on this application."]


def test_only_the_applicant_answers(asked, other_citizen):
    with pytest.raises(PermissionDenied):
        services.application_respond(citizen=other_citizen, application=asked, response="Not mine")
    assert asked.info_requests.get().responded_at is None
