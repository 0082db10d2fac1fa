"""What a service issues: its document's name, the answers the document shows, or no document at all."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ecitizen.catalogue.models import Service
from ecitizen.catalogue.selectors import document_field_choices, edit_token, snapshot_changes
from ecitizen.catalogue.services import service_form_update, service_publish, service_update

from .conftest import PARKING_FORM

pytestmark = pytest.mark.django_db

NAME = {"en": "Resident parking permit", "ar": "تصريح وقوف السيارات للمقيمين"}


def test_document_name_and_fields_are_published_in_the_snapshot(admin_a, draft_service):
    service_update(
        actor=admin_a,
        service=draft_service,
        data={"document_name": NAME, "document_fields": ["registration", "electric"]},
    )

    version = service_publish(actor=admin_a, service=draft_service)

    assert version.snapshot["document_name"] == NAME
    assert version.snapshot["document_fields"] == ["registration", "electric"]
    assert draft_service.display_document_name("ar") == NAME["ar"]


def test_without_a_document_name_the_title_names_the_document(draft_service):
    assert draft_service.display_document_name("en") == "Apply for a resident parking permit"


def test_document_fields_must_be_questions_of_the_form(admin_a, draft_service):
    with pytest.raises(ValidationError) as caught:
        service_update(actor=admin_a, service=draft_service, data={"document_fields": ["no_such_question"]})

    assert "document_fields" in caught.value.message_dict
    draft_service.refresh_from_db()
    assert draft_service.document_fields == []


def test_a_file_question_cannot_be_shown_on_a_document(admin_a, draft_service):
    form = {"pages": [*PARKING_FORM["pages"]]}
    form["pages"][0] = {
        **form["pages"][0],
        "questions": [*form["pages"][0]["questions"], {"id": "proof", "type": "file", "label": {"en": "Proof"}}],
    }
    service_form_update(actor=admin_a, service=draft_service, form=form)

    assert "proof" not in dict(document_field_choices(draft_service.form))
    with pytest.raises(ValidationError):
        service_update(actor=admin_a, service=draft_service, data={"document_fields": ["proof"]})


def test_publishing_refuses_a_document_field_whose_question_was_removed(admin_a, draft_service):
    service_update(actor=admin_a, service=draft_service, data={"document_fields": ["registration"]})
    without = {"pages": [{**PARKING_FORM["pages"][0], "questions": [PARKING_FORM["pages"][0]["questions"][1]]}]}
    service_form_update(actor=admin_a, service=draft_service, form=without)

    with pytest.raises(ValidationError, match="no longer a question of the form"):
        service_publish(actor=admin_a, service=draft_service)


def test_a_service_may_issue_no_document(admin_a, draft_service):
    service_update(actor=admin_a, service=draft_service, data={"issues": ""})

    version = service_publish(actor=admin_a, service=draft_service)

    assert version.snapshot["issues"] == ""


def test_changes_list_the_document_settings(admin_a, published_service):
    service_update(
        actor=admin_a, service=published_service, data={"document_name": NAME, "document_fields": ["registration"]}
    )

    fields = {(c["field"], c["language"]) for c in snapshot_changes(published_service)}

    assert {("document_name", "en"), ("document_name", "ar"), ("document_fields", None)} <= fields


# --- The service editor ---------------------------------------------------------------


DETAILS = {
    "title_en": "Apply for a resident parking permit",
    "fee": "30.00",
    "fee_currency": "GBP",
    "deadline_working_days": "10",
    "identity_level": "verified",
    "issues": "permit",
    "validity_days": "365",
}


@pytest.fixture
def editor(client, admin_a):
    client.force_login(admin_a)
    return client


def test_the_editor_offers_the_forms_questions_as_document_fields(editor, draft_service):
    response = editor.get(f"/staff/services/{draft_service.pk}/edit/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "Answers shown on the document" in body
    assert 'name="document_fields" type="checkbox" value="registration"' in body
    assert 'name="document_name_en"' in body and 'name="document_name_ar"' in body
    assert 'value="none"' in body  # "No document" is one of the choices


def test_the_editor_saves_the_document_name_and_fields(editor, draft_service, category):
    data = {
        **DETAILS,
        "category": category.pk,
        "token": edit_token(draft_service),
        "document_name_en": "Resident parking permit",
        "document_name_ar": "تصريح وقوف السيارات للمقيمين",
        "document_fields": ["registration"],
    }

    response = editor.post(f"/staff/services/{draft_service.pk}/edit/", data)

    assert response.status_code == 302
    service = Service.objects.get(pk=draft_service.pk)
    assert service.document_name == NAME
    assert service.document_fields == ["registration"]
    detail = editor.get(f"/staff/services/{service.pk}/").content.decode()
    assert "Resident parking permit" in detail and "Registration number" in detail


def test_the_editor_refuses_a_question_that_is_not_offered(editor, draft_service, category):
    data = {**DETAILS, "category": category.pk, "token": edit_token(draft_service), "document_fields": ["nope"]}

    response = editor.post(f"/staff/services/{draft_service.pk}/edit/", data)

    assert response.status_code == 200
    assert "Choose the answers from the list" in response.content.decode()


def test_the_editor_can_turn_the_document_off(editor, draft_service, category):
    data = {**DETAILS, "category": category.pk, "token": edit_token(draft_service), "issues": "none"}

    editor.post(f"/staff/services/{draft_service.pk}/edit/", data)

    service = Service.objects.get(pk=draft_service.pk)
    assert service.issues == ""
    detail = editor.get(f"/staff/services/{service.pk}/").content.decode()
    assert "No document: approving completes the application" in detail
    publish = editor.get(f"/staff/services/{service.pk}/publish/").content.decode()
    assert "No document" in publish
