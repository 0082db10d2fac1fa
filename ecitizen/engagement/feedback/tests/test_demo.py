"""The demo ratings: enough for the start page figure, spread over months, and idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_demo_ratings_show_on_a_start_page_and_load_once(client, monkeypatch):
    from ecitizen.demo.feedback import demo_feedback_load
    from ecitizen.demo.management.commands import seed_demo
    from ecitizen.engagement.feedback.models import Rating

    # The other engagement demos run after this one and are tested by their own apps.
    for name in ("demo_consultations_load", "demo_petitions_load", "demo_discussions_load"):
        monkeypatch.setattr(seed_demo, name, lambda: [])
    call_command("seed_demo", register_size=5, stdout=io.StringIO())
    lines = demo_feedback_load()
    assert "satisfaction ratings:" in lines[0]
    count = Rating.objects.count()
    assert count >= 24
    assert Rating.objects.values("month").distinct().count() == 12
    assert Rating.objects.filter(channel="counter").exists() and Rating.objects.exclude(comment="").exists()
    page = client.get("/services/resident-parking-permit/").content.decode()
    assert "of people were satisfied or very satisfied with this service" in page
    rows = client.get("/api/feedback/satisfaction", {"service": "resident-parking-permit"}).json()["items"]
    assert {row["suppressed"] for row in rows} == {True, False}  # published months, and thin ones

    assert demo_feedback_load()[0].startswith("satisfaction ratings: 0 made now")
    assert Rating.objects.count() == count
