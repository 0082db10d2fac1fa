"""Every write of the open data catalogue: datasets, their resources, versions and DataStore rows.

Each service checks that *actor* may edit the dataset (agency admins of its agency), validates,
and writes its change and one audit row in one transaction. A file is read, checked and parsed
(:mod:`.datastore`) and stored *before* the transaction opens, so no write transaction is held
during CPU work or file I/O; if the transaction then fails, the stored file is deleted again.

A change to a published dataset (its metadata or its resources) makes a new
:class:`~.models.DatasetVersion` when the snapshot differs from the last one; publishing makes
one too. Versions are never changed or deleted.
"""

from __future__ import annotations

import contextlib
import datetime
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator, validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.cases.uploads import private_storage, sanitise_name
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.records.datasets import datastore
from ecitizen.records.datasets.models import (
    DESCRIPTION_MAX_LENGTH,
    KEYWORD_MAX_LENGTH,
    MAX_KEYWORDS,
    METADATA_FIELDS,
    NAME_MAX_LENGTH,
    SPATIAL_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Dataset,
    DatasetVersion,
    DatastoreRow,
    Format,
    Frequency,
    Licence,
    Resource,
    Status,
    Theme,
)
from ecitizen.records.datasets.policies import PUBLISHER_ROLES, dataset_policy

RESOURCE_FIELDS = ("title", "format", "url", "original_name", "size", "sha256")
_ROW_BATCH = 1000
# Names that are addresses of the back office (/staff/data/new/).
RESERVED_NAMES = frozenset({"new"})


def _require(actor: Any, dataset: Dataset) -> None:
    if not dataset_policy.can_for(actor, "edit", dataset):
        raise PermissionDenied


def _lock(dataset: Dataset) -> Dataset:
    return Dataset.objects.select_for_update().select_related("agency").get(pk=dataset.pk)


def _texts(value: Any, max_length: int) -> dict[str, str]:
    languages = {code for code, _name in settings.LANGUAGES}
    if not isinstance(value, dict):
        return {}
    return {k: str(v).strip()[:max_length] for k, v in value.items() if k in languages and str(v or "").strip()}


def _clean(data: dict[str, Any], dataset: Dataset | None) -> dict[str, Any]:
    """The metadata to store from *data*; raises ValidationError naming each wrong field."""
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip().lower()
    if dataset is not None and dataset.version > 0:
        name = dataset.name  # once published, its address never changes
    elif not name:
        errors["name"] = [_("Enter a web address name")]
    else:
        try:
            validate_slug(name)
        except ValidationError:
            errors["name"] = [_("Use lower-case letters, digits and hyphens only")]
        if len(name) > NAME_MAX_LENGTH:
            errors["name"] = [_("The web address name must be %(n)d characters or fewer") % {"n": NAME_MAX_LENGTH}]
        others = Dataset.objects.filter(name=name)
        if dataset is not None:
            others = others.exclude(pk=dataset.pk)
        if name in RESERVED_NAMES:
            errors["name"] = [_("This web address name is reserved: choose another")]
        if "name" not in errors and others.exists():
            errors["name"] = [_("Another dataset already has this web address name")]
    title = _texts(data.get("title"), TITLE_MAX_LENGTH)
    if not title.get(settings.LANGUAGE_CODE):
        errors["title"] = [_("Enter the dataset's title")]
    keywords: list[str] = []
    for keyword in data.get("keywords") or []:
        keyword = " ".join(str(keyword).split())
        if keyword and keyword.lower() not in {k.lower() for k in keywords}:
            keywords.append(keyword)
    if len(keywords) > MAX_KEYWORDS or any(len(k) > KEYWORD_MAX_LENGTH for k in keywords):
        errors["keywords"] = [
            _("Enter up to %(n)d keywords of up to %(length)d characters each")
            % {"n": MAX_KEYWORDS, "length": KEYWORD_MAX_LENGTH}
        ]
    themes = list(dict.fromkeys(data.get("themes") or []))
    if any(t not in Theme.values for t in themes):
        errors["themes"] = [_("Choose themes from the list")]
    licence = data.get("licence") or ""
    if licence not in Licence.values:
        errors["licence"] = [_("Choose a licence")]
    frequency = data.get("frequency") or ""
    if frequency not in Frequency.values:
        errors["frequency"] = [_("Choose how often the data is updated")]
    start, end = data.get("temporal_start"), data.get("temporal_end")
    for key, value in (("temporal_start", start), ("temporal_end", end)):
        if value is not None and not isinstance(value, datetime.date):
            errors[key] = [_("Enter a real date")]
    if isinstance(start, datetime.date) and isinstance(end, datetime.date) and end < start:
        errors["temporal_end"] = [_("The end of the period must be on or after its start")]
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "title": title,
        "description": _texts(data.get("description"), DESCRIPTION_MAX_LENGTH),
        "spatial": _texts(data.get("spatial"), SPATIAL_MAX_LENGTH),
        "keywords": keywords,
        "themes": themes,
        "licence": licence,
        "frequency": frequency,
        "temporal_start": start,
        "temporal_end": end,
    }


def snapshot(dataset: Dataset) -> dict[str, Any]:
    """What a version keeps: the metadata and each resource, as plain JSON."""
    return {
        "name": dataset.name,
        "title": dataset.title,
        "description": dataset.description,
        "keywords": dataset.keywords,
        "themes": dataset.themes,
        "licence": dataset.licence,
        "frequency": dataset.frequency,
        "spatial": dataset.spatial,
        "temporal_start": dataset.temporal_start.isoformat() if dataset.temporal_start else None,
        "temporal_end": dataset.temporal_end.isoformat() if dataset.temporal_end else None,
        "publisher": dataset.agency.name,
        "resources": [
            {
                "id": str(r.pk),
                "title": r.title,
                "format": r.format,
                "url": r.url,
                "original_name": r.original_name,
                "size": r.size,
                "sha256": r.sha256,
            }
            for r in Resource.objects.filter(dataset=dataset).order_by("position", "created_at")
        ],
    }


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any]) -> list[str]:
    """The metadata fields that differ between two snapshots, plus "resources" if those did."""
    before = before or {}
    names = [f for f in METADATA_FIELDS if before.get(f) != after.get(f)]
    if before.get("resources") != after.get("resources"):
        names.append("resources")
    return names


def _new_version(dataset: Dataset, actor: Any) -> DatasetVersion | None:
    """A new version of the (locked, published) *dataset* if it differs from its last one."""
    last = DatasetVersion.objects.filter(dataset=dataset).order_by("-number").first()
    current = snapshot(dataset)
    if last is not None and last.snapshot == current:
        return None
    dataset.version = (last.number if last else 0) + 1
    dataset.modified_at = timezone.now()
    dataset.save(update_fields=["version", "modified_at", "updated_at"])
    return DatasetVersion.objects.create(
        dataset=dataset, number=dataset.version, snapshot=current, created_by=_user(actor)
    )


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@contextlib.contextmanager
def _name_taken_is_a_field_error():
    """Two people taking the same free name at the same moment: the second is told as if the name
    had been taken before (the unique constraint decides, after :func:`_clean` found it free)."""
    try:
        yield
    except IntegrityError as exc:
        if "name" in str(exc):  # the name's unique constraint, as both databases word it
            raise ValidationError({"name": [_("Another dataset already has this web address name")]}) from exc
        raise


def dataset_create(*, actor: Any, agency: Any, data: dict[str, Any]) -> Dataset:
    """A new draft dataset of *agency* (where *actor* must be an agency admin)."""
    from ecitizen.agencies.selectors import agencies_where

    if not agencies_where(actor, *PUBLISHER_ROLES).filter(pk=agency.pk).exists():
        raise PermissionDenied
    values = _clean(data, None)
    with _name_taken_is_a_field_error(), transaction.atomic():
        dataset = Dataset.objects.create(agency=agency, created_by=_user(actor), status=Status.DRAFT, **values)
        audit_record(
            actor=actor,
            action=AuditAction.DATASET_CREATED,
            subject=dataset,
            agency=agency,
            extra={"name": dataset.name},
        )
    return dataset


def dataset_update(*, actor: Any, dataset: Dataset, data: dict[str, Any]) -> tuple[Dataset, list[str]]:
    """Change *dataset*'s metadata; returns it and the names of the fields that changed (none: nothing
    is written). A published dataset gets a new version."""
    _require(actor, dataset)
    with _name_taken_is_a_field_error(), transaction.atomic():
        dataset = _lock(dataset)
        values = _clean(data, dataset)
        before = {k: getattr(dataset, k) for k in values}
        changed = [k for k, v in values.items() if before[k] != v]
        if not changed:
            return dataset, []
        for key in changed:
            setattr(dataset, key, values[key])
        dataset.save()
        version = _new_version(dataset, actor) if dataset.status == Status.PUBLISHED else None
        audit_record(
            actor=actor,
            action=AuditAction.DATASET_UPDATED,
            subject=dataset,
            agency=dataset.agency,
            extra={"name": dataset.name, "fields": changed, "version": version.number if version else None},
        )
    return dataset, changed


def dataset_publish(*, actor: Any, dataset: Dataset) -> Dataset:
    """Publish *dataset* (a draft or unpublished one with at least one resource): the public sees it,
    and a new version is made if it changed since the last one."""
    _require(actor, dataset)
    with transaction.atomic():
        dataset = _lock(dataset)
        if dataset.status == Status.PUBLISHED:
            raise ValidationError(_("This dataset is already published."), code="published")
        if not Resource.objects.filter(dataset=dataset).exists():
            raise ValidationError(_("Add at least one resource before publishing the dataset."), code="no_resources")
        now = timezone.now()
        dataset.status = Status.PUBLISHED
        dataset.published_at = dataset.published_at or now
        dataset.modified_at = dataset.modified_at or now
        dataset.save()
        version = _new_version(dataset, actor)
        audit_record(
            actor=actor,
            action=AuditAction.DATASET_PUBLISHED,
            subject=dataset,
            agency=dataset.agency,
            extra={"name": dataset.name, "version": dataset.version, "new_version": version is not None},
        )
    return dataset


def dataset_unpublish(*, actor: Any, dataset: Dataset) -> Dataset:
    """Take *dataset* off the public pages; its versions are kept, and publishing it again goes on
    from them."""
    _require(actor, dataset)
    with transaction.atomic():
        dataset = _lock(dataset)
        if dataset.status != Status.PUBLISHED:
            raise ValidationError(_("This dataset is not published."), code="not_published")
        dataset.status = Status.UNPUBLISHED
        dataset.save()
        audit_record(
            actor=actor,
            action=AuditAction.DATASET_UNPUBLISHED,
            subject=dataset,
            agency=dataset.agency,
            extra={"name": dataset.name},
        )
    return dataset


def _check_source(*, title: str, fmt: str, upload: Any, url: str) -> tuple[str, datastore.CheckedFile | None, str]:
    """Validate a resource's title, format and source (an upload *or* a link); parse an upload.
    CPU work only: called before any transaction."""
    errors: dict[str, list[str]] = {}
    title = " ".join((title or "").split())
    if not title:
        errors["title"] = [_("Enter the resource's title")]
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = [_("The title must be %(n)d characters or fewer") % {"n": TITLE_MAX_LENGTH}]
    if fmt not in Format.values:
        errors["format"] = [_("Choose the file's format")]
    url = (url or "").strip()
    if upload and url:
        errors["url"] = [_("Upload a file or give a link, not both")]
    elif not upload and not url:
        errors["file"] = [_("Upload a file or give a link")]
    elif url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            errors["url"] = [_("Enter a link starting with https:// or http://")]
    if errors:
        raise ValidationError(errors)
    checked = datastore.check_file(upload, fmt) if upload else None
    return title, checked, url


def _store(checked: datastore.CheckedFile) -> str:
    token = uuid.uuid4().hex
    ext = datastore.EXTENSIONS[checked.format]
    return private_storage().save(f"datasets/{token[:2]}/{token}{ext}", ContentFile(checked.data))


def _rows(resource: Resource, checked: datastore.CheckedFile | None) -> list[DatastoreRow]:
    if checked is None or checked.table is None:
        return []
    return [
        DatastoreRow(resource_id=resource.pk, row_number=n, data=values)
        for n, values in enumerate(checked.table.rows, start=1)
    ]


def _fill(resource: Resource, *, title: str, fmt: str, url: str, checked: datastore.CheckedFile | None, name: str):
    resource.title, resource.format, resource.url = title, fmt, url
    resource.stored_name = name
    table = checked.table if checked else None
    if checked is not None:
        resource.original_name = sanitise_name(checked.name) or f"data{datastore.EXTENSIONS[fmt]}"
        resource.size, resource.sha256 = len(checked.data), checked.sha256
    else:
        resource.original_name, resource.size, resource.sha256 = "", None, ""
    resource.columns = table.columns if table else []
    resource.datastore_active = table is not None
    resource.row_count = len(table.rows) if table else 0
    resource.datastore_truncated = bool(table and table.truncated)


def resource_add(
    *, actor: Any, dataset: Dataset, title: str, format: str, upload: Any = None, url: str = ""
) -> Resource:
    """Add a resource to *dataset*: an uploaded file (checked, stored, its rows loaded if tabular)
    or a link. Nothing is saved if the file is wrong."""
    _require(actor, dataset)
    title, checked, url = _check_source(title=title, fmt=format, upload=upload, url=url)
    resource = Resource(dataset=dataset)
    rows = _rows(resource, checked)
    name = _store(checked) if checked else ""
    try:
        with transaction.atomic():
            dataset = _lock(dataset)
            _fill(resource, title=title, fmt=format, url=url, checked=checked, name=name)
            resource.dataset = dataset
            last = Resource.objects.filter(dataset=dataset).order_by("-position").first()
            resource.position = (last.position + 1) if last else 0
            resource.save(force_insert=True)
            DatastoreRow.objects.bulk_create(rows, batch_size=_ROW_BATCH)
            _resource_written(actor, dataset, resource, AuditAction.DATASET_RESOURCE_ADDED, format)
    except Exception:
        if name:
            private_storage().delete(name)
        raise
    return resource


def _resource_written(actor: Any, dataset: Dataset, resource: Resource, action: AuditAction, fmt: str) -> None:
    """After a file was added or replaced: a new version if the dataset is published, and the audit row."""
    version = _new_version(dataset, actor) if dataset.status == Status.PUBLISHED else None
    audit_record(
        actor=actor,
        action=action,
        subject=resource,
        agency=dataset.agency,
        extra={
            "name": dataset.name,
            "format": fmt,
            "rows": resource.row_count,
            "version": version.number if version else None,
        },
    )


def resource_replace(
    *, actor: Any, resource: Resource, title: str, format: str, upload: Any = None, url: str = ""
) -> Resource:
    """Replace *resource*'s title, format and file or link (same id); its old rows and file go."""
    dataset = resource.dataset
    _require(actor, dataset)
    title, checked, url = _check_source(title=title, fmt=format, upload=upload, url=url)
    rows = _rows(resource, checked)
    name = _store(checked) if checked else ""
    try:
        with transaction.atomic():
            dataset = _lock(dataset)
            resource = Resource.objects.select_for_update().get(pk=resource.pk, dataset=dataset)
            old_name = resource.stored_name
            _fill(resource, title=title, fmt=format, url=url, checked=checked, name=name)
            resource.save()
            DatastoreRow.objects.filter(resource=resource).delete()
            DatastoreRow.objects.bulk_create(rows, batch_size=_ROW_BATCH)
            _resource_written(actor, dataset, resource, AuditAction.DATASET_RESOURCE_REPLACED, format)
            if old_name:
                transaction.on_commit(lambda: private_storage().delete(old_name))
    except Exception:
        if name:
            private_storage().delete(name)
        raise
    return resource


def resource_remove(*, actor: Any, resource: Resource) -> None:
    """Remove *resource* and its rows; its file is deleted once the removal is committed."""
    dataset = resource.dataset
    _require(actor, dataset)
    with transaction.atomic():
        dataset = _lock(dataset)
        resource = Resource.objects.select_for_update().get(pk=resource.pk, dataset=dataset)
        if dataset.status == Status.PUBLISHED and Resource.objects.filter(dataset=dataset).count() == 1:
            raise ValidationError(
                _("A published dataset needs at least one resource: unpublish it first."), code="last_resource"
            )
        old_name = resource.stored_name
        audit_record(
            actor=actor,
            action=AuditAction.DATASET_RESOURCE_REMOVED,
            subject=dataset,
            agency=dataset.agency,
            extra={"name": dataset.name, "resource": str(resource.pk), "format": resource.format},
        )
        resource.delete()
        if dataset.status == Status.PUBLISHED:
            _new_version(dataset, actor)
        if old_name:
            transaction.on_commit(lambda: private_storage().delete(old_name))
