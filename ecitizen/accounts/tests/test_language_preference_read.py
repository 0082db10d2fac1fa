"""The profile language read on every signed-in request: one column, and a change shows at once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ecitizen.accounts.models import Profile, User
from ecitizen.accounts.selectors import preferred_language_for

pytestmark = pytest.mark.django_db


def test_reads_the_saved_language_or_nothing(make_user, django_assert_num_queries):
    user = make_user("lang@example.org", preferred_language="ar")
    with django_assert_num_queries(1):
        assert preferred_language_for(user) == "ar"
    Profile.objects.filter(user=user).update(preferred_language="")
    assert preferred_language_for(user) == ""
    bare = User.objects.create_user(email="noprofile@example.org", password="x" * 12)
    assert preferred_language_for(bare) == ""


def test_a_changed_language_shows_on_the_next_request(client, make_user):
    user = make_user("switch@example.org", preferred_language="es")
    client.force_login(user)
    assert ">Servicios<" in client.get(reverse("cases:mine")).content.decode()
    Profile.objects.filter(user=user).update(preferred_language="en")
    page = client.get(reverse("cases:mine")).content.decode()
    assert ">Services<" in page and ">Servicios<" not in page
