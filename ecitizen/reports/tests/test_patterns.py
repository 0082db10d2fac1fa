"""Report-category questions may have a pattern, run in linear time (RE2) (issue 9, 2.8)."""

from __future__ import annotations

import json
import time

import pytest
from django.core.exceptions import ValidationError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.reports import services
from ecitizen.reports.admin_services import category_save, validate_questions
from ecitizen.reports.models import Category, Report
from ecitizen.reports.tests.conftest import OLD_TOWN

pytestmark = pytest.mark.django_db

EVIL = r"^(a+)+$"
ATTACK = "a" * 27 + "b"
UNSUPPORTED = [r"(a)\1", r"(?=a)a", r"(?<!a)b"]


def with_pattern(pattern: str, **extra) -> list[dict]:
    return [{"code": "ref", "label": {"en": "Reference"}, "datatype": "string", "pattern": pattern, **extra}]


@pytest.fixture
def evil_category(pothole, admin_a):
    return category_save(
        actor=admin_a,
        category=pothole,
        data={
            "name": pothole.name,
            "response_days": 5,
            "questions": with_pattern(EVIL, pattern_message={"en": "Only the letter a"}),
        },
    )


def test_answers_are_checked_against_the_pattern_fast(evil_category):
    started = time.perf_counter()
    answers, errors = services.validate_answers(evil_category, {"ref": ATTACK})
    assert time.perf_counter() - started < 1.0
    assert errors == {"ref": "Only the letter a"} and answers == {}
    assert services.validate_answers(evil_category, {"ref": "aaa"}) == ({"ref": "aaa"}, {})


def test_a_report_with_a_wrong_answer_is_refused_at_the_field(evil_category, citizen):
    started = time.perf_counter()
    with pytest.raises(ValidationError) as caught:
        services.report_create(
            actor=citizen,
            service_code="pothole",
            latitude=OLD_TOWN[0],
            longitude=OLD_TOWN[1],
            title="Hole",
            description="Deep.",
            answers={"ref": ATTACK},
        )
    assert time.perf_counter() - started < 1.0
    assert caught.value.message_dict == {"answer_ref": ["Only the letter a"]}
    assert not Report.objects.exists()


def test_the_public_form_shows_the_pattern_error_at_the_question(client, evil_category):
    from ecitizen.reports.tests.test_reporting_journey import DETAILS, details, to_details

    to_details(client)
    response = client.post(DETAILS, details(email="sam@example.org", answer_ref=ATTACK))
    assert response.status_code == 400
    assert 'id="id_answer_ref-error"' in response.content.decode()
    assert "Only the letter a" in response.content.decode()


@pytest.mark.parametrize("pattern", UNSUPPORTED)
def test_patterns_re2_cannot_run_are_refused_when_saved(pothole, admin_a, pattern):
    before = list(Category.objects.values_list("questions", flat=True))
    with pytest.raises(ValidationError) as caught:
        category_save(
            actor=admin_a,
            category=pothole,
            data={"name": pothole.name, "response_days": 5, "questions": with_pattern(pattern)},
        )
    (message,) = caught.value.message_dict["questions"]
    assert message.startswith("Question 1: Enter a valid regular expression (")
    assert list(Category.objects.values_list("questions", flat=True)) == before
    assert not AuditLog.objects.filter(action=AuditAction.REPORT_CATEGORY_SAVED).exists()


@pytest.mark.parametrize(
    "question, message",
    [
        ({"datatype": "number", "pattern": "^1$"}, "only a string or text question can have a pattern"),
        ({"pattern": 5}, "the pattern must be a text"),
        ({"pattern_message": {"en": "Digits"}}, "a pattern message needs a pattern"),
    ],
)
def test_pattern_shapes_are_checked(question, message):
    with pytest.raises(ValidationError) as caught:
        validate_questions([{"code": "ref", "label": "Reference", **question}])
    assert message in caught.value.messages[0]


@pytest.mark.parametrize("pattern", UNSUPPORTED)
def test_the_category_editor_refuses_them_at_the_questions_field(client, admin_a, pothole, pattern):
    client.force_login(admin_a)
    data = {
        "name_en": "Pot-hole",
        "response_days": "5",
        "is_active": "on",
        "questions": json.dumps(with_pattern(pattern)),
    }
    response = client.post(f"/staff/reports/categories/{pothole.pk}/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_questions"' in page and "Enter a valid regular expression" in page
    pothole.refresh_from_db()
    assert "pattern" not in json.dumps(pothole.questions)
