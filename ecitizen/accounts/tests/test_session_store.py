"""The session store's plain read and the user loader's plain statement give what the ORM gave."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.utils import timezone

from ecitizen.accounts.backends import LOADED_LANGUAGE, ModelBackend
from ecitizen.accounts.session_store import SessionStore

pytestmark = pytest.mark.django_db


def test_a_session_written_by_djangos_store_is_read_and_an_expired_one_is_not():
    written = DjangoStore()
    written["colour"] = "green"
    written.create()
    written.save()
    assert SessionStore(written.session_key).load() == {"colour": "green"}

    written.set_expiry(timezone.now() - datetime.timedelta(seconds=1))
    written.save()
    expired = SessionStore(written.session_key)
    assert expired.load() == {}
    assert expired.session_key is None  # a new key is made rather than the old one reused
    assert SessionStore("no-such-session-key-000").load() == {}


def test_the_user_is_loaded_as_the_orm_loads_it(make_user):
    user = make_user("loader@example.net")
    user.profile.preferred_language = "fr"
    user.profile.save()
    loaded = ModelBackend().get_user(user.pk)
    expected = type(user).objects.get(pk=user.pk)
    for field in type(user)._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    assert timezone.is_aware(loaded.date_joined)
    assert getattr(loaded, LOADED_LANGUAGE) == "fr"
    assert ModelBackend().get_user(10**9) is None
    assert ModelBackend().get_user("not a number") is None
