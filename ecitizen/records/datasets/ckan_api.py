"""The open data catalogue's CKAN-compatible action API (``/api/3/action/<name>``), read-only.

CKAN's clients (``ckanapi``, harvesters, portals) call actions by name with GET query parameters
or a POST body (JSON or a form) and get ``{"help", "success", "result"}`` back, or
``{"success": false, "error": {"__type", ...}}`` with CKAN's status codes (404 Not Found Error,
409 Validation Error with a list of messages per parameter, 403 Authorization Error, 400 for an
unknown action). Everything is read through the catalogue's policies, so drafts and unpublished
datasets never appear; text comes in the site's default language, or the one ``lang`` chooses.

The actions: ``package_list``, ``package_search``, ``package_show``, ``organization_list``,
``organization_show``, ``resource_show``, ``datastore_search``, plus ``status_show``,
``site_read``, ``help_show``, ``license_list`` and ``group_list``. CKAN's write actions answer 403:
datasets are published in the back office, never through this API, which is why the view may be
exempt from CSRF (it changes nothing) and open to any origin (it is public open data).
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection
from django.db.models import Count, F, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform, KeyTransform
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt

from ecitizen.agencies.models import Agency
from ecitizen.core.i18n import pick
from ecitizen.core.ratelimits import rate_limited
from ecitizen.records.datasets import datastore, selectors
from ecitizen.records.datasets.models import Dataset, Frequency, Licence, Resource, Theme
from ecitizen.records.datasets.policies import dataset_policy, resource_policy

CKAN_VERSION = "2.10.0"  # the API version our answers follow (CKAN 2.10's action API, version 3)
ROWS_DEFAULT, ROWS_MAX = 10, 1000
DATASTORE_LIMIT_DEFAULT, DATASTORE_LIMIT_MAX = 100, 32000
OFFSET_MAX = 10**9
LIST_MAX = 1000
FACET_LIMIT_DEFAULT = 50
FACET_FIELDS = ("organization", "tags", "res_format", "license_id", "groups")
PARAM_MAX_LENGTH = 1000
# CKAN's write actions (and anything named like one): the catalogue is read-only over this API.
WRITE_ACTION = re.compile(
    r"(_(create|update|patch|delete|purge|upsert|revise|reorder|bulk_update_\w+|member_\w+|"
    r"follow|unfollow|run_validation|trigger|clear|invite|generate|revoke)$)|^(datastore_run_triggers|"
    r"package_owner_org_update|api_token_\w+)$"
)


def rate() -> str:
    """Hits per client address (``DATASETS_API_RATE``): generous, the data is public."""
    return str(getattr(settings, "DATASETS_API_RATE", "600/m/ip"))


class ApiError(Exception):
    """An error CKAN's way: *status*, *kind* (``__type``) and a message or messages per field."""

    def __init__(self, status: int, kind: str, message: str = "", fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.status, self.kind, self.message, self.fields = status, kind, message, fields or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"__type": self.kind}
        if self.message:
            error["message"] = self.message
        error.update(self.fields)
        return error


def _invalid(field: str, message: str) -> ApiError:
    return ApiError(409, "Validation Error", fields={field: [message]})


def _not_found(message: str = "Not found") -> ApiError:
    return ApiError(404, "Not Found Error", message=message)


# --- parameters -------------------------------------------------------------------------------


class Params:
    """An action's parameters, from the query string and the body, each read and checked once."""

    def __init__(self, data: dict[str, Any]):
        self.data = data

    def raw(self, *names: str) -> Any:
        for name in names:
            if name in self.data and self.data[name] is not None:
                return self.data[name]
        return None

    def text(self, name: str, *aliases: str, default: str = "") -> str:
        value = self.raw(name, *aliases)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise _invalid(name, "Must be a string")
        # PostgreSQL refuses NUL in text; nothing useful is that long.
        return str(value).replace("\x00", "")[:PARAM_MAX_LENGTH].strip()

    def integer(self, name: str, *aliases: str, default: int, low: int = 0, high: int = OFFSET_MAX) -> int:
        value = self.raw(name, *aliases)
        if value is None or value == "":
            return default
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise _invalid(name, "Invalid integer")
        try:
            number = int(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError, OverflowError):
            raise _invalid(name, "Invalid integer") from None
        if number < low:
            raise _invalid(name, f"Must be a natural number of at least {low}")
        if number > high:
            raise _invalid(name, f"Must be at most {high}")
        return number

    def boolean(self, name: str, *, default: bool) -> bool:
        value = self.raw(name)
        if value is None or value == "":
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off"):
            return False
        raise _invalid(name, "Invalid boolean value")

    def json_value(self, name: str, *aliases: str) -> Any:
        """A parameter that is JSON: given as such in a JSON body, or as JSON text."""
        value = self.raw(name, *aliases)
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            try:
                return json.loads(text)
            except (ValueError, RecursionError):
                raise _invalid(name, "Could not parse as valid JSON") from None
        return value

    def string_list(self, name: str, *aliases: str) -> list[str] | None:
        """A list of strings: a JSON list, or (as CKAN accepts) one string or several values."""
        value = self.raw(name, *aliases)
        if isinstance(value, str) and not value.strip().startswith("["):
            value = [v for v in re.split(r"\s*,\s*", value.strip()) if v]
        else:
            value = self.json_value(name, *aliases)
        if value is None:
            return None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise _invalid(name, "Must be a list of strings")
        return [v.replace("\x00", "")[:PARAM_MAX_LENGTH] for v in value[:LIST_MAX]]


def _params(request: HttpRequest) -> Params:
    data: dict[str, Any] = {}
    for key in request.GET:
        values = request.GET.getlist(key)
        data[key] = values if len(values) > 1 else values[0]
    if request.method == "POST":
        if (request.content_type or "").startswith("application/json") or (
            request.body and request.body.lstrip()[:1] in (b"{", b"[") and not request.POST
        ):
            try:
                body = json.loads(request.body or b"{}")
            except (ValueError, RecursionError):
                raise ApiError(400, "Bad Request", "Bad request - JSON Error: could not read the body") from None
            if not isinstance(body, dict):
                raise ApiError(400, "Bad Request", "Bad request - JSON Error: the body must be a JSON object")
            data.update(body)
        else:
            for key in request.POST:
                values = request.POST.getlist(key)
                data[key] = values if len(values) > 1 else values[0]
    return Params(data)


def _language(params: Params) -> str:
    codes = {code for code, _name in settings.LANGUAGES}
    chosen = params.text("lang").split("-")[0].lower()
    return chosen if chosen in codes else settings.LANGUAGE_CODE


# --- the shapes of CKAN's objects --------------------------------------------------------------


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


class Shapes:
    """Builds CKAN's dicts for one request (absolute links, the chosen language)."""

    def __init__(self, request: HttpRequest, lang: str):
        self.request, self.lang = request, lang

    def url(self, path: str) -> str:
        return self.request.build_absolute_uri(path)

    def organization(self, agency: Agency, package_count: int | None = None) -> dict[str, Any]:
        title = (agency.name_translations or {}).get(self.lang) or agency.name
        result = {
            "id": str(agency.pk),
            "name": agency.slug,
            "title": title,
            "display_name": title,
            "description": "",
            "type": "organization",
            "is_organization": True,
            "state": "active",
            "approval_status": "approved",
            "image_url": "",
            "created": _iso(agency.created_at),
        }
        if package_count is not None:
            result["package_count"] = package_count
        return result

    def group(self, code: str) -> dict[str, Any]:
        with translation.override(self.lang):
            title = str(dict(Theme.choices).get(code, code))
        return {
            "id": code.lower(),
            "name": code.lower(),
            "title": title,
            "display_name": title,
            "description": "",
            "type": "group",
            "is_organization": False,
            "state": "active",
            "image_url": "",
            "image_display_url": "",
        }

    def resource(self, res: Resource, dataset: Dataset) -> dict[str, Any]:
        if res.is_upload:
            url = self.url(reverse("datasets:download", args=[dataset.name, res.pk]))
        else:
            url = res.url
        return {
            "id": str(res.pk),
            "package_id": str(dataset.pk),
            "name": res.title,
            "description": "",
            "url": url,
            "url_type": "upload" if res.is_upload else None,
            "format": res.format,
            "mimetype": datastore.CONTENT_TYPES.get(res.format, "").split(";")[0] or None,
            "size": res.size,
            "hash": res.sha256,
            "datastore_active": res.datastore_active,
            "position": res.position,
            "state": "active",
            "created": _iso(res.created_at),
            "last_modified": _iso(res.updated_at),
            "metadata_modified": _iso(res.updated_at),
        }

    def package(self, dataset: Dataset) -> dict[str, Any]:
        lang = self.lang
        with translation.override(lang):
            licence_title = str(dict(Licence.choices).get(dataset.licence, dataset.licence))
            frequency = str(dict(Frequency.choices).get(dataset.frequency, dataset.frequency))
        resources = [self.resource(r, dataset) for r in dataset.resources.all()]
        tags = [
            {"name": k, "display_name": k, "id": k, "state": "active", "vocabulary_id": None}
            for k in dataset.keywords or []
        ]
        extras = [{"key": "frequency", "value": dataset.frequency}, {"key": "frequency_label", "value": frequency}]
        if dataset.spatial:
            extras.append({"key": "spatial", "value": pick(dataset.spatial, lang)})
        if dataset.temporal_start:
            extras.append({"key": "temporal_start", "value": dataset.temporal_start.isoformat()})
        if dataset.temporal_end:
            extras.append({"key": "temporal_end", "value": dataset.temporal_end.isoformat()})
        return {
            "id": str(dataset.pk),
            "name": dataset.name,
            "title": pick(dataset.title, lang),
            "notes": pick(dataset.description, lang),
            "title_translated": dataset.title or {},
            "notes_translated": dataset.description or {},
            "url": self.url(dataset.get_absolute_url()),
            "license_id": dataset.licence,
            "license_title": licence_title,
            "license_url": f"https://spdx.org/licenses/{dataset.licence}.html",
            "isopen": True,
            "metadata_created": _iso(dataset.published_at or dataset.created_at),
            "metadata_modified": _iso(dataset.modified_at or dataset.updated_at),
            "version": str(dataset.version) if dataset.version else None,
            "state": "active",
            "private": False,
            "type": "dataset",
            "author": None,
            "author_email": None,
            "maintainer": None,
            "maintainer_email": None,
            "organization": self.organization(dataset.agency),
            "owner_org": str(dataset.agency_id),
            "tags": tags,
            "num_tags": len(tags),
            "groups": [self.group(code) for code in dataset.themes or [] if code in Theme.values],
            "resources": resources,
            "num_resources": len(resources),
            "extras": extras,
            "frequency": dataset.frequency,
            "spatial": pick(dataset.spatial, lang) or None,
            "temporal_start": _iso(dataset.temporal_start),
            "temporal_end": _iso(dataset.temporal_end),
        }


def _datasets(request: HttpRequest) -> QuerySet[Dataset]:
    """The datasets the public may see (the policy's scope), with what a package dict needs."""
    return dataset_policy.scope(request.user, "view").select_related("agency").prefetch_related("resources")


def _small_id(value: Any) -> bool:
    """Whether *value* is the text of a database id (ASCII digits, not too many)."""
    return isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12


def _dataset(request: HttpRequest, params: Params) -> Dataset:
    ident = params.text("id") or params.text("name")
    if not ident:
        raise _invalid("id", "Missing value")
    found = _datasets(request)
    lookup = Q(name=ident)
    try:
        lookup |= Q(pk=uuid.UUID(ident))
    except ValueError:
        pass
    dataset = found.filter(lookup).first()
    if dataset is None:
        raise _not_found("Dataset not found")
    return dataset


def _agencies(request: HttpRequest) -> QuerySet[Agency]:
    return Agency.objects.filter(is_active=True)


def _package_counts(request: HttpRequest) -> dict[int, int]:
    scope = dataset_policy.scope(request.user, "view")
    return {row["agency_id"]: row["n"] for row in scope.order_by().values("agency_id").annotate(n=Count("pk"))}


# --- the actions ------------------------------------------------------------------------------


def package_list(request: HttpRequest, params: Params, shapes: Shapes) -> list[str]:
    """The names of the published datasets, by name (``limit``, ``offset``)."""
    limit = params.integer("limit", default=LIST_MAX, high=LIST_MAX)
    offset = params.integer("offset", default=0)
    names = dataset_policy.scope(request.user, "view").order_by("name").values_list("name", flat=True)
    return list(names[offset : offset + limit])


SORT_FIELDS: dict[str, Callable[[bool, str], list[Any]]] = {
    "score": lambda desc, lang: [],
    "metadata_modified": lambda desc, lang: [
        F("modified_at").desc(nulls_last=True) if desc else F("modified_at").asc(nulls_first=True)
    ],
    "metadata_created": lambda desc, lang: [
        F("published_at").desc(nulls_last=True) if desc else F("published_at").asc(nulls_first=True)
    ],
    "name": lambda desc, lang: [F("name").desc() if desc else F("name").asc()],
    "title_string": lambda desc, lang: [
        KeyTextTransform(lang, "title").desc() if desc else KeyTextTransform(lang, "title").asc()
    ],
}


def _ordering(sort: str, lang: str) -> list[Any]:
    order: list[Any] = []
    for part in sort.split(","):
        words = part.split()
        if not words:
            continue
        field = words[0]
        direction = words[1].lower() if len(words) > 1 else "asc"
        if len(words) > 2 or field not in SORT_FIELDS or direction not in ("asc", "desc"):
            raise _invalid("sort", f"Cannot sort by “{part.strip()[:100]}”: use one of {', '.join(SORT_FIELDS)}")
        order += SORT_FIELDS[field](direction == "desc", lang)
    return [*order, F("modified_at").desc(nulls_last=True), "name"]


FQ_TERM = re.compile(r'([+-]?)([A-Za-z_][\w.]*):("(?:[^"\\]|\\.)*"|\S+)|(\S+)')


def _tag_filter(datasets: QuerySet[Dataset], tag: str) -> QuerySet[Dataset]:
    """Datasets with keyword *tag* exactly (a JSON list element, the same way on both databases)."""
    if connection.vendor == "postgresql":
        return datasets.filter(keywords__contains=[tag])
    return datasets.filter(keywords__icontains=json.dumps(tag))


def _filter_query(datasets: QuerySet[Dataset], fq: str) -> QuerySet[Dataset]:
    """Narrow *datasets* by a Solr-like filter query: ``field:value`` terms (values quoted if they
    have spaces) joined by spaces or AND; fields organization, owner_org, tags, res_format,
    license_id, groups, name, id."""
    for sign, field, value, stray in FQ_TERM.findall(fq):
        if stray:
            if stray.upper() in ("AND", "&&"):
                continue
            if stray in ("*:*",):
                continue
            raise _invalid("fq", f"Cannot read “{stray[:100]}”: write field:value terms")
        if sign == "-":
            raise _invalid("fq", "Negated terms are not supported")
        if value.startswith('"') and value.endswith('"') and len(value) >= 2:
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        if value == "*":
            continue
        if field in ("organization", "owner_org"):
            if field == "owner_org" and _small_id(value):
                datasets = datasets.filter(agency_id=int(value))
            else:
                datasets = selectors.search_datasets(datasets, publisher=value)
        elif field == "tags":
            datasets = _tag_filter(datasets, value)
        elif field == "res_format":
            formats = {f.lower(): f for f in selectors.formats()}
            datasets = selectors.search_datasets(datasets, format=formats.get(value.lower(), value))
        elif field == "license_id":
            datasets = selectors.search_datasets(datasets, licence=value)
        elif field == "groups":
            # search_datasets narrows to nothing for a code that is not a theme.
            datasets = selectors.search_datasets(datasets, theme=value.upper())
        elif field == "name":
            datasets = datasets.filter(name=value)
        elif field == "id":
            try:
                datasets = datasets.filter(pk=uuid.UUID(value))
            except ValueError:
                datasets = datasets.none()
        else:
            raise _invalid(
                "fq",
                f"Unknown field “{field[:100]}”: use one of organization, tags, res_format, "
                "license_id, groups, name, id",
            )
    return datasets


def _facets(found: QuerySet[Dataset], fields: list[str], limit: int, shapes: Shapes) -> tuple[dict, dict]:
    """CKAN's ``facets`` ({field: {value: count}}) and ``search_facets`` for *fields*."""
    counts: dict[str, list[tuple[str, str, int]]] = {}
    if set(fields) & {"organization", "res_format", "license_id", "groups"}:
        with translation.override(shapes.lang):
            base = selectors.facet_counts(found)
        counts["organization"] = base["publisher"]
        counts["res_format"] = base["format"]
        counts["license_id"] = base["licence"]
        counts["groups"] = [(code.lower(), label, n) for code, label, n in base["theme"]]
    if "tags" in fields:
        tally: Counter[str] = Counter()
        for keywords in found.order_by().values_list("keywords", flat=True):
            tally.update(set(k for k in keywords or [] if isinstance(k, str)))
        counts["tags"] = sorted(((k, k, n) for k, n in tally.items()), key=lambda t: (-t[2], t[0]))
    facets, search_facets = {}, {}
    for field in fields:
        items = counts[field] if limit < 0 else counts[field][:limit]
        facets[field] = {value: n for value, _label, n in items}
        search_facets[field] = {
            "title": field,
            "items": [{"name": value, "display_name": label, "count": n} for value, label, n in items],
        }
    return facets, search_facets


def package_search(request: HttpRequest, params: Params, shapes: Shapes) -> dict[str, Any]:
    """Search the published datasets: ``q`` (words in the title, description or keywords, in any
    language), ``fq`` (field:value terms), ``rows``, ``start``, ``sort``, ``facet.field``,
    ``facet.limit``."""
    q = params.text("q")
    if q in ("*:*", "*"):
        q = ""
    fq = params.text("fq")
    rows = params.integer("rows", default=ROWS_DEFAULT, high=ROWS_MAX)
    start = params.integer("start", default=0)
    sort = params.text("sort") or "score desc, metadata_modified desc"
    facet_fields = params.string_list("facet.field", "facet_field") or []
    for field in facet_fields:
        if field not in FACET_FIELDS:
            raise _invalid("facet.field", f"Unknown facet “{field[:100]}”: use one of {', '.join(FACET_FIELDS)}")
    facet_limit = params.integer("facet.limit", "facet_limit", default=FACET_LIMIT_DEFAULT, low=-1)
    ordering = _ordering(sort, shapes.lang)
    found = selectors.search_datasets(dataset_policy.scope(request.user, "view"), q=q)
    found = _filter_query(found, fq)
    count = found.count()
    page = list(found.select_related("agency").prefetch_related("resources").order_by(*ordering)[start : start + rows])
    facets, search_facets = _facets(found, list(dict.fromkeys(facet_fields)), facet_limit, shapes)
    return {
        "count": count,
        "results": [shapes.package(d) for d in page],
        "facets": facets,
        "search_facets": search_facets,
        "sort": sort,
    }


def package_show(request: HttpRequest, params: Params, shapes: Shapes) -> dict[str, Any]:
    """One published dataset by ``id``: its UUID or its name."""
    return shapes.package(_dataset(request, params))


def organization_list(request: HttpRequest, params: Params, shapes: Shapes) -> list[Any]:
    """The publishers' names (``all_fields``: their dicts with ``package_count``); ``sort``
    (name, title or package_count, asc or desc), ``limit``, ``offset``."""
    all_fields = params.boolean("all_fields", default=False)
    limit = params.integer("limit", default=LIST_MAX, high=LIST_MAX)
    offset = params.integer("offset", default=0)
    sort = params.text("sort") or "name asc"
    words = sort.split()
    field, direction = (words + ["asc"])[:2] if words else ("name", "asc")
    if len(words) > 2 or field not in ("name", "title", "package_count") or direction.lower() not in ("asc", "desc"):
        raise _invalid("sort", "Use name, title or package_count, then asc or desc")
    counts = _package_counts(request)
    agencies = list(_agencies(request))
    keys = {
        "name": lambda a: a.slug,
        "title": lambda a: ((a.name_translations or {}).get(shapes.lang) or a.name).lower(),
        "package_count": lambda a: (counts.get(a.pk, 0), a.slug),
    }
    agencies.sort(key=keys[field], reverse=direction.lower() == "desc")
    chosen = agencies[offset : offset + limit]
    if all_fields:
        return [shapes.organization(a, counts.get(a.pk, 0)) for a in chosen]
    return [a.slug for a in chosen]


def organization_show(request: HttpRequest, params: Params, shapes: Shapes) -> dict[str, Any]:
    """One publisher by ``id`` (its name or id); ``include_datasets`` adds its published
    datasets (up to 1000) as ``packages``."""
    ident = params.text("id") or params.text("name")
    if not ident:
        raise _invalid("id", "Missing value")
    lookup = Q(slug=ident) | (Q(pk=int(ident)) if _small_id(ident) else Q())
    agency = _agencies(request).filter(lookup).first()
    if agency is None:
        raise _not_found("Organization not found")
    include = params.boolean("include_datasets", default=False)
    datasets = _datasets(request).filter(agency=agency)
    result = shapes.organization(agency, datasets.count())
    if include:
        result["packages"] = [shapes.package(d) for d in datasets.order_by("name")[:LIST_MAX]]
    return result


def resource_show(request: HttpRequest, params: Params, shapes: Shapes) -> dict[str, Any]:
    """One resource of a published dataset by ``id`` (its UUID)."""
    res = _resource(request, params, "id")
    return shapes.resource(res, res.dataset)


def _resource(request: HttpRequest, params: Params, field: str) -> Resource:
    ident = params.text(field)
    if not ident:
        raise _invalid(field, "Missing value")
    try:
        pk = uuid.UUID(ident)
    except ValueError:
        raise _not_found("Resource was not found.") from None
    res = resource_policy.scope(request.user, "view").filter(pk=pk).first()
    if res is None:
        raise _not_found("Resource was not found.")
    return res


def _cell(value: Any, column_type: str) -> Any:
    """A filter value as the DataStore keeps it: numbers in numeric columns, text otherwise."""
    if column_type == "numeric" and isinstance(value, str):
        number = datastore._number(value)
        return value if number is None else number
    if column_type != "numeric" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return value


def datastore_search(request: HttpRequest, params: Params, shapes: Shapes) -> dict[str, Any]:
    """The rows of a tabular resource (``resource_id``): ``q`` (text anywhere in the row, or
    {column: text}), ``filters`` ({column: value or [values]}, exact), ``sort`` ("column asc|desc"),
    ``fields``, ``limit``, ``offset``, ``include_total``, ``records_format`` (objects or lists)."""
    res = _resource(request, params, "resource_id")
    if not res.datastore_active:
        raise _not_found(f"Resource “{res.pk}” has no DataStore table.")
    columns = res.columns
    types = {c["id"]: c.get("type", "text") for c in columns}
    positions = {c["id"]: i for i, c in enumerate(columns)}
    limit = params.integer("limit", default=DATASTORE_LIMIT_DEFAULT, high=DATASTORE_LIMIT_MAX)
    offset = params.integer("offset", default=0)
    include_total = params.boolean("include_total", default=True)
    records_format = params.text("records_format") or "objects"
    if records_format not in ("objects", "lists"):
        raise _invalid("records_format", "Use objects or lists")

    sort_column, descending = "", False
    sort = params.text("sort")
    if sort:
        if "," in sort:
            raise _invalid("sort", "Sort by one column")
        text, _sep, direction = sort.rpartition(" ")
        if direction.lower() in ("asc", "desc") and text.strip():
            sort_column, descending = text.strip(), direction.lower() == "desc"
        else:
            sort_column = sort
        sort_column = sort_column.strip('"')
        if sort_column not in positions and sort_column != "_id":
            raise _invalid("sort", f"field “{sort_column[:100]}” not in table")

    raw_q = params.raw("q")
    as_json = isinstance(raw_q, dict) or (isinstance(raw_q, str) and raw_q.strip().startswith("{"))
    q = params.json_value("q") if as_json else params.text("q")
    column_filters: dict[str, str] = {}
    if isinstance(q, dict):
        for column, value in q.items():
            if column not in positions:
                raise _invalid("q", f"field “{str(column)[:100]}” not in table")
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                raise _invalid("q", "Values must be text")
            column_filters[column] = str(value).replace("\x00", "")[:PARAM_MAX_LENGTH]
        q = ""

    filters = params.json_value("filters")
    if filters is None:
        filters = {}
    if not isinstance(filters, dict):
        raise _invalid("filters", "Must be a JSON object")
    for column in filters:
        if column not in positions and column != "_id":
            raise _invalid("filters", f"field “{str(column)[:100]}” not in table")

    fields = params.string_list("fields")
    if fields is None:
        fields = ["_id", *positions]
    for name in fields:
        if name not in positions and name != "_id":
            raise _invalid("fields", f"field “{name[:100]}” not in table")

    rows = selectors.datastore_rows(
        res, sort="" if sort_column == "_id" else sort_column, descending=descending, filters=column_filters
    )
    if sort_column == "_id":
        rows = rows.order_by("-row_number" if descending else "row_number")
    if q:
        needle = json.dumps(q, ensure_ascii=connection.vendor != "postgresql")[1:-1]
        rows = rows.filter(data__icontains=needle)
    for index, (column, wanted) in enumerate(filters.items()):
        values = wanted if isinstance(wanted, list) else [wanted]
        if not values or len(values) > 100:
            raise _invalid("filters", "Give between 1 and 100 values per column")
        if column == "_id":
            if not all((isinstance(v, int) and not isinstance(v, bool)) or _small_id(v) for v in values):
                raise _invalid("filters", "_id values must be whole numbers")
            if any(int(v) > 2**31 for v in values):
                raise _invalid("filters", "_id values must be whole numbers")
            rows = rows.filter(row_number__in=[int(v) for v in values])
            continue
        match = Q()
        for value in values:
            if isinstance(value, (dict, list)) or isinstance(value, bool):
                raise _invalid("filters", "Values must be text, numbers or null")
            if isinstance(value, str):
                value = value.replace("\x00", "")
            too_large = isinstance(value, int) and abs(value) > 2**53
            if too_large or (isinstance(value, float) and not math.isfinite(value)):
                raise _invalid("filters", "Number out of range")
            match |= Q(**{f"_exact{index}": _cell(value, types[column])})
        rows = rows.alias(**{f"_exact{index}": KeyTransform(str(positions[column]), "data")}).filter(match)

    total = rows.count() if include_total else None
    page = list(rows.only("row_number", "data")[offset : offset + limit])
    records = []
    for row in page:
        values = list(row.data) + [None] * (len(columns) - len(row.data))
        record = {"_id": row.row_number, **{c["id"]: values[i] for i, c in enumerate(columns)}}
        if records_format == "lists":
            records.append([record[name] for name in fields])
        else:
            records.append({name: record[name] for name in fields})
    base = reverse("ckan:action", args=["datastore_search"])
    keep = {"resource_id": str(res.pk)}
    if sort:
        keep["sort"] = sort
    if limit != DATASTORE_LIMIT_DEFAULT:
        keep["limit"] = str(limit)
    result: dict[str, Any] = {
        "resource_id": str(res.pk),
        "fields": [{"id": "_id", "type": "int"}]
        + [{"id": c["id"], "type": c.get("type", "text")} for c in columns if c["id"] in fields],
        "records": records,
        "records_format": records_format,
        "limit": limit,
        "offset": offset,
        "total_was_estimated": False,
        "_links": {
            "start": f"{base}?{urlencode(keep)}",
            "next": f"{base}?{urlencode({**keep, 'offset': offset + limit})}",
        },
    }
    if sort:
        result["sort"] = sort
    if q:
        result["q"] = q
    if filters:
        result["filters"] = filters
    if include_total:
        result["total"] = total
    if "_id" not in fields:
        result["fields"] = result["fields"][1:]
    return result


def status_show(request: HttpRequest, params: Params, shapes: Shapes) -> dict[str, Any]:
    """What this site is, as CKAN describes itself."""
    return {
        "ckan_version": CKAN_VERSION,
        "site_url": shapes.url("/").rstrip("/"),
        "site_title": getattr(settings, "SITE_NAME", "E-Citizen"),
        "site_description": "",
        "locale_default": settings.LANGUAGE_CODE,
        "extensions": ["datastore"],
        "api_version": 3,
    }


def site_read(request: HttpRequest, params: Params, shapes: Shapes) -> bool:
    """Whether the site may be read: always."""
    return True


def license_list(request: HttpRequest, params: Params, shapes: Shapes) -> list[dict[str, Any]]:
    """The licences datasets may have."""
    with translation.override(shapes.lang):
        return [
            {"id": value, "title": str(label), "url": f"https://spdx.org/licenses/{value}.html", "status": "active"}
            for value, label in Licence.choices
        ]


def group_list(request: HttpRequest, params: Params, shapes: Shapes) -> list[Any]:
    """The themes (CKAN's groups): names, or dicts with ``all_fields``."""
    all_fields = params.boolean("all_fields", default=False)
    if all_fields:
        return [shapes.group(code) for code in Theme.values]
    return [code.lower() for code in Theme.values]


def help_show(request: HttpRequest, params: Params, shapes: Shapes) -> str:
    """The documentation of the action ``name``."""
    name = params.text("name")
    if name not in ACTIONS:
        raise _not_found("Action function not found")
    return " ".join((ACTIONS[name].__doc__ or "").split())


ACTIONS: dict[str, Callable[[HttpRequest, Params, Shapes], Any]] = {
    "package_list": package_list,
    "package_search": package_search,
    "package_show": package_show,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "resource_show": resource_show,
    "datastore_search": datastore_search,
    "status_show": status_show,
    "site_read": site_read,
    "license_list": license_list,
    "group_list": group_list,
    "help_show": help_show,
}


# --- the view ---------------------------------------------------------------------------------


def _answer(request: HttpRequest, name: str, body: dict[str, Any], status: int = 200) -> HttpResponse:
    help_url = (
        request.build_absolute_uri(reverse("ckan:action", args=["help_show"])) + "?" + urlencode({"name": name[:100]})
    )
    response = JsonResponse({"help": help_url, **body}, status=status, json_dumps_params={"ensure_ascii": False})
    return response


def _cors(response: HttpResponse) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type, Authorization, X-CKAN-API-Key"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Exempt from CSRF because it changes nothing: every action reads, write actions answer 403.
@csrf_exempt
def action(request: HttpRequest, name: str) -> HttpResponse:
    """Call the action *name* with the request's parameters."""
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=200))
    if request.method not in ("GET", "POST", "HEAD"):
        response = _answer(
            request, name, {"success": False, "error": {"__type": "Bad Request", "message": "Method not allowed"}}, 405
        )
        response["Allow"] = "GET, POST, OPTIONS"
        return _cors(response)
    limited = rate_limited(request, "ckan_api", rate())
    if limited is not None:
        response = _answer(
            request,
            name,
            {"success": False, "error": {"__type": "Rate Limit", "message": "Too many requests: try again later"}},
            429,
        )
        response["Retry-After"] = limited["Retry-After"]
        return _cors(response)
    try:
        if name in ACTIONS:
            params = _params(request)
            shapes = Shapes(request, _language(params))
            result = ACTIONS[name](request, params, shapes)
        elif WRITE_ACTION.search(name):
            raise ApiError(
                403,
                "Authorization Error",
                "Access denied: the catalogue is read-only over this API; agencies publish in the back office",
            )
        else:
            raise ApiError(400, "Bad Request", f"Bad request - Action name not known: {name[:100]}")
    except ApiError as error:
        return _cors(_answer(request, name, {"success": False, "error": error.body()}, error.status))
    return _cors(_answer(request, name, {"success": True, "result": result}))
