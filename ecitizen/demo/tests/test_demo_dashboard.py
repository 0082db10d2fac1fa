"""The demo citizen's dashboard shows one of each kind of item, and loading the demo twice adds none."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_demo_citizen_has_one_of_each_dashboard_item(client):
    from ecitizen.accounts.models import User
    from ecitizen.cases.models import Application
    from ecitizen.demo.dashboard import demo_dashboard_load
    from ecitizen.reports.models import Alert

    out = io.StringIO()
    call_command("seed_demo", register_size=5, stdout=out)
    assert "Dashboard of amina@example.org:" in out.getvalue()
    amina = User.objects.get(email="amina@example.org")
    client.force_login(amina)
    page = client.get("/").content.decode()
    actions = page[page.index('id="dashboard-actions"') : page.index('id="your-applications"')]
    for tag in ("Information requested", "Bill to pay", "Draft", "Expires soon"):
        assert tag in actions, tag
    assert "/services/resident-parking-permit/" in actions  # renew
    reports = page[page.index('id="your-reports"') : page.index('id="your-messages"')]
    assert "Reports you made" in reports and "Reports you follow" in reports
    # a service suggested from a life event, with the reason
    assert "/services/concessionary-bus-pass/" in page and "Suggested because" in page
    # who looked at my data: the caseworker's three views, grouped, with their purpose
    looked = client.get("/account/privacy/").content.decode()
    assert "Viewed 3 times" in looked and "Working your application" in looked

    # again: nothing new
    counts = (Application.objects.filter(citizen=amina).count(), Alert.objects.filter(user=amina).count())
    assert all("already there" in line for line in demo_dashboard_load())
    assert (Application.objects.filter(citizen=amina).count(), Alert.objects.filter(user=amina).count()) == counts
