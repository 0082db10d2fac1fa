"""The signed-in user and their profile language come in one query, as fresh as before."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecitizen.accounts.backends import REPLACED_BACKENDS
from ecitizen.accounts.models import Profile, User

pytestmark = pytest.mark.django_db


def _profile_reads(client, url):
    client.get(url)  # warm up (session)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    sqls = [q["sql"] for q in captured.captured_queries]
    # a query of its own on the profile (not the subquery in the user's)
    alone = [s for s in sqls if s.startswith('SELECT "accounts_profile".')]
    with_user = [s for s in sqls if '"accounts_user"' in s and "preferred_language" in s]
    return response.content.decode(), alone, with_user


def test_the_language_comes_with_the_user_and_a_change_shows_on_the_next_request(client, make_user):
    user = make_user("backend-lang@example.org", preferred_language="es")
    client.force_login(user)
    page, alone, with_user = _profile_reads(client, reverse("cases:mine"))
    assert ">Servicios<" in page
    assert alone == [] and len(with_user) == 1
    Profile.objects.filter(user=user).update(preferred_language="fr")  # e.g. changed on another device
    page = client.get(reverse("cases:mine")).content.decode()
    assert '<html lang="fr"' in page and ">Servicios<" not in page
    Profile.objects.filter(user=user).update(preferred_language="")
    assert '<html lang="en"' in client.get(reverse("cases:mine")).content.decode()


def test_a_user_without_a_profile_gets_the_site_language(client):
    user = User.objects.create_user(email="noprofile-backend@example.org", password="x" * 12)
    client.force_login(user)
    page, alone, _ = _profile_reads(client, reverse("cases:mine"))
    assert '<html lang="en"' in page and alone == []


def test_an_inactive_user_is_signed_out(client, make_user):
    user = make_user("inactive-backend@example.org")
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(reverse("cases:mine"))
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("old", sorted(REPLACED_BACKENDS))
def test_a_session_signed_in_with_the_replaced_backend_stays_signed_in(client, make_user, old):
    user = make_user("old-session@example.org", preferred_language="ar")
    client.force_login(user, backend=old)
    assert client.session[BACKEND_SESSION_KEY] == old
    response = client.get(reverse("cases:mine"))
    assert response.status_code == 200 and '<html lang="ar"' in response.content.decode()
    assert client.session[BACKEND_SESSION_KEY] == REPLACED_BACKENDS[old]
    _page, alone, with_user = _profile_reads(client, reverse("cases:mine"))
    assert alone == [] and len(with_user) == 1


def test_signing_in_through_the_form_records_our_backend(client, make_user):
    make_user("form-sign-in@example.org", password="correct horse battery")
    response = client.post(
        reverse("account_login"), {"login": "form-sign-in@example.org", "password": "correct horse battery"}
    )
    assert response.status_code == 302
    assert client.session[BACKEND_SESSION_KEY].startswith("ecitizen.accounts.backends.")


def test_a_password_changed_elsewhere_signs_this_session_out(client, make_user):
    """get_user reads the user by hand, but Django still checks the session's password hash: a
    password changed on another device (or reset by the owner) ends every other session."""
    user = make_user("backend-hash@example.org")
    client.force_login(user)
    assert client.get(reverse("cases:mine")).status_code == 200
    user.set_password("a-new-password-2027")
    user.save(update_fields=["password"])
    response = client.get(reverse("cases:mine"))
    assert response.status_code == 302 and "login" in response["Location"]
