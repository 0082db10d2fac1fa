"""The question editor: the type first, then only the fields that type has; conditions chosen
from an earlier question's answers; the agency's error messages saved per language."""

from __future__ import annotations

import re

import pytest

from ecitizen.catalogue.models import Service
from ecitizen.catalogue.selectors import edit_token

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(client, admin_a):
    client.force_login(admin_a)
    return client


def body(response) -> str:
    return response.content.decode()


def names(html: str) -> set[str]:
    return set(re.findall(r'name="([a-z_]+)"', html))


def test_adding_a_question_asks_for_its_type_first_without_javascript(editor, draft_service):
    base = f"/staff/services/{draft_service.pk}/form/questions/add/"
    first = editor.get(f"{base}?page=charging")
    assert first.status_code == 200
    html = body(first)
    assert '<form method="get"' in html and 'name="type"' in html and 'name="page"' in html
    assert "label_en" not in html

    # a bad type is an error at the field, the chooser again
    wrong = editor.get(f"{base}?page=charging&type=nonsense")
    assert wrong.status_code == 400 and "Choose the type of answer" in body(wrong)


@pytest.mark.parametrize(
    ("kind", "present", "absent"),
    [
        ("text", {"pattern", "max_length", "pattern_message_en", "range_message_en"}, {"choices_en", "min_value"}),
        ("number", {"min_value", "max_value", "range_message_en"}, {"pattern", "max_length", "choices_en"}),
        ("choice", {"choices_en"}, {"pattern", "min_value", "max_length", "pattern_message_en", "range_message_en"}),
        ("date", {"prefill"}, {"pattern", "min_value", "choices_en", "range_message_en"}),
        ("file", set(), {"pattern", "min_value", "choices_en", "prefill", "range_message_en"}),
    ],
)
def test_only_the_fields_that_fit_the_type_are_shown(editor, draft_service, kind, present, absent):
    html = body(editor.get(f"/staff/services/{draft_service.pk}/form/questions/add/?page=charging&type={kind}"))
    fields = names(html)
    common = {"label_en", "hint_en", "short_label_en", "required_message_en", "condition", "required"}
    assert common | present <= fields
    assert not absent & fields
    assert f'name="type" value="{kind}"' in html


def test_the_condition_offers_the_earlier_questions_answers_as_a_select(editor, draft_service):
    html = body(editor.get(f"/staff/services/{draft_service.pk}/form/questions/add/?page=charging&type=text"))
    start = html.index('name="condition"')
    select = html[start : html.index("</select>", start)]
    assert '<option value="" selected>Always ask</option>' in select
    assert '<option value="electric=yes">“Is it electric?” is Yes</option>' in select
    assert '<option value="electric=no">“Is it electric?” is No</option>' in select
    assert "registration=" not in select  # a free-text answer cannot be chosen from a list
    # on the first page nothing comes before: only "Always ask"
    first_page = body(editor.get(f"/staff/services/{draft_service.pk}/form/questions/add/?page=vehicle&type=text"))
    assert "electric=yes" not in first_page


def test_saving_a_question_with_messages_and_a_condition(editor, draft_service):
    response = editor.post(
        f"/staff/services/{draft_service.pk}/form/questions/add/?page=charging&type=number",
        {
            "token": edit_token(draft_service),
            "page": "charging",
            "type": "number",
            "label_en": "How many vehicles?",
            "required": "on",
            "min_value": "1",
            "max_value": "4",
            "short_label_en": "number of vehicles",
            "short_label_es": "el número de vehículos",
            "required_message_en": "Enter how many vehicles you have",
            "range_message_en": "You can register up to 4 vehicles",
            "pattern": "^[0-9]+$",  # not a number's option: ignored, not stored
            "condition": "electric=yes",
        },
    )
    assert response.status_code == 302
    service = Service.objects.get(pk=draft_service.pk)
    question = service.form["pages"][1]["questions"][-1]
    assert question == {
        "id": "how_many_vehicles",
        "type": "number",
        "label": {"en": "How many vehicles?"},
        "required": True,
        "short_label": {"en": "number of vehicles", "es": "el número de vehículos"},
        "required_message": {"en": "Enter how many vehicles you have"},
        "range_message": {"en": "You can register up to 4 vehicles"},
        "min": 1,
        "max": 4,
        "condition": {"question": "electric", "equals": "yes"},
    }

    # editing shows what was saved, the condition selected
    edit = body(editor.get(f"/staff/services/{draft_service.pk}/form/questions/how_many_vehicles/edit/"))
    assert '<option value="electric=yes" selected>“Is it electric?” is Yes</option>' in edit
    assert 'value="number of vehicles"' in edit and "You can register up to 4 vehicles" in edit


def test_changing_the_type_of_a_question_goes_through_the_chooser(editor, draft_service):
    url = f"/staff/services/{draft_service.pk}/form/questions/charger/edit/"
    html = body(editor.get(url))
    assert f'href="{url}?choose_type=1"' in html
    chooser = body(editor.get(f"{url}?choose_type=1"))
    assert '<form method="get"' in chooser and 'value="text" checked' in chooser
    as_choice = body(editor.get(f"{url}?type=choice"))
    assert 'name="choices_en"' in as_choice and 'name="pattern"' not in as_choice
