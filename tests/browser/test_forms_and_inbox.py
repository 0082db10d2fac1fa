"""Forms in a real browser: "Save and come back later" on an untouched page saves; coming back
lands on the first unanswered page with the same step count; the question editor offers an earlier
question's answers in a select; opening a message reads it and shows full links. axe-core checks the pages."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import assert_accessible, click_button, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def verified_citizen_and_permit(make_user, agency_a, verify_identity):
    from ecitizen.cases.tests.conftest import make_version

    citizen = make_user("amina@example.org", given_name="Amina", family_name="Haddad")
    verify_identity(citizen)
    make_version(agency_a)
    return citizen


def caption(page) -> str:
    return re.search(r"Step \d+ of \d+", page.locator(".govuk-caption-l").inner_text()).group(0)


def test_save_later_on_an_untouched_page_then_resume_where_left_with_a_stable_step_count(
    page, verified_citizen_and_permit
):
    sign_in(page, verified_citizen_and_permit.email)
    page.goto("/applications/start/parking-permit/")
    click_button(page, "Start your application")
    assert caption(page) == "Step 1 of 3"

    # nothing typed: saving for later still works
    click_button(page, "Save and come back later")
    assert page.url.endswith("/applications/")
    assert page.get_by_text("Your answers have been saved").is_visible()
    assert_accessible(page)

    # back to the draft: the page not answered yet
    with page.expect_navigation():
        page.get_by_role("link", name="Apply for a resident parking permit").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Your vehicle"
    assert caption(page) == "Step 1 of 3"
    page.get_by_label("Registration number").fill("AB12 CDE")
    page.get_by_label("Yes", exact=True).check()
    click_button(page, "Save and continue")
    assert page.get_by_role("heading", level=1).inner_text() == "Proof of address"
    assert caption(page) == "Step 2 of 3"

    # leave on the upload page and come back: there again, still step 2 of 3
    click_button(page, "Save and come back later")
    with page.expect_navigation():
        page.get_by_role("link", name="Apply for a resident parking permit").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Proof of address"
    assert caption(page) == "Step 2 of 3"
    assert_accessible(page)


def test_opening_a_message_marks_it_read_and_shows_full_links(page, live_server, verified_citizen_and_permit):
    from ecitizen.notifications.models import Notification

    citizen = verified_citizen_and_permit
    message = Notification.objects.create(
        user=citizen, subject="Your report #39: Fixed", body="We filled the pot-hole.", url="/reports/39/"
    )
    sign_in(page, citizen.email)
    page.goto("/account/inbox/")
    with page.expect_navigation():
        page.get_by_role("link", name="Your report #39: Fixed").click()

    link = page.get_by_role("link", name=f"{live_server.url}/reports/39/")
    assert link.get_attribute("href") == f"{live_server.url}/reports/39/"
    assert_accessible(page)
    message.refresh_from_db()
    assert message.read_at is not None


@pytest.fixture
def admin_and_service(make_user, with_mfa, agency_a):
    from ecitizen.agencies.models import Membership
    from ecitizen.catalogue.models import Category
    from ecitizen.catalogue.services import service_create, service_form_update
    from ecitizen.catalogue.tests.conftest import PARKING_FORM

    admin = make_user("admin@council.example")
    Membership.objects.create(user=admin, agency=agency_a, role="agency_admin")
    secret = with_mfa(admin)
    category = Category.objects.create(slug="parking-and-roads", name={"en": "Parking and roads"})
    data = {
        "title": {"en": "Apply for a resident parking permit"},
        "summary": {"en": "Park near your home."},
        "category": category,
        "identity_level": "basic",
        "fee_amount": 0,
        "fee_currency": "GBP",
        "deadline_working_days": 10,
        "issues": "permit",
        "validity_days": 365,
    }
    service = service_create(actor=admin, agency=agency_a, data=data)
    service = service_form_update(actor=admin, service=service, form=PARKING_FORM)
    return admin, secret, service


def test_the_question_editor_offers_the_earlier_answers_in_a_select(page, admin_and_service):
    from ecitizen.catalogue.models import Service

    admin, secret, service = admin_and_service
    sign_in(page, admin.email, secret)
    page.goto(f"/staff/services/{service.pk}/form/questions/add/?page=charging")
    assert_accessible(page)

    # the type first, then only what fits it
    page.get_by_label("Number", exact=True).check()
    click_button(page, "Continue")
    assert page.locator('input[name="pattern"]').count() == 0
    assert page.locator('input[name="min_value"]').count() == 1

    page.locator("summary", has_text="Conditions and pre-filling").click()
    condition = page.get_by_label("Only ask this question when")
    assert condition.evaluate("e => e.tagName") == "SELECT"
    options = condition.locator("option").all_text_contents()
    assert options == ["Always ask", "“Is it electric?” is Yes", "“Is it electric?” is No"]
    assert_accessible(page)

    page.get_by_label("Question (English)").fill("How many charging points?")
    condition.select_option(label="“Is it electric?” is Yes")
    click_button(page, "Add question")
    question = Service.objects.get(pk=service.pk).form["pages"][1]["questions"][-1]
    assert question["condition"] == {"question": "electric", "equals": "yes"}
    assert question["type"] == "number"
