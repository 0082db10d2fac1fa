"""Publishing a service with untranslated text warns the agency admin and lists it, language by language."""

from __future__ import annotations

import copy
import html
import re

import pytest

from ecitizen.catalogue.services import service_form_update
from ecitizen.catalogue.tests.conftest import PARKING_FORM
from ecitizen.catalogue.translations import missing_translations

pytestmark = pytest.mark.django_db


def _texts(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def _fully_translated(service, admin):
    for name in ("title", "summary", "description", "documents_required", "document_name"):
        base = getattr(service, name) or {"en": "Text"}
        setattr(service, name, {code: f"{base['en']} ({code})" for code in ("en", "es", "fr", "ar")})
    service.save()
    form = copy.deepcopy(PARKING_FORM)
    for page in form["pages"]:
        page["title"] = {code: page["title"]["en"] for code in ("en", "es", "fr", "ar")}
        for question in page["questions"]:
            question["label"] = {code: question["label"]["en"] for code in ("en", "es", "fr", "ar")}
    return service_form_update(actor=admin, service=service, form=form)


def test_lists_every_missing_text_per_language(draft_service):
    # given the parking permit: a title and summary in English and Spanish, the rest in English only
    # when
    missing = {language.code: language.items for language in missing_translations(draft_service)}
    # then
    assert set(missing) == {"es", "fr", "ar"}
    assert missing["es"] == [
        "Description",
        "What you need",
        "The question “Is it electric?”",
        "Title of the page “Charging”",
        "The question “Charger type”",
    ]
    assert "Title" not in missing["es"] and "Title" in missing["fr"]
    assert "The question “Registration number”" in missing["fr"]
    assert "The question “Registration number”" not in missing["es"]


def test_choices_hints_and_error_messages_are_checked(admin_a, draft_service):
    form = copy.deepcopy(PARKING_FORM)
    form["pages"][0]["questions"].append(
        {
            "id": "colour",
            "type": "choice",
            "label": {"en": "Colour", "es": "Color", "fr": "Couleur", "ar": "اللون"},
            "hint": {"en": "As on the logbook"},
            "pattern_message": {"en": "Use letters only"},
            "choices": [
                {"value": "red", "label": {"en": "Red", "es": "Rojo"}},
                {"value": "blue", "label": {"en": "Blue", "es": "Azul", "fr": "Bleu", "ar": "أزرق"}},
            ],
        }
    )
    service = service_form_update(actor=admin_a, service=draft_service, form=form)
    missing = {language.code: language.items for language in missing_translations(service)}
    assert "Answer “Red” of the question “Colour”" in missing["fr"]
    assert "Answer “Red” of the question “Colour”" not in missing["es"]
    assert "Answer “Blue” of the question “Colour”" not in missing["ar"]
    assert "Hint of the question “Colour”" in missing["es"]
    assert "Error message for the pattern of the question “Colour”" in missing["ar"]


def test_nothing_missing_when_everything_is_translated(admin_a, draft_service):
    service = _fully_translated(draft_service, admin_a)
    assert missing_translations(service) == []


def test_publish_page_warns_and_lists_what_is_missing(client, admin_a, draft_service):
    client.force_login(admin_a)
    response = client.get(f"/staff/services/{draft_service.pk}/publish/")
    text = _texts(response)
    assert "Some text is not translated" in text
    assert "Spanish: 5 texts missing" in text
    assert "French:" in text and "Arabic:" in text
    assert "The question “Charger type”" in text
    assert 'name="token"' in response.content.decode()  # the admin can still publish


def test_publish_page_has_no_warning_when_everything_is_translated(client, admin_a, draft_service):
    service = _fully_translated(draft_service, admin_a)
    client.force_login(admin_a)
    text = _texts(client.get(f"/staff/services/{service.pk}/publish/"))
    assert "Some text is not translated" not in text
    assert "Missing translations" not in text
