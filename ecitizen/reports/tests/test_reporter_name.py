"""A signed-in reporter is named by their profile only: a posted ``name`` never reaches the public page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from ecitizen.reports import services
from ecitizen.reports.models import Report
from ecitizen.reports.tests.test_reporting_journey import DETAILS, details, send, to_details

pytestmark = pytest.mark.django_db


def test_a_signed_in_reporters_posted_name_is_ignored_by_the_service(citizen, pothole):
    report = services.report_create(
        actor=citizen,
        service_code="pothole",
        latitude=52.030,
        longitude=0.005,
        title="Deep pot-hole",
        description="By the bus stop.",
        answers={"depth": "deep"},
        name="The Mayor",
    )
    assert report.reporter_name == "Amina Haddad"


def test_a_signed_in_updaters_posted_name_is_ignored(make_report, other_citizen):
    update = services.report_add_update(actor=other_citizen, report=make_report(), text="Still there", name="The Mayor")
    assert update.author_name == "Ben Okafor"


def test_an_extra_name_field_posted_by_a_signed_in_reporter_is_not_published(client, citizen, pothole):
    client.force_login(citizen)
    to_details(client)
    assert client.post(DETAILS, details(name="The Mayor")).status_code == 302
    assert send(client).status_code == 302

    report = Report.objects.get()
    assert report.reporter_name == "Amina Haddad"
    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "The Mayor" not in page and "Amina Haddad" in page


def test_an_extra_name_on_a_signed_in_update_is_not_published(client, make_report, other_citizen):
    report = make_report()
    client.force_login(other_citizen)
    client.post(reverse("reports:update", args=[report.pk]), {"text": "Still there", "name": "The Mayor"})

    page = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "Still there" in page and "The Mayor" not in page
