"""The staff pages (agency staff only; comments without names) and the open-data API (no comments)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from ecitizen.engagement.feedback.models import Rating
from ecitizen.engagement.feedback.tests.test_satisfaction import NOW, rate

pytestmark = pytest.mark.django_db

MARCH = datetime.date(2027, 3, 1)
APRIL = datetime.datetime(2027, 4, 15, 12, 0, tzinfo=datetime.UTC)  # March is over


@pytest.fixture
def ratings(make_user, permit_version, agency_a, agency_b):
    """Agency A: three ratings of its permit, one with a comment; agency B: one with a comment."""
    from ecitizen.cases.tests.conftest import make_version

    service = permit_version.service
    rate(make_user, service, agency_a, [5, 4, 1], month=MARCH)
    Rating.objects.filter(answer=1).update(comment="The map would not load")
    other = make_version(agency_b, slug="bins").service
    rate(make_user, other, agency_b, [2], month=MARCH)
    Rating.objects.filter(agency=agency_b).update(comment="Agency B secret")
    return service


def staff_client(client, user):
    client.force_login(user)
    return client


@time_machine.travel(NOW, tick=False)
def test_staff_see_their_agencys_table_and_comments_only(client, caseworker_a, ratings):
    client = staff_client(client, caseworker_a)
    page = client.get(reverse("feedback_staff:index"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Apply for a resident parking permit" in text and "67%" in text
    comments = client.get(reverse("feedback_staff:comments")).content.decode()
    assert "The map would not load" in comments
    assert "Agency B secret" not in comments
    assert "rater" not in comments  # no names or emails of the people who rated


@time_machine.travel(NOW, tick=False)
def test_comments_filter_by_rating_and_month(client, auditor_a, ratings):
    client = staff_client(client, auditor_a)
    url = reverse("feedback_staff:comments")
    assert "The map would not load" in client.get(url, {"answer": "1", "month": "2027-03"}).content.decode()
    assert "The map would not load" not in client.get(url, {"answer": "5"}).content.decode()
    assert client.get(url, {"month": "not-a-month"}).status_code == 400


@time_machine.travel(NOW, tick=False)
def test_csv_exports(client, caseworker_a, ratings):
    client = staff_client(client, caseworker_a)
    table = client.get(reverse("feedback_staff:index_csv"))
    assert table["Content-Type"].startswith("text/csv")
    lines = table.content.decode().splitlines()
    assert lines[0].startswith("month,agency,service,topic,title,very_satisfied")
    assert lines[0].endswith(",total,satisfied_share,final")
    # March is the month not over yet at NOW: its line says it is not final
    assert lines[1].startswith("2027-03,") and lines[1].endswith(",1,1,0,0,1,3,0.6667,false")
    comments = client.get(reverse("feedback_staff:comments_csv")).content.decode()
    assert "The map would not load" in comments and "Agency B secret" not in comments


def test_citizens_get_nothing(client, citizen, ratings):
    client = staff_client(client, citizen)
    for name in ("index", "comments", "index_csv", "comments_csv"):
        assert client.get(reverse(f"feedback_staff:{name}")).status_code == 403, name


def test_a_formula_in_a_comment_is_not_run_by_a_spreadsheet(client, caseworker_a, ratings):
    Rating.objects.filter(comment="The map would not load").update(comment="=HYPERLINK(1)")
    client = staff_client(client, caseworker_a)
    assert "'=HYPERLINK(1)" in client.get(reverse("feedback_staff:comments_csv")).content.decode()


@time_machine.travel(NOW, tick=False)
def test_the_api_gives_no_month_before_it_is_over(client, ratings, settings):
    settings.FEEDBACK_MIN_RATINGS = 1
    assert client.get("/api/feedback/satisfaction").json()["items"] == []


@time_machine.travel(APRIL, tick=False)
def test_the_api_gives_counts_per_month_without_comments(client, ratings, settings):
    settings.FEEDBACK_MIN_RATINGS = 3
    response = client.get("/api/feedback/satisfaction", {"agency": "", "since": "2027-01"})
    assert response.status_code == 200
    body = response.json()
    items = {item["service"]: item for item in body["items"]}
    permit = items["parking-permit"]
    assert permit["month"] == "2027-03" and permit["total"] == 3
    assert permit["counts"] == {
        "very_satisfied": 1,
        "satisfied": 1,
        "neither": 0,
        "dissatisfied": 0,
        "very_dissatisfied": 1,
    }
    assert permit["satisfied_share"] == pytest.approx(0.6667)
    bins = items["bins"]
    assert bins["suppressed"] is True and bins["counts"] is None and bins["total"] is None
    assert bins["satisfied_share"] is None
    assert "map would not load" not in response.content.decode()


@pytest.mark.parametrize("month", ["March", "0000-01", "٢٠٢٦-11", "2026-1²", "2026-11\n", "2026-13", "99999-01"])
def test_the_api_refuses_a_bad_month(client, month):
    response = client.get("/api/feedback/satisfaction", {"since": month})
    assert response.status_code in (400, 422)


def test_the_api_refuses_a_slug_with_odd_characters(client):
    assert client.get("/api/feedback/satisfaction", {"service": "a\x00b"}).status_code == 400
