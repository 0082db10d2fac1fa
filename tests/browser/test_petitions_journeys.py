"""Petitions in a real browser: a verified citizen starts a petition and names six supporters, the
last supporter confirms, a moderator publishes it, someone signs by email and confirms; staff answer
and review a flagged signature. axe-core checks every page petitions add; the signing journey runs
again with JavaScript off."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core import mail

from tests.browser.conftest import assert_accessible, click_button, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(make_user, with_mfa, agency_a, verify_identity):
    from ecitizen.agencies.models import Membership

    author = verify_identity(make_user("amina@example.org", given_name="Amina", family_name="Haddad"))
    sponsors = [make_user(f"supporter{i}@example.net") for i in range(6)]
    moderator = make_user("moderator@council.example")
    Membership.objects.create(user=moderator, agency=agency_a, role="moderator")
    admin = make_user("admin@council.example")
    Membership.objects.create(user=admin, agency=agency_a, role="agency_admin")
    return {
        "author": author,
        "sponsors": sponsors,
        "moderator": (moderator, with_mfa(moderator)),
        "admin": (admin, with_mfa(admin)),
    }


def _open_petition(people, agency):
    from ecitizen.engagement.petitions import services

    petition = services.petition_create(
        actor=people["author"],
        agency=agency,
        title="Longer opening hours at the pool",
        action="Open the pool until 9pm.",
        background="People work late.",
        sponsor_emails=[u.email for u in people["sponsors"]],
        create_token=uuid.uuid4(),
    )
    for user, sponsor in zip(people["sponsors"], petition.sponsors.order_by("pk"), strict=True):
        services.sponsor_confirm(actor=user, sponsor=sponsor)
    return services.petition_publish(actor=people["moderator"][0], petition=petition)


def test_start_support_moderate_sign_and_confirm(page, people, agency_a):
    from ecitizen.engagement.petitions import selectors, services
    from ecitizen.engagement.petitions.models import Petition

    # an open petition about the pool exists: it is shown as similar before submitting
    _open_petition(people, agency_a)

    # the author starts a petition
    sign_in(page, "amina@example.org")
    page.goto("/petitions/")
    assert_accessible(page)
    page.goto("/petitions/rules/")
    assert_accessible(page)
    page.goto("/petitions/start/")
    assert_accessible(page)
    click_button(page, "Continue")  # nothing filled in: errors at the fields
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Which agency is responsible?").select_option(label="City Council")
    page.get_by_label("Title").fill("Open the pool on Sunday evenings")
    page.get_by_label("What do you want the agency to do?").fill("Keep the pool open until 8pm on Sundays.")
    page.get_by_label("Why should the agency do it?").fill("Families swim together at the weekend.")
    click_button(page, "Continue")
    assert_accessible(page)
    page.get_by_label("Your supporters’ email addresses").fill("\n".join(u.email for u in people["sponsors"]))
    click_button(page, "Continue")
    assert "Longer opening hours at the pool" in page.locator("#similar-petitions").inner_text()
    assert_accessible(page)
    click_button(page, "Create petition")
    assert "Your petition has been created" in page.content()
    assert_accessible(page)
    petition = Petition.objects.get(title="Open the pool on Sunday evenings")
    page.goto(f"/petitions/{petition.pk}/")
    assert_accessible(page)
    page.goto("/petitions/yours/")
    assert "0 of 6 supporters confirmed" in page.content()
    assert_accessible(page)

    # five supporters confirm; the sixth does so through the page
    sponsors = list(petition.sponsors.order_by("pk"))
    for user, sponsor in zip(people["sponsors"][:5], sponsors[:5], strict=True):
        services.sponsor_confirm(actor=user, sponsor=sponsor)
    page.context.clear_cookies()
    sign_in(page, people["sponsors"][5].email)
    page.goto(f"/petitions/support/{sponsors[5].token}/")
    assert_accessible(page)
    click_button(page, "Support this petition")
    assert "Thank you for your support" in page.content()
    assert_accessible(page)
    petition.refresh_from_db()
    assert petition.status == "moderation"

    # the moderator publishes it
    page.context.clear_cookies()
    moderator, secret = people["moderator"]
    sign_in(page, moderator.email, secret)
    page.goto("/staff/petitions/")
    assert_accessible(page)
    page.get_by_role("link", name="Open the pool on Sunday evenings").first.click()
    assert_accessible(page)
    click_button(page, "Publish the petition")
    petition.refresh_from_db()
    assert petition.status == "open"

    # someone signs with their email address and confirms
    page.context.clear_cookies()
    page.goto(f"/petitions/{petition.pk}/")
    assert_accessible(page)
    page.get_by_label("Full name").fill("Sam Signer")
    page.get_by_label("Email address").fill("sam@example.org")
    page.get_by_label("Postcode").fill("NB1 2AB")
    click_button(page, "Continue")
    assert "Check your email" in page.content()
    assert_accessible(page)
    link = re.search(r"https?://[^/\s]+(/petitions/confirm/[0-9a-f]+/)", mail.outbox[-1].body).group(1)
    page.goto(link)
    assert_accessible(page)
    click_button(page, "Confirm my signature")
    assert "Thank you for signing" in page.content()
    assert_accessible(page)
    assert selectors.signature_count(petition) == 8
    page.goto(f"/petitions/{petition.pk}/")
    assert page.locator("[data-petition-count]").inner_text() == "8"


def test_sign_and_confirm_by_email_without_javascript(page_without_js, people, agency_a):
    from ecitizen.engagement.petitions import selectors

    petition = _open_petition(people, agency_a)
    page = page_without_js
    page.goto(f"/petitions/{petition.pk}/")
    click_button(page, "Continue")  # empty: errors, no JavaScript needed
    assert "Enter your name" in page.content()
    page.get_by_label("Full name").fill("Jo Offline")
    page.get_by_label("Email address").fill("jo@example.org")
    page.get_by_label("Postcode").fill("NB1 2AB")
    click_button(page, "Continue")
    assert "Check your email" in page.content()
    body = mail.outbox[-1].body
    page.goto(re.search(r"https?://[^/\s]+(/petitions/confirm/[0-9a-f]+/)", body).group(1))
    click_button(page, "Confirm my signature")
    assert "Thank you for signing" in page.content()
    assert selectors.signature_count(petition) == 8
    # and withdraw it with the link from the same email
    page.goto(re.search(r"https?://[^/\s]+(/petitions/withdraw/[0-9a-f]+/)", body).group(1))
    click_button(page, "Withdraw my signature")
    assert "Your signature has been withdrawn" in page.content()
    assert selectors.signature_count(petition) == 7
    for path in ("/petitions/", "/petitions/rules/", f"/petitions/{petition.pk}/"):
        page.goto(path)
        assert page.locator("h1").count() == 1 and page.locator("main").count() == 1
    assert "Longer opening hours at the pool" in page.content()


def test_staff_respond_and_review_flagged_signatures(page, people, agency_a, settings):
    from ecitizen.engagement.petitions import selectors, services

    settings.PETITION_RESPONSE_THRESHOLD = 8
    petition = _open_petition(people, agency_a)
    signature = services.signature_start_by_email(
        petition=petition, name="Bot", email="bot@mailinator.com", postcode="NB1 2AB"
    )
    services.signature_confirm(signature=signature)

    moderator, secret = people["moderator"]
    sign_in(page, moderator.email, secret)
    page.goto(f"/staff/petitions/{petition.pk}/signatures/")
    assert "bot@mailinator.com" in page.content()
    assert_accessible(page)
    page.get_by_label("Remove the signature").check()
    page.get_by_label("Reason for removing").select_option("automated")
    click_button(page, "Record decision")
    assert selectors.signature_count(petition) == 7

    page.context.clear_cookies()
    admin, admin_secret = people["admin"]
    sign_in(page, admin.email, admin_secret)
    page.goto(f"/staff/petitions/{petition.pk}/respond/")
    assert_accessible(page)
    page.get_by_label("The agency’s response").fill("We will open later from May.")
    click_button(page, "Publish the response")
    page.goto(f"/petitions/{petition.pk}/")
    assert "We will open later from May." in page.content()
    assert "Signed by an automated program: 1" in page.content()
    assert_accessible(page)


def test_pages_for_people_who_cannot_start_or_followed_a_bad_link(page, make_user):
    make_user("ben@example.org")
    page.goto("/petitions/confirm/nonsense/")
    assert "This link does not work" in page.content()
    assert_accessible(page)
    sign_in(page, "ben@example.org")
    page.goto("/petitions/start/")
    assert "Verify your identity to start a petition" in page.content()
    assert_accessible(page)


def test_the_count_refreshes_while_the_page_is_open(browser, live_server, people, agency_a, make_user):
    from playwright.sync_api import expect

    from ecitizen.engagement.petitions import selectors, services

    petition = _open_petition(people, agency_a)
    before = selectors.signature_count(petition)
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.add_init_script("window.ecitizenPollSeconds = 0.5;")
    page = context.new_page()
    page.goto(f"/petitions/{petition.pk}/")
    assert page.locator("[data-petition-count]").inner_text() == str(before)
    # two people sign elsewhere while this page stays open: it shows them without a reload
    for i in range(2):
        services.signature_add(actor=make_user(f"watcher{i}@example.org"), petition=petition)
    expect(page.locator("[data-petition-count]")).to_have_text(str(before + 2), timeout=10_000)
    expect(page.locator("[data-petition-count-label]")).to_have_text("signatures")
    assert_accessible(page)
    context.close()


def test_staff_change_a_scheduled_debate(page, people, agency_a, settings):
    import datetime

    from django.utils import timezone

    from ecitizen.engagement.petitions import services

    settings.PETITION_DEBATE_THRESHOLD = 7  # the author and six supporters
    petition = _open_petition(people, agency_a)
    admin, secret = people["admin"]
    first = timezone.localdate() + datetime.timedelta(days=10)
    services.petition_schedule_debate(actor=admin, petition=petition, date=first, place="Town hall")
    sign_in(page, admin.email, secret)
    page.goto(f"/staff/petitions/{petition.pk}/")
    assert_accessible(page)
    page.get_by_role("link", name="Change the debate date").first.click()
    assert_accessible(page)
    moved = first + datetime.timedelta(days=1)
    page.locator("input[name='date-day']").fill(str(moved.day))
    page.locator("input[name='date-month']").fill(str(moved.month))
    page.locator("input[name='date-year']").fill(str(moved.year))
    page.locator("main form button[type='submit'], main form input[type='submit']").last.click()
    petition.refresh_from_db()
    assert petition.debate_date == moved
    assert_accessible(page)
