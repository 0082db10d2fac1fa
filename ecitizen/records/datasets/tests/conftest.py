"""The open data catalogue's personas and builders, made through the services."""

from __future__ import annotations

import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

_seq = itertools.count(1)

CSV = (
    "town,population,region\n"
    "Northbridge,12000,North\n"
    "Eastham,800,East\n"
    "Westford,45000,West\n"
    "Southby,3100,South\n"
    "Riverside,,North\n"
)


def csv_file(text: str = CSV, name: str = "towns.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def dataset_data(**overrides):
    n = next(_seq)
    data = {
        "name": f"bus-stops-{n}",
        "title": {"en": f"Bus stops {n}", "es": "Paradas de autobús"},
        "description": {"en": "Every bus stop in the city."},
        "spatial": {"en": "The city"},
        "keywords": ["buses", "transport"],
        "themes": ["TRAN"],
        "licence": "CC-BY-4.0",
        "frequency": "monthly",
        "temporal_start": None,
        "temporal_end": None,
    }
    data.update(overrides)
    return data


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture
def admin_b(make_user, with_mfa, agency_b):
    from ecitizen.agencies.models import Membership

    user = make_user("admin@transport.example")
    Membership.objects.create(user=user, agency=agency_b, role="agency_admin")
    with_mfa(user)
    return user


@pytest.fixture
def make_dataset(admin_a, agency_a):
    from ecitizen.records.datasets import services

    def make(*, actor=None, agency=None, publish=False, csv: str | None = CSV, **data):
        actor = actor or admin_a
        dataset = services.dataset_create(actor=actor, agency=agency or agency_a, data=dataset_data(**data))
        if csv is not None:
            services.resource_add(actor=actor, dataset=dataset, title="Towns", format="CSV", upload=csv_file(csv))
        if publish:
            dataset = services.dataset_publish(actor=actor, dataset=dataset)
        dataset.refresh_from_db()
        return dataset

    return make
