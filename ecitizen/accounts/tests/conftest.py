"""Helpers for the sign-in, sign-up and MFA tests: real sign-in through allauth's
forms (so allauth records how and when the person authenticated) and TOTP codes."""

from __future__ import annotations

import re
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

PASSWORD = "correct horse battery"  # the make_user fixture's default


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth remembers used TOTP codes in the cache; user ids repeat between tests.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def totp_code():
    """The current code for a TOTP secret; waits out the last seconds of a period
    so that the code is still valid when the server checks it."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    def code(secret: str) -> str:
        if time.time() % 30 > 28:
            time.sleep(30 - time.time() % 30 + 0.1)
        return format_hotp_value(hotp_value(secret, int(time.time()) // 30))

    return code


@pytest.fixture
def sign_in():
    """Sign in through the login form (password step only); returns the response."""

    def post(client, email: str, password: str = PASSWORD):
        return client.post(reverse("account_login"), {"login": email, "password": password})

    return post


def confirmation_link(message) -> str:
    """The path of the confirmation link in an allauth verification email."""
    match = re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body)
    assert match, message.body
    return match.group(1)
