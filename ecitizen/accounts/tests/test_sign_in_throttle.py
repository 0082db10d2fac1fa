"""Failed sign-ins are throttled per address and account: 429 with Retry-After, and nobody
elsewhere can lock the owner out by typing wrong passwords for their email."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse

from ecitizen.accounts.tests.conftest import PASSWORD
from ecitizen.accounts.throttle import KNOWN_DEVICE_COOKIE, KNOWN_DEVICE_SALT

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 3, 2, 9, 0, 0, tzinfo=datetime.UTC)
ATTACKER = "203.0.113.66"
OWNER = "198.51.100.10"


@pytest.fixture(autouse=True)
def _limits_on(settings):
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    settings.ACCOUNT_RATE_LIMITS = {"login": "1000/m/ip", "login_failed": "10/m/ip,5/5m/key"}
    settings.SIGN_IN_FAILURE_RATES = {"address_account": "5/5m", "address": "20/5m", "account": "100/h"}


def _attempt(client, email, password, ip):
    return client.post(reverse("account_login"), {"login": email, "password": password}, REMOTE_ADDR=ip)


def test_sixth_wrong_password_from_one_address_gets_429_with_retry_after(client, citizen):
    with time_machine.travel(START, tick=False):
        codes = [_attempt(client, citizen.email, "wrong password", ATTACKER).status_code for _ in range(5)]
        assert codes == [200] * 5
        response = _attempt(client, citizen.email, "wrong password", ATTACKER)
    assert response.status_code == 429
    assert response["Retry-After"] == "300"
    assert "Too many" in response.content.decode() or "too many" in response.content.decode()


def test_throttled_even_with_the_right_password_from_that_address(client, citizen):
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            _attempt(client, citizen.email, "wrong password", ATTACKER)
        assert _attempt(client, citizen.email, PASSWORD, ATTACKER).status_code == 429
        assert "_auth_user_id" not in client.session


def test_the_owner_is_not_locked_out_by_failures_from_elsewhere(client, citizen):
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            _attempt(client, citizen.email, "wrong password", ATTACKER)
        assert _attempt(client, citizen.email, "wrong password", ATTACKER).status_code == 429
        # the owner, from their own address, a moment later
        response = _attempt(client, citizen.email, PASSWORD, OWNER)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(citizen.pk)


def test_successful_sign_ins_do_not_count(client, citizen):
    with time_machine.travel(START, tick=False):
        for _ in range(8):
            assert _attempt(client, citizen.email, PASSWORD, OWNER).status_code == 302
            client.logout()
        for _ in range(4):
            assert _attempt(client, citizen.email, "wrong password", OWNER).status_code == 200
        assert _attempt(client, citizen.email, PASSWORD, OWNER).status_code == 302


def test_the_window_slides(client, citizen):
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(5):
            _attempt(client, citizen.email, "wrong password", ATTACKER)
        clock.move_to(START + datetime.timedelta(seconds=299))
        assert _attempt(client, citizen.email, "wrong password", ATTACKER).status_code == 429
        clock.move_to(START + datetime.timedelta(seconds=300, microseconds=1))
        assert _attempt(client, citizen.email, "wrong password", ATTACKER).status_code == 200


def test_one_address_guessing_many_accounts_is_stopped(client, make_user):
    emails = [f"person{n}@example.org" for n in range(21)]
    with time_machine.travel(START, tick=False):
        codes = [_attempt(client, email, "wrong password", ATTACKER).status_code for email in emails]
    assert codes == [200] * 20 + [429]


def test_many_addresses_guessing_one_account_meet_the_account_cap(client, citizen, settings):
    settings.SIGN_IN_FAILURE_RATES = {"address_account": "5/5m", "address": "20/5m", "account": "12/h"}
    with time_machine.travel(START, tick=False):
        codes = [_attempt(client, citizen.email, "wrong password", f"203.0.113.{n}").status_code for n in range(1, 14)]
    assert codes == [200] * 12 + [429]


def _spread_failures(client, email, count=100, addresses=20):
    """*count* wrong passwords from *addresses* addresses, each staying under the 5/5m address+account cap."""
    for n in range(count):
        response = _attempt(client, email, "wrong password", f"203.0.113.{n % addresses + 1}")
        assert response.status_code == 200


def test_a_known_browser_gets_in_after_failures_from_many_addresses(client, citizen):
    with time_machine.travel(START, tick=False):
        assert _attempt(client, citizen.email, PASSWORD, OWNER).status_code == 302
        known = client.cookies[KNOWN_DEVICE_COOKIE]
        assert known["httponly"] and known["samesite"] == "Lax" and int(known["max-age"]) > 86400 * 300
        client.logout()  # the test client's logout drops every cookie; a browser keeps this one
        client.cookies[KNOWN_DEVICE_COOKIE] = known.value
        _spread_failures(Client(), citizen.email)
        response = _attempt(client, citizen.email, PASSWORD, OWNER)
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(citizen.pk)


def test_a_new_browser_is_told_to_sign_in_with_an_emailed_code(client, citizen):
    with time_machine.travel(START, tick=False):
        _spread_failures(client, citizen.email)
        fresh = Client()
        response = _attempt(fresh, citizen.email, PASSWORD, OWNER)
        assert "_auth_user_id" not in fresh.session
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert reverse("account_request_login_code") in response.content.decode()


def test_a_forged_or_foreign_known_device_cookie_does_not_exempt(client, citizen, make_user):
    other = make_user(email="other@example.org")
    with time_machine.travel(START, tick=False):
        _spread_failures(client, citizen.email)
        forged = Client()
        forged.cookies[KNOWN_DEVICE_COOKIE] = signing.dumps([str(citizen.pk)], salt="wrong salt")
        assert _attempt(forged, citizen.email, PASSWORD, OWNER).status_code == 429
        foreign = Client()
        foreign.cookies[KNOWN_DEVICE_COOKIE] = signing.dumps([str(other.pk)], salt=KNOWN_DEVICE_SALT)
        assert _attempt(foreign, citizen.email, PASSWORD, OWNER).status_code == 429


def test_a_known_browser_is_still_held_by_the_address_and_account_cap(client, citizen):
    with time_machine.travel(START, tick=False):
        assert _attempt(client, citizen.email, PASSWORD, OWNER).status_code == 302
        known = client.cookies[KNOWN_DEVICE_COOKIE].value
        client.logout()
        client.cookies[KNOWN_DEVICE_COOKIE] = known
        for _ in range(5):
            assert _attempt(client, citizen.email, "wrong password", OWNER).status_code == 200
        assert _attempt(client, citizen.email, PASSWORD, OWNER).status_code == 429
