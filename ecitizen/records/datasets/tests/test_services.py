"""Datasets' services: drafts, publishing, versions, resources, and who may do it."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.records.datasets import selectors, services
from ecitizen.records.datasets.models import DatasetVersion, DatastoreRow, Resource, Status
from ecitizen.records.datasets.tests.conftest import csv_file, dataset_data

pytestmark = pytest.mark.django_db


def _stored_files(settings) -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_new_dataset_is_a_draft_with_its_audit_row(admin_a, agency_a):
    # when
    dataset = services.dataset_create(actor=admin_a, agency=agency_a, data=dataset_data(name="road-works"))
    # then
    assert dataset.status == Status.DRAFT and dataset.version == 0
    assert dataset.title["es"] == "Paradas de autobús"
    row = AuditLog.objects.get(action=AuditAction.DATASET_CREATED)
    assert (row.actor, row.agency, row.subject_id, row.extra) == (
        admin_a,
        agency_a,
        str(dataset.pk),
        {"name": "road-works"},
    )


def test_staff_of_another_agency_and_citizens_cannot_create_or_edit(
    make_dataset, admin_b, caseworker_a, citizen, agency_a
):
    dataset = make_dataset()
    for actor in (admin_b, caseworker_a, citizen):
        with pytest.raises(PermissionDenied):
            services.dataset_create(actor=actor, agency=agency_a, data=dataset_data())
        with pytest.raises(PermissionDenied):
            services.dataset_update(actor=actor, dataset=dataset, data=dataset_data(name=dataset.name))
        with pytest.raises(PermissionDenied):
            services.resource_add(actor=actor, dataset=dataset, title="x", format="CSV", upload=csv_file())


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": "Not A Slug"}, "name"),
        ({"name": "new"}, "name"),
        ({"title": {"es": "Sólo en español"}}, "title"),
        ({"licence": "proprietary"}, "licence"),
        ({"frequency": "hourly"}, "frequency"),
        ({"themes": ["NOPE"]}, "themes"),
        ({"temporal_start": datetime.date(2025, 2, 1), "temporal_end": datetime.date(2025, 1, 1)}, "temporal_end"),
    ],
)
def test_bad_metadata_is_a_field_error(admin_a, agency_a, overrides, field):
    with pytest.raises(ValidationError) as exc:
        services.dataset_create(actor=admin_a, agency=agency_a, data=dataset_data(**overrides))
    assert field in exc.value.message_dict


def test_the_name_is_unique(admin_a, agency_a, make_dataset):
    make_dataset(name="schools")
    with pytest.raises(ValidationError) as exc:
        services.dataset_create(actor=admin_a, agency=agency_a, data=dataset_data(name="schools"))
    assert "name" in exc.value.message_dict


def test_publishing_needs_a_resource_and_makes_version_one(admin_a, make_dataset):
    empty = make_dataset(csv=None)
    with pytest.raises(ValidationError):
        services.dataset_publish(actor=admin_a, dataset=empty)
    dataset = make_dataset()
    # when
    dataset = services.dataset_publish(actor=admin_a, dataset=dataset)
    # then
    assert dataset.status == Status.PUBLISHED and dataset.version == 1 and dataset.published_at
    version = DatasetVersion.objects.get(dataset=dataset)
    assert version.number == 1 and version.snapshot["resources"][0]["title"] == "Towns"
    row = AuditLog.objects.get(action=AuditAction.DATASET_PUBLISHED)
    assert row.extra == {"name": dataset.name, "version": 1, "new_version": True}


def test_editing_a_draft_makes_no_version(admin_a, make_dataset):
    dataset = make_dataset()
    services.dataset_update(actor=admin_a, dataset=dataset, data=dataset_data(name=dataset.name, licence="CC0-1.0"))
    assert not DatasetVersion.objects.filter(dataset=dataset).exists()


def test_a_change_to_a_published_dataset_is_a_new_version_listing_exactly_what_changed(admin_a, make_dataset):
    dataset = make_dataset(publish=True)
    data = dataset_data(name=dataset.name, title=dataset.title, keywords=dataset.keywords)
    data["title"] = {**dataset.title, "fr": "Arrêts de bus"}
    data["licence"] = "CC0-1.0"
    # when
    dataset, changed = services.dataset_update(actor=admin_a, dataset=dataset, data=data)
    # then
    assert sorted(changed) == ["licence", "title"]
    assert dataset.version == 2
    v1, v2 = DatasetVersion.objects.filter(dataset=dataset).order_by("number")
    diff = selectors.version_diff(v1.snapshot, v2.snapshot)
    assert [(f["field"], f["language"]) for f in diff["fields"]] == [("title", "Français"), ("licence", "")]
    assert diff["fields"][0]["before"] == "" and diff["fields"][0]["after"] == "Arrêts de bus"
    assert diff["added"] == diff["removed"] == diff["changed"] == []
    row = AuditLog.objects.get(action=AuditAction.DATASET_UPDATED)
    assert row.extra == {"name": dataset.name, "fields": ["title", "licence"], "version": 2}


def test_saving_the_same_values_writes_nothing(admin_a, make_dataset):
    dataset = make_dataset(publish=True)
    data = {k: getattr(dataset, k) for k in ("name", "title", "description", "spatial", "keywords", "themes")}
    data.update(licence=dataset.licence, frequency=dataset.frequency, temporal_start=None, temporal_end=None)
    dataset, changed = services.dataset_update(actor=admin_a, dataset=dataset, data=data)
    assert changed == [] and dataset.version == 1
    assert not AuditLog.objects.filter(action=AuditAction.DATASET_UPDATED).exists()


def test_the_name_stays_once_published(admin_a, make_dataset):
    dataset = make_dataset(publish=True)
    dataset, changed = services.dataset_update(
        actor=admin_a, dataset=dataset, data=dataset_data(name="another-name", title=dataset.title)
    )
    assert dataset.name != "another-name" and "name" not in changed


def test_resources_added_replaced_and_removed_show_in_the_history(admin_a, make_dataset):
    dataset = make_dataset(publish=True)
    towns = Resource.objects.get(dataset=dataset)
    # when: a PDF is added (v2), the CSV replaced with other rows (v3), the PDF removed (v4)
    pdf = services.resource_add(
        actor=admin_a, dataset=dataset, title="Method", format="PDF", upload=csv_file("%PDF-1.4 x %%EOF", "m.pdf")
    )
    services.resource_replace(
        actor=admin_a, resource=towns, title="Towns", format="CSV", upload=csv_file("town,population\nA,1\n")
    )
    services.resource_remove(actor=admin_a, resource=Resource.objects.get(pk=pdf.pk))
    # then
    history = dict((v.number, diff) for v, diff in selectors.version_history(dataset))
    assert sorted(history) == [1, 2, 3, 4]
    assert [r["title"] for r in history[2]["added"]] == ["Method"] and history[2]["fields"] == []
    assert [c["keys"] for c in history[3]["changed"]] == [["size", "sha256"]]
    assert [r["title"] for r in history[4]["removed"]] == ["Method"]
    assert list(DatastoreRow.objects.filter(resource=towns).values_list("data", flat=True)) == [["A", 1]]
    assert AuditLog.objects.filter(action=AuditAction.DATASET_RESOURCE_REPLACED, subject_id=str(towns.pk)).count() == 1
    assert AuditLog.objects.filter(action=AuditAction.DATASET_RESOURCE_REMOVED, subject_id=str(dataset.pk)).count() == 1


def test_a_csv_is_loaded_into_the_datastore_with_its_columns(make_dataset):
    dataset = make_dataset()
    resource = Resource.objects.get(dataset=dataset)
    assert resource.columns == [
        {"id": "town", "type": "text"},
        {"id": "population", "type": "numeric"},
        {"id": "region", "type": "text"},
    ]
    assert resource.row_count == 5 and resource.datastore_active
    assert DatastoreRow.objects.get(resource=resource, row_number=5).data == ["Riverside", None, "North"]


def test_a_malformed_csv_is_a_field_error_and_nothing_is_saved(admin_a, make_dataset, settings):
    dataset = make_dataset(csv=None)
    files_before = _stored_files(settings)
    with pytest.raises(ValidationError) as exc:
        services.resource_add(
            actor=admin_a, dataset=dataset, title="Bad", format="CSV", upload=csv_file("a,b\n1,2\n3\n")
        )
    assert "file" in exc.value.message_dict
    assert "Row 3" in exc.value.message_dict["file"][0]
    assert not Resource.objects.filter(dataset=dataset).exists()
    assert not DatastoreRow.objects.exists()
    assert _stored_files(settings) == files_before
    assert not AuditLog.objects.filter(action=AuditAction.DATASET_RESOURCE_ADDED).exists()


def test_a_failed_transaction_deletes_the_stored_file(admin_a, make_dataset, settings, monkeypatch):
    dataset = make_dataset(csv=None)

    def boom(**kwargs):
        raise RuntimeError("audit failed")

    monkeypatch.setattr(services, "audit_record", boom)
    with pytest.raises(RuntimeError):
        services.resource_add(actor=admin_a, dataset=dataset, title="Towns", format="CSV", upload=csv_file())
    assert _stored_files(settings) == []
    assert not Resource.objects.exists() and not DatastoreRow.objects.exists()


def test_a_link_needs_http(admin_a, make_dataset):
    dataset = make_dataset(csv=None)
    with pytest.raises(ValidationError) as exc:
        services.resource_add(actor=admin_a, dataset=dataset, title="Feed", format="JSON", url="ftp://x.example/a")
    assert "url" in exc.value.message_dict
    resource = services.resource_add(
        actor=admin_a, dataset=dataset, title="Feed", format="JSON", url="https://data.example/a.json"
    )
    assert not resource.datastore_active and resource.url == "https://data.example/a.json"


def test_the_last_resource_of_a_published_dataset_stays(admin_a, make_dataset):
    dataset = make_dataset(publish=True)
    with pytest.raises(ValidationError):
        services.resource_remove(actor=admin_a, resource=Resource.objects.get(dataset=dataset))


def test_unpublishing_and_publishing_again_without_change_keeps_the_version(admin_a, make_dataset):
    dataset = make_dataset(publish=True)
    dataset = services.dataset_unpublish(actor=admin_a, dataset=dataset)
    assert dataset.status == Status.UNPUBLISHED
    dataset = services.dataset_publish(actor=admin_a, dataset=dataset)
    assert dataset.version == 1 and DatasetVersion.objects.filter(dataset=dataset).count() == 1


def test_a_name_taken_at_the_same_moment_is_a_field_error(admin_a, agency_a, make_dataset, monkeypatch):
    """The check found the name free, then someone else took it before the insert: the unique
    constraint decides, and the person is told as if the check had seen it."""
    from django.db.models import QuerySet

    from ecitizen.records.datasets.models import Dataset

    make_dataset(name="schools")
    exists = QuerySet.exists
    # The name check runs before the other person's insert: it finds no dataset with the name.
    monkeypatch.setattr(QuerySet, "exists", lambda self: False if self.model is Dataset else exists(self))
    with pytest.raises(ValidationError) as exc:
        services.dataset_create(actor=admin_a, agency=agency_a, data=dataset_data(name="schools"))
    assert "name" in exc.value.message_dict
