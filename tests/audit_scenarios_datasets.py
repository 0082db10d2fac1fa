"""Audit scenarios of ecitizen.records.datasets: see tests/audit_scenarios.py for the shape."""

from __future__ import annotations

import itertools
from typing import Any

from ecitizen.core.models import AuditAction as A

_seq = itertools.count(1)
CSV = b"stop,boardings\nMarket Square,120\nStation Road,85\n"


def _expect(**kwargs):
    from tests.audit_scenarios import Expect

    return Expect(**kwargs)


def _data(**overrides) -> dict[str, Any]:
    data = {
        "name": f"audit-dataset-{next(_seq)}",
        "title": {"en": "Bus boardings"},
        "description": {"en": "Boardings per stop."},
        "keywords": ["buses"],
        "themes": ["TRAN"],
        "licence": "CC-BY-4.0",
        "frequency": "monthly",
    }
    data.update(overrides)
    return data


def _csv():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("boardings.csv", CSV, content_type="text/csv")


def _dataset(w, *, resource: bool = True, publish: bool = False):
    from ecitizen.records.datasets import services

    admin = w.staff("agency_admin")
    dataset = services.dataset_create(actor=admin, agency=w.agency_a, data=_data())
    if resource:
        services.resource_add(actor=admin, dataset=dataset, title="Boardings", format="CSV", upload=_csv())
    if publish:
        dataset = services.dataset_publish(actor=admin, dataset=dataset)
    return admin, dataset


def dataset_created(w):
    admin = w.staff("agency_admin")

    def act():
        from ecitizen.records.datasets.services import dataset_create

        dataset = dataset_create(actor=admin, agency=w.agency_a, data=_data())
        return _expect(actor=admin, subject=dataset, agency=w.agency_a)

    return act


def dataset_updated(w):
    admin, dataset = _dataset(w, publish=True)

    def act():
        from ecitizen.records.datasets.services import dataset_update

        dataset_update(actor=admin, dataset=dataset, data=_data(name=dataset.name, licence="CC0-1.0"))
        return _expect(actor=admin, subject=dataset, agency=w.agency_a)

    return act


def dataset_published(w):
    admin, dataset = _dataset(w)

    def act():
        from ecitizen.records.datasets.services import dataset_publish

        dataset_publish(actor=admin, dataset=dataset)
        return _expect(actor=admin, subject=dataset, agency=w.agency_a)

    return act


def dataset_unpublished(w):
    admin, dataset = _dataset(w, publish=True)

    def act():
        from ecitizen.records.datasets.services import dataset_unpublish

        dataset_unpublish(actor=admin, dataset=dataset)
        return _expect(actor=admin, subject=dataset, agency=w.agency_a)

    return act


def resource_added(w):
    admin, dataset = _dataset(w, resource=False)

    def act():
        from ecitizen.records.datasets.services import resource_add

        resource = resource_add(actor=admin, dataset=dataset, title="Boardings", format="CSV", upload=_csv())
        return _expect(actor=admin, subject=resource, agency=w.agency_a)

    return act


def resource_replaced(w):
    from ecitizen.records.datasets.models import Resource

    admin, dataset = _dataset(w, publish=True)
    resource = Resource.objects.get(dataset=dataset)

    def act():
        from ecitizen.records.datasets.services import resource_replace

        resource_replace(
            actor=admin, resource=resource, title="Boardings", format="JSON", url="https://data.example/b.json"
        )
        return _expect(actor=admin, subject=resource, agency=w.agency_a)

    return act


def resource_removed(w):
    from ecitizen.records.datasets.models import Resource

    admin, dataset = _dataset(w)
    resource = Resource.objects.get(dataset=dataset)

    def act():
        from ecitizen.records.datasets.services import resource_remove

        resource_remove(actor=admin, resource=resource)
        return _expect(actor=admin, subject=dataset, agency=w.agency_a)

    return act


SCENARIOS: dict[str, Any] = {
    A.DATASET_CREATED: dataset_created,
    A.DATASET_UPDATED: dataset_updated,
    A.DATASET_PUBLISHED: dataset_published,
    A.DATASET_UNPUBLISHED: dataset_unpublished,
    A.DATASET_RESOURCE_ADDED: resource_added,
    A.DATASET_RESOURCE_REPLACED: resource_replaced,
    A.DATASET_RESOURCE_REMOVED: resource_removed,
}
