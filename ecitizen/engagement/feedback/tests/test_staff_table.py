"""The staff table per service and month: the month not over yet is shown apart, as figures so
far that are not final, never mixed with the final months; and no empty "helper" channel."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from ecitizen.engagement.feedback import selectors
from ecitizen.engagement.feedback.models import Channel, Rating
from ecitizen.engagement.feedback.tests.test_satisfaction import rate

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 3, 15, 12, 0, tzinfo=datetime.UTC)
MARCH, FEB = datetime.date(2027, 3, 1), datetime.date(2027, 2, 1)


@pytest.fixture
def service(permit_version):
    return permit_version.service


def sections(html: str) -> tuple[str, str]:
    """(the "so far" part, the final part) of the staff page."""
    so_far, _, final = html.partition('id="final"')
    return so_far, final


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@time_machine.travel(NOW, tick=False)
def test_the_current_month_is_apart_and_marked_not_final(client, caseworker_a, make_user, service, agency_a):
    # given February (over) and March so far
    rate(make_user, service, agency_a, [5, 4], month=FEB)
    rate(make_user, service, agency_a, [1, 1, 1], month=MARCH)
    client.force_login(caseworker_a)
    # when
    html = client.get(reverse("feedback_staff:index")).content.decode()
    # then March is in its own part, labelled as not final, and not among the final months
    so_far, final = (text_of(part) for part in sections(html))
    assert "This month so far (not final)" in so_far
    assert "These figures are not final" in so_far
    assert "March 2027 so far Not final" in so_far and "0%" in so_far
    assert "February" not in so_far
    assert "February 2027" in final and "100%" in final
    assert "March" not in final


@time_machine.travel(NOW, tick=False)
def test_without_ratings_this_month_there_is_no_so_far_part(client, caseworker_a, make_user, service, agency_a):
    rate(make_user, service, agency_a, [5], month=FEB)
    client.force_login(caseworker_a)
    html = client.get(reverse("feedback_staff:index")).content.decode()
    assert "not final)" not in html.split('id="final"')[0]
    assert "February 2027" in html


def test_last_month_is_not_final_in_the_hour_after_it_ends(caseworker_a, make_user, service, agency_a, settings):
    settings.TIME_ZONE = "UTC"
    rate(make_user, service, agency_a, [5], month=FEB)
    with time_machine.travel(datetime.datetime(2027, 3, 1, 0, 30, tzinfo=datetime.UTC), tick=False):
        table = selectors.staff_satisfaction(caseworker_a)
        assert [row.month for row in table.current_rows] == [FEB] and table.final_rows == []
    with time_machine.travel(datetime.datetime(2027, 3, 1, 1, 30, tzinfo=datetime.UTC), tick=False):
        table = selectors.staff_satisfaction(caseworker_a)
        assert [row.month for row in table.final_rows] == [FEB] and table.current_rows == []


@time_machine.travel(NOW, tick=False)
def test_the_final_part_covers_the_last_twelve_full_months(caseworker_a, make_user, service, agency_a):
    rate(make_user, service, agency_a, [5], month=datetime.date(2026, 3, 1))  # 12th full month back
    rate(make_user, service, agency_a, [1], month=datetime.date(2026, 2, 1))  # 13th: left out
    rate(make_user, service, agency_a, [3], month=MARCH)
    table = selectors.staff_satisfaction(caseworker_a, months=12)
    assert [row.month for row in table.final_rows] == [datetime.date(2026, 3, 1)]
    assert [row.month for row in table.current_rows] == [MARCH]
    assert [row.final for row in table.rows] == [False, True]


@time_machine.travel(NOW, tick=False)
def test_the_csv_says_which_months_are_final(client, caseworker_a, make_user, service, agency_a):
    rate(make_user, service, agency_a, [5, 4], month=FEB)
    rate(make_user, service, agency_a, [1], month=MARCH)
    client.force_login(caseworker_a)
    lines = client.get(reverse("feedback_staff:index_csv")).content.decode().splitlines()
    assert lines[0].endswith(",final")
    assert [(line[:7], line.rsplit(",", 1)[1]) for line in lines[1:]] == [("2027-03", "false"), ("2027-02", "true")]


# --- the "helper" channel: stored, never derived until trusted helpers exist (issue 15) -------------


@time_machine.travel(NOW, tick=False)
def test_no_page_shows_a_helper_row_or_label_while_there_are_no_helpers(
    client, caseworker_a, make_user, service, agency_a
):
    rate(make_user, service, agency_a, [5, 2], month=FEB)
    Rating.objects.filter(answer=2).update(channel=Channel.COUNTER, comment="Long queue")
    Rating.objects.filter(answer=5).update(comment="Fine")
    client.force_login(caseworker_a)
    for name in ("index", "comments", "index_csv", "comments_csv"):
        text = client.get(reverse(f"feedback_staff:{name}")).content.decode()
        assert "trusted helper" not in text.lower() and ",helper," not in text, name
    comments = client.get(reverse("feedback_staff:comments")).content.decode()
    assert "At a counter, with staff" in comments and "Online" in comments


def test_no_transaction_is_derived_as_helper(
    citizen, verified_citizen, submitted, paid, counter_paid, fixed_report, issued, closed_anonymous_report
):
    from ecitizen.engagement.feedback.links import report_link_token
    from ecitizen.engagement.feedback.transactions import transaction_for, transaction_for_link

    found = [
        transaction_for(verified_citizen, "application", submitted.reference),
        transaction_for(citizen, "payment", paid.reference),
        transaction_for(citizen, "payment", counter_paid.reference),
        transaction_for(citizen, "report", fixed_report.pk),
        transaction_for(verified_citizen, "document", issued.number),
        transaction_for_link(
            report_link_token(
                report_id=closed_anonymous_report.pk, reporter_email=closed_anonymous_report.reporter_email
            )
        ),
    ]
    assert all(item is not None for item in found)
    assert Channel.HELPER not in {item.channel for item in found}
