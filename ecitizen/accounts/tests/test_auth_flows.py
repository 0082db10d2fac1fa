"""Signing up, confirming the email address, signing in with a second factor, and
the password rules, through allauth's real forms and our audit receivers."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from ecitizen.accounts.models import User
from ecitizen.accounts.tests.conftest import PASSWORD, confirmation_link
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lanterns over the quiet harbour"
DASH = "\N{EN DASH}"  # base.html separates the parts of a page title with it


def _sign_up(client, email="layla@example.org", password=NEW_PASSWORD, password2=None):
    return client.post(
        reverse("account_signup"),
        {"email": email, "password1": password, "password2": password if password2 is None else password2},
    )


def _signed_in_user_id(client):
    return client.session.get("_auth_user_id")


# --- sign-up and email verification ---------------------------------------------


def test_sign_up_sends_a_verification_email_and_cannot_sign_in_before_verifying(client, sign_in):
    # when
    response = _sign_up(client)

    # then: an email to confirm, nobody signed in, one audit row
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="layla@example.org")
    assert [m.to for m in mail.outbox] == [["layla@example.org"]]
    assert "From E-Citizen" in mail.outbox[0].body
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    assert not EmailAddress.objects.get(user=user).verified
    assert _signed_in_user_id(client) is None
    row = AuditLog.objects.get()
    assert (row.action, row.actor, row.subject_user) == (AuditAction.SIGNED_UP, user, user)

    # and signing in with the right password only sends the link again
    client.logout()
    response = sign_in(client, "layla@example.org", NEW_PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert _signed_in_user_id(client) is None
    assert client.get(reverse("accounts:overview"))["Location"].startswith(reverse("account_login"))
    assert len(mail.outbox) == 2
    assert not AuditLog.objects.filter(action=AuditAction.LOGIN_SUCCEEDED).exists()


def test_the_emailed_link_confirms_the_address_and_signs_in(client):
    _sign_up(client)
    user = User.objects.get(email="layla@example.org")
    link = confirmation_link(mail.outbox[0])

    # opening the link shows a page with a button; it changes nothing yet
    page = client.get(link)
    assert page.status_code == 200
    assert 'class="govuk-button"' in page.content.decode()
    assert not EmailAddress.objects.get(user=user).verified

    # pressing the button confirms and signs in
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:overview")
    assert EmailAddress.objects.get(user=user).verified
    assert _signed_in_user_id(client) == str(user.pk)
    actions = list(AuditLog.objects.filter(actor=user).order_by("id").values_list("action", flat=True))
    assert actions == [AuditAction.SIGNED_UP, AuditAction.EMAIL_VERIFIED, AuditAction.LOGIN_SUCCEEDED]


# --- sign-in with a second factor ----------------------------------------------


def test_sign_in_with_totp_asks_for_a_code_refuses_a_wrong_one_and_accepts_the_right_one(
    client, citizen, with_mfa, sign_in, totp_code
):
    secret = with_mfa(citizen)

    # the password alone does not sign in
    response = sign_in(client, citizen.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert _signed_in_user_id(client) is None
    page = client.get(reverse("mfa_authenticate")).content.decode()
    assert 'autocomplete="one-time-code" inputmode="numeric"' in page

    # a wrong code is refused, shown in an error summary, and audited
    right = totp_code(secret)
    wrong = "000000" if right != "000000" else "111111"
    refused = client.post(reverse("mfa_authenticate"), {"code": wrong})
    assert refused.status_code == 200
    body = refused.content.decode()
    assert 'class="govuk-error-summary"' in body and 'href="#id_code"' in body
    assert _signed_in_user_id(client) is None
    failures = AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("id")
    assert [(r.actor, r.subject_user, r.extra) for r in failures] == [
        (None, None, {"step": "mfa"}),
        (None, citizen, {}),
    ]
    assert not AuditLog.objects.filter(action=AuditAction.LOGIN_SUCCEEDED).exists()

    # the right code signs in
    accepted = client.post(reverse("mfa_authenticate"), {"code": right})
    assert accepted.status_code == 302
    assert accepted["Location"] == reverse("accounts:overview")
    assert _signed_in_user_id(client) == str(citizen.pk)
    success = AuditLog.objects.get(action=AuditAction.LOGIN_SUCCEEDED)
    assert (success.actor, success.subject_user) == (citizen, citizen)


def test_a_wrong_password_is_audited_for_the_account_owner(client, citizen, sign_in):
    response = sign_in(client, citizen.email, "not my password")

    assert response.status_code == 200
    body = response.content.decode()
    # the form-wide error links to the first field
    assert 'class="govuk-error-summary"' in body and 'href="#id_login"' in body
    rows = AuditLog.objects.filter(action=AuditAction.LOGIN_FAILED).order_by("id")
    assert [(r.actor, r.subject_user, r.extra) for r in rows] == [
        (None, None, {"email": citizen.email}),
        (None, citizen, {}),
    ]


# --- password change -----------------------------------------------------------


def test_password_change_requires_the_current_password(client, citizen):
    client.force_login(citizen)
    url = reverse("account_change_password")
    page = client.get(url).content.decode()
    assert 'autocomplete="current-password"' in page and page.count('autocomplete="new-password"') == 2

    # when: the current password is wrong
    refused = client.post(url, {"oldpassword": "not my password", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    # then: nothing changes
    assert refused.status_code == 200
    assert 'href="#id_oldpassword"' in refused.content.decode()
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)
    assert not AuditLog.objects.filter(action=AuditAction.PASSWORD_CHANGED).exists()

    # when: it is right
    changed = client.post(url, {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})

    assert changed.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    row = AuditLog.objects.get(action=AuditAction.PASSWORD_CHANGED)
    assert (row.actor, row.subject_user) == (citizen, citizen)


def test_changing_the_email_address_asks_for_the_password_again(client, citizen):
    client.force_login(citizen)
    url = reverse("account_email")

    response = client.post(url, {"action_add": "", "email": "amina.new@example.org"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="amina.new@example.org").exists()
    resumed = client.post(response["Location"], {"password": PASSWORD})
    assert resumed.status_code == 302
    assert EmailAddress.objects.filter(user=citizen, email="amina.new@example.org", verified=False).exists()
    assert mail.outbox[-1].to == ["amina.new@example.org"]

    # confirming the new address makes it the account's address, audited once
    client.post(confirmation_link(mail.outbox[-1]))
    citizen.refresh_from_db()
    assert citizen.email == "amina.new@example.org"
    rows = AuditLog.objects.filter(actor=citizen).order_by("id").values_list("action", flat=True)
    assert list(rows) == [AuditAction.EMAIL_VERIFIED, AuditAction.EMAIL_CHANGED]


# --- password rules (NIST SP 800-63B: length and a blocklist, no composition rules) --


@pytest.mark.parametrize(
    ("password", "error"),
    [
        ("rivers7", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
    ],
)
def test_weak_passwords_are_refused_at_sign_up(client, password, error):
    response = _sign_up(client, password=password)

    assert response.status_code == 200
    body = response.content.decode()
    assert error in body
    assert 'class="govuk-error-summary"' in body and 'href="#id_password1"' in body
    assert not User.objects.exists()


def test_a_long_passphrase_without_digits_or_symbols_is_accepted(client):
    response = _sign_up(client, password="lanterns over the quiet harbour")

    assert response.status_code == 302
    assert User.objects.get().check_password("lanterns over the quiet harbour")


def test_sign_up_errors_are_summarised_and_linked_to_their_fields(client):
    response = _sign_up(client, email="not-an-email", password=NEW_PASSWORD, password2="something else")

    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="govuk-error-summary"' in body
    assert 'href="#id_email"' in body and 'href="#id_password2"' in body
    assert "govuk-form-group--error" in body
    assert f" {DASH} Error {DASH} E-Citizen</title>" in body
    assert not User.objects.exists()
