"""Service feedback in a real browser: a citizen sends an application and answers the question on
the confirmation page (with JavaScript, then without), the prompt on the other completed pages,
the public satisfaction page and the staff pages. axe-core checks every page."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.utils import timezone

from tests.browser.conftest import assert_accessible, click_button, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QUESTION = "Overall, how did you feel about the service you received today?"


@pytest.fixture
def people(citizen_and_caseworker, agency_a):
    from ecitizen.cases.tests.conftest import make_version

    make_version(agency_a)
    return citizen_and_caseworker


def _sent_application(citizen):
    from ecitizen.cases.models import Application
    from ecitizen.cases.tests.conftest import submit_permit_application
    from ecitizen.catalogue.models import ServiceVersion

    version = ServiceVersion.objects.get(service__slug="parking-permit")
    application = submit_permit_application(citizen, version)
    return Application.objects.get(pk=application.pk)


def test_send_an_application_then_rate_it(page, people):
    from ecitizen.engagement.feedback.models import Rating

    citizen, _caseworker, _secret = people
    sign_in(page, citizen.email)
    page.goto("/services/parking-permit/")
    page.get_by_role("button", name="Start now").click()
    click_button(page, "Start your application")
    page.get_by_label("Registration number").fill("AB12 CDE")
    page.get_by_label("No", exact=True).check()
    click_button(page, "Save and continue")
    click_button(page, "Save and continue")
    page.get_by_label("I confirm that the information I have given is correct and complete").check()
    click_button(page, "Accept and send")
    confirmation = page.url

    # the confirmation page asks the one question, and stays accessible with it
    assert page.get_by_role("group", name=QUESTION).is_visible()
    assert_accessible(page)

    # sending without an answer: the error is shown at the field, on the question's own page
    page.get_by_label("How could we improve this service? (optional)").fill("The registration hint")
    click_button(page, "Send feedback")
    assert page.locator(".govuk-error-summary").is_visible()
    assert page.locator("#feedback-answer-error").is_visible()
    assert page.get_by_label("How could we improve this service? (optional)").input_value() == "The registration hint"
    assert_accessible(page)

    page.get_by_label("Satisfied", exact=True).check()
    click_button(page, "Send feedback")
    assert page.get_by_role("heading", name="Thank you for your feedback").is_visible()
    assert_accessible(page)
    rating = Rating.objects.get()
    assert (rating.answer, rating.comment, rating.channel) == (4, "The registration hint", "online")

    # back where they were, the page thanks them instead of asking again
    page.get_by_role("link", name="Go back to where you were").click()
    assert page.url == confirmation
    assert "Thank you for your feedback" in page.content()
    assert not page.get_by_role("group", name=QUESTION).count()
    assert_accessible(page)

    # they change their mind
    page.get_by_role("link", name="Change your feedback").click()
    assert page.get_by_label("Satisfied", exact=True).is_checked()
    assert_accessible(page)
    page.get_by_label("Very satisfied", exact=True).check()
    click_button(page, "Send feedback")
    assert Rating.objects.get().answer == 5


def test_rate_without_javascript(page_without_js, people):
    from ecitizen.engagement.feedback.models import Rating

    citizen, _caseworker, _secret = people
    application = _sent_application(citizen)
    page = page_without_js
    sign_in(page, citizen.email)
    page.goto(f"/applications/{application.pk}/confirmation/")
    assert page.get_by_role("group", name=QUESTION).is_visible()
    # no answer: the question's own page with the error
    click_button(page, "Send feedback")
    assert page.locator("#feedback-answer-error").is_visible()
    page.get_by_label("Dissatisfied", exact=True).check()
    page.get_by_label("How could we improve this service? (optional)").fill("Too many pages")
    click_button(page, "Send feedback")
    assert page.get_by_role("heading", name="Thank you for your feedback").is_visible()
    assert Rating.objects.get().answer == 2
    page.get_by_role("link", name="Go back to where you were").click()
    assert "/confirmation/" in page.url


def test_the_prompt_on_a_receipt_a_fixed_report_and_a_document(page, people, agency_a):
    from ecitizen.cases.services import case_approve
    from ecitizen.documents.selectors import documents_for_citizen
    from ecitizen.payments.models import LineKind
    from ecitizen.payments.services import bill_create, counter_payment_record
    from ecitizen.reports.models import Category
    from ecitizen.reports.services import report_create, report_set_status
    from ecitizen.reports.tests.conftest import make_area, square

    citizen, caseworker_a, _secret = people
    bill = bill_create(
        actor=None,
        agency=agency_a,
        payer=citizen,
        currency="GBP",
        lines=[(LineKind.FEE, {"en": "Permit"}, 3000)],
        description={"en": "Permit"},
        due_date=timezone.localdate() + datetime.timedelta(days=30),
    )
    payment = counter_payment_record(actor=caseworker_a, bill=bill, method="cash", amount=3000)
    make_area(agency_a, "Old Town", square(0.000, 52.020, 0.020, 52.040))
    Category.objects.create(agency=agency_a, code="pothole", name={"en": "Pot-hole"}, response_days=5)
    report = report_create(
        actor=citizen,
        service_code="pothole",
        latitude=52.030,
        longitude=0.005,
        title="Deep pot-hole",
        description="By the bus stop.",
        answers={},
        submit_token=uuid.uuid4(),
    )
    report_set_status(actor=caseworker_a, report=report, status="fixed", public_note="Filled in.")
    application = _sent_application(citizen)
    case_approve(actor=caseworker_a, application=application, expected_version=application.version)
    document = documents_for_citizen(citizen).get(application=application)

    sign_in(page, citizen.email)
    for url in (f"/payments/receipts/{payment.reference}/", f"/reports/{report.pk}/", f"/documents/{document.number}/"):
        page.goto(url)
        assert page.get_by_role("group", name=QUESTION).is_visible(), url
        assert_accessible(page)

    # the counter payment is rated as served at a counter
    page.goto(f"/payments/receipts/{payment.reference}/")
    page.get_by_label("Very satisfied", exact=True).check()
    click_button(page, "Send feedback")
    from ecitizen.engagement.feedback.models import Rating

    assert Rating.objects.get(kind="payment").channel == "counter"


def test_public_figures_and_staff_pages(page, page_without_js, people, settings, make_user, with_mfa, agency_a):
    from ecitizen.engagement.feedback.services import feedback_give

    settings.FEEDBACK_MIN_RATINGS = 1
    citizen, caseworker, secret = people
    application = _sent_application(citizen)
    # given in a month that is over: public figures count complete months only
    feedback_give(
        actor=citizen,
        kind="application",
        reference=application.reference,
        answer=5,
        comment="Quick and clear",
        now=timezone.now() - datetime.timedelta(days=40),
    )

    page.goto("/services/parking-permit/")
    assert "100% of people were satisfied or very satisfied" in page.content()
    assert_accessible(page)
    page.goto("/feedback/")
    assert page.get_by_role("link", name="Apply for a resident parking permit").is_visible()
    assert_accessible(page)

    sign_in(page, caseworker.email, secret)
    page.goto("/staff/feedback/")
    assert page.get_by_role("table").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Read the comments").click()
    assert "Quick and clear" in page.content()
    assert_accessible(page)
    page.get_by_label("Rating").select_option("1")
    click_button(page, "Filter")
    assert "Quick and clear" not in page.content()
    assert_accessible(page)

    # the same pages without JavaScript (another member of staff: a TOTP code works once)
    from ecitizen.agencies.models import Membership

    auditor = make_user("auditor@council.example")
    Membership.objects.create(user=auditor, agency=agency_a, role="auditor")
    auditor_secret = with_mfa(auditor)
    page_without_js.goto("/feedback/")
    assert "Apply for a resident parking permit" in page_without_js.content()
    sign_in(page_without_js, auditor.email, auditor_secret)
    page_without_js.goto("/staff/feedback/comments/")
    assert "Quick and clear" in page_without_js.content()


SAM = "sam@example.org"


@pytest.fixture
def closed_anonymous_report(settings, live_server, agency_a, caseworker_a):
    """Sam's pot-hole report, made without an account, confirmed from the emailed link and then
    fixed by a caseworker of agency A, all through the reports services. The emails' links
    point at the live server."""
    from django.contrib.auth.models import AnonymousUser

    from ecitizen.reports.models import Category
    from ecitizen.reports.services import make_token, report_confirm, report_create, report_set_status
    from ecitizen.reports.tests.conftest import make_area, square

    settings.SITE_URL = live_server.url
    make_area(agency_a, "Old Town", square(0.000, 52.020, 0.020, 52.040))
    Category.objects.create(agency=agency_a, code="pothole", name={"en": "Pot-hole"}, response_days=5)
    report = report_create(
        actor=AnonymousUser(),
        service_code="pothole",
        latitude=52.030,
        longitude=0.005,
        title="Deep pot-hole",
        description="A deep pot-hole by the bus stop.",
        answers={},
        name="Sam Visitor",
        email=SAM,
    )
    report = report_confirm(token=make_token("confirm", report.pk))
    return report_set_status(actor=caseworker_a, report=report, status="fixed", public_note="Filled in.")


def _rating_link_from_outbox() -> str:
    from django.core import mail

    links = [
        found.group(0)
        for message in mail.outbox
        if SAM in message.to and (found := re.search(r"https?://\S+/feedback/link/[^/\s]+/", message.body))
    ]
    assert len(links) == 1, [message.body for message in mail.outbox]
    return links[0]


def test_rate_a_report_made_without_an_account_from_the_closing_email(
    page, page_without_js, closed_anonymous_report, agency_a
):
    """Sam follows the link in the email saying the report is fixed, with JavaScript off. axe-core
    cannot run where JavaScript is off (see conftest), so ``page`` (JavaScript on) shows each
    state of the same pages to it: the question, the question with an error, the thanks, the
    page for a link that does not work."""
    from ecitizen.engagement.feedback.models import Rating

    link = _rating_link_from_outbox()
    no_js = page_without_js

    # the question, for someone not signed in
    response = no_js.goto(link)
    assert response.status == 200
    assert no_js.get_by_role("group", name=QUESTION).is_visible()
    assert "You do not need to sign in" in no_js.content()
    page.goto(link)
    assert_accessible(page)

    # sending no answer: the error summary and the error at the field
    no_js.get_by_label("How could we improve this service? (optional)").fill("Quicker next time")
    click_button(no_js, "Send feedback")
    assert no_js.locator(".govuk-error-summary").is_visible()
    assert no_js.locator("#feedback-answer-error").is_visible()
    assert no_js.get_by_label("How could we improve this service? (optional)").input_value() == "Quicker next time"
    click_button(page, "Send feedback")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    assert not Rating.objects.exists()

    # an answer: the thanks page
    no_js.get_by_label("Satisfied", exact=True).check()
    click_button(no_js, "Send feedback")
    assert no_js.url == f"{link}thanks/"
    assert no_js.get_by_role("heading", name="Thank you for your feedback").is_visible()
    page.goto(no_js.url)
    assert page.get_by_role("heading", name="Thank you for your feedback").is_visible()
    assert_accessible(page)

    # one rating of that report, naming no one
    rating = Rating.objects.get()
    assert rating.rater is None
    assert (rating.kind, rating.reference, rating.agency) == ("report", str(closed_anonymous_report.pk), agency_a)
    assert (rating.answer, rating.comment) == (4, "Quicker next time")

    # a link altered on the way: a clear page, answering 404
    token = link.rstrip("/").rpartition("/")[2]
    middle = len(token) - 10
    tampered = token[:middle] + ("x" if token[middle] != "x" else "y") + token[middle + 1 :]
    bad_link = link.replace(token, tampered)
    for browser_page in (no_js, page):
        response = browser_page.goto(bad_link)
        assert response.status == 404
        assert browser_page.get_by_role("heading", name="This link does not work").is_visible()
    assert_accessible(page)
    assert Rating.objects.count() == 1
