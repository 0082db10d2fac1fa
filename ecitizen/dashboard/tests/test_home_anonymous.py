"""The anonymous home page: its body is rendered once per process and language (a fragment),
so it must still follow the reader's language and never show a signed-in person's page."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_home_follows_the_language(client):
    english = client.get("/").content.decode()
    assert "Create an account" in english and 'href="/accounts/signup/"' in english
    spanish = client.get("/", {"lang": "es"}, follow=True).content.decode()
    assert "Crear una cuenta" in spanish and "Create an account" not in spanish
    client.cookies.clear()
    again = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Create an account" in again and "Crear una cuenta" not in again


def test_home_for_a_signed_in_person_is_their_dashboard(client, citizen):
    assert "Create an account" in client.get("/").content.decode()
    client.force_login(citizen)
    page = client.get("/").content.decode()
    assert "Create an account" not in page
