"""Rating through a signed link, for people without an account: a problem report's reporter who
reported without signing in rates it when it is closed, from the email that tells them so."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template import Context, Template
from django.urls import reverse

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.engagement.feedback import links, services
from ecitizen.engagement.feedback.models import Channel, Kind, Rating
from ecitizen.engagement.feedback.tests.conftest import REPORTER_EMAIL
from ecitizen.engagement.feedback.transactions import report_rating_link, transaction_for_link

pytestmark = pytest.mark.django_db

# What reports/email/status_body.txt adds at its end (see the lead's note): the tag alone.
EMAIL_SNIPPET = (
    "{% load feedback %}{% autoescape off %}Status: fixed{% feedback_report_invitation report %}{% endautoescape %}"
)


def email_text(report) -> str:
    return Template(EMAIL_SNIPPET).render(Context({"report": report}))


def token_of(report) -> str:
    return links.report_link_token(report_id=report.pk, reporter_email=report.reporter_email)


def link_url(token: str) -> str:
    return reverse("feedback:give_by_link", args=[token])


def test_the_closing_email_carries_a_link_that_opens_the_question(client, closed_anonymous_report):
    # given the email that tells Sam the report is fixed
    text = email_text(closed_anonymous_report)
    found = re.search(r"https?://\S+/feedback/link/\S+/", text)
    assert found, text
    assert "Overall, how did you feel about the service you received?" in text
    # when Sam follows it, without an account
    page = client.get(found.group(0))
    # then the question is there, for that report
    assert page.status_code == 200
    html = page.content.decode()
    assert "Overall, how did you feel about the service you received today?" in html
    assert "You do not need to sign in" in html
    assert reverse("reports:detail", args=[closed_anonymous_report.pk]) in html  # the way back


def test_no_link_for_an_open_report_nor_for_a_reporter_with_an_account(anonymous_report, fixed_report):
    assert "/feedback/link/" not in email_text(anonymous_report)
    assert report_rating_link(anonymous_report) == ""
    # a signed-in reporter rates on the report's page, signed in
    assert "/feedback/link/" not in email_text(fixed_report)
    assert report_rating_link(fixed_report) == ""


def test_the_link_rates_the_report_without_naming_anyone(client, closed_anonymous_report, agency_a):
    # when
    response = client.post(link_url(token_of(closed_anonymous_report)), {"answer": "4", "comment": "Quick fix"})
    # then
    assert response.status_code == 302
    rating = Rating.objects.get()
    assert rating.rater is None
    assert (rating.kind, rating.reference) == (Kind.REPORT, str(closed_anonymous_report.pk))
    assert (rating.agency, rating.service, rating.channel) == (agency_a, None, Channel.ONLINE)
    assert (rating.answer, rating.comment) == (4, "Quick fix")
    row = AuditLog.objects.get(action=AuditAction.FEEDBACK_GIVEN)
    assert row.actor is None and row.actor_email == "" and row.subject_user is None
    assert row.extra["by_link"] is True and row.agency == agency_a
    assert "Quick fix" not in str(row.extra)
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "You told us: Satisfied." in thanks.content.decode()
    # A link to change it: the same signed payload (the token's timestamp is the second it was
    # made, so the page's token need not equal one made here a second later).
    prefix = link_url("TOKEN").split("TOKEN")[0]
    shown = re.findall(re.escape(prefix) + r"([^/\"]+)/", thanks.content.decode())
    assert shown and signing.loads(shown[0], salt=links.SALT) == signing.loads(
        token_of(closed_anonymous_report), salt=links.SALT
    )


def test_someone_signed_in_who_follows_the_link_is_not_named_either(client, other_citizen, closed_anonymous_report):
    client.force_login(other_citizen)
    client.post(link_url(token_of(closed_anonymous_report)), {"answer": "5"})
    assert Rating.objects.get().rater is None


def test_posting_again_changes_the_one_rating(client, closed_anonymous_report):
    url = link_url(token_of(closed_anonymous_report))
    client.post(url, {"answer": "2"})
    assert 'value="2" checked' in client.get(url).content.decode()
    client.post(url, {"answer": "5", "comment": "Better"})
    assert list(Rating.objects.values_list("answer", "comment")) == [(5, "Better")]
    # the same again (a double click) changes nothing and writes no audit row
    client.post(url, {"answer": "5", "comment": "Better"})
    assert AuditLog.objects.filter(action=AuditAction.FEEDBACK_GIVEN).count() == 2


JANUARY = datetime.datetime(2027, 1, 20, 12, 0, tzinfo=datetime.UTC)


def test_a_link_rating_is_final_once_its_month_is_over(client, closed_anonymous_report):
    with time_machine.travel(JANUARY, tick=False) as clock:
        token = token_of(closed_anonymous_report)
        client.post(link_url(token), {"answer": "2"})
        clock.move_to(datetime.datetime(2027, 2, 3, 12, 0, tzinfo=datetime.UTC))
        response = client.get(link_url(token))
        assert response.status_code == 302 and response["Location"].endswith("/thanks/")
        page = client.get(response["Location"]).content.decode()
        assert "You cannot change this answer any more" in page
        with pytest.raises(ValidationError):
            services.feedback_give_by_link(token=token, answer=5)
    assert Rating.objects.get().answer == 2


@pytest.mark.parametrize("how", ["altered", "another report", "another address", "another purpose", "garbage"])
def test_a_link_rates_exactly_that_report_for_exactly_that_reporter(
    client, closed_anonymous_report, make_report, caseworker_a, how
):
    from django.contrib.auth.models import AnonymousUser

    from ecitizen.reports.services import make_token, report_confirm, report_set_status

    other = make_report(actor=AnonymousUser(), name="Kim", email="kim@example.org")
    other = report_confirm(token=make_token("confirm", other.pk))
    report_set_status(actor=caseworker_a, report=other, status="fixed")
    # Sam's link with the report's number changed, its timestamp and signature kept
    _, _, signed = token_of(closed_anonymous_report).partition(":")
    other_payload = signing.dumps([other.pk, "x"], salt=links.SALT, compress=False).partition(":")[0]
    token = {
        "altered": f"{other_payload}:{signed}",
        "another report": links.report_link_token(report_id=other.pk, reporter_email=REPORTER_EMAIL),
        "another address": links.report_link_token(
            report_id=closed_anonymous_report.pk, reporter_email="kim@example.org"
        ),
        "another purpose": make_token("questionnaire", closed_anonymous_report.pk, "nonce"),
        "garbage": "x" * 400,
    }[how]
    assert client.get(link_url(token)).status_code == 404
    assert client.post(link_url(token), {"answer": "1"}).status_code == 404
    assert client.get(reverse("feedback:thanks_by_link", args=[token])).status_code == 404
    assert not Rating.objects.exists()
    assert "This link does not work" in client.get(link_url(token)).content.decode()


def test_a_link_for_a_report_made_with_an_account_does_not_work(fixed_report, citizen):
    token = links.report_link_token(report_id=fixed_report.pk, reporter_email=citizen.email)
    assert transaction_for_link(token) is None
    with pytest.raises(services.NotRateable):
        services.feedback_give_by_link(token=token, answer=3)


def test_the_link_does_not_work_while_the_report_is_open_again(client, closed_anonymous_report, caseworker_a):
    from ecitizen.reports.services import report_set_status

    token = token_of(closed_anonymous_report)
    report_set_status(actor=caseworker_a, report=closed_anonymous_report, status="in_progress")
    assert client.post(link_url(token), {"answer": "3"}).status_code == 404
    assert not Rating.objects.exists()


def test_the_link_stops_working_after_its_time(client, closed_anonymous_report, settings):
    settings.FEEDBACK_LINK_MAX_AGE_DAYS = 30
    with time_machine.travel(JANUARY, tick=False) as clock:
        token = token_of(closed_anonymous_report)
        clock.shift(datetime.timedelta(days=29))
        assert client.get(link_url(token)).status_code == 200
        clock.shift(datetime.timedelta(days=2))
        assert client.get(link_url(token)).status_code == 404


def test_no_answer_is_an_error_at_the_field(client, closed_anonymous_report):
    response = client.post(link_url(token_of(closed_anonymous_report)), {"comment": "Hmm"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and 'href="#feedback-answer_0"' in page
    assert 'id="feedback-answer-error"' in page and "Hmm" in page
    assert not Rating.objects.exists()


def test_posting_through_a_link_is_rate_limited(client, closed_anonymous_report, settings):
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    settings.FEEDBACK_LINK_RATE = "2/h/key"
    url = link_url(token_of(closed_anonymous_report))
    codes = [client.post(url, {"answer": str(n)}).status_code for n in (1, 2, 3)]
    assert codes == [302, 302, 429]
    assert Rating.objects.get().answer == 2


def test_one_rating_per_link_is_kept_by_the_database(closed_anonymous_report):
    rating = services.feedback_give_by_link(token=token_of(closed_anonymous_report), answer=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.create(
            kind=rating.kind,
            reference=rating.reference,
            agency_id=rating.agency_id,
            answer=1,
            month=rating.month,
            created_at=rating.created_at,
            updated_at=rating.updated_at,
        )
    # the ratings of deleted accounts (no rater, no reference) are not held to it
    for _ in range(2):
        Rating.objects.create(
            kind=rating.kind,
            reference="",
            agency_id=rating.agency_id,
            answer=1,
            month=rating.month,
            created_at=rating.created_at,
            updated_at=rating.updated_at,
        )


def test_a_report_merged_as_a_duplicate_gets_no_link_and_its_link_does_not_work(client, closed_anonymous_report):
    from ecitizen.reports.models import Report

    token = token_of(closed_anonymous_report)
    Report.objects.filter(pk=closed_anonymous_report.pk).update(status="duplicate")
    report = Report.objects.get(pk=closed_anonymous_report.pk)
    assert report_rating_link(report) == ""
    assert transaction_for_link(token) is None
    assert client.get(link_url(token)).status_code == 404
