"""Approving asks first: the caseworker sees exactly what will be issued (the document name, the
holder, the answers shown for checking, the dates), can cancel, and issues with a second press.
The public check page then names the document by its document name, not the service's title."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, click_button, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def case(citizen_and_caseworker, agency_a):
    from ecitizen.cases.tests.conftest import make_version, submit_permit_application

    citizen, caseworker, secret = citizen_and_caseworker
    version = make_version(agency_a)
    version.snapshot = {
        **version.snapshot,
        "document_name": {"en": "Resident parking permit"},
        "document_fields": ["registration"],
    }
    version.save(update_fields=["snapshot"])
    application = submit_permit_application(citizen, version)
    return application, caseworker, secret


def _status(application) -> str:
    application.refresh_from_db()
    return application.status


def test_confirm_then_issue_and_the_check_page_names_the_document(page, case):
    from ecitizen.documents.models import IssuedDocument

    application, caseworker, secret = case
    registration = application.answers["registration"]
    sign_in(page, caseworker.email, secret)
    page.goto(f"/staff/cases/{application.pk}/")

    # the first press only asks
    click_button(page, "Approve and issue")
    assert page.get_by_role("heading", level=1).inner_text() == "Check the document before you issue it"
    shown = page.locator("#document-to-issue").inner_text()
    for expected in ("Resident parking permit", "Amina Haddad", registration, "Valid from", "Valid until"):
        assert expected in shown
    assert_accessible(page)
    assert _status(application) == "submitted"

    # cancel goes back with nothing decided
    with page.expect_navigation():
        page.get_by_role("main").get_by_role("link", name="Cancel").click()
    assert page.url.endswith(f"/staff/cases/{application.pk}/")
    assert _status(application) == "submitted" and not IssuedDocument.objects.exists()

    # ask again and issue
    click_button(page, "Approve and issue")
    click_button(page, "Issue document")
    assert "The document has been issued" in page.content()
    assert _status(application) == "approved"
    document = IssuedDocument.objects.get(application=application)

    # anyone checking it sees the document's name and the registration
    page.goto(f"/documents/verify/?t={document.token}")
    assert page.locator("#document-name").inner_text() == "Resident parking permit"
    assert registration in page.content()
    assert "Apply for a resident parking permit" not in page.content()
    assert_accessible(page)


def test_the_confirmation_works_without_javascript(page_without_js, case):
    application, caseworker, secret = case
    page = page_without_js
    sign_in(page, caseworker.email, secret)
    page.goto(f"/staff/cases/{application.pk}/approve/")

    assert "Resident parking permit" in page.locator("#document-to-issue").inner_text()
    click_button(page, "Issue document")

    assert _status(application) == "approved"


def test_the_service_settings_offer_the_document_name_and_fields(page, make_user, with_mfa, agency_a):
    from ecitizen.agencies.models import Membership
    from ecitizen.cases.tests.conftest import make_version

    admin = make_user("admin@council.example")
    Membership.objects.create(user=admin, agency=agency_a, role="agency_admin")
    secret = with_mfa(admin)
    service = make_version(agency_a).service
    sign_in(page, admin.email, secret)
    page.goto(f"/staff/services/{service.pk}/edit/")

    page.get_by_label("Document name (English)").fill("Resident parking permit")
    page.get_by_label("Registration number").check()
    assert_accessible(page)
    click_button(page, "Save details")

    service.refresh_from_db()
    assert service.document_name == {"en": "Resident parking permit"}
    assert service.document_fields == ["registration"]
    assert "Resident parking permit" in page.content()
    assert_accessible(page)
