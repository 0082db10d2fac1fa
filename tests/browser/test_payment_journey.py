"""Paying a bill in a real browser: the card is declined, the citizen sees why and tries
again with a good card, then sees the confirmation and the receipt. Through the sandbox
gateway's own card page; axe-core checks every page."""

from __future__ import annotations

import datetime

import pytest

from tests.browser.conftest import assert_accessible, click_button, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bill(citizen, agency_a):
    from django.utils import timezone

    from ecitizen.payments.models import LineKind
    from ecitizen.payments.services import bill_create

    return bill_create(
        actor=None,
        agency=agency_a,
        payer=citizen,
        currency="GBP",
        lines=[(LineKind.FEE, {"en": "Resident parking permit"}, 3000)],
        due_date=timezone.localdate() + datetime.timedelta(days=30),
    )


def _enter_card(page, number: str) -> None:
    page.get_by_label("Card number").fill(number)
    page.get_by_label("Expiry date").fill("12/40")
    page.get_by_label("Name on card").fill("Amina Haddad")
    page.get_by_label("Card security code").fill("123")
    click_button(page, "Confirm payment")


def test_declined_card_then_pay_and_see_the_receipt(page, citizen, bill):
    from ecitizen.payments.models import Payment

    sign_in(page, citizen.email)

    # the bill waits in "Your payments"
    page.goto("/payments/")
    assert_accessible(page)
    page.get_by_role("link", name="Resident parking permit").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Resident parking permit"
    assert_accessible(page)
    click_button(page, "Pay now")

    # the card page checks the number before anything is sent
    assert "/payments/sandbox/pay/" in page.url
    assert_accessible(page)
    _enter_card(page, "4444 3333 2222 1112")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)

    # the card is declined: the reason, in plain words, and a way to try again
    _enter_card(page, "4000000000000002")
    assert page.get_by_role("heading", level=1).inner_text() == "Your payment did not go through"
    assert "Your card was declined. You have not been charged." in page.get_by_role("main").inner_text()
    assert_accessible(page)
    click_button(page, "Try again")

    # a good card
    _enter_card(page, "4444333322221111")
    panel = page.locator(".govuk-panel--confirmation")
    assert "Payment received" in panel.inner_text()
    paid = Payment.objects.get(status="success")
    assert paid.reference in panel.inner_text()
    assert_accessible(page)

    # the receipt
    page.get_by_role("link", name="See your receipt").click()
    main = page.get_by_role("main").inner_text()
    assert paid.reference in main and "£30.00" in main and "City Council" in main
    assert_accessible(page)
    bill.refresh_from_db()
    assert bill.status == "paid" and Payment.objects.filter(bill=bill).count() == 2


def test_late_confirmation_updates_the_page_by_itself(page, citizen, bill, monkeypatch, settings):
    from ecitizen.payments import services
    from ecitizen.payments.providers import sandbox

    # given a gateway that takes a few seconds to decide, and whose callback never comes
    settings.SANDBOX_CONFIRM_DELAY_SECONDS = 4
    monkeypatch.setattr(sandbox, "_schedule_settlement", lambda provider_id: None)
    page.add_init_script("window.ecitizenPollSeconds = 0.5")
    sign_in(page, citizen.email)
    payment = services.payment_create(payer=citizen, bill=bill, idempotency_key="k")
    sandbox.submit_card(provider_id=payment.provider_id, card_number="4444333322221111")
    # when the payer comes back before the gateway has decided
    page.goto(f"/payments/return/{payment.reference}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Your payment is being confirmed"
    assert_accessible(page)
    # then the page shows the result by itself once the gateway has decided (it asks the gateway)
    page.locator(".govuk-panel--confirmation").wait_for()
    assert payment.reference in page.locator(".govuk-panel--confirmation").inner_text()


def test_apply_for_a_service_with_a_fee_then_pay_it(page, citizen, agency_a, verify_identity, caseworker_a):
    """The issue's journey: apply for a service with a fee, decline, retry, receipt; the case
    then reaches the caseworkers' queue."""
    from ecitizen.cases.models import Application
    from ecitizen.cases.tests.conftest import make_version

    verify_identity(citizen)
    make_version(agency_a, fee=3000)

    sign_in(page, citizen.email)

    page.goto("/applications/start/parking-permit/")
    click_button(page, "Start your application")
    page.get_by_label("Registration number").fill("AB12 CDE")
    page.get_by_label("No", exact=True).check()
    click_button(page, "Save and continue")
    click_button(page, "Save and continue")  # the name is pre-filled
    assert "£30.00" in page.get_by_role("main").inner_text()
    assert_accessible(page)
    page.get_by_label("I confirm that the information I have given is correct and complete").check()
    click_button(page, "Accept and send")
    assert "Pay the fee now" in page.get_by_role("main").inner_text()
    assert_accessible(page)
    application = Application.objects.get()
    assert application.status == "awaiting_payment"

    page.get_by_role("link", name="Pay the fee").click()
    assert_accessible(page)
    click_button(page, "Pay now")
    _enter_card(page, "4000000000000002")
    assert "Your card was declined. You have not been charged." in page.get_by_role("main").inner_text()
    assert_accessible(page)
    click_button(page, "Try again")
    _enter_card(page, "4444333322221111")
    assert "Payment received" in page.locator(".govuk-panel--confirmation").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="See your receipt").click()
    assert "£30.00" in page.get_by_role("main").inner_text()
    assert_accessible(page)

    # the fee paid, the case is in the queue with its decision clock running
    application.refresh_from_db()
    assert application.status == "submitted" and application.due_date is not None
    page.goto(f"/applications/{application.pk}/")
    assert "Payment received" in page.get_by_role("main").inner_text()
    assert_accessible(page)
