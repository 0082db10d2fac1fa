"""No one's answer can be picked out of the public figures: not by differencing them against the
open-data API or against each other over time, not after a rating changes, not after an account
is deleted. And odd numbers in URLs are a 404, never a 500."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from ecitizen.core.numbers import parse_id as parse_number
from ecitizen.engagement.feedback import selectors, services
from ecitizen.engagement.feedback.models import Rating
from ecitizen.engagement.feedback.tests.test_satisfaction import rate

pytestmark = pytest.mark.django_db

JANUARY = datetime.datetime(2027, 1, 15, 12, 0, tzinfo=datetime.UTC)
NOV, DEC, JAN = datetime.date(2026, 11, 1), datetime.date(2026, 12, 1), datetime.date(2027, 1, 1)
ANSWER_KEYS = {5: "very_satisfied", 4: "satisfied", 3: "neither", 2: "dissatisfied", 1: "very_dissatisfied"}


@pytest.fixture
def service(permit_version):
    return permit_version.service


def public_figures(client, service) -> dict:
    """Everything public that could carry a satisfaction figure about *service*."""
    from ecitizen.search.registry import Query, provider

    summary = selectors.service_satisfaction(service)
    listed = {row.service_id: dict(row.counts) for row in selectors.public_satisfaction()}
    found = provider("satisfaction")
    found.forget()
    search = sorted(result.summary for result in found.search(Query(text="satisfaction", language="en")))
    text = lambda url: re.sub(r"\s+", " ", client.get(url).content.decode())  # noqa: E731
    start = text(reverse("catalogue:start", args=[service.slug]))
    return {
        "start page": dict(summary.counts) if summary else None,
        "list": listed.get(service.pk),
        "search": search,
        "page": re.findall(r"\d+%|>\d+<", text(reverse("feedback:index"))),
        "start text": re.findall(r"\d+% of people[^<]*", start),
    }


def api_rows(client) -> list[dict]:
    return client.get("/api/feedback/satisfaction").json()["items"]


def test_differencing_the_public_figures_against_the_api_reveals_no_single_rating(
    client, make_user, service, agency_a, settings
):
    settings.FEEDBACK_MIN_RATINGS = 10
    with time_machine.travel(JANUARY, tick=False):
        rate(make_user, service, agency_a, [5] * 6 + [4] * 4, month=NOV)
        before = public_figures(client, service)
        assert before["start page"] == {5: 6, 4: 4, 3: 0, 2: 0, 1: 0}
        # The lone December rater (and a lone rater this month) is very dissatisfied.
        rate(make_user, service, agency_a, [1], month=DEC)
        rate(make_user, service, agency_a, [1], month=JAN)
        after = public_figures(client, service)
        rows = api_rows(client)

    # 1. Over time: the public figures did not move when the lone ratings came in.
    assert after == before
    # 2. Against the API: every public figure is exactly the sum of the rows the API shows in full.
    shown = [row for row in rows if not row["suppressed"]]
    for answer, key in ANSWER_KEYS.items():
        assert sum(row["counts"][key] for row in shown) == after["start page"][answer]
    assert sum(row["total"] for row in shown) == sum(after["start page"].values())
    # 3. The API says nothing about December but that it is suppressed, and nothing of January.
    december = [row for row in rows if row["month"] == "2026-12"]
    assert december == [
        {
            "month": "2026-12",
            "agency": agency_a.slug,
            "service": service.slug,
            "topic": "service",
            "title": service.display_title(),
            "total": None,
            "suppressed": True,
            "counts": None,
            "satisfied_share": None,
        }
    ]
    assert not [row for row in rows if row["month"] == "2027-01"]
    # 4. Once January is over it is suppressed too, and the figures still do not move.
    with time_machine.travel(datetime.datetime(2027, 2, 3, tzinfo=datetime.UTC), tick=False):
        assert public_figures(client, service) == before
        assert [row["total"] for row in api_rows(client) if row["month"] == "2027-01"] == [None]


def test_a_rating_is_final_once_its_month_is_over(client, submitted, verified_citizen, service, settings):
    settings.FEEDBACK_MIN_RATINGS = 1
    with time_machine.travel(datetime.datetime(2027, 1, 20, 12, tzinfo=datetime.UTC), tick=False):
        services.feedback_give(actor=verified_citizen, kind="application", reference=submitted.reference, answer=2)
        services.feedback_give(actor=verified_citizen, kind="application", reference=submitted.reference, answer=1)
    with time_machine.travel(datetime.datetime(2027, 2, 10, 12, tzinfo=datetime.UTC), tick=False):
        published = selectors.service_satisfaction(service).counts
        with pytest.raises(ValidationError) as raised:
            services.feedback_give(actor=verified_citizen, kind="application", reference=submitted.reference, answer=5)
        assert "answer" in raised.value.message_dict
        assert Rating.objects.get().answer == 1
        assert selectors.service_satisfaction(service).counts == published
        # The pages show the answer, without a way to change it.
        client.force_login(verified_citizen)
        give = reverse("feedback:give", args=["application", submitted.reference])
        response = client.post(give, {"answer": "5"})
        assert response.status_code == 302 and "/thanks/" in response["Location"]
        assert Rating.objects.get().answer == 1
        thanks = client.get(response["Location"]).content.decode()
        assert "You cannot change this answer any more" in thanks and "Change your feedback" not in thanks
        page = client.get(reverse("cases:confirmation", args=[submitted.pk])).content.decode()
        assert "Thank you for your feedback" in page and "Change your feedback" not in page


def test_deleting_an_account_keeps_its_ratings_without_a_personal_link(client, make_user, service, agency_a, settings):
    settings.FEEDBACK_MIN_RATINGS = 2
    with time_machine.travel(JANUARY, tick=False):
        rate(make_user, service, agency_a, [5, 1, 1], month=DEC)
        Rating.objects.update(comment="I live at 1 High Street")
        before = public_figures(client, service)
        api_before = api_rows(client)
        gone = list(Rating.objects.filter(answer=1).select_related("rater"))
        for rating in gone:
            rating.rater.delete()
        assert Rating.objects.count() == 3
        kept = Rating.objects.filter(pk__in=[rating.pk for rating in gone])
        assert list(kept.values_list("rater", "comment", "reference", "answer")) == [(None, "", "", 1)] * 2
        assert Rating.objects.filter(answer=5, comment="I live at 1 High Street").exists()
        assert public_figures(client, service) == before
        assert api_rows(client) == api_before


def test_one_rating_per_transaction_still_holds_for_remaining_accounts(submitted, verified_citizen, agency_a):
    rating = services.feedback_give(actor=verified_citizen, kind="application", reference=submitted.reference, answer=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(
            kind=rating.kind,
            reference=rating.reference,
            rater=verified_citizen,
            agency=agency_a,
            answer=5,
            month=rating.month,
            created_at=rating.created_at,
            updated_at=rating.updated_at,
        )


ODD_NUMBERS = [
    "²",
    "¹²",
    "٣",
    "３",
    "1²",
    "-1",
    "+1",
    "1.0",
    "1e3",
    " 1",
    "99999999999999999999999",
    "9223372036854775808",
    "1\x00",
    "1\x1f",
    "\u202e1",
    "1\u00a0",
]


@pytest.mark.parametrize("value", ODD_NUMBERS)
def test_odd_numbers_in_the_url_are_not_found(client, verified_citizen, caseworker_a, fixed_report, value):
    from urllib.parse import quote

    client.force_login(verified_citizen)
    for kind in ("report", "application", "payment", "document"):
        for url in (f"/feedback/{kind}/{quote(value)}/", f"/feedback/{kind}/{quote(value)}/thanks/"):
            # 404, or the real report 1 when the value is 1 with spaces around it
            assert client.get(url).status_code in (200, 404), url
            assert client.post(url, {"answer": "5"}).status_code in (302, 404, 405), url
    client.force_login(caseworker_a)
    for name in ("index", "index_csv", "comments", "comments_csv"):
        for parameter in ("agency", "topic", "month", "answer", "page"):
            response = client.get(reverse(f"feedback_staff:{name}"), {parameter: value})
            assert response.status_code in (200, 400), (name, parameter, response.status_code)
    response = client.get("/api/feedback/satisfaction", {"since": value, "until": value, "service": value})
    assert response.status_code in (400, 422)


@pytest.mark.parametrize("value", ["٥", "５", "⁵", "5²", "05 ", True])
def test_an_odd_answer_is_a_field_error(submitted, verified_citizen, value):
    if value == "05 ":
        rating = services.feedback_give(
            actor=verified_citizen, kind="application", reference=submitted.reference, answer=value
        )
        assert rating.answer == 5
        return
    with pytest.raises(ValidationError) as raised:
        services.feedback_give(actor=verified_citizen, kind="application", reference=submitted.reference, answer=value)
    assert list(raised.value.message_dict) == ["answer"]
    assert not Rating.objects.exists()


def test_parse_number_takes_ascii_digits_only():
    assert parse_number("42") == 42 and parse_number(42) == 42
    assert [parse_number(value) for value in ODD_NUMBERS] == [None] * len(ODD_NUMBERS)
    assert parse_number(None) is None and parse_number(True) is None
