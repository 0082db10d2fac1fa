"""Staff must use MFA before the back office; "sign out everywhere else" ends the
other sessions after asking for the password again, and leaves an audit row."""

from __future__ import annotations

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from ecitizen.accounts.tests.conftest import PASSWORD
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def caseworker_without_mfa(make_user, agency_a):
    from ecitizen.agencies.models import Membership

    user = make_user("new.caseworker@council.example")
    Membership.objects.create(user=user, agency=agency_a, role="caseworker")
    return user


def test_staff_without_mfa_are_sent_to_set_it_up(client, caseworker_without_mfa):
    client.force_login(caseworker_without_mfa)

    response = client.get("/staff/")

    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_index")
    page = client.get(response["Location"])
    assert "Staff must set up two-factor authentication" in page.content.decode()


def test_staff_with_mfa_reach_the_back_office(client, caseworker_a):
    client.force_login(caseworker_a)

    assert client.get("/staff/").status_code == 200


def test_citizens_are_not_asked_for_mfa_but_get_no_back_office(client, citizen):
    client.force_login(citizen)

    assert client.get("/staff/").status_code == 403


def _signed_in_device(user, sign_in) -> Client:
    device = Client()
    sign_in(device, user.email)
    device.get(reverse("accounts:overview"))  # usersessions records the session on a request
    return device


def test_sign_out_everywhere_else_ends_the_other_sessions_and_audits(citizen, sign_in):
    # given: Amina signed in on a laptop and on a phone
    laptop = _signed_in_device(citizen, sign_in)
    phone = _signed_in_device(citizen, sign_in)
    assert UserSession.objects.filter(user=citizen).count() == 2

    # when: on the laptop she signs out everywhere else, confirming her password
    response = laptop.post(reverse("accounts:sessions_end_others"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not AuditLog.objects.filter(action=AuditAction.OTHER_SESSIONS_ENDED).exists()
    resumed = laptop.post(response["Location"], {"password": PASSWORD}, follow=True)

    # then: the phone is signed out, the laptop is not, and one audit row says so
    assert resumed.redirect_chain[-1][0] == reverse("accounts:sessions")
    assert "You have been signed out on 1 other device." in resumed.content.decode()
    assert phone.get(reverse("accounts:overview")).status_code == 302
    assert laptop.get(reverse("accounts:overview")).status_code == 200
    assert UserSession.objects.filter(user=citizen).count() == 1
    row = AuditLog.objects.get(action=AuditAction.OTHER_SESSIONS_ENDED)
    assert (row.actor, row.subject_user, row.extra) == (citizen, citizen, {"count": 1})


def test_sign_out_everywhere_else_leaves_other_people_signed_in(citizen, other_citizen, sign_in):
    laptop = _signed_in_device(citizen, sign_in)
    ben = _signed_in_device(other_citizen, sign_in)
    laptop.post(reverse("account_reauthenticate"), {"password": PASSWORD})

    laptop.post(reverse("accounts:sessions_end_others"))

    assert ben.get(reverse("accounts:overview")).status_code == 200
    assert AuditLog.objects.get(action=AuditAction.OTHER_SESSIONS_ENDED).extra == {"count": 0}


def test_the_sessions_page_names_the_browser_and_keeps_the_raw_text(citizen, sign_in):
    ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    device = Client(HTTP_USER_AGENT=ua)
    sign_in(device, citizen.email)
    device.get(reverse("accounts:overview"))

    for url in (reverse("accounts:sessions"), "/accounts/sessions/"):
        page = device.get(url).content.decode()
        assert "Chrome on Linux" in page
        assert '<summary class="govuk-details__summary">' in page and ua in page
