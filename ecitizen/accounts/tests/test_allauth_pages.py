"""Every allauth page renders inside our GOV.UK layout, with GOV.UK components."""

from __future__ import annotations

import re
import time

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from allauth.account.utils import user_pk_to_url_str
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.urls import reverse

from ecitizen.accounts.tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
DASH = "\N{EN DASH}"  # base.html separates the parts of a page title with it


def assert_govuk_page(response, *, h1: str | None = None, nav: bool = False) -> str:
    """The page extends base.html, has one GOV.UK h1, and (manage pages) the account navigation."""
    assert response.status_code == 200, response
    body = response.content.decode()
    assert 'class="govuk-template"' in body
    assert 'id="main-content"' in body
    assert body.count("<h1") == 1 and 'class="govuk-heading-l"' in body
    if h1 is not None:
        heading = re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S).group(1)
        assert h1 in heading
    assert ('aria-label="Account"' in body) is nav
    assert "style=" not in body  # the CSP forbids inline styles
    assert "placeholder=" not in body  # labels, not placeholders
    return body


@pytest.mark.parametrize(
    ("url_name", "h1"),
    [
        ("account_login", "Sign in"),
        ("account_signup", "Create an account"),
        ("account_reset_password", "Reset your password"),
        ("account_reset_password_done", "Reset your password"),
        ("account_reset_password_from_key_done", "Change your password"),
        ("account_inactive", "Account not active"),
        ("account_email_verification_sent", "Confirm your email address"),
    ],
)
def test_entrance_pages_for_visitors(client, url_name, h1):
    assert_govuk_page(client.get(reverse(url_name)), h1=h1)


def test_sign_in_form_fields_have_labels_and_autocomplete(client):
    body = assert_govuk_page(client.get(reverse("account_login")))
    assert '<label class="govuk-label" for="id_login">' in body
    email_input = re.search(r'<input class="govuk-input"[^>]*id="id_login"[^>]*>', body).group(0)
    assert 'type="email"' in email_input and 'autocomplete="email"' in email_input
    assert 'spellcheck="false"' in email_input
    assert 'data-module="govuk-password-input"' in body
    assert re.search(r'type="password"[^>]*autocomplete="current-password"', body)
    assert 'class="govuk-button" data-module="govuk-button"' in body
    assert 'class="govuk-link" href="/accounts/password/reset/"' in body
    # the passkey button only shows when JavaScript runs
    assert re.search(r'class="[^"]*ec-js-only', body)
    assert "onpaste" not in body


def test_sign_up_form_asks_for_new_passwords(client):
    body = assert_govuk_page(client.get(reverse("account_signup")))
    assert body.count('autocomplete="new-password"') == 2
    assert "be a commonly used password" in body


def test_password_reset_from_key_pages(client, citizen):
    key = default_token_generator.make_token(citizen)
    url = reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(citizen), "key": key})
    page = client.get(url, follow=True)
    body = assert_govuk_page(page, h1="Change your password")
    assert body.count('autocomplete="new-password"') == 2
    bad = client.get(reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "bad-key"}))
    assert_govuk_page(bad, h1="This link does not work")


def test_email_confirm_page_asks_for_a_post(client, make_user):
    user = make_user("new@example.org", verified_email=False)
    confirmation = EmailConfirmationHMAC(EmailAddress.objects.get(user=user))
    body = assert_govuk_page(client.get(reverse("account_confirm_email", args=[confirmation.key])))
    assert re.search(r'<form method="post" action="/accounts/confirm-email/[^"]+/" novalidate>', body)
    assert 'type="submit" class="govuk-button"' in body
    assert not EmailAddress.objects.get(user=user).verified
    expired = client.get(reverse("account_confirm_email", args=["not-a-key"]))
    assert "has expired or does not work" in assert_govuk_page(expired)


@pytest.fixture
def signed_in(client, citizen, sign_in):
    """Amina, signed in through the form and just re-authenticated (so that
    sensitive pages show instead of asking for her password again)."""
    sign_in(client, citizen.email)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return client


@pytest.mark.parametrize(
    ("url_name", "h1"),
    [
        ("account_logout", "Sign out"),
        ("account_email", "Email address"),
        ("account_change_password", "Change your password"),
        ("account_reauthenticate", "Confirm it is you"),
        ("mfa_index", "Two-factor authentication"),
        ("mfa_add_webauthn", "Add a security key"),
        ("mfa_list_webauthn", "Security keys"),
        ("usersessions_list", "Where you're signed in"),
    ],
)
def test_manage_pages_show_the_account_navigation(signed_in, url_name, h1):
    response = signed_in.get(reverse(url_name))
    assert_govuk_page(response, h1=h1, nav=url_name != "account_reauthenticate")


def test_manage_pages_mark_the_security_section_current(signed_in):
    body = signed_in.get(reverse("account_change_password")).content.decode()
    assert re.search(r'href="/account/security/" aria-current="true"', body)


def test_password_set_page(client, citizen):
    citizen.set_unusable_password()
    citizen.save()
    client.force_login(citizen)
    # Without a password allauth re-authenticates by emailed code; stand in for that step.
    session = client.session
    session["account_authentication_methods_user"] = str(citizen.pk)
    session["account_authentication_methods"] = [{"method": "code", "at": time.time(), "reauthenticated": True}]
    session.save()
    assert_govuk_page(client.get(reverse("account_set_password")), h1="Set a password", nav=True)


def test_email_change_page_shows_pending_address(signed_in, citizen):
    EmailAddress.objects.create(user=citizen, email="amina.new@example.org", verified=False, primary=False)
    body = assert_govuk_page(signed_in.get(reverse("account_email")), nav=True)
    assert "amina.new@example.org" in body and "govuk-summary-list" in body
    assert 'name="action_send"' in body and 'name="action_remove"' in body


def test_totp_activation_shows_qr_code_and_typeable_secret(signed_in):
    body = assert_govuk_page(signed_in.get(reverse("mfa_activate_totp")), h1="Set up an authenticator app", nav=True)
    assert re.search(r'<img src="data:image/svg\+xml;base64,[^"]+" alt="[^"]+">', body)
    secret = re.search(r'<code class="ec-secret" id="totp-secret"[^>]*>([A-Z2-7]+)</code>', body).group(1)
    assert len(secret) == 32
    assert re.search(r'autocomplete="one-time-code" inputmode="numeric"', body)


def test_totp_activation_with_a_wrong_code_shows_an_error_summary(signed_in):
    signed_in.get(reverse("mfa_activate_totp"))
    response = signed_in.post(reverse("mfa_activate_totp"), {"code": "12345"})
    body = assert_govuk_page(response, nav=True)
    assert 'class="govuk-error-summary"' in body and 'href="#id_code"' in body
    assert "govuk-input--error" in body
    assert f"<title>Set up an authenticator app {DASH} Error {DASH} " in " ".join(body.split())


def test_pages_for_someone_with_totp(signed_in, citizen, with_mfa):
    with_mfa(citizen)
    RecoveryCodes.activate(citizen)
    deactivate = signed_in.get(reverse("mfa_deactivate_totp"))
    assert "govuk-button--warning" in assert_govuk_page(deactivate, h1="Turn off the authenticator app", nav=True)
    codes = assert_govuk_page(signed_in.get(reverse("mfa_view_recovery_codes")), h1="Recovery codes", nav=True)
    assert re.search(r'<textarea class="govuk-textarea" id="recovery_codes" rows="10" readonly>\d{8}', codes)
    assert_govuk_page(signed_in.get(reverse("mfa_generate_recovery_codes")), h1="Recovery codes", nav=True)
    download = signed_in.get(reverse("mfa_download_recovery_codes"))
    assert download["Content-Disposition"] == 'attachment; filename="recovery-codes.txt"'
    index = assert_govuk_page(signed_in.get(reverse("mfa_index")), nav=True)
    assert index.count('class="govuk-summary-card"') == 3
    reauthenticate = assert_govuk_page(signed_in.get(reverse("mfa_reauthenticate")), h1="Confirm it is you")
    assert 'autocomplete="one-time-code" inputmode="numeric"' in reauthenticate


def test_webauthn_key_pages(signed_in, citizen):
    key = Authenticator.objects.create(
        user=citizen, type=Authenticator.Type.WEBAUTHN, data={"name": "Blue key", "credential": {}}
    )
    listing = assert_govuk_page(signed_in.get(reverse("mfa_list_webauthn")), nav=True)
    assert "Blue key" in listing and "Not used." in listing
    assert '<span class="govuk-visually-hidden"> Blue key</span>' in listing
    edit_page = signed_in.get(reverse("mfa_edit_webauthn", args=[key.pk]))
    edit = assert_govuk_page(edit_page, h1="Edit security key", nav=True)
    assert 'value="Blue key"' in edit
    remove = signed_in.get(reverse("mfa_remove_webauthn", args=[key.pk]))
    assert "govuk-button--warning" in assert_govuk_page(remove, h1="Remove security key", nav=True)


def test_sessions_page_signs_out_others_through_the_audited_view(client, citizen, sign_in):
    from django.test import Client

    other = Client()
    sign_in(other, citizen.email)
    other.get("/account/")
    sign_in(client, citizen.email)
    body = assert_govuk_page(client.get(reverse("usersessions_list")), nav=True)
    assert f'action="{reverse("accounts:sessions_end_others")}"' in body
    assert body.count('class="govuk-table__row"') == 3  # header + two sessions
