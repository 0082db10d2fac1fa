"""Agency patterns run in linear time (RE2) and unusable ones are refused when saved (issue 9, 2.8).

``^(a+)+$`` against 27 a's and a "b" froze a server process for 7.6 s with
Python's backtracking ``re``.
"""

from __future__ import annotations

import time

import pytest

from ecitizen.catalogue.formdef import FormDefinition, PageForm, validate_definition
from ecitizen.catalogue.patterns import PatternError, compile_pattern, matches, pattern_problem

EVIL = r"^(a+)+$"
ATTACK = "a" * 27 + "b"
UNSUPPORTED = [r"(a)\1", r"(?=a)a", r"(?!a)b", r"(?<=a)b", r"(?<!a)b"]


def one_question_form(**question) -> FormDefinition:
    return FormDefinition.parse(
        {"pages": [{"id": "p", "questions": [{"id": "q", "type": "text", "label": {"en": "Answer"}, **question}]}]}
    )


def test_the_catastrophic_pattern_answers_at_once():
    started = time.perf_counter()
    assert not matches(EVIL, ATTACK)
    assert time.perf_counter() - started < 1.0
    assert matches(EVIL, "aaaa")


def test_a_service_question_with_the_catastrophic_pattern_is_checked_fast():
    definition = one_question_form(pattern=EVIL, pattern_message={"en": "Only a's"})
    form = PageForm({"q": ATTACK}, page=definition.pages[0], answers={})
    started = time.perf_counter()
    assert not form.is_valid()
    assert time.perf_counter() - started < 1.0
    assert form.errors["q"] == ["Only a's"]
    assert PageForm({"q": "aaa"}, page=definition.pages[0], answers={}).is_valid()


@pytest.mark.parametrize("pattern", UNSUPPORTED)
def test_patterns_re2_cannot_run_are_refused_in_the_definition(pattern):
    problem = pattern_problem(pattern)
    assert problem
    assert validate_definition(
        {"pages": [{"id": "p", "questions": [{"id": "q", "type": "text", "label": {"en": "A"}, "pattern": pattern}]}]}
    ) == [f"Question “q” has a pattern that is not a valid regular expression ({problem})."]
    with pytest.raises(PatternError):
        compile_pattern(pattern)


def test_a_stored_pattern_re2_cannot_run_is_never_run_by_pythons_re(caplog):
    """Saved before this check: logged and not applied, rather than backtracking or failing the page."""
    assert matches(r"(a+)+\1$", ATTACK)
    assert "RE2 cannot run" in caplog.text


@pytest.mark.django_db
@pytest.mark.parametrize("pattern", UNSUPPORTED)
def test_the_service_editor_refuses_them_at_the_field(client, admin_a, draft_service, pattern):
    from ecitizen.catalogue.models import Service
    from ecitizen.catalogue.selectors import edit_token

    client.force_login(admin_a)
    before = Service.objects.get(pk=draft_service.pk).form
    response = client.post(
        f"/staff/services/{draft_service.pk}/form/questions/add/",
        {
            "token": edit_token(Service.objects.get(pk=draft_service.pk)),
            "page": "vehicle",
            "type": "text",
            "label_en": "Colour",
            "required": "on",
            "pattern": pattern,
        },
    )
    page = response.content.decode()
    assert 'href="#id_pattern"' in page
    assert "Enter a valid regular expression" in page and "look-arounds" in page
    assert Service.objects.get(pk=draft_service.pk).form == before
