"""Satisfaction per service and month: the counts, the share, the minimum before it is shown."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from ecitizen.engagement.feedback import selectors
from ecitizen.engagement.feedback.models import Rating

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 3, 15, 12, 0, tzinfo=datetime.UTC)


def rate(make_user, service, agency, answers, *, month: datetime.date, kind="application"):
    """Ratings straight in the table (the counting does not care how they were given)."""
    moment = timezone.make_aware(datetime.datetime.combine(month, datetime.time(12)))
    for answer in answers:
        user = make_user(f"rater{Rating.objects.count()}@example.org")
        Rating.objects.create(
            kind=kind,
            reference=f"REF-{Rating.objects.count()}",
            rater=user,
            agency=agency,
            service=service,
            answer=answer,
            month=month,
            created_at=moment,
            updated_at=moment,
        )


@pytest.fixture
def service(permit_version):
    return permit_version.service


@time_machine.travel(NOW, tick=False)
def test_rows_count_each_answer_and_the_share_satisfied(make_user, service, agency_a):
    rate(make_user, service, agency_a, [5, 5, 4, 3, 1], month=datetime.date(2027, 3, 1))
    rate(make_user, service, agency_a, [2], month=datetime.date(2027, 2, 1))
    rate(make_user, None, agency_a, [4], month=datetime.date(2027, 3, 1), kind="report")

    rows = selectors.satisfaction_rows()

    march = [row for row in rows if row.month == datetime.date(2027, 3, 1)]
    assert [(row.topic, row.total) for row in march] == [("service", 5), ("report", 1)]  # by title
    permit = march[0]
    assert permit.counts == {5: 2, 4: 1, 3: 1, 2: 0, 1: 1}
    assert permit.satisfied_share == pytest.approx(3 / 5)
    assert permit.satisfied_percent == 60
    assert permit.service_slug == "parking-permit"
    assert rows[0].month == datetime.date(2027, 3, 1)  # newest month first
    assert rows[-1].month == datetime.date(2027, 2, 1)


FEB = datetime.date(2027, 2, 1)  # the latest complete month at NOW


@time_machine.travel(NOW, tick=False)
def test_the_start_page_figure_needs_the_minimum_in_each_month(make_user, service, agency_a, settings):
    settings.FEEDBACK_MIN_RATINGS = 10
    rate(make_user, service, agency_a, [5] * 6 + [1] * 3, month=FEB)
    rate(make_user, service, agency_a, [5] * 9, month=datetime.date(2027, 1, 1))
    assert selectors.service_satisfaction(service) is None  # 18 ratings, but no month has 10
    rate(make_user, service, agency_a, [4], month=FEB)
    summary = selectors.service_satisfaction(service)
    assert summary.total == 10 and summary.satisfied_percent == 70  # January's 9 are left out


@time_machine.travel(NOW, tick=False)
def test_the_start_page_figure_covers_the_last_twelve_full_months_only(make_user, service, agency_a, settings):
    settings.FEEDBACK_MIN_RATINGS = 1
    rate(make_user, service, agency_a, [1] * 5, month=datetime.date(2026, 2, 1))  # 13 full months back
    rate(make_user, service, agency_a, [2] * 3, month=datetime.date(2027, 3, 1))  # this month: not over
    rate(make_user, service, agency_a, [5], month=datetime.date(2026, 3, 1))  # 12th full month back
    assert selectors.service_satisfaction(service).counts == {5: 1, 4: 0, 3: 0, 2: 0, 1: 0}


def test_a_month_is_published_an_hour_after_it_ends(settings):
    settings.TIME_ZONE = "Europe/London"
    with time_machine.travel(datetime.datetime(2027, 3, 1, 0, 30, tzinfo=datetime.UTC), tick=False):
        assert selectors.last_published_month() == datetime.date(2027, 1, 1)
        assert not selectors.month_is_over(datetime.date(2027, 2, 1))
    with time_machine.travel(datetime.datetime(2027, 3, 1, 1, 30, tzinfo=datetime.UTC), tick=False):
        assert selectors.last_published_month() == datetime.date(2027, 2, 1)
        assert selectors.month_is_over(datetime.date(2027, 2, 1))


def test_months_back_crosses_years():
    assert selectors.months_back(datetime.date(2027, 3, 1), 11) == datetime.date(2026, 4, 1)
    assert selectors.months_back(datetime.date(2027, 1, 1), 1) == datetime.date(2026, 12, 1)


@time_machine.travel(NOW, tick=False)
def test_the_public_page_lists_only_services_rated_enough(client, make_user, service, agency_a, settings):
    settings.FEEDBACK_MIN_RATINGS = 3
    rate(make_user, service, agency_a, [5, 4, 1], month=FEB)
    rate(make_user, None, agency_a, [5, 4], month=FEB, kind="report")
    response = client.get("/feedback/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Apply for a resident parking permit" in text and "67%" in text
    assert "Problem reports" not in text


@time_machine.travel(NOW, tick=False)
def test_the_start_page_shows_the_figure(client, make_user, service, agency_a, settings):
    settings.FEEDBACK_MIN_RATINGS = 2
    from django.urls import reverse

    start = reverse("catalogue:start", args=[service.slug])
    assert "What people think of this service" not in client.get(start).content.decode()
    rate(make_user, service, agency_a, [5, 3], month=FEB)
    text = client.get(start).content.decode()
    assert "What people think of this service" in text
    assert "50% of people were satisfied or very satisfied" in text


@time_machine.travel(NOW, tick=False)
def test_the_site_search_finds_the_satisfaction_page_and_figures(make_user, service, agency_a, settings):
    from ecitizen.search.registry import Query, provider

    settings.FEEDBACK_MIN_RATINGS = 2
    rate(make_user, service, agency_a, [5, 4], month=FEB)
    found = provider("satisfaction")
    found.forget()
    results = found.search(Query(text="satisfaction", language="en"))
    titles = [result.title for result in results]
    assert "Satisfaction with our services" in titles
    assert "Satisfaction: Apply for a resident parking permit" in titles
