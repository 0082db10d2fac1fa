"""The heart of the platform in a real browser: a verified citizen applies for a
parking permit with an upload, a caseworker asks for more information, the
citizen answers, the caseworker approves, the citizen downloads the signed PDF
and the public verify page says it is valid. axe-core checks every page."""

from __future__ import annotations

import io
import re

import pytest

from tests.browser.conftest import assert_accessible, click_button, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _png_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def people(citizen_and_caseworker, agency_a):
    from ecitizen.cases.tests.conftest import make_version

    make_version(agency_a)
    return citizen_and_caseworker


def test_apply_request_information_answer_approve_download_and_verify(browser, live_server, people, tmp_path):
    citizen, caseworker, secret = people
    citizen_context = browser.new_context(base_url=live_server.url, locale="en-GB", accept_downloads=True)
    staff_context = browser.new_context(base_url=live_server.url, locale="en-GB")
    citizen_page = citizen_context.new_page()
    staff_page = staff_context.new_page()
    for p in (citizen_page, staff_page):
        p.set_default_timeout(10_000)

    # the citizen finds the service and starts
    sign_in(citizen_page, citizen.email)
    citizen_page.goto("/services/parking-permit/")
    assert_accessible(citizen_page)
    citizen_page.get_by_role("button", name="Start now").click()
    assert_accessible(citizen_page)
    click_button(citizen_page, "Start your application")

    # page 1, with a mistake first
    citizen_page.get_by_label("Registration number").fill("!!")
    click_button(citizen_page, "Save and continue")
    assert citizen_page.locator(".govuk-error-summary").is_visible()
    assert_accessible(citizen_page)
    citizen_page.get_by_label("Registration number").fill("AB12 CDE")
    citizen_page.get_by_label("Yes", exact=True).check()
    click_button(citizen_page, "Save and continue")

    # page 2 appears because they moved: upload proof
    assert citizen_page.get_by_role("heading", level=1).inner_text() == "Proof of address"
    assert_accessible(citizen_page)
    proof = tmp_path / "bill.png"
    proof.write_bytes(_png_bytes())
    citizen_page.get_by_label("Upload a utility bill").set_input_files(str(proof))
    click_button(citizen_page, "Save and continue")

    # page 3 is pre-filled from the profile
    assert citizen_page.get_by_label("Full name").input_value() == "Amina Haddad"
    assert_accessible(citizen_page)
    click_button(citizen_page, "Save and continue")

    # check your answers, declare, send
    assert "AB12 CDE" in citizen_page.content()
    assert_accessible(citizen_page)
    citizen_page.get_by_label("I confirm that the information I have given is correct and complete").check()
    click_button(citizen_page, "Accept and send")
    reference = citizen_page.locator(".govuk-panel__body strong").inner_text()
    assert re.fullmatch(r"CC-\d{4}-000001", reference)
    assert_accessible(citizen_page)

    # the caseworker asks for more information
    sign_in(staff_page, caseworker.email, secret)
    staff_page.goto("/staff/cases/")
    assert_accessible(staff_page)
    staff_page.get_by_role("link", name=reference).click()
    assert_accessible(staff_page)
    staff_page.get_by_label("What do you need from the applicant?").fill("Please send your council tax bill.")
    click_button(staff_page, "Send request")
    assert_accessible(staff_page)

    # the citizen sees it on their application page and answers
    citizen_page.goto("/applications/")
    assert_accessible(citizen_page)
    citizen_page.get_by_role("link", name="Apply for a resident parking permit").click()
    assert "Please send your council tax bill." in citizen_page.content()
    assert_accessible(citizen_page)
    citizen_page.get_by_label("Your answer").fill("Here it is.")
    citizen_page.get_by_label("Attach a file (optional)").set_input_files(str(proof))
    click_button(citizen_page, "Send your answer")
    assert_accessible(citizen_page)

    # the caseworker approves
    staff_page.reload()
    assert "Here it is." in staff_page.content()
    click_button(staff_page, "Approve and issue")
    assert "Check the document before you issue it" in staff_page.content()
    click_button(staff_page, "Issue document")
    assert "Approved" in staff_page.content()

    # the citizen downloads the document and verifies it publicly
    citizen_page.goto("/documents/")
    assert_accessible(citizen_page)
    citizen_page.get_by_role("link", name=re.compile("parking permit", re.I)).first.click()
    assert_accessible(citizen_page)
    with citizen_page.expect_download() as download_info:
        citizen_page.get_by_role("link", name="Download the PDF").click()
    pdf = download_info.value.path()
    assert open(pdf, "rb").read(5) == b"%PDF-"

    from ecitizen.documents.models import IssuedDocument

    token = IssuedDocument.objects.get(number=reference).token
    visitor = browser.new_context(base_url=live_server.url).new_page()
    visitor.goto(f"/documents/verify/?t={token}")
    assert visitor.get_by_role("heading", level=1).inner_text() == "Valid"
    assert_accessible(visitor)

    # and the citizen can see who looked at their data
    citizen_page.goto("/account/privacy/")
    assert "City Council" in citizen_page.content()
    assert_accessible(citizen_page)
    for context in (citizen_context, staff_context, visitor.context):
        context.close()


def test_status_page_updates_without_a_reload(browser, live_server, people):
    import uuid

    from ecitizen.cases import services
    from ecitizen.catalogue.models import ServiceVersion

    citizen, caseworker, _secret = people
    version = ServiceVersion.objects.get()
    draft = services.application_start(citizen=citizen, service_version=version, start_token=uuid.uuid4())
    services.application_save_page(
        citizen=citizen, application=draft, page_id="vehicle", answers={"registration": "AB1", "moved": "no"}
    )
    application = services.application_submit(citizen=citizen, application=draft, declaration=True)

    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.add_init_script("window.ecitizenPollSeconds = 0.5;")
    page = context.new_page()
    sign_in(page, citizen.email)
    page.goto(f"/applications/{application.pk}/")
    assert "Submitted" in page.locator("#application-status").inner_text()
    # a caseworker picks the case up while the citizen watches
    services.case_assign(
        actor=caseworker, application=application, assignee=caseworker, expected_version=application.version
    )
    from playwright.sync_api import expect

    # the page notices on its own (no reload by the test); CSP forbids eval, so wait from Python
    expect(page.locator("#application-status")).to_contain_text("In review", timeout=10_000)
    assert_accessible(page)
    context.close()
