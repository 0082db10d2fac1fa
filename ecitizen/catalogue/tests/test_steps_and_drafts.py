"""Form definitions: which page to resume on, a step count that does not jump, and saving a draft."""

from __future__ import annotations

from ecitizen.catalogue.formdef import FormDefinition, PageForm

FORM = FormDefinition.parse(
    {
        "pages": [
            {
                "id": "vehicle",
                "questions": [
                    {"id": "reg", "type": "text", "label": {"en": "Registration"}, "pattern": "^[A-Z0-9 ]+$"},
                    {"id": "count", "type": "number", "label": {"en": "Vehicles"}, "min": 1, "max": 4},
                    {"id": "nick", "type": "text", "label": {"en": "Nickname"}, "required": False},
                ],
            },
            {"id": "moved", "questions": [{"id": "moved", "type": "yes_no", "label": {"en": "Moved?"}}]},
            {
                "id": "proof",
                "questions": [
                    {
                        "id": "proof",
                        "type": "file",
                        "label": {"en": "Proof"},
                        "condition": {"question": "moved", "equals": "yes"},
                    }
                ],
            },
            {"id": "home", "questions": [{"id": "home", "type": "address", "label": {"en": "Home"}}]},
        ]
    }
)
VEHICLE = {"reg": "AB12", "count": 2, "nick": ""}


def steps(answers):
    return [FORM.step_of(FORM.page(p.id), answers) for p in FORM.visible_pages(answers)]


def test_a_page_waiting_on_an_unanswered_question_counts_so_the_total_never_grows():
    # before "moved" is answered the proof page may still come: 4 steps, not 3
    assert steps({}) == [(1, 4), (2, 4), (4, 4)]
    assert steps({**VEHICLE, "moved": "yes"}) == [(1, 4), (2, 4), (3, 4), (4, 4)]
    # answering "no" rules it out: the count drops by one and the steps stay consecutive
    assert steps({**VEHICLE, "moved": "no"}) == [(1, 3), (2, 3), (3, 3)]


def test_resume_goes_to_the_first_page_not_answered():
    assert FORM.first_unanswered_page({}).id == "vehicle"
    # an optional question never saved keeps its page unanswered; saved blank, it is answered
    assert FORM.first_unanswered_page({"reg": "AB12", "count": 2}).id == "vehicle"
    assert FORM.first_unanswered_page({**VEHICLE}).id == "moved"
    assert FORM.first_unanswered_page({**VEHICLE, "moved": "yes"}).id == "proof"
    # a town alone is not an answer to an address question
    partial = {**VEHICLE, "moved": "no", "home": {"line1": "", "line2": "", "town": "Riverton", "postcode": ""}}
    assert FORM.first_unanswered_page(partial).id == "home"
    done = {**partial, "home": {"line1": "12 River St", "line2": "", "town": "Riverton", "postcode": "RV1 4AB"}}
    assert FORM.first_unanswered_page(done) is None


def test_a_draft_keeps_valid_answers_drops_invalid_ones_and_requires_nothing():
    form = PageForm({"reg": "AB12", "count": "9", "nick": ""}, page=FORM.pages[0], answers={}, draft=True)
    answers, dropped = form.draft_answers()
    assert answers == {"reg": "AB12"}  # blank "nick" is not saved over anything
    assert [q.id for q in dropped] == ["count"]


def test_a_draft_clears_an_answer_the_citizen_emptied_and_keeps_the_rest():
    saved = {"reg": "AB12", "count": 2, "nick": "Blue van"}
    form = PageForm({"reg": "AB12", "count": "2", "nick": ""}, page=FORM.pages[0], answers=saved, draft=True)
    answers, dropped = form.draft_answers()
    assert answers == {"reg": "AB12", "count": 2, "nick": None} and dropped == []


def test_an_untouched_page_saves_as_a_draft_without_errors():
    form = PageForm({}, page=FORM.pages[3], answers={}, draft=True)
    assert form.draft_answers() == ({}, [])
    partly = PageForm({"home__town": "Riverton"}, page=FORM.pages[3], answers={}, draft=True)
    assert partly.draft_answers()[0] == {"home": {"line1": "", "line2": "", "town": "Riverton", "postcode": ""}}


def test_the_same_page_without_draft_still_checks_everything():
    form = PageForm({}, page=FORM.pages[0], answers={})
    assert not form.is_valid()
    assert set(form.errors) == {"reg", "count"}


def test_an_address_needs_a_real_looking_postcode_and_is_stored_tidy():
    page = FORM.pages[3]
    bad = PageForm(
        {"home__line1": "1 High St", "home__town": "Riverton", "home__postcode": "!!"}, page=page, answers={}
    )
    assert not bad.is_valid()
    assert bad.errors["home__postcode"] == ["Enter a real postcode, like RV1 4AB"]
    good = PageForm(
        {"home__line1": "1 High St", "home__town": "Riverton", "home__postcode": " rv1  4ab "}, page=page, answers={}
    )
    assert good.is_valid(), good.errors
    assert good.answers()["home"]["postcode"] == "RV1 4AB"


def test_an_optional_address_once_started_must_be_complete():
    optional = FormDefinition.parse(
        {
            "pages": [
                {
                    "id": "p",
                    "questions": [{"id": "a", "type": "address", "label": {"en": "Other"}, "required": False}],
                }
            ]
        }
    )
    assert PageForm({}, page=optional.pages[0], answers={}).is_valid()
    started = PageForm({"a__town": "Riverton"}, page=optional.pages[0], answers={})
    assert not started.is_valid()
    assert set(started.errors) == {"a__line1", "a__postcode"}
