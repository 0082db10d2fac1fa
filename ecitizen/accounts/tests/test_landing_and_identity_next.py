"""Where people land: staff in the back office after signing in (unless a safe ``next`` says
otherwise), and a citizen back at the service they came from after verifying their identity."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_with_secret(make_user, with_mfa, agency_a):
    from ecitizen.agencies.models import Membership

    user = make_user("caseworker@council.example")
    Membership.objects.create(user=user, agency=agency_a, role="caseworker")
    return user, with_mfa(user)


def _sign_in_with_code(client, sign_in, totp_code, email, secret, next_url=None):
    data = {"login": email, "password": "correct horse battery"}
    if next_url is not None:
        data["next"] = next_url
    response = client.post(reverse("account_login"), data)
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    return client.post(reverse("mfa_authenticate"), {"code": totp_code(secret)})


def test_staff_land_in_the_back_office(client, sign_in, totp_code, staff_with_secret):
    user, secret = staff_with_secret
    response = _sign_in_with_code(client, sign_in, totp_code, user.email, secret)
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:home")


def test_staff_keep_a_safe_next(client, sign_in, totp_code, staff_with_secret):
    user, secret = staff_with_secret
    response = _sign_in_with_code(client, sign_in, totp_code, user.email, secret, next_url="/applications/")
    assert response["Location"] == "/applications/"


def test_staff_are_not_sent_off_site_by_next(client, sign_in, totp_code, staff_with_secret):
    user, secret = staff_with_secret
    response = _sign_in_with_code(client, sign_in, totp_code, user.email, secret, next_url="https://evil.example/")
    assert response["Location"] == reverse("staff:home")


def test_citizens_still_land_on_their_account(client, sign_in, citizen):
    response = sign_in(client, citizen.email)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:overview")


# --- back to the service after verifying ---------------------------------------------------


@pytest.fixture
def verified_service(agency_a):
    from ecitizen.cases.tests.conftest import make_version

    return make_version(agency_a, identity_level="verified")


def test_the_start_page_sends_next_to_identity_verification(client, citizen, verified_service):
    client.force_login(citizen)
    page = client.get(reverse("cases:start", args=["parking-permit"])).content.decode()
    assert f'href="{reverse("accounts:identity")}?next=/applications/start/parking-permit/"' in page


def _details(person):
    return {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "date_of_birth": person.date_of_birth.isoformat(),
        "national_id": person.national_id,
    }


def test_after_verifying_the_citizen_returns_to_the_service(client, citizen, register_person, verified_service):
    person = register_person()
    client.force_login(citizen)
    start = reverse("cases:start", args=["parking-permit"])
    form = client.get(reverse("accounts:identity"), {"next": start}).content.decode()
    assert f'name="next" value="{start}"' in form
    response = client.post(reverse("accounts:identity"), {**_details(person), "next": start})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == start


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/", "/\\evil.example", "/\t/evil.example", "javascript:alert(1)"]
)
def test_an_unsafe_next_is_ignored(client, citizen, register_person, unsafe):
    person = register_person()
    client.force_login(citizen)
    page = client.get(reverse("accounts:identity"), {"next": unsafe}).content.decode()
    # No form on the page carries the unsafe next (the language switcher's own next is this page).
    nexts = re.findall(r'name="next" value="([^"]*)"', page)
    assert nexts and all(value.startswith(reverse("accounts:identity")) for value in nexts), nexts
    response = client.post(reverse("accounts:identity"), {**_details(person), "next": unsafe})
    assert response["Location"] == reverse("accounts:overview")


def test_an_already_verified_citizen_gets_a_way_back(client, citizen, verify_identity):

    verify_identity(citizen)
    client.force_login(citizen)
    page = client.get(reverse("accounts:identity"), {"next": "/services/parking-permit/"}).content.decode()
    assert 'href="/services/parking-permit/"' in page and "Continue to the service" in page
