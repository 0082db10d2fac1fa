"""The open data catalogue's public pages, under /data/: the list with search and facets, a
dataset, a resource with its preview, downloads and the version history. Everything is read
through the policy: drafts and unpublished datasets answer 404."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from ecitizen.cases.uploads import content_disposition, private_storage
from ecitizen.core.policies import access
from ecitizen.records.datasets import datastore, selectors
from ecitizen.records.datasets.forms import PreviewForm, SearchForm
from ecitizen.records.datasets.models import Dataset, Resource
from ecitizen.records.datasets.policies import dataset_policy, resource_policy

PAGE_SIZE = 20
FACETS = ("publisher", "theme", "format", "licence")


def _dataset(request: HttpRequest, name: str) -> Dataset:
    return access(dataset_policy, request.user, "view", name=name)


def _resource(request: HttpRequest, name: str, resource_id) -> Resource:
    return access(resource_policy, request.user, "view", pk=resource_id, dataset__name=name)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    chosen = {key: "" for key in ("q", *FACETS)}
    if form.is_valid():
        chosen.update({k: (v or "").strip() for k, v in form.cleaned_data.items()})
    scope = dataset_policy.scope(request.user, "view")
    found = selectors.search_datasets(scope, **chosen).order_by("-modified_at", "name")
    facets = selectors.facet_counts(found)
    facet_groups = []
    for key, label in (
        ("publisher", _label("publisher")),
        ("theme", _label("theme")),
        ("format", _label("format")),
        ("licence", _label("licence")),
    ):
        items = []
        for value, text, count in facets[key]:
            selected = chosen[key] == value
            query = {k: v for k, v in chosen.items() if v and k != key}
            if not selected:
                query[key] = value
            items.append({"label": text, "count": count, "selected": selected, "href": "?" + urlencode(query)})
        facet_groups.append({"key": key, "label": label, "items": items})
    page = Paginator(found.prefetch_related("resources"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "datasets/index.html",
        {
            "form": form,
            "page": page,
            "q": chosen["q"],
            "facets": facet_groups,
            "filtered": any(chosen[k] for k in FACETS),
            "hidden": [(k, chosen[k]) for k in FACETS if chosen[k]],
            "query": urlencode({k: v for k, v in chosen.items() if v}),
        },
        status=200 if form.is_valid() else 400,
    )


def _label(key: str) -> str:
    return {"publisher": _("Publisher"), "theme": _("Theme"), "format": _("Format"), "licence": _("Licence")}[key]


@require_GET
def detail(request: HttpRequest, name: str) -> HttpResponse:
    dataset = _dataset(request, name)
    return render(
        request,
        "datasets/detail.html",
        {"dataset": dataset, "resources": list(dataset.resources.all())},
    )


@require_GET
def resource(request: HttpRequest, name: str, resource_id) -> HttpResponse:
    res = _resource(request, name, resource_id)
    context = {"dataset": res.dataset, "resource": res, "preview": None, "form": None}
    status = 200
    if res.datastore_active:
        form = PreviewForm(request.GET, columns=res.columns)
        if not form.is_valid():
            status = 400  # an unknown sort column or a filter too long: shown as errors, the rest applies
        cleaned = form.cleaned_data
        sort, descending = cleaned.get("sort") or "", cleaned.get("order") == "desc"
        filters = {
            c["id"]: cleaned[f"f{i}"].strip() for i, c in enumerate(res.columns) if (cleaned.get(f"f{i}") or "").strip()
        }
        result = selectors.preview(res, sort=sort, descending=descending, filters=filters, page=request.GET.get("page"))
        base = {f"f{i}": filters[c["id"]] for i, c in enumerate(res.columns) if c["id"] in filters}
        headers = []
        for column in res.columns:
            toggled = "asc" if result.sort != column["id"] or result.descending else "desc"
            headers.append(
                {
                    "id": column["id"],
                    "numeric": column.get("type") == "numeric",
                    "sorted": _sorted(result, column["id"]),
                    "href": "?" + urlencode({**base, "sort": column["id"], "order": toggled}),
                }
            )
        filter_fields = [(form[f"f{i}"], c) for i, c in enumerate(res.columns)]
        keep = {
            **base,
            **({"sort": result.sort, "order": "desc" if result.descending else "asc"} if result.sort else {}),
        }
        context.update(
            {
                "form": form,
                "preview": result,
                "headers": headers,
                "filter_fields": filter_fields,
                "page": result.page,
                "query": urlencode(keep),
            }
        )
    return render(request, "datasets/resource.html", context, status=status)


def _sorted(result: selectors.Preview, column: str) -> str:
    """The column's aria-sort value."""
    if result.sort != column:
        return "none"
    return "descending" if result.descending else "ascending"


@require_GET
def download(request: HttpRequest, name: str, resource_id) -> HttpResponse:
    res = _resource(request, name, resource_id)
    return resource_response(res)


def resource_response(res: Resource) -> HttpResponse:
    """The resource's file as a download, or a redirect to its link."""
    if not res.is_upload:
        return redirect(res.url)
    try:
        handle = private_storage().open(res.stored_name, "rb")
    except FileNotFoundError as exc:  # a file lost from storage: not found, never a server error
        raise Http404 from exc
    response = FileResponse(handle, content_type=datastore.CONTENT_TYPES[res.format])
    response["Content-Disposition"] = content_disposition(
        res.original_name or f"{res.dataset.name}{datastore.EXTENSIONS[res.format]}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def history(request: HttpRequest, name: str) -> HttpResponse:
    dataset = _dataset(request, name)
    versions = selectors.version_history(dataset)
    return render(request, "datasets/history.html", {"dataset": dataset, "versions": versions})


# --- DCAT-AP: the catalogue's metadata for harvesters (ecitizen/records/datasets/dcat.py) -------

DCAT_MAX_AGE = 300


def _dcat_response(graph, fmt: str) -> HttpResponse:
    from django.utils.cache import patch_cache_control

    from ecitizen.records.datasets import dcat

    data, content_type = dcat.serialize(graph, fmt)
    response = HttpResponse(data, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, public=True, max_age=DCAT_MAX_AGE)
    return response


@require_GET
def dcat_catalog(request: HttpRequest, fmt: str) -> HttpResponse:
    """The whole public catalogue as DCAT-AP, *fmt* ``json-ld`` or ``turtle`` (set by the URL)."""
    from ecitizen.records.datasets import dcat

    return _dcat_response(dcat.catalog_graph(request), fmt)


@require_GET
def dcat_dataset(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """One published dataset as DCAT-AP; drafts and unpublished ones answer 404."""
    from django.shortcuts import get_object_or_404

    from ecitizen.records.datasets import dcat

    dataset = get_object_or_404(dcat.public_datasets(request.user), name=name)
    return _dcat_response(dcat.dataset_graph(dataset, request), fmt)
