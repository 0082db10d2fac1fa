"""Editing steps on a form definition: pure functions that never touch their argument."""

from __future__ import annotations

import copy

import pytest

from ecitizen.catalogue import formbuilder
from ecitizen.catalogue.tests.conftest import PARKING_FORM


def ids(definition):
    return [[q["id"] for q in p["questions"]] for p in definition["pages"]]


@pytest.mark.parametrize(
    ("text", "taken", "made"),
    [
        ("Date of birth", [], "date_of_birth"),
        ("Date of birth", ["date_of_birth"], "date_of_birth_2"),
        ("¿Qué venderá?", [], "que_vendera"),
        ("2nd address", [], "question_2nd_address"),
        ("", [], "question"),
        ("عنوانك", [], "question"),
        ("x" * 80, [], "x" * 36),
    ],
)
def test_make_id(text, taken, made):
    made_id = formbuilder.make_id(text, taken, "question")
    assert made_id == made
    assert formbuilder.ID_PATTERN.match(made_id)


def test_steps_do_not_change_their_argument():
    original = copy.deepcopy(PARKING_FORM)
    formbuilder.question_move(PARKING_FORM, "electric", "up")
    formbuilder.page_remove(PARKING_FORM, "vehicle")
    assert PARKING_FORM == original


def test_questions_move_within_and_across_pages():
    moved = formbuilder.question_move(PARKING_FORM, "charger", "up")
    assert ids(moved) == [["registration", "electric", "charger"], []]
    moved = formbuilder.question_move(moved, "charger", "down")
    assert ids(moved) == [["registration", "electric"], ["charger"]]
    assert ids(formbuilder.question_move(PARKING_FORM, "registration", "up")) == ids(PARKING_FORM)
    assert ids(formbuilder.question_move(PARKING_FORM, "charger", "down")) == ids(PARKING_FORM)


def test_pages_move_and_stop_at_the_ends():
    assert formbuilder.page_ids(formbuilder.page_move(PARKING_FORM, "charging", "up")) == ["charging", "vehicle"]
    assert formbuilder.page_ids(formbuilder.page_move(PARKING_FORM, "charging", "down")) == ["vehicle", "charging"]


def test_renaming_a_question_carries_its_dependents_conditions():
    renamed = {"id": "is_electric", "type": "yes_no", "label": {"en": "Electric?"}}
    changed = formbuilder.question_update(PARKING_FORM, "electric", renamed, page_id="vehicle")
    assert ids(changed) == [["registration", "is_electric"], ["charger"]]
    assert changed["pages"][1]["questions"][0]["condition"] == {"question": "is_electric", "equals": "yes"}


def test_a_question_changing_page_goes_to_the_end_of_it():
    question = formbuilder.find_question(PARKING_FORM, "registration")[2]
    changed = formbuilder.question_update(PARKING_FORM, "registration", question, page_id="charging")
    assert ids(changed) == [["electric"], ["charger", "registration"]]


def test_unknown_ids_raise_lookup_error():
    with pytest.raises(LookupError):
        formbuilder.question_remove(PARKING_FORM, "nope")
    with pytest.raises(LookupError):
        formbuilder.page_update(PARKING_FORM, "nope", title={"en": "x"})


def test_normalise_gives_new_services_a_page_list():
    assert formbuilder.normalise({}) == {"pages": []}
    assert formbuilder.normalise(None) == {"pages": []}
    assert formbuilder.questions_before_page(PARKING_FORM, "charging")[1]["id"] == "electric"
