"""Consultations in a real browser: a citizen responds page by page (with and without
JavaScript), comments on a passage of the draft; staff build a survey, read the results, tag an
answer and publish the outcome; the public results page. axe-core checks every page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, click_button, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def town(make_user, with_mfa, agency_a):
    from ecitizen.agencies.models import Membership
    from ecitizen.engagement.consultations import services
    from ecitizen.engagement.consultations.tests.conftest import FORM, details

    admin = make_user("admin@council.example")
    Membership.objects.create(user=admin, agency=agency_a, role="agency_admin")
    secret = with_mfa(admin)
    citizen = make_user("amina@example.org", given_name="Amina", family_name="Haddad")
    c = services.consultation_create(actor=admin, agency=agency_a, data=details())
    c = services.consultation_form_update(actor=admin, consultation=c, form=FORM)
    c = services.consultation_publish(actor=admin, consultation=c)
    return c, citizen, admin, secret


def _answer(page, js: bool) -> None:
    """From the consultation's page to the confirmation, checking each page when *js*."""
    page.get_by_role("button", name="Respond now").or_(page.get_by_role("link", name="Respond now")).first.click()
    page.wait_for_load_state()
    assert "/respond/page/views/" in page.url
    if js:
        assert_accessible(page)
    click_button(page, "Save and continue")  # nothing chosen: an error
    assert page.locator(".govuk-error-summary").is_visible()
    if js:
        assert_accessible(page)
    page.get_by_label("Not sure").check()
    page.get_by_label("Why?").fill("It depends on the buses.")
    click_button(page, "Save and continue")
    assert "/respond/page/about/" in page.url
    if js:
        assert_accessible(page)
    page.get_by_label("Yes").check()
    click_button(page, "Save and continue")
    assert "/respond/check/" in page.url
    assert "It depends on the buses." in page.content()
    if js:
        assert_accessible(page)
    page.get_by_label("Publish my response without my name").check()
    click_button(page, "Send response")
    assert "/respond/sent/" in page.url
    assert page.get_by_role("heading", name="Response sent").is_visible()
    if js:
        assert_accessible(page)


def test_respond_to_a_consultation_and_comment_on_a_passage(page, town):
    from ecitizen.engagement.consultations.models import PassageComment, Response

    c, citizen, _admin, _secret = town
    page.goto("/have-your-say/consultations/")
    assert_accessible(page)
    page.get_by_role("link", name="A car-free town square").click()
    page.wait_for_load_state()
    assert_accessible(page)
    sign_in(page, citizen.email)
    page.goto(f"/have-your-say/consultations/{c.slug}/")
    _answer(page, js=True)
    assert Response.objects.get(user=citizen).answers["support"] == "unsure"

    page.goto(f"/have-your-say/consultations/{c.slug}/text/")
    assert_accessible(page)
    page.locator("#passage-2").get_by_role("link", name="Comment on this passage").click()
    page.wait_for_load_state()
    assert_accessible(page)
    click_button(page, "Send comment")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Your comment").fill("Covered racks, please.")
    page.get_by_label("Publish my response without my name").check()
    click_button(page, "Send comment")
    assert "Covered racks, please." in page.locator("#passage-2").inner_text()
    assert PassageComment.objects.get().passage == 2


def test_respond_without_javascript(page_without_js, town):
    from ecitizen.engagement.consultations.models import Response

    c, citizen, _admin, _secret = town
    page = page_without_js
    sign_in(page, citizen.email)
    page.goto(f"/have-your-say/consultations/{c.slug}/")
    _answer(page, js=False)
    assert Response.objects.get(user=citizen).is_sent
    page.goto(f"/have-your-say/consultations/{c.slug}/text/")
    page.locator("#passage-1").get_by_role("link", name="Comment on this passage").click()
    page.get_by_label("Your comment").fill("Fine by me.")
    page.get_by_label("Do not publish my response").check()
    click_button(page, "Send comment")
    assert "/text/" in page.url


def test_staff_results_tags_and_outcome(page, town, verify_identity):
    from ecitizen.engagement.consultations import services
    from ecitizen.engagement.consultations.models import AnswerTag

    c, citizen, admin, secret = town
    # before anyone responds: the preview, and renaming a page of questions
    sign_in(page, admin.email, secret)
    for path in ("preview/", "preview/text/", "preview/page/views/", "preview/page/about/", "questions/page/views/"):
        page.goto(f"/staff/consultations/{c.pk}/{path}")
        assert page.locator("main").count() == 1, path
        assert_accessible(page)
    page.goto(f"/staff/consultations/{c.pk}/preview/page/views/")
    assert page.locator("main form").count() == 0  # a preview sends nothing

    verify_identity(citizen)  # only a verified identity publishes with a name
    services.response_save_page(
        actor=citizen, consultation=c, page_id="views", answers={"support": "yes", "why": "Less noise"}
    )
    services.response_save_page(actor=citizen, consultation=c, page_id="about", answers={"cycles": "no"})
    services.response_submit(actor=citizen, consultation=c, publication="named")

    for path in ("", "new/"):
        page.goto(f"/staff/consultations/{path}")
        assert_accessible(page)
    for path in ("", "edit/", "questions/", "questions/page/", "questions/add/", "documents/", "comments/", "close/"):
        page.goto(f"/staff/consultations/{c.pk}/{path}")
        assert_accessible(page)
    page.goto(f"/staff/consultations/{c.pk}/questions/add/?type=choice&page=views")
    assert_accessible(page)

    page.goto(f"/staff/consultations/{c.pk}/results/")
    assert page.locator("svg.consultation-chart").count() == 2
    assert_accessible(page)
    page.get_by_label("Add a tag to response").first.fill("noise")
    click_button(page, "Add tag")
    assert AnswerTag.objects.get().tag == "noise"
    page.goto(f"/staff/consultations/{c.pk}/results/?tag=noise")
    assert "Less noise" in page.content()
    assert_accessible(page)

    page.goto(f"/staff/consultations/{c.pk}/close/")
    click_button(page, "Close now")
    page.goto(f"/staff/consultations/{c.pk}/outcome/")
    assert_accessible(page)
    page.get_by_label("What you did with the responses (English)").fill("We will close the square to cars.")
    click_button(page, "Publish the outcome")
    assert_accessible(page)

    page.goto(f"/have-your-say/consultations/{c.slug}/results/")
    assert "We will close the square to cars." in page.content()
    assert "Amina Haddad" in page.content()
    # one response: fewer than CONSULTATION_RESULTS_MIN_RESPONSES, so no totals per question
    assert page.locator("svg.consultation-chart").count() == 0
    assert "Totals per question are published only when" in page.content()
    assert_accessible(page)
    page.goto(f"/have-your-say/consultations/{c.slug}/")
    assert_accessible(page)
