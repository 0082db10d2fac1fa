"""Information requests in a real browser: a citizen asks (with the check step that lists similar
published requests), a caseworker of the agency asks for clarification, the citizen replies, the
caseworker tries to refuse without an exemption and then answers; the disclosure log shows it.
axe-core checks every page the app adds; the asking journey runs again with JavaScript off."""

from __future__ import annotations

import uuid

import pytest

from tests.browser.conftest import _new_page, assert_accessible, click_button, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _published(citizen, agency):
    from ecitizen.records.foi import services

    return services.foi_request_create(
        actor=citizen,
        agency=agency,
        title="Library roof repair costs",
        body="The invoices, please.",
        create_token=uuid.uuid4(),
    )


def test_ask_clarify_and_answer(page, browser, live_server, citizen_and_caseworker, agency_a):
    from ecitizen.records.foi.models import FoiRequest

    citizen, caseworker, secret = citizen_and_caseworker
    _published(citizen, agency_a)

    sign_in(page, citizen.email)
    page.goto("/information-requests/")
    assert_accessible(page)
    page.get_by_role("link", name="Ask for information").first.click()
    assert_accessible(page)
    click_button(page, "Continue")  # nothing filled in: errors at the fields
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Which agency holds the information?").select_option(label="City Council")
    page.get_by_label("Summary").fill("Costs of the library roof")
    page.get_by_label("What information do you want?").fill("All invoices for the roof repairs.")
    page.get_by_label("Do not show my name on the public request").check()
    click_button(page, "Continue")
    assert "Library roof repair costs" in page.content()
    assert_accessible(page)
    click_button(page, "Send the request")
    assert "Request sent" in page.content()
    assert_accessible(page)
    foi = FoiRequest.objects.get(title="Costs of the library roof")
    page.goto(f"/information-requests/{foi.pk}/")
    assert "Name withheld" in page.content()
    assert_accessible(page)
    page.goto("/information-requests/yours/")
    assert_accessible(page)

    # the caseworker asks for clarification
    page.context.clear_cookies()
    sign_in(page, caseworker.email, secret)
    page.goto("/staff/information-requests/")
    assert_accessible(page)
    page.get_by_role("link", name="Costs of the library roof").first.click()
    assert_accessible(page)
    page.get_by_label("What do you need the requester to clarify?").fill("Which library?")
    click_button(page, "Send the question")
    foi.refresh_from_db()
    assert foi.status == "clarification"

    # the citizen replies, in a browser of their own (a TOTP code is good only once: the
    # caseworker stays signed in)
    context, citizen_page = _new_page(browser, live_server)
    sign_in(citizen_page, citizen.email)
    citizen_page.goto(f"/information-requests/{foi.pk}/")
    assert_accessible(citizen_page)
    citizen_page.get_by_label("Your clarification").fill("Riverside library.")
    click_button(citizen_page, "Send your clarification")
    context.close()
    foi.refresh_from_db()
    assert foi.status == "awaiting"

    # the caseworker tries to refuse without an exemption, then answers
    page.goto(f"/staff/information-requests/{foi.pk}/")
    page.get_by_label("All of the request").check()
    page.get_by_label("Explanation", exact=True).first.fill("No.")
    click_button(page, "Publish the refusal")
    assert page.locator(".govuk-error-summary").is_visible()
    assert "Select the exemption you rely on" in page.content()
    assert_accessible(page)
    page.get_by_label("Your answer").fill("The repairs cost 120,000.")
    click_button(page, "Publish the answer")
    foi.refresh_from_db()
    assert foi.status == "answered"

    page.goto("/information-requests/disclosure-log/")
    assert "City Council" in page.content()
    assert_accessible(page)


def test_ask_without_javascript(page_without_js, citizen_and_caseworker, agency_a):
    from ecitizen.records.foi.models import FoiRequest

    citizen, _caseworker, _secret = citizen_and_caseworker
    page = page_without_js
    sign_in(page, citizen.email)
    page.goto("/information-requests/ask/")
    page.get_by_label("Which agency holds the information?").select_option(label="City Council")
    page.get_by_label("Summary").fill("Bus shelter repairs")
    page.get_by_label("What information do you want?").fill("How many bus shelters were repaired in 2026?")
    click_button(page, "Continue")
    click_button(page, "Send the request")
    assert "Request sent" in page.content()
    assert FoiRequest.objects.filter(title="Bus shelter repairs").exists()
