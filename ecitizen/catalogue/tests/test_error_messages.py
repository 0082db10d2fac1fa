"""Error messages of service forms: the agency's own words, or ones built from a short label, never Django's."""

from __future__ import annotations

import pytest
from django.utils import translation

from ecitizen.catalogue.formdef import FormDefinition, PageForm, error_messages, validate_definition


def one_question(**question) -> FormDefinition:
    question = {"id": "q", "label": {"en": "Describe what you will sell"}, **question}
    return FormDefinition.parse({"pages": [{"id": "p", "title": {"en": "Page"}, "questions": [question]}]})


def errors_for(definition: FormDefinition, data: dict) -> list[str]:
    form = PageForm(data, page=definition.pages[0], answers={})
    assert not form.is_valid()
    return [message for messages in form.errors.values() for message in messages]


SHORT = {"en": "your business description", "es": "la descripción de su negocio"}


def test_required_without_a_short_label_quotes_the_question_instead_of_lowering_it():
    assert errors_for(one_question(type="text"), {"q": ""}) == ["Answer “Describe what you will sell”"]


def test_required_is_built_from_the_short_label():
    assert errors_for(one_question(type="textarea", short_label=SHORT), {"q": ""}) == [
        "Enter your business description"
    ]


def test_the_agency_can_write_its_own_required_message():
    question = one_question(type="text", short_label=SHORT, required_message={"en": "Tell us what you will sell"})
    assert errors_for(question, {"q": ""}) == ["Tell us what you will sell"]


@pytest.mark.parametrize(
    ("limits", "value", "message"),
    [
        ({"min": 1, "max": 4}, "5", "Number of vehicles must be between 1 and 4"),
        ({"min": 1, "max": 4}, "0", "Number of vehicles must be between 1 and 4"),
        ({"max": 4}, "5", "Number of vehicles must be 4 or fewer"),
        ({"min": 2}, "1", "Number of vehicles must be 2 or more"),
        ({"min": 0.5, "max": 2.5}, "3", "Number of vehicles must be between 0.5 and 2.5"),
    ],
)
def test_range_errors_use_our_wording_not_djangos(limits, value, message):
    question = one_question(type="number", short_label={"en": "number of vehicles"}, **limits)
    errors = errors_for(question, {"q": value})
    assert errors == [message]
    assert "Ensure this value" not in " ".join(errors)


def test_a_custom_range_message_replaces_the_default():
    question = one_question(type="number", max=4, range_message={"en": "You can register up to 4 vehicles"})
    assert errors_for(question, {"q": "9"}) == ["You can register up to 4 vehicles"]


def test_length_errors_use_our_wording():
    question = one_question(type="text", max_length=5, short_label={"en": "your nickname"})
    assert errors_for(question, {"q": "abcdefg"}) == ["Your nickname must be 5 characters or fewer"]
    question = one_question(type="text", min_length=3, max_length=5, short_label={"en": "your nickname"})
    assert errors_for(question, {"q": "ab"}) == ["Your nickname must be between 3 and 5 characters"]


def test_pattern_message_default_and_custom():
    default = one_question(type="text", pattern="^[A-Z]+$", short_label={"en": "your code"})
    assert errors_for(default, {"q": "abc"}) == ["Enter your code in the correct format"]
    custom = one_question(type="text", pattern="^[A-Z]+$", pattern_message={"en": "Use capital letters only"})
    assert errors_for(custom, {"q": "abc"}) == ["Use capital letters only"]


def test_not_a_number_and_decimal_places_are_ours_too():
    question = one_question(type="number", short_label={"en": "number of vehicles"})
    assert errors_for(question, {"q": "many"}) == ["Number of vehicles must be a number"]
    assert errors_for(question, {"q": "1.123456"}) == ["Enter a number with no more than 4 decimal places"]


def test_choice_questions_say_select():
    choices = [{"value": "a", "label": {"en": "A"}}, {"value": "b", "label": {"en": "B"}}]
    question = one_question(type="choice", choices=choices, short_label={"en": "what you will sell"})
    assert errors_for(question, {}) == ["Select what you will sell"]
    assert errors_for(question, {"q": "z"}) == ["Select one of the options"]


def test_messages_follow_the_language_and_never_mix_in_an_english_short_label():
    question = one_question(type="text", short_label={"en": "your business description"}).questions[0]
    with translation.override("es"):
        message = error_messages(question)["required"]
    assert "your business description" not in message  # no Spanish short label: the general sentence
    question = one_question(type="text", short_label=SHORT).questions[0]
    with translation.override("es"):
        assert "la descripción de su negocio" in error_messages(question)["required"]


def test_message_texts_must_be_per_language():
    data = {
        "pages": [
            {
                "id": "p",
                "questions": [{"id": "q", "type": "text", "label": {"en": "Q"}, "short_label": "not a dict"}],
            }
        ]
    }
    assert any("texts in the wrong shape" in error for error in validate_definition(data))


@pytest.mark.parametrize(
    ("question", "value", "message"),
    [
        (
            {"type": "number", "max": 100, "range_message": {"en": "Enter 100% or less"}},
            "101",
            "Enter 100% or less",
        ),
        (
            {"type": "number", "max": 100, "short_label": {"en": "the discount %"}},
            "101",
            "The discount % must be 100 or fewer",
        ),
        (
            {"type": "text", "max_length": 3, "short_label": {"en": "your %o code"}},
            "abcd",
            "Your %o code must be 3 characters or fewer",
        ),
        (
            {"type": "text", "pattern": "^[0-9]+$", "pattern_message": {"en": "Digits only, 100%"}},
            "x",
            "Digits only, 100%",
        ),
    ],
)
def test_a_percent_sign_in_the_agencys_words_is_shown_not_a_crash(question, value, message):
    assert errors_for(one_question(**question), {"q": value}) == [message]
