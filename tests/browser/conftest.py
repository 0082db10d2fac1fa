"""Playwright driving Debian's Chromium against pytest-django's live server.

``page`` is a fresh browser context (JavaScript on), ``page_without_js`` one with
JavaScript off; ``assert_accessible(page)`` runs axe-core on whatever the page shows.
Tests using them are marked ``@pytest.mark.browser`` and need /usr/bin/chromium.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import struct
import time

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage"]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed (scripts/system-deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _new_page(browser, live_server, **context_options):
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    # axe-core cannot run in a page with JavaScript off, and evaluating a script there waits for
    # ever (no timeout applies): assert_accessible refuses such a page at once.
    page.ecitizen_without_js = context_options.get("java_script_enabled") is False
    return context, page


@pytest.fixture
def page(browser, live_server):
    context, page = _new_page(browser, live_server)
    yield page
    context.close()


@pytest.fixture
def citizen_and_caseworker(make_user, with_mfa, agency_a, verify_identity):
    """Amina, verified against the register, and a caseworker of agency A with MFA:
    ``(citizen, caseworker, totp_secret)``."""
    from ecitizen.agencies.models import Membership

    citizen = make_user("amina@example.org", given_name="Amina", family_name="Haddad")
    verify_identity(citizen)
    caseworker = make_user("caseworker@council.example")
    Membership.objects.create(user=caseworker, agency=agency_a, role="caseworker")
    return citizen, caseworker, with_mfa(caseworker)


@pytest.fixture
def page_without_js(browser, live_server):
    context, page = _new_page(browser, live_server, java_script_enabled=False)
    yield page
    context.close()


def assert_accessible(page) -> None:
    """Fail with axe-core's report if the page as shown has any accessibility violation.

    Needs JavaScript in the page (axe-core runs there): do not call it on ``page_without_js``.
    """
    from axe_playwright_python.sync_playwright import Axe

    if getattr(page, "ecitizen_without_js", False):
        pytest.fail(
            "assert_accessible needs JavaScript in the page: run it on a page with JavaScript on", pytrace=False
        )
    results = Axe().run(page)
    if results.violations_count > 0:
        pytest.fail(f"axe-core found violations on {page.url}:\n{results.generate_report()}", pytrace=False)


def totp_now(secret: str, *, period: int = 30, digits: int = 6) -> str:
    """RFC 6238 TOTP (HMAC-SHA1) for *secret*, as an authenticator app computes it.

    Waits out the last two seconds of a period so the code is still current
    when the server checks it.
    """
    if time.time() % period > period - 2:
        time.sleep(period - time.time() % period + 0.1)
    key = base64.b32decode(secret.replace(" ", "").upper())
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // period), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


# The password make_user gives every test account.
PASSWORD = "correct horse battery"


def click_button(page, name: str) -> None:
    """Press a button in the page's main area and wait for the page it leads to.

    Every button these tests press submits a form. Waiting for the navigation itself, not
    just a load state that the old page already had, keeps the next step from racing the
    request on a busy machine.
    """
    with page.expect_navigation():
        page.get_by_role("main").get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


def sign_in(page, email: str, totp_secret: str | None = None) -> None:
    """Sign in through the real sign-in page, with a TOTP code when *totp_secret* is given."""
    page.goto("/accounts/login/")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    click_button(page, "Sign in")
    if totp_secret:
        page.get_by_label("Code", exact=True).fill(totp_now(totp_secret))
        click_button(page, "Sign in")
    assert "/accounts/login/" not in page.url
