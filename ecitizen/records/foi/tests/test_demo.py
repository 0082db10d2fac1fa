"""The demo requests: ten, in different states, one overdue; loading twice adds nothing."""

from __future__ import annotations

import pytest

from ecitizen.records.foi.models import FoiRequest, ReviewStatus, Status

pytestmark = pytest.mark.django_db


def test_demo_requests(pinned, settings, make_user, agency_a, agency_b, caseworker_a, caseworker_b):
    from ecitizen.demo.foi import seed_foi

    settings.FOI_HOLIDAYS = []
    agency_a.slug, agency_b.slug = "city-council", "transport-agency"
    agency_a.save()
    agency_b.save()
    for email in ("amina@example.org", "ben@example.org", "lucia@example.org"):
        make_user(email)
    lines = seed_foi()
    assert len(lines) == 10
    statuses = set(FoiRequest.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    assert FoiRequest.objects.filter(review_status=ReviewStatus.REQUESTED).count() == 1
    assert sum("overdue" in line for line in lines) == 1
    assert FoiRequest.objects.filter(hide_name=True).count() == 1
    assert seed_foi() == lines
    assert FoiRequest.objects.count() == 10
