"""The form engine: each question type's checks, conditions, and what a definition may not be."""

from __future__ import annotations

import pytest

from ecitizen.catalogue.formdef import FormDefinition, PageForm, validate_definition


def one_question(**question) -> FormDefinition:
    question = {"id": "q", "label": {"en": "Answer"}, **question}
    return FormDefinition.parse({"pages": [{"id": "p", "title": {"en": "Page"}, "questions": [question]}]})


def submit(definition: FormDefinition, data: dict, files: dict | None = None) -> PageForm:
    form = PageForm(data, files, page=definition.pages[0], answers={})
    form.is_valid()
    return form


@pytest.mark.parametrize(
    ("question", "value", "error"),
    [
        ({"type": "text"}, "", "Answer “Answer”"),
        ({"type": "text", "min_length": 3}, "ab", "The answer must be between 3 and 500 characters"),
        ({"type": "text", "max_length": 4}, "abcde", "The answer must be 4 characters or fewer"),
        ({"type": "text", "pattern": "^[A-Z]+$", "pattern_message": {"en": "Capitals only"}}, "abc", "Capitals only"),
        ({"type": "text", "pattern": "^[A-Z]+$"}, "abc", "Enter the answer to “Answer” in the correct format"),
        ({"type": "textarea", "max_length": 10}, "x" * 11, "The answer must be 10 characters or fewer"),
        ({"type": "number", "min": 1, "max": 5}, "0", "The number must be between 1 and 5"),
        ({"type": "number", "min": 1, "max": 5}, "6", "The number must be between 1 and 5"),
        ({"type": "number"}, "many", "The number must be a number"),
        ({"type": "date"}, "2026-02-30", "Enter a real date"),
        ({"type": "email"}, "not-an-email", "Enter an email address in the correct format"),
        ({"type": "phone"}, "call me", "Enter a phone number"),
        ({"type": "yes_no"}, "", "Select yes or no"),
        ({"type": "yes_no"}, "perhaps", "Select yes or no"),
    ],
)
def test_each_type_refuses_bad_answers(question, value, error):
    form = submit(one_question(**question), {"q": value})
    assert not form.is_valid()
    assert error in " ".join(form.errors["q"])


CHOICES = [{"value": "a", "label": {"en": "A"}}, {"value": "b", "label": {"en": "B", "es": "Be"}}]


@pytest.mark.parametrize(
    ("question", "data", "answer"),
    [
        ({"type": "text", "pattern": "^[A-Z0-9 ]+$"}, {"q": "AB12 CDE"}, "AB12 CDE"),
        ({"type": "number", "min": 1, "max": 5}, {"q": "3"}, 3),
        ({"type": "number"}, {"q": "2.5"}, 2.5),
        ({"type": "date"}, {"q": "2026-03-01"}, "2026-03-01"),
        ({"type": "email"}, {"q": "amina@example.org"}, "amina@example.org"),
        ({"type": "phone"}, {"q": "+44 808 157 0192"}, "+44 808 157 0192"),
        ({"type": "yes_no"}, {"q": "yes"}, "yes"),
        ({"type": "choice", "choices": CHOICES}, {"q": "b"}, "b"),
        ({"type": "multi_choice", "choices": CHOICES}, {"q": ["a", "b"]}, ["a", "b"]),
        (
            {"type": "address"},
            {"q__line1": "1 High St", "q__line2": "", "q__town": "Riverton", "q__postcode": "RV1 2AB"},
            {"line1": "1 High St", "line2": "", "town": "Riverton", "postcode": "RV1 2AB"},
        ),
    ],
)
def test_each_type_accepts_good_answers_as_json(question, data, answer):
    form = submit(one_question(**question), data)
    assert form.errors == {}
    assert form.answers() == {"q": answer}


def test_choices_refuse_values_not_offered():
    assert "Select one of the options" in str(submit(one_question(type="choice", choices=CHOICES), {"q": "z"}).errors)
    form = submit(one_question(type="multi_choice", choices=CHOICES), {"q": []})
    assert form.errors["q"] == ["Select an answer to “Answer”"]


def test_address_needs_line1_town_and_postcode_but_not_line2():
    form = submit(one_question(type="address"), {"q__line1": "1 High St"})
    assert set(form.errors) == {"q__town", "q__postcode"}


def test_optional_questions_may_be_left_empty():
    assert submit(one_question(type="text", required=False), {"q": ""}).errors == {}


def test_file_is_required_only_until_one_is_attached():
    definition = one_question(type="file")
    assert PageForm({}, {}, page=definition.pages[0], answers={}).is_valid() is False
    assert PageForm({}, {}, page=definition.pages[0], answers={"q": ["upload-1"]}).is_valid() is True


def test_labels_and_choices_follow_the_language_with_english_fallback():
    definition = one_question(type="choice", label={"en": "Pick", "es": "Elija"}, choices=CHOICES)
    form = PageForm(page=definition.pages[0], answers={}, language="es")
    assert form.fields["q"].label == "Elija"
    assert list(form.fields["q"].choices) == [("a", "A"), ("b", "Be")]


@pytest.fixture
def conditional():
    return FormDefinition.parse(
        {
            "pages": [
                {
                    "id": "one",
                    "questions": [
                        {"id": "electric", "type": "yes_no", "label": {"en": "Electric?"}},
                        {"id": "extras", "type": "multi_choice", "label": {"en": "Extras"}, "choices": CHOICES},
                    ],
                },
                {
                    "id": "two",
                    "questions": [
                        {
                            "id": "charger",
                            "type": "text",
                            "label": {"en": "Charger"},
                            "condition": {"question": "electric", "equals": "yes"},
                        },
                    ],
                },
                {
                    "id": "three",
                    "questions": [
                        {
                            "id": "b_detail",
                            "type": "text",
                            "label": {"en": "About B"},
                            "required": False,
                            "condition": {"question": "extras", "equals": "b"},
                        },
                    ],
                },
            ]
        }
    )


def test_conditions_show_and_hide_questions_and_pages(conditional):
    assert [p.id for p in conditional.visible_pages({"electric": "no"})] == ["one"]
    assert [p.id for p in conditional.visible_pages({"electric": "yes", "extras": ["a", "b"]})] == [
        "one",
        "two",
        "three",
    ]
    assert conditional.next_page("one", {"electric": "yes"}).id == "two"
    assert conditional.next_page("one", {"electric": "no"}) is None
    assert conditional.previous_page("three", {"electric": "no", "extras": ["b"]}).id == "one"


def test_visible_answers_drop_answers_to_hidden_questions(conditional):
    answers = {"electric": "no", "extras": ["a"], "charger": "Type 2", "b_detail": "old"}
    assert conditional.visible_answers(answers) == {"electric": "no", "extras": ["a"]}


def test_missing_lists_required_shown_questions_without_answers(conditional):
    missing = conditional.missing({"electric": "yes"})
    assert [(page.id, question.id) for page, question in missing] == [("one", "extras"), ("two", "charger")]
    assert conditional.missing({"electric": "no", "extras": ["b"]}) == []  # b_detail is optional


def test_summary_reads_like_check_your_answers(conditional):
    rows = conditional.summary({"electric": "yes", "extras": ["a", "b"], "charger": "Type 2"})
    assert [(r["page"], r["label"], r["value"]) for r in rows] == [
        ("one", "Electric?", "Yes"),
        ("one", "Extras", "A, B"),
        ("two", "Charger", "Type 2"),
        ("three", "About B", ""),
    ]


def page(*questions, page_id="p"):
    return {"id": page_id, "questions": list(questions)}


def text(qid, **extra):
    return {"id": qid, "type": "text", "label": {"en": qid}, **extra}


@pytest.mark.parametrize(
    ("definition", "problem"),
    [
        (None, "The form needs a list of pages."),
        ({"pages": []}, "Add at least one page with a question."),
        ({"pages": [page(text("a"), text("a"))]}, "Two questions have the id “a”."),
        ({"pages": [page(text("a")), page(text("b"), page_id="p")]}, "Two pages have the id “p”."),
        ({"pages": [page({"id": "a", "type": "signature", "label": {"en": "A"}})]}, "has an unknown type"),
        ({"pages": [page({"id": "Bad id", "type": "text", "label": {"en": "A"}})]}, "Each question needs an id"),
        ({"pages": [page({"id": "a", "type": "text", "label": {}})]}, "needs a label"),
        (
            {"pages": [page(text("a", condition={"question": "b", "equals": "yes"}), text("b"))]},
            "depends on a question that does not come before it",
        ),
        (
            {"pages": [page(text("a"), page_id="p1"), page(text("b", condition={"question": "a"}), page_id="p2")]},
            "has a condition without a value",
        ),
        ({"pages": [page(text("a", pattern="([a-z"))]}, "not a valid regular expression"),
        (
            {"pages": [page({"id": "a", "type": "choice", "label": {"en": "A"}, "choices": CHOICES[:1]})]},
            "needs at least two choices",
        ),
        (
            {"pages": [page({"id": "a", "type": "choice", "label": {"en": "A"}, "choices": [CHOICES[0], CHOICES[0]]})]},
            "has choices with the same value",
        ),
        ({"pages": [page(text("a", min_length=5, max_length=2))]}, "has a minimum above its maximum"),
        ({"pages": [page(text("a", prefill="shoe_size"))]}, "pre-fills from an unknown profile field"),
        ({"pages": [page(page_id="p")]}, "Page “p” has no questions."),
    ],
)
def test_validate_definition_names_each_problem(definition, problem):
    problems = validate_definition(definition)
    assert any(problem in p for p in problems), problems


def test_a_valid_definition_has_no_problems(conditional):
    from ecitizen.catalogue.tests.conftest import PARKING_FORM

    assert validate_definition(PARKING_FORM) == []


def test_chained_conditions_hide_questions_whose_condition_question_is_hidden():
    definition = FormDefinition.parse(
        {
            "pages": [
                page({"id": "a", "type": "yes_no", "label": {"en": "A"}}, page_id="p1"),
                page({**text("b"), "type": "yes_no", "condition": {"question": "a", "equals": "yes"}}, page_id="p2"),
                page(text("c", condition={"question": "b", "equals": "yes"}), page_id="p3"),
            ]
        }
    )
    # b was answered, then a changed to "no": b is hidden, so c must be too
    assert definition.visible_answers({"a": "no", "b": "yes", "c": "x"}) == {"a": "no"}


def test_conditions_on_the_same_page_and_malformed_json_are_refused_not_crashing():
    from ecitizen.catalogue.formdef import validate_definition

    same_page = {
        "pages": [
            {
                "id": "p",
                "questions": [
                    {"id": "a", "type": "yes_no", "label": {"en": "A"}},
                    {"id": "b", "type": "text", "label": {"en": "B"}, "condition": {"question": "a", "equals": "yes"}},
                ],
            }
        ]
    }
    assert any("same page" in e for e in validate_definition(same_page))
    bad_limits = {
        "pages": [{"id": "p", "questions": [{"id": "a", "type": "text", "label": {"en": "A"}, "min_length": "x"}]}]
    }
    assert any("not a number" in e for e in validate_definition(bad_limits))
    bad_choice = {
        "pages": [
            {
                "id": "p",
                "questions": [
                    {"id": "a", "type": "choice", "label": {"en": "A"}, "choices": [{"value": "x"}, {"value": "y"}]}
                ],
            }
        ]
    }
    assert any("without a value or a label" in e for e in validate_definition(bad_choice))
