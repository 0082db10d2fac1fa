"""A citizen's first visit, in a real browser: sign up, confirm the email, set up
an authenticator app, sign out, sign back in with password and code, and read the
site in Arabic. axe-core checks every page on the way."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.browser.conftest import assert_accessible, totp_now

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "layla@example.org"
PASSWORD = "lanterns over the quiet harbour"


def _submit(page, name: str) -> None:
    page.get_by_role("main").get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def test_sign_up_confirm_set_up_totp_sign_in_again_and_switch_language(page):
    csp_errors = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)

    # given: a visitor on the sign-up page
    page.goto("/accounts/signup/")
    assert_accessible(page)

    # when: they make a mistake, they are told where
    page.get_by_label("Email", exact=True).fill("not-an-email")
    _submit(page, "Create an account")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert page.title().startswith("Create an account \N{EN DASH} Error")
    assert_accessible(page)

    # when: they sign up properly, an email asks them to confirm their address
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    _submit(page, "Create an account")
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm your email address"
    assert_accessible(page)
    assert [m.to for m in mail.outbox] == [[EMAIL]]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)

    # the link opens a page that confirms with a button (a GET changes nothing)
    page.goto(link)
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm your email address"
    assert_accessible(page)
    _submit(page, "Confirm")
    assert page.url.endswith("/account/")
    assert_accessible(page)

    # set up an authenticator app: allauth first asks for the password again
    page.goto("/accounts/2fa/totp/activate/")
    assert page.get_by_role("heading", level=1).inner_text() == "Confirm it is you"
    assert_accessible(page)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    _submit(page, "Confirm")
    assert page.get_by_role("heading", level=1).inner_text() == "Set up an authenticator app"
    qr_code = page.get_by_role("img", name="QR code for your authenticator app")
    assert qr_code.evaluate("img => img.complete && img.naturalWidth > 0")  # the CSP lets data: images through
    assert_accessible(page)
    secret = page.locator("#totp-secret").inner_text().strip()
    page.get_by_label("Authenticator code").fill(totp_now(secret))
    _submit(page, "Set up")

    # allauth shows the recovery codes once set up; keep them
    assert page.get_by_role("heading", level=1).inner_text() == "Recovery codes"
    assert_accessible(page)
    codes = page.get_by_label("Unused codes").input_value().split()
    assert len(codes) == 10
    saved = page.get_by_label("I have saved my recovery codes")
    if saved.count():
        saved.check()

    # sign out from the header
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert page.get_by_role("banner").get_by_role("link", name="Sign in").is_visible()
    assert_accessible(page)

    # sign in: password first, then the code (a wrong code is refused)
    page.goto("/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Email", exact=True).fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    _submit(page, "Sign in")
    assert page.get_by_role("heading", level=1).inner_text() == "Two-factor authentication"
    assert_accessible(page)
    good = totp_now(secret)
    page.get_by_label("Code", exact=True).fill("000000" if good != "000000" else "111111")
    _submit(page, "Sign in")
    assert page.locator(".govuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_label("Code", exact=True).fill(totp_now(secret))
    _submit(page, "Sign in")
    assert page.url.endswith("/account/")
    assert page.get_by_role("heading", level=1).inner_text() == "Your account"

    # switch to Arabic, right to left, and back
    page.get_by_role("navigation", name="Choose a language").get_by_role("button", name="العربيّة").click()
    page.wait_for_load_state()
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    assert_accessible(page)
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("en", "ltr")
    assert_accessible(page)
    assert csp_errors == []


def test_sign_in_works_without_javascript(page_without_js, make_user):
    page = page_without_js
    make_user("amina@example.org", password=PASSWORD)
    page.goto("/accounts/login/")
    # (no axe-core here: it cannot run in a page without JavaScript; the journey
    # above checks these pages, and what JavaScript adds is hidden here anyway)
    # the enhancements that need JavaScript stay out of the way
    assert not page.get_by_role("button", name="Show password").is_visible()
    assert not page.get_by_role("button", name="Sign in with a passkey").is_visible()
    page.get_by_label("Email", exact=True).fill("amina@example.org")
    page.get_by_label("Password", exact=True).fill("not my password")
    _submit(page, "Sign in")
    assert page.locator(".govuk-error-summary").is_visible()
    page.get_by_label("Email", exact=True).fill("amina@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    _submit(page, "Sign in")
    assert page.url.endswith("/account/")
    assert page.get_by_role("heading", level=1).inner_text() == "Your account"
