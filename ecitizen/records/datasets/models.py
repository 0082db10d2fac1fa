"""The open data catalogue: datasets that agencies publish, their resources and their history.

A :class:`Dataset` (CKAN's "package") is published by one agency (its ``agency``, the DCAT
publisher) and found by its stable ``name`` slug or its UUID ``id``. Its text is kept per language
as JSON ({language: text}), like every other text agencies write. A :class:`Resource` is one file of
the dataset, uploaded (kept in private storage, served through a view that checks the policy) or
linked by URL. A tabular resource's rows are loaded into :class:`DatastoreRow` (CKAN's DataStore):
one row per record, its values as a JSON object keyed by the resource's ``columns``.

Every change to a published dataset is kept as a :class:`DatasetVersion`: a full snapshot of its
metadata and resources, so that "what changed" is a comparison of two snapshots (ADR 0018).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ecitizen.core.i18n import pick

NAME_MAX_LENGTH = 100
TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 10_000
SPATIAL_MAX_LENGTH = 300
KEYWORD_MAX_LENGTH = 50
MAX_KEYWORDS = 20
# The metadata fields a version keeps, in the order "what changed" lists them.
METADATA_FIELDS = (
    "name",
    "title",
    "description",
    "keywords",
    "themes",
    "licence",
    "frequency",
    "spatial",
    "temporal_start",
    "temporal_end",
    "publisher",
)


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    UNPUBLISHED = "unpublished", _("Unpublished")


class Theme(models.TextChoices):
    """The EU data themes (DCAT-AP's data theme vocabulary); the value is the vocabulary's code."""

    AGRI = "AGRI", _("Agriculture, fisheries, forestry and food")
    ECON = "ECON", _("Economy and finance")
    EDUC = "EDUC", _("Education, culture and sport")
    ENER = "ENER", _("Energy")
    ENVI = "ENVI", _("Environment")
    GOVE = "GOVE", _("Government and public sector")
    HEAL = "HEAL", _("Health")
    INTR = "INTR", _("International issues")
    JUST = "JUST", _("Justice, legal system and public safety")
    REGI = "REGI", _("Regions and cities")
    SOCI = "SOCI", _("Population and society")
    TECH = "TECH", _("Science and technology")
    TRAN = "TRAN", _("Transport")


class Licence(models.TextChoices):
    """Open licences, by their SPDX identifier (what CKAN's ``license_id`` and DCAT-AP carry)."""

    CC_BY_4_0 = "CC-BY-4.0", _("Creative Commons Attribution 4.0")
    CC_BY_SA_4_0 = "CC-BY-SA-4.0", _("Creative Commons Attribution-ShareAlike 4.0")
    CC0_1_0 = "CC0-1.0", _("Creative Commons Zero (public domain)")
    OGL_3_0 = "OGL-UK-3.0", _("Open Government Licence 3.0")
    ODBL_1_0 = "ODbL-1.0", _("Open Database Licence 1.0")


class Frequency(models.TextChoices):
    CONTINUOUS = "continuous", _("Continuously")
    DAILY = "daily", _("Every day")
    WEEKLY = "weekly", _("Every week")
    MONTHLY = "monthly", _("Every month")
    QUARTERLY = "quarterly", _("Every quarter")
    ANNUAL = "annual", _("Every year")
    IRREGULAR = "irregular", _("Irregularly")
    NEVER = "never", _("Not updated")


class Format(models.TextChoices):
    CSV = "CSV", "CSV"
    JSON = "JSON", "JSON"
    GEOJSON = "GeoJSON", "GeoJSON"
    XLSX = "XLSX", "XLSX"
    PDF = "PDF", "PDF"


class Dataset(models.Model):
    """A dataset *agency* publishes. ``name`` (a slug) never changes once published; pages use it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.SlugField(_("web address name"), max_length=NAME_MAX_LENGTH, unique=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="datasets")
    title = models.JSONField(_("title per language"), default=dict)
    description = models.JSONField(_("description per language"), default=dict, blank=True)
    spatial = models.JSONField(_("area covered per language"), default=dict, blank=True)
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    themes = models.JSONField(_("themes"), default=list, blank=True)
    licence = models.CharField(_("licence"), max_length=20, choices=Licence.choices, default=Licence.CC_BY_4_0)
    frequency = models.CharField(
        _("update frequency"), max_length=20, choices=Frequency.choices, default=Frequency.IRREGULAR
    )
    temporal_start = models.DateField(_("period covered from"), null=True, blank=True)
    temporal_end = models.DateField(_("period covered to"), null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True)
    # The number of the latest version (0: never published). Versions are numbered 1, 2, 3...
    version = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # When it was first published, and when it was last changed while published (metadata_modified).
    published_at = models.DateTimeField(null=True, blank=True)
    modified_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-modified_at", "name"]
        indexes = [models.Index(fields=["agency", "status"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("datasets:detail", args=[self.name])

    @property
    def display_title(self) -> str:
        return pick(self.title)

    @property
    def display_description(self) -> str:
        return pick(self.description)

    @property
    def display_spatial(self) -> str:
        return pick(self.spatial)

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    def theme_labels(self) -> list[str]:
        labels = dict(Theme.choices)
        return [labels[t] for t in self.themes if t in labels]


class Resource(models.Model):
    """One file of *dataset*: uploaded (``stored_name`` in private storage) or linked (``url``).

    A CSV upload's rows are in :class:`DatastoreRow`; ``columns`` lists their names in file order
    with a type each (``{"id": name, "type": "text" | "numeric"}``, CKAN's DataStore fields).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="resources")
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    url = models.URLField(_("link"), max_length=1000, blank=True)
    stored_name = models.CharField(max_length=200, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    columns = models.JSONField(default=list, blank=True)
    datastore_active = models.BooleanField(default=False)
    row_count = models.PositiveIntegerField(default=0)
    # More rows than settings allow: the DataStore has the first ``row_count`` only.
    datastore_truncated = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_upload(self) -> bool:
        return bool(self.stored_name)


class DatastoreRow(models.Model):
    """One record of a tabular *resource*: ``data`` is the list of its values in the order of the
    resource's ``columns`` (text, a number, or null for an empty cell); ``row_number`` is its place
    in the file, from 1. A list, not an object keyed by column name: a JSON path by position works
    the same on SQLite and PostgreSQL whatever the column is called ("2024", "a__b", "x.y")."""

    id = models.BigAutoField(primary_key=True)
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="rows")
    row_number = models.PositiveIntegerField()
    data = models.JSONField(default=list)

    class Meta:
        ordering = ["resource", "row_number"]
        constraints = [models.UniqueConstraint(fields=["resource", "row_number"], name="datastore_row_once")]

    def __str__(self) -> str:
        return f"Row {self.row_number} of {self.resource_id}"


class DatasetVersion(models.Model):
    """Version *number* of *dataset*: a snapshot of its metadata and resources as published then."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dataset", "-number"]
        constraints = [models.UniqueConstraint(fields=["dataset", "number"], name="dataset_version_once")]

    def __str__(self) -> str:
        return f"{self.dataset_id} v{self.number}"
