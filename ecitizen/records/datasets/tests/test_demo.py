"""The demo catalogue is made through the services, and running it twice makes nothing more."""

from __future__ import annotations

import pytest

from ecitizen.records.datasets.models import Dataset, DatasetVersion, DatastoreRow, Status

pytestmark = pytest.mark.django_db


def test_seed_datasets_makes_published_datasets_with_previews_once(make_user, agency_a, agency_b):
    from ecitizen.agencies.models import Agency, Membership
    from ecitizen.demo.datasets import seed_datasets

    registry = Agency.objects.create(name="Civil Registry", slug="civil-registry", code="CR")
    for agency, email in (
        (agency_a, "admin@council.example"),
        (agency_b, "admin@transport.example"),
        (registry, "admin@registry.example"),
    ):
        Membership.objects.create(user=make_user(email), agency=agency, role="agency_admin")
    # when
    lines = seed_datasets()
    # then
    assert Dataset.objects.count() == 30 and lines == ["30 datasets made, 27 of them published"]
    assert Dataset.objects.filter(status=Status.PUBLISHED).count() == 27
    assert DatastoreRow.objects.filter(resource__dataset__name="bus-stops").count() == 80
    assert DatasetVersion.objects.filter(dataset__name="library-visits").count() == 2
    assert seed_datasets() == ["0 datasets made, 0 of them published"]
