import pytest
from django.core import mail
from django.utils import translation

from ecitizen.accounts.selectors import profile_for
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db


def test_profile_form_saves_and_audits_field_names_only(client, citizen):
    client.force_login(citizen)
    response = client.post(
        "/account/profile/",
        {
            "given_name": "Amina",
            "family_name": "Haddad",
            "phone": "+44 808 157 0192",
            "address_line_1": "12 River Street",
            "town": "Riverton",
            "postcode": "rv1 4ab",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 302
    profile = profile_for(citizen)
    profile.refresh_from_db()
    assert (profile.phone, profile.town, profile.postcode) == ("+44 808 157 0192", "Riverton", "RV1 4AB")
    row = AuditLog.objects.get(action=AuditAction.PROFILE_UPDATED)
    assert sorted(row.extra["fields"]) == ["address_line_1", "phone", "postcode", "town"]
    assert "Riverton" not in str(row.extra)


def test_profile_form_shows_translated_field_errors(client, citizen):
    client.force_login(citizen)
    client.post("/language/", {"language": "es", "next": "/"})
    response = client.post("/account/profile/", {"phone": "not a phone", "date_of_birth": "2999-01-01"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body
    assert 'href="#id_phone"' in body
    assert 'lang="es"' in body


def test_language_switch_remembered_on_the_profile(client, citizen):
    client.force_login(citizen)
    response = client.post("/language/", {"language": "ar", "next": "/account/"})
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert profile_for(citizen).preferred_language == "ar"
    # a fresh session on another device, without the cookie, still gets Arabic
    client.cookies.clear()
    client.force_login(citizen)
    page = client.get("/account/")
    assert '<html lang="ar" dir="rtl"' in page.content.decode()


def test_language_switch_for_visitors_uses_a_cookie(client):
    response = client.post("/language/", {"language": "fr", "next": "/"})
    assert response.cookies["ecitizen_language"].value == "fr"
    assert '<html lang="fr" dir="ltr"' in client.get("/").content.decode()


def test_language_switch_refuses_offsite_redirects_and_unknown_languages(client):
    response = client.post("/language/", {"language": "xx", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_account_emails_go_out_in_the_recipients_language(make_user):
    from allauth.account.adapter import get_adapter

    user = make_user("lucia@example.org", preferred_language="es")
    with translation.override("en"):
        get_adapter().send_mail(
            "account/email/password_reset_key", user.email, {"user": user, "password_reset_url": "/x"}
        )
    assert len(mail.outbox) == 1
    english = "Reset your password"
    assert english not in mail.outbox[0].subject
    assert "contraseña" in mail.outbox[0].subject.lower()


def test_security_page_lists_own_events_only(client, citizen, other_citizen):
    from ecitizen.accounts.services import security_event_record

    security_event_record(user=citizen, action=AuditAction.PASSWORD_CHANGED)
    security_event_record(user=other_citizen, action=AuditAction.MFA_ENABLED)
    client.force_login(citizen)
    body = client.get("/account/security/").content.decode()
    assert "Password changed" in body
    assert "Two-factor method added" not in body


def test_allauths_unaudited_session_endpoint_is_replaced_by_ours(client, citizen):
    client.force_login(citizen)
    assert client.get("/accounts/sessions/").status_code == 200
    assert client.post("/accounts/sessions/", {"action": "logout"}).status_code == 405
