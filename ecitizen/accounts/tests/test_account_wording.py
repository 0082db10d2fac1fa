"""Account pages and allauth's messages speak in our words: sentence case, British spelling,
and the reader's language (templates/account, templates/mfa, templates/*/messages)."""

from __future__ import annotations

import html
import re

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from ecitizen.accounts.tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

# Words that keep their capital inside a sentence-case heading or button.
PROPER = {"E-Citizen", "JavaScript", "QR", "IP", "PDF", "ID"}
US_SPELLINGS = re.compile(
    r"\b(finaliz|authoriz|recogniz|organiz|customiz|initializ|realiz|apologiz|minimiz|maximiz|prioritiz|"
    r"summariz|utiliz|categoriz|color|center|canceled|canceling|favorite|behavior|catalog\b|"
    r"signup\b|log ?in\b|logged in|logged out)",
    re.I,
)
VISITOR_PAGES = [
    "account_login",
    "account_signup",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key_done",
    "account_inactive",
    "account_email_verification_sent",
    "account_request_login_code",
]
SIGNED_IN_PAGES = [
    "account_logout",
    "account_email",
    "account_change_password",
    "account_reauthenticate",
    "mfa_index",
    "mfa_activate_totp",
    "mfa_add_webauthn",
    "mfa_list_webauthn",
    "usersessions_list",
]
TOTP_PAGES = ["mfa_deactivate_totp", "mfa_view_recovery_codes", "mfa_generate_recovery_codes", "mfa_reauthenticate"]


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def headings_and_buttons(body: str) -> list[str]:
    """The words a person scans first: the title, headings, buttons, links and labels in the main area."""
    main = body.split('id="main-content"', 1)[-1].split("</main>", 1)[0]
    found = [_text(t) for t in re.findall(r"<title>(.*?)</title>", body, re.S)]
    found += [_text(t) for t in re.findall(r"<h[1-3][^>]*>(.*?)</h[1-3]>", main, re.S)]
    found += [_text(t) for t in re.findall(r"<button[^>]*>(.*?)</button>", main, re.S)]
    found += [_text(t) for t in re.findall(r"<a [^>]*>(.*?)</a>", main, re.S)]
    found += [_text(t) for t in re.findall(r"<(?:label|legend)[^>]*>(.*?)</(?:label|legend)>", main, re.S)]
    return [t for t in found if t]


def title_case_words(text: str) -> list[str]:
    """Capitalised words after the first word of a phrase (sentence case has none)."""
    bad = []
    for phrase in re.split(r"[–—:.?!|]\s*|\s-\s", text):
        words = phrase.split()
        for word in words[1:]:
            bare = word.strip("()“”\"',")
            if bare in PROPER or "@" in bare or not bare[:1].isupper() or bare.isupper():
                continue
            bad.append(bare)
    return bad


def assert_our_style(body: str, where: str) -> None:
    for text in headings_and_buttons(body):
        assert not title_case_words(text), f"Title Case on {where}: {text!r}"
    main = re.sub(
        r"<script.*?</script>", " ", body.split('id="main-content"', 1)[-1].split("</main>", 1)[0], flags=re.S
    )
    main = _text(main)
    match = US_SPELLINGS.search(main)
    assert match is None, f"US spelling or allauth wording on {where}: {match.group(0)!r} in {main[:300]!r}"


@pytest.fixture
def signed_in(client, citizen, sign_in):
    sign_in(client, citizen.email)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    return client


@pytest.mark.parametrize("url_name", VISITOR_PAGES)
def test_visitor_account_pages_use_sentence_case_and_british_spelling(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    assert_our_style(response.content.decode(), url_name)


@pytest.mark.parametrize("url_name", SIGNED_IN_PAGES)
def test_signed_in_account_pages_use_sentence_case_and_british_spelling(signed_in, url_name):
    response = signed_in.get(reverse(url_name))
    assert response.status_code == 200
    assert_our_style(response.content.decode(), url_name)


def test_mfa_pages_use_sentence_case_and_british_spelling(signed_in, citizen, with_mfa):
    with_mfa(citizen)
    signed_in.post(reverse("mfa_generate_recovery_codes"))
    for url_name in TOTP_PAGES:
        response = signed_in.get(reverse(url_name))
        assert response.status_code == 200, url_name
        assert_our_style(response.content.decode(), url_name)
    key = Authenticator.objects.create(
        user=citizen, type=Authenticator.Type.WEBAUTHN, data={"name": "Phone", "credential": {}}
    )
    for url_name in ("mfa_edit_webauthn", "mfa_remove_webauthn"):
        response = signed_in.get(reverse(url_name, args=[key.pk]))
        assert response.status_code == 200, url_name
        assert_our_style(response.content.decode(), url_name)


def test_title_case_detector_catches_allauth_wording():
    assert title_case_words("Sign Up") == ["Up"]
    assert title_case_words("Verify Your Email Address") == ["Your", "Email", "Address"]
    assert not title_case_words("Sign in – E-Citizen")
    assert US_SPELLINGS.search("Follow the link provided to finalize the signup process")


def test_sign_in_message_is_ours(client, citizen, sign_in):
    sign_in(client, citizen.email)
    texts = [str(m) for m in get_messages(client.get(reverse("accounts:overview")).wsgi_request)]
    assert texts == [f"You are signed in as {citizen.email}."] or any("You are signed in as" in t for t in texts)
    assert not any("Successfully" in t for t in texts)


@pytest.mark.parametrize("page_language", ["en", "es"])
def test_lucia_reads_the_sign_in_message_in_spanish(client, make_user, sign_in, page_language):
    # given Lucía, whose account is in Spanish, on a sign-in page in English or Spanish
    lucia = make_user("lucia@example.org", preferred_language="es", given_name="Lucía")
    client.cookies["ecitizen_language"] = page_language
    # when she signs in
    response = sign_in(client, lucia.email)
    # then the flash message is in Spanish, as is the page after it
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts, "no sign-in message"
    with translation.override("es"):
        expected = translation.gettext("You are signed in as %(name)s.")
    assert expected != "You are signed in as %(name)s.", "the Spanish catalogue lacks the sign-in message"
    for text in texts:
        assert "signed in" not in text and "Successfully" not in text, text


def test_allauth_messages_render_in_the_signed_in_persons_language(client, make_user, sign_in, monkeypatch):
    # given Lucía's account is in Spanish and the sign-in page in English
    from allauth.account.adapter import DefaultAccountAdapter

    languages = []
    original = DefaultAccountAdapter.add_message

    def spy(self, request, level, message_template=None, *args, **kwargs):
        languages.append((message_template, translation.get_language()))
        return original(self, request, level, message_template, *args, **kwargs)

    monkeypatch.setattr(DefaultAccountAdapter, "add_message", spy)
    lucia = make_user("lucia@example.org", preferred_language="es")
    # when she signs in
    sign_in(client, lucia.email)
    # then allauth's message was written in Spanish
    assert ("account/messages/logged_in.txt", "es") in languages


def test_account_emails_use_our_words_and_date_format(citizen):
    import datetime

    from allauth.account.adapter import get_adapter
    from django.core import mail

    # given a security notification about a change made at 11:41 on 6 December 2026
    context = {
        "user": citizen,
        "ip": "192.0.2.1",
        "user_agent": "Firefox",
        "timestamp": datetime.datetime(2026, 12, 6, 11, 41, tzinfo=datetime.UTC),
    }
    # when allauth sends it
    get_adapter().send_mail("account/email/password_changed", citizen.email, context)
    # then it reads in our words, with the date in our format
    message = mail.outbox[-1]
    assert message.subject == "Your password has changed"
    assert "6 December 2026, 11:41am" in message.body
    assert "a.m." not in message.body and "recognize" not in message.body


@pytest.mark.parametrize(
    "prefix",
    [
        "account/email/account_already_exists",
        "account/email/email_confirmation",
        "account/email/email_confirmation_signup",
        "account/email/login_code",
        "account/email/password_reset_key",
        "account/email/password_reset_code",
        "account/email/unknown_account",
        "mfa/email/totp_activated",
        "mfa/email/webauthn_added",
    ],
)
def test_every_account_email_subject_is_sentence_case(citizen, prefix):
    from allauth.account.adapter import get_adapter
    from django.core import mail

    context = {"user": citizen, "code": "123456", "activate_url": "/x", "password_reset_url": "/y", "signup_url": "/z"}
    get_adapter().send_mail(prefix, citizen.email, context)
    message = mail.outbox[-1]
    assert not title_case_words(message.subject), message.subject
    assert not US_SPELLINGS.search(message.body), message.body
    assert "Hello from" not in message.body
