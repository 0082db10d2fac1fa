"""``seed_demo`` (run by ``make run``) lives in the demo app and loads the whole demo, twice without change."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_every_app_and_is_idempotent():
    from ecitizen.accounts.models import User
    from ecitizen.agencies.models import Agency, Membership
    from ecitizen.catalogue.models import Service
    from ecitizen.core.models import AuditLog

    out = io.StringIO()
    call_command("seed_demo", register_size=5, stdout=out)
    assert "Demo accounts" in out.getvalue()
    assert set(Agency.objects.values_list("code", flat=True)) >= {"CC", "TA", "CR"}
    assert Membership.objects.filter(user__email="caseworker@council.example").exists()
    assert Service.objects.exists()
    counts = (User.objects.count(), Membership.objects.count(), Service.objects.count(), AuditLog.objects.count())

    call_command("seed_demo", register_size=5, stdout=io.StringIO())
    assert (User.objects.count(), Membership.objects.count(), Service.objects.count()) == counts[:3]


def test_seed_demo_command_comes_from_the_demo_app():
    from django.core.management import get_commands

    assert get_commands()["seed_demo"] == "ecitizen.demo"
