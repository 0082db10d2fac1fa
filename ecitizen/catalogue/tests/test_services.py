"""Writes to the catalogue: each validated, each audited, and published versions never change."""

from __future__ import annotations

import copy

import pytest
from django.core.exceptions import ValidationError

from ecitizen.catalogue.models import ServiceStatus, ServiceVersion
from ecitizen.catalogue.selectors import edit_token
from ecitizen.catalogue.services import (
    service_create,
    service_form_update,
    service_publish,
    service_retire,
    service_update,
)
from ecitizen.catalogue.tests.conftest import PARKING_FORM
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db


def audit(action):
    return AuditLog.objects.filter(action=action)


def test_create_makes_an_audited_draft_with_a_slug_from_the_english_title(admin_a, agency_a, service_data):
    service = service_create(actor=admin_a, agency=agency_a, data=service_data)

    assert (service.status, service.slug, service.fee_amount) == ("draft", "apply-for-a-resident-parking-permit", 3000)
    assert service.form == {"pages": []}
    assert [e.slug for e in service.life_events.all()] == ["moving-house"]
    row = audit(AuditAction.SERVICE_CREATED).get()
    assert (row.actor, row.agency, row.subject_id, row.extra) == (
        admin_a,
        agency_a,
        str(service.pk),
        {"slug": service.slug},
    )


def test_create_needs_an_english_title_and_a_known_currency(admin_a, agency_a, service_data):
    with pytest.raises(ValidationError) as caught:
        service_create(actor=admin_a, agency=agency_a, data={**service_data, "title": {"es": "Solo español"}})
    assert "title" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        service_create(actor=admin_a, agency=agency_a, data={**service_data, "fee_currency": "XYZ"})
    assert "fee_currency" in caught.value.message_dict
    assert not audit(AuditAction.SERVICE_CREATED).exists()


def test_slugs_are_unique_and_reserved_words_are_refused(admin_a, agency_a, service_data):
    first = service_create(actor=admin_a, agency=agency_a, data=service_data)
    second = service_create(actor=admin_a, agency=agency_a, data=service_data)
    assert second.slug == f"{first.slug}-2"
    with pytest.raises(ValidationError) as caught:
        service_create(actor=admin_a, agency=agency_a, data={**service_data, "slug": first.slug})
    assert "slug" in caught.value.message_dict
    with pytest.raises(ValidationError):
        service_create(actor=admin_a, agency=agency_a, data={**service_data, "slug": "category"})


def test_update_records_the_changed_fields_only(admin_a, draft_service, other_category):
    service_update(
        actor=admin_a,
        service=draft_service,
        data={"fee_amount": 3500, "category": other_category, "life_events": []},
    )
    draft_service.refresh_from_db()
    assert (draft_service.fee_amount, draft_service.category, draft_service.life_events.count()) == (
        3500,
        other_category,
        0,
    )
    assert audit(AuditAction.SERVICE_UPDATED).get().extra == {"fields": ["category", "fee_amount", "life_events"]}


def test_update_with_nothing_changed_writes_no_audit_row(admin_a, draft_service):
    service_update(actor=admin_a, service=draft_service, data={"fee_amount": draft_service.fee_amount})
    assert not audit(AuditAction.SERVICE_UPDATED).exists()


def test_a_stale_edit_is_refused(admin_a, draft_service):
    token = edit_token(draft_service)
    service_update(actor=admin_a, service=draft_service, data={"fee_amount": 100}, expected_token=token)
    with pytest.raises(ValidationError, match="Someone else changed this service"):
        service_update(actor=admin_a, service=draft_service, data={"fee_amount": 200}, expected_token=token)
    draft_service.refresh_from_db()
    assert draft_service.fee_amount == 100


def test_form_update_refuses_an_invalid_definition_with_one_error_per_problem(admin_a, draft_service):
    bad = copy.deepcopy(PARKING_FORM)
    bad["pages"][0]["questions"][0]["pattern"] = "([a-z"
    bad["pages"][0]["questions"][1]["id"] = "registration"
    with pytest.raises(ValidationError) as caught:
        service_form_update(actor=admin_a, service=draft_service, form=bad)
    assert caught.value.message_dict["form"] == [
        "Question “registration” has a pattern that is not a valid regular expression (missing ]: [a-z).",
        "Two questions have the id “registration”.",
        "Question “charger” depends on a question that does not come before it.",
    ]
    draft_service.refresh_from_db()
    assert draft_service.form == PARKING_FORM


def test_a_draft_may_have_empty_pages_but_publishing_refuses_them(admin_a, draft_service):
    form = {"pages": [*PARKING_FORM["pages"], {"id": "later", "title": {"en": "Later"}, "questions": []}]}
    service_form_update(actor=admin_a, service=draft_service, form=form)
    row = audit(AuditAction.SERVICE_FORM_UPDATED).latest("id")
    assert row.extra == {"pages": 3, "questions": 3}
    with pytest.raises(ValidationError, match="has no questions"):
        service_publish(actor=admin_a, service=draft_service)
    assert not ServiceVersion.objects.exists()


def test_publish_freezes_the_contract_snapshot(admin_a, agency_a, draft_service):
    version = service_publish(actor=admin_a, service=draft_service)

    assert version.number == 1
    assert version.published_by == admin_a
    assert version.snapshot == {
        "slug": "apply-for-a-resident-parking-permit",
        "title": {"en": "Apply for a resident parking permit", "es": "Solicitar un permiso de aparcamiento"},
        "summary": {"en": "Park near your home.", "es": "Aparque cerca de su casa."},
        "description": {"en": "One permit per vehicle."},
        "documents_required": {"en": "Your registration number"},
        "identity_level": "verified",
        "fee": {"amount": 3000, "currency": "GBP"},
        "deadline_working_days": 10,
        "issues": "permit",
        "validity_days": 365,
        "document_name": {},
        "document_fields": [],
        "form": PARKING_FORM,
        "agency": {"id": agency_a.pk, "name": "City Council", "names": {"en": "City Council"}, "code": "CC"},
        "category": "parking-and-roads",
    }
    assert (draft_service.status, draft_service.current_version) == (ServiceStatus.PUBLISHED, version)
    row = audit(AuditAction.SERVICE_PUBLISHED).get()
    assert (row.actor, row.agency, row.extra) == (admin_a, agency_a, {"version": 1})


def test_search_text_covers_every_language_the_category_and_life_events(published_service):
    text = published_service.search_text
    for words in ("apply for a resident parking permit", "solicitar un permiso", "aparque cerca", "one permit"):
        assert words in text
    assert "aparcamiento y carreteras" in text and "mudarse de casa" in text
    assert text == text.lower()


def test_publishing_twice_makes_versions_one_and_two(admin_a, published_service):
    second = service_publish(actor=admin_a, service=published_service)
    assert second.number == 2
    assert list(published_service.versions.values_list("number", flat=True)) == [2, 1]
    assert published_service.current_version == second


def test_editing_after_publishing_changes_neither_the_version_nor_applications(
    admin_a, citizen, agency_a, published_service
):
    from ecitizen.cases.models import Application

    v1 = published_service.current_version
    frozen = copy.deepcopy(v1.snapshot)
    application = Application.objects.create(
        citizen=citizen, agency=agency_a, service_version=v1, answers={"registration": "AB12 CDE"}
    )

    # when the admin edits the draft, even the form, and publishes again
    service_update(actor=admin_a, service=published_service, data={"fee_amount": 9900, "title": {"en": "New"}})
    form = copy.deepcopy(PARKING_FORM)
    form["pages"][0]["questions"].pop()
    service_form_update(actor=admin_a, service=published_service, form={"pages": form["pages"][:1]})
    v2 = service_publish(actor=admin_a, service=published_service)

    # then version 1, and the application made to it, are as they were
    v1.refresh_from_db()
    application.refresh_from_db()
    assert v1.snapshot == frozen
    assert application.service_version == v1
    assert application.service_version.snapshot["fee"] == {"amount": 3000, "currency": "GBP"}
    assert v2.snapshot["fee"]["amount"] == 9900 and v2.snapshot["title"] == {"en": "New"}


def test_edits_stay_in_the_draft_until_published(admin_a, published_service):
    service_update(actor=admin_a, service=published_service, data={"fee_amount": 1})
    published_service.refresh_from_db()
    assert published_service.status == ServiceStatus.PUBLISHED
    assert published_service.current_version.snapshot["fee"]["amount"] == 3000


def test_retire_takes_the_service_out_and_publishing_brings_it_back(admin_a, agency_a, published_service):
    service_retire(actor=admin_a, service=published_service)
    assert published_service.status == ServiceStatus.RETIRED
    assert audit(AuditAction.SERVICE_RETIRED).get().extra == {"version": 1}
    with pytest.raises(ValidationError):
        service_retire(actor=admin_a, service=published_service)
    service_publish(actor=admin_a, service=published_service)
    assert (published_service.status, published_service.current_version.number) == ("published", 2)


def test_a_draft_cannot_be_retired(admin_a, draft_service):
    with pytest.raises(ValidationError):
        service_retire(actor=admin_a, service=draft_service)
    assert not audit(AuditAction.SERVICE_RETIRED).exists()
