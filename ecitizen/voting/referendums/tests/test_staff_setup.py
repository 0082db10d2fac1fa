"""Setting a referendum up through the pages: bad input is a field error (never a 500, never half
saved), the trustees are fixed once key generation starts, and nothing changes once voting opens."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.voting.referendums import setup_services
from ecitizen.voting.referendums.models import Question, Referendum, Stage

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 3, 10, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(people, **changes) -> dict:
    data = {
        "title_en": "New library",
        "opens_on": "2027-04-01",
        "closes_on": "2027-04-14",
        "min_age": "16",
        "residents_only": "on",
        "identity_level": "verified",
        "paper_voting": "on",
        "returning_officer": str(people["officer"].pk),
        "trustees": [str(p.pk) for p in people["trustees"]],
        "threshold": "2",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_creating_a_referendum(referendum_people, admin_a, districts):
    response = _client(admin_a).post(
        reverse("referendums_staff:new"),
        _form(
            referendum_people,
            title_ar="مكتبة جديدة",
            districts=[str(districts["old_town"].pk)],
            assisted_voting=None,
        ),
    )
    assert response.status_code == 302
    referendum = Referendum.objects.get()
    assert referendum.title == {"en": "New library", "ar": "مكتبة جديدة"}
    assert referendum.agency.name == "City Council" and referendum.created_by == admin_a
    assert list(referendum.districts.all()) == [districts["old_town"]]
    assert not referendum.assisted_voting and referendum.paper_voting
    # Voting opens at the start of the first day and closes at the end of the last, in London.
    assert referendum.opens_at == datetime.datetime(2027, 3, 31, 23, 0, tzinfo=datetime.UTC)
    assert referendum.closes_at == datetime.datetime(2027, 4, 14, 23, 0, tzinfo=datetime.UTC)
    assert (referendum.trustee_count, referendum.threshold) == (3, 2)
    row = AuditLog.objects.get(action=AuditAction.REF_SAVED)
    assert row.actor == admin_a and row.extra["created"] is True


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title_en": ""}, "title_en", "Enter a title in English"),
        ({"opens_on": "2027-13-45"}, "opens_on", "Enter a real date"),
        ({"opens_on": "99999-01-01"}, "opens_on", "Enter a real date"),
        ({"closes_on": "3027-01-01"}, "closes_on", "Enter a year from 2000 to 2200"),
        ({"closes_on": "2027-03-01"}, "closes_on", "on or after the day voting opens"),
        ({"opens_on": "2027-02-01", "closes_on": "2027-03-01"}, "closes_on", "cannot be in the past"),
        ({"min_age": "old"}, "min_age", "Enter a whole number"),
        ({"min_age": "200"}, "min_age", "120 or less"),
        ({"threshold": "4"}, "threshold", "from 1 to the number of trustees"),
        ({"threshold": "0"}, "threshold", "1 or more"),
        ({"trustees": ["999999"]}, "trustees", "Choose staff of the agency"),
        ({"trustees": None}, "trustees", "Choose at least one trustee"),
        ({"returning_officer": "abc"}, "returning_officer", "Choose the returning officer"),
        ({"identity_level": "superhero"}, "identity_level", "Select a valid choice"),
        ({"title_en": "x" * 5000}, "title_en", "200 characters or fewer"),
    ],
)
def test_bad_input_is_a_field_error(referendum_people, admin_a, changes, field, message):
    response = _client(admin_a).post(reverse("referendums_staff:new"), _form(referendum_people, **changes))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    assert not Referendum.objects.exists()


def test_every_trustee_needs_two_factor_authentication(referendum_people, admin_a, make_user, agency_a):
    from ecitizen.agencies.models import Membership

    careless = make_user("careless@council.example")
    Membership.objects.create(user=careless, agency=agency_a, role="caseworker")
    response = _client(admin_a).post(
        reverse("referendums_staff:new"),
        _form(referendum_people, trustees=[str(referendum_people["trustees"][0].pk), str(careless.pk)]),
    )
    assert response.status_code == 400
    assert "careless@council.example" in " ".join(response.context["form"].errors["trustees"])


def test_the_service_refuses_people_of_another_agency(referendum_people, admin_a, agency_a, caseworker_b):
    data = setup_services.ReferendumData(
        title={"en": "New library"},
        opens_at=NOW + datetime.timedelta(days=5),
        closes_at=NOW + datetime.timedelta(days=10),
        returning_officer=caseworker_b,
        trustees=[caseworker_b, *referendum_people["trustees"][:1]],
        threshold=1,
    )
    with pytest.raises(ValidationError) as raised:
        setup_services.referendum_create(actor=admin_a, agency=agency_a, data=data)
    assert set(raised.value.message_dict) == {"returning_officer", "trustees"}


def test_questions_and_their_options(make_referendum, admin_a):
    referendum = make_referendum("draft").referendum
    client = _client(admin_a)
    page = reverse("referendums_staff:question_new", args=[referendum.pk])
    cases = [
        ({"text_en": "Which?", "options_en": "Only one"}, "options_en", "at least two options"),
        ({"text_en": "Which?", "options_en": "A\nB", "options_fr": "A"}, "options_en", "fr has 1 of 2"),
        ({"text_en": "Which?", "options_en": "A\nB", "max_choices": "3"}, "max_choices", "from 1 to the number"),
        ({"text_en": "Which?", "options_en": "A\nB\nC", "min_choices": "3", "max_choices": "2"}, "min_choices", ""),
        ({"text_en": "", "options_en": "A\nB"}, "text_en", "Enter the question in English"),
        ({"text_en": "Which?", "options_en": "A\nB", "min_choices": "-1"}, "min_choices", "0 or more"),
    ]
    for data, field, message in cases:
        response = client.post(page, {"min_choices": "1", "max_choices": "1", **data})
        assert response.status_code == 400, data
        assert message in " ".join(response.context["form"].errors[field]), response.context["form"].errors
    assert referendum.questions.count() == 1
    response = client.post(
        page, {"text_en": "Where?", "options_en": "North\nSouth\nEast", "min_choices": "0", "max_choices": "2"}
    )
    assert response.status_code == 302
    second = referendum.questions.get(position=1)
    assert (second.min_choices, second.max_choices, second.options.count()) == (0, 2, 3)
    first = referendum.questions.get(position=0)
    response = client.post(reverse("referendums_staff:question_delete", args=[referendum.pk, first.pk]))
    assert response.status_code == 302
    assert list(referendum.questions.values_list("position", "text")) == [(0, {"en": "Where?"})]


def test_key_generation_needs_questions_and_then_fixes_the_trustees(make_referendum, referendum_people, admin_a):
    referendum = make_referendum("draft").referendum
    Question.objects.filter(referendum=referendum).delete()
    client = _client(admin_a)
    client.post(reverse("referendums_staff:keys_start", args=[referendum.pk]))
    referendum.refresh_from_db()
    assert referendum.stage == Stage.DRAFT
    built = make_referendum("keys")
    page = reverse("referendums_staff:edit", args=[built.referendum.pk])
    form = client.get(page).context["form"]
    data = _form(referendum_people, trustees=[str(p.pk) for p in referendum_people["trustees"][:2]])
    data["opens_on"] = form.initial["opens_on"].isoformat()
    data["closes_on"] = form.initial["closes_on"].isoformat()
    response = client.post(page, data)
    assert response.status_code == 400
    assert "cannot change once key generation has started" in " ".join(response.context["form"].errors["trustees"])
    response = client.post(page, {**data, "trustees": [str(p.pk) for p in referendum_people["trustees"]]})
    assert response.status_code == 302
    built.referendum.refresh_from_db()
    assert built.referendum.title == {"en": "New library"}


def test_nothing_changes_once_voting_opens(make_referendum, referendum_people, admin_a):
    referendum = make_referendum("open").referendum
    client = _client(admin_a)
    response = client.get(reverse("referendums_staff:edit", args=[referendum.pk]))
    assert response.status_code == 302
    response = client.post(reverse("referendums_staff:question_new", args=[referendum.pk]), {"text_en": "More?"})
    assert response.status_code == 302
    with pytest.raises(ValidationError, match="can no longer change"):
        setup_services.question_delete(actor=admin_a, question=referendum.questions.get())
    assert referendum.questions.count() == 1
