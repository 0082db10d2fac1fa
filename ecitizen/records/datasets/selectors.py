"""Reads of the open data catalogue: the public list with its facets, the DataStore preview, and
"what changed" between two versions. Callers pass querysets already scoped by the policy.

The list's text search and facet counts are plain SQL (``icontains``, ``COUNT``): enough for a
catalogue of thousands; the full-text search at a million records is a later slice (ADR 0018).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.utils.translation import gettext_lazy as _

from ecitizen.records.datasets import conf
from ecitizen.records.datasets.models import (
    METADATA_FIELDS,
    Dataset,
    DatasetVersion,
    DatastoreRow,
    Format,
    Frequency,
    Licence,
    Resource,
    Theme,
)

QUERY_MAX_LENGTH = 200
FILTER_MAX_LENGTH = 100
MAX_FILTERS = 10


def _escape_json_text(code: str) -> str:
    return f'"{code}"'


def search_datasets(datasets: QuerySet[Dataset], *, q: str = "", **facets: str) -> QuerySet[Dataset]:
    """*datasets* whose title, description or keywords contain each word of *q* (any language),
    narrowed by the facets given: ``publisher`` (an agency slug), ``theme``, ``format``, ``licence``."""
    for word in (q or "")[:QUERY_MAX_LENGTH].split()[:10]:
        match = Q(keywords__icontains=word)
        for code, _name in settings.LANGUAGES:
            match |= Q(**{f"title__{code}__icontains": word}) | Q(**{f"description__{code}__icontains": word})
        datasets = datasets.filter(match)
    if facets.get("publisher"):
        datasets = datasets.filter(agency__slug=facets["publisher"])
    if facets.get("theme") in Theme.values:
        # The themes are a JSON list of codes; a quoted code matches one element exactly.
        datasets = datasets.filter(themes__icontains=_escape_json_text(facets["theme"]))
    elif facets.get("theme"):
        datasets = datasets.none()
    if facets.get("format"):
        datasets = datasets.filter(pk__in=Resource.objects.filter(format=facets["format"]).values("dataset_id"))
    if facets.get("licence"):
        datasets = datasets.filter(licence=facets["licence"])
    return datasets


def facet_counts(datasets: QuerySet[Dataset]) -> dict[str, list[tuple[str, str, int]]]:
    """For each facet, its values among *datasets*: (value, label, number of datasets), most first."""
    ids = datasets.order_by().values("pk")
    publishers = [
        (row["agency__slug"], row["agency__name"], row["n"])
        for row in datasets.order_by().values("agency__slug", "agency__name").annotate(n=Count("pk"))
    ]
    themes = []
    for value, label in Theme.choices:
        n = datasets.filter(themes__icontains=_escape_json_text(value)).count()
        if n:
            themes.append((value, str(label), n))
    formats = [
        (row["format"], row["format"], row["n"])
        for row in Resource.objects.filter(dataset__in=ids)
        .order_by()
        .values("format")
        .annotate(n=Count("dataset", distinct=True))
    ]
    licence_labels = dict(Licence.choices)
    licences = [
        (row["licence"], str(licence_labels.get(row["licence"], row["licence"])), row["n"])
        for row in datasets.order_by().values("licence").annotate(n=Count("pk"))
    ]
    by_count = lambda item: (-item[2], item[1])  # noqa: E731
    return {
        "publisher": sorted(publishers, key=by_count),
        "theme": sorted(themes, key=by_count),
        "format": sorted(formats, key=by_count),
        "licence": sorted(licences, key=by_count),
    }


# --- the DataStore preview --------------------------------------------------------------------


@dataclass
class Preview:
    """One page of a resource's rows, as the preview table shows them."""

    columns: list[dict[str, str]]
    page: Page
    rows: list[list[Any]]
    sort: str
    descending: bool
    filters: dict[str, str]
    total: int


def datastore_rows(
    resource: Resource, *, sort: str = "", descending: bool = False, filters: dict[str, str] | None = None
) -> QuerySet[DatastoreRow]:
    """The DataStore rows of *resource* (CKAN's ``datastore_search``): each (column, text) of
    *filters* keeps rows whose value in that column contains the text (any case); sorted by the
    column *sort* (numbers as numbers), then by their place in the file. Unknown columns are
    ignored: callers check them against ``resource.columns``."""
    positions = {c["id"]: str(i) for i, c in enumerate(resource.columns)}
    rows = DatastoreRow.objects.filter(resource=resource)
    for index, (column, text) in enumerate((filters or {}).items()):
        if column in positions and text:
            rows = rows.alias(**{f"_filter{index}": KeyTextTransform(positions[column], "data")})
            rows = rows.filter(**{f"_filter{index}__icontains": text})
    if sort in positions:
        # The JSON value (not its text) so that numbers sort as numbers on SQLite and PostgreSQL;
        # empty cells last either way (SQLite would otherwise sort JSON null as the text "null").
        value = KeyTransform(positions[sort], "data")
        # "= None" on a JSON key is JSON null (an empty cell); "__isnull" would mean a missing key.
        rows = rows.alias(_sort_value=value)
        empty_last = Case(When(_sort_value=None, then=Value(1)), default=Value(0))
        order = value.desc() if descending else value.asc()
        tiebreak = F("row_number").desc() if descending else F("row_number").asc()
        return rows.order_by(empty_last, order, tiebreak)
    return rows.order_by("row_number")


def preview(
    resource: Resource,
    *,
    sort: str = "",
    descending: bool = False,
    filters: dict[str, str] | None = None,
    page: Any = 1,
) -> Preview:
    """The page *page* of the preview (an out-of-range or unreadable page number gives the nearest
    page). Only known columns sort or filter."""
    names = [c["id"] for c in resource.columns]
    sort = sort if sort in names else ""
    filters = {k: v for k, v in (filters or {}).items() if k in names and v}
    rows = datastore_rows(resource, sort=sort, descending=descending, filters=filters)
    paginator = Paginator(rows.only("row_number", "data"), conf.preview_page_size())
    current = paginator.get_page(page)
    table = [list(row.data) for row in current.object_list]
    return Preview(
        columns=resource.columns,
        page=current,
        rows=table,
        sort=sort,
        descending=descending,
        filters=filters,
        total=paginator.count,
    )


# --- versions ---------------------------------------------------------------------------------

FIELD_LABELS = {
    "name": _("Web address name"),
    "title": _("Title"),
    "description": _("Description"),
    "keywords": _("Keywords"),
    "themes": _("Themes"),
    "licence": _("Licence"),
    "frequency": _("Update frequency"),
    "spatial": _("Area covered"),
    "temporal_start": _("Period covered from"),
    "temporal_end": _("Period covered to"),
    "publisher": _("Publisher"),
}
RESOURCE_FIELD_LABELS = {
    "title": _("Title"),
    "format": _("Format"),
    "url": _("Link"),
    "original_name": _("File name"),
    "size": _("Size"),
    "sha256": _("File contents"),
}
PER_LANGUAGE = ("title", "description", "spatial")


def _shown(field: str, value: Any) -> str:
    """A snapshot value as the history page shows it."""
    if value in (None, "", [], {}):
        return ""
    if field == "themes":
        labels = dict(Theme.choices)
        return ", ".join(str(labels.get(v, v)) for v in value)
    if field == "keywords":
        return ", ".join(value)
    if field == "licence":
        return str(dict(Licence.choices).get(value, value))
    if field == "frequency":
        return str(dict(Frequency.choices).get(value, value))
    return str(value)


def version_diff(before: dict[str, Any] | None, after: dict[str, Any]) -> dict[str, Any]:
    """What changed from snapshot *before* (None: nothing, the first version) to *after*:
    ``fields`` lists (label, language or "", before, after) for each changed metadata field, one per
    language for text kept per language; ``added``, ``removed`` the resources that came or went;
    ``changed`` each resource kept under its id whose fields changed, with their labels."""
    before = before or {}
    language_names = dict(settings.LANGUAGES)
    fields = []
    for field in METADATA_FIELDS:
        old, new = before.get(field), after.get(field)
        if old == new:
            continue
        if field in PER_LANGUAGE:
            old, new = old or {}, new or {}
            for code in language_names:
                if old.get(code, "") != new.get(code, ""):
                    fields.append(
                        {
                            "field": field,
                            "label": FIELD_LABELS[field],
                            "language": language_names[code],
                            "before": old.get(code, ""),
                            "after": new.get(code, ""),
                        }
                    )
        else:
            fields.append(
                {
                    "field": field,
                    "label": FIELD_LABELS[field],
                    "language": "",
                    "before": _shown(field, old),
                    "after": _shown(field, new),
                }
            )
    old_resources = {r["id"]: r for r in before.get("resources") or []}
    new_resources = {r["id"]: r for r in after.get("resources") or []}
    added = [r for rid, r in new_resources.items() if rid not in old_resources]
    removed = [r for rid, r in old_resources.items() if rid not in new_resources]
    changed = []
    for rid, new in new_resources.items():
        old = old_resources.get(rid)
        if old is not None and old != new:
            names = [k for k in RESOURCE_FIELD_LABELS if old.get(k) != new.get(k)]
            changed.append({"resource": new, "fields": [RESOURCE_FIELD_LABELS[k] for k in names], "keys": names})
    return {"fields": fields, "added": added, "removed": removed, "changed": changed}


def version_history(dataset: Dataset) -> list[tuple[DatasetVersion, dict[str, Any]]]:
    """Each version of *dataset*, newest first, with what changed since the one before it."""
    versions = list(DatasetVersion.objects.filter(dataset=dataset).select_related("created_by").order_by("number"))
    result = []
    previous = None
    for version in versions:
        result.append((version, version_diff(previous.snapshot if previous else None, version.snapshot)))
        previous = version
    result.reverse()
    return result


def formats() -> list[str]:
    return list(Format.values)
