"""Personas every test can use: two citizens, staff of two agencies, an auditor.

Named people make tests read like stories (after Zulip's example users):
``citizen`` (Amina, verified) and ``other_citizen`` (Ben, basic); ``caseworker_a``
and ``admin_a`` of Agency A, ``caseworker_b`` of Agency B; ``auditor_a`` of
Agency A; ``platform_auditor`` who reads every agency's log.
"""

from __future__ import annotations

import datetime
import os

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

PINNED_CLOCK_ENV = "ECITIZEN_PINNED_CLOCK"


def pytest_addoption(parser):
    parser.addoption(
        "--pinned-clock",
        default=os.environ.get(PINNED_CLOCK_ENV, ""),
        metavar="ISO-DATETIME-WITH-OFFSET",
        help=(
            "run the whole session as if it started at this instant, e.g. 2026-12-31T23:30:00+00:00; "
            f"the clock keeps ticking from there (default: ${PINNED_CLOCK_ENV}, else the real clock)"
        ),
    )


def pinned_clock_instant(value: str) -> datetime.datetime:
    """The instant ``--pinned-clock`` names; an offset is required so that the instant is unambiguous."""
    try:
        instant = datetime.datetime.fromisoformat(value)
    except ValueError:
        raise pytest.UsageError(f"--pinned-clock: {value!r} is not an ISO 8601 date and time") from None
    if instant.utcoffset() is None:
        raise pytest.UsageError(f"--pinned-clock: {value!r} has no UTC offset (add e.g. +00:00 or Z)")
    return instant


def pytest_configure(config):
    """Travel the whole session, and every xdist worker (each runs this hook with the same options),
    to the ``--pinned-clock`` instant. Tests that travel themselves nest inside it."""
    value = config.getoption("--pinned-clock")
    if not value:
        return
    import time_machine

    instant = pinned_clock_instant(value)
    traveller = time_machine.travel(instant, tick=True)
    traveller.start()
    config._ecitizen_pinned_clock = (instant, traveller)


def pytest_unconfigure(config):
    pinned = getattr(config, "_ecitizen_pinned_clock", None)
    if pinned is not None:
        pinned[1].stop()


def pytest_report_header(config):
    pinned = getattr(config, "_ecitizen_pinned_clock", None)
    if pinned is not None:
        return f"pinned clock: the session starts at {pinned[0].isoformat()} (and ticks)"
    return None


@pytest.fixture
def make_user(db):
    from allauth.account.models import EmailAddress

    from ecitizen.accounts.models import Profile, User

    def make(email: str, *, verified_email: bool = True, password: str = "correct horse battery", **profile):
        user = User.objects.create_user(email=email, password=password)
        EmailAddress.objects.create(user=user, email=email, verified=verified_email, primary=True)
        Profile.objects.create(user=user, preferred_language=profile.pop("preferred_language", "en"), **profile)
        return user

    return make


@pytest.fixture
def with_mfa():
    """Give a user a TOTP authenticator; returns the secret."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    def add(user):
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret

    return add


@pytest.fixture
def register_person(db):
    from ecitizen.exchange.services import Person, population_register_load

    def add(national_id="AH-120488-K", given="Amina", family="Haddad", born=datetime.date(1988, 4, 12)):
        population_register_load([Person(national_id, given, family, born)])
        return Person(national_id, given, family, born)

    return add


@pytest.fixture
def verify_identity(register_person):
    """Verify *user* against the population register (a matching person added to it first), through
    the service a citizen's own check uses: ``verify_identity(user)`` returns the user."""
    from ecitizen.accounts.services import identity_verify_with_register

    def verify(user):
        person = register_person()
        identity_verify_with_register(
            user=user,
            given_name=person.given_name,
            family_name=person.family_name,
            date_of_birth=person.date_of_birth,
            national_id=person.national_id,
        )
        return user

    return verify


@pytest.fixture
def citizen(make_user):
    return make_user("amina@example.org", given_name="Amina", family_name="Haddad")


@pytest.fixture
def other_citizen(make_user):
    return make_user("ben@example.org", given_name="Ben", family_name="Okafor")


@pytest.fixture
def agency_a(db):
    from ecitizen.agencies.models import Agency

    return Agency.objects.create(name="City Council", slug="city-council", code="CC")


@pytest.fixture
def agency_b(db):
    from ecitizen.agencies.models import Agency

    return Agency.objects.create(name="Transport Agency", slug="transport-agency", code="TA")


def _staff(make_user, with_mfa, email, agency, role):
    from ecitizen.agencies.models import Membership

    user = make_user(email)
    Membership.objects.create(user=user, agency=agency, role=role)
    with_mfa(user)
    return user


@pytest.fixture
def caseworker_a(make_user, with_mfa, agency_a):
    return _staff(make_user, with_mfa, "caseworker@council.example", agency_a, "caseworker")


@pytest.fixture
def admin_a(make_user, with_mfa, agency_a):
    return _staff(make_user, with_mfa, "admin@council.example", agency_a, "agency_admin")


@pytest.fixture
def caseworker_b(make_user, with_mfa, agency_b):
    return _staff(make_user, with_mfa, "caseworker@transport.example", agency_b, "caseworker")


@pytest.fixture
def auditor_a(make_user, with_mfa, agency_a):
    return _staff(make_user, with_mfa, "auditor@council.example", agency_a, "auditor")


@pytest.fixture
def platform_auditor(make_user, with_mfa):
    from django.contrib.auth.models import Permission

    user = make_user("auditor@ecitizen.example")
    user.user_permissions.add(Permission.objects.get(codename="view_all_auditlog"))
    with_mfa(user)
    return user


@pytest.fixture
def mfa_client(client):
    """A test client signed in as *user* with MFA completed (allauth's session flag)."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture(autouse=True)
def _english_between_tests():
    """A request may switch the thread's language (the user's preference); don't let it leak."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture(autouse=True)
def _force_login_counts_as_full_sign_in(monkeypatch):
    """``client.force_login(user)`` stands for a completed sign-in: for a user with MFA
    that includes the second factor, which the back office checks the session for.
    Tests of the sign-in itself go through the real pages instead."""
    import time

    from allauth.mfa.utils import is_mfa_enabled
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        if is_mfa_enabled(user):
            session = self.session
            session["account_authentication_methods"] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
            session["account_authentication_methods_user"] = str(user.pk)
            session.save()

    monkeypatch.setattr(Client, "force_login", force_login)
