"""The open data catalogue's back office, under /staff/data/ (MFA enforced by middleware): agency
admins create and edit their agency's datasets, publish and unpublish them, and add, replace and
remove resources. Every dataset is fetched through the policy (404 outside the user's agencies);
every change is a POST to an audited service."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.agencies.selectors import agencies_where
from ecitizen.core.policies import access
from ecitizen.records.datasets import services
from ecitizen.records.datasets.forms import DatasetForm, NewDatasetForm, ResourceForm
from ecitizen.records.datasets.models import Dataset, Resource
from ecitizen.records.datasets.policies import PUBLISHER_ROLES, dataset_policy, resource_policy
from ecitizen.records.datasets.views import resource_response


def _add_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _staff_dataset(request: HttpRequest, name: str) -> Dataset:
    if not dataset_policy.can(request.user, "edit"):
        raise Http404
    return access(dataset_policy, request.user, "edit", view_action="edit", name=name)


def _staff_resource(request: HttpRequest, name: str, resource_id) -> Resource:
    if not dataset_policy.can(request.user, "edit"):
        raise Http404
    return access(resource_policy, request.user, "edit", view_action="edit", pk=resource_id, dataset__name=name)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    if not dataset_policy.can(request.user, "edit"):
        raise Http404
    datasets = dataset_policy.scope(request.user, "edit").order_by("-updated_at")[:500]
    return render(request, "datasets/staff/index.html", {"datasets": datasets})


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    agencies = list(agencies_where(request.user, *PUBLISHER_ROLES))
    if not agencies:
        raise Http404
    form = NewDatasetForm(request.POST or None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        agency = agencies[0]
        if "agency" in form.cleaned_data:
            agency = next(a for a in agencies if str(a.pk) == str(form.cleaned_data["agency"]))
        try:
            dataset = services.dataset_create(actor=request.user, agency=agency, data=form.data_for_service())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The dataset is saved as a draft. Add its resources, then publish it."))
            return redirect("datasets_staff:detail", name=dataset.name)
    status = 400 if request.method == "POST" else 200
    return render(request, "datasets/staff/form.html", {"form": form, "dataset": None}, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, name: str) -> HttpResponse:
    dataset = _staff_dataset(request, name)
    return render(
        request,
        "datasets/staff/detail.html",
        {"dataset": dataset, "resources": list(dataset.resources.all())},
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, name: str) -> HttpResponse:
    dataset = _staff_dataset(request, name)
    form = DatasetForm(request.POST or None, dataset=dataset)
    if request.method == "POST" and form.is_valid():
        try:
            dataset, changed = services.dataset_update(
                actor=request.user, dataset=dataset, data=form.data_for_service()
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            if not changed:
                messages.info(request, _("Nothing changed."))
            elif dataset.is_published:
                messages.success(request, _("The changes are published as a new version."))
            else:
                messages.success(request, _("The changes are saved."))
            return redirect("datasets_staff:detail", name=dataset.name)
    status = 400 if request.method == "POST" else 200
    return render(request, "datasets/staff/form.html", {"form": form, "dataset": dataset}, status=status)


def _change_status(request: HttpRequest, name: str, service, done: str) -> HttpResponse:
    """Publish or unpublish through *service*; say *done*, or why it could not be done."""
    dataset = _staff_dataset(request, name)
    try:
        service(actor=request.user, dataset=dataset)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, done)
    return redirect("datasets_staff:detail", name=dataset.name)


@login_required
@require_POST
def publish(request: HttpRequest, name: str) -> HttpResponse:
    return _change_status(request, name, services.dataset_publish, _("The dataset is published."))


@login_required
@require_POST
def unpublish(request: HttpRequest, name: str) -> HttpResponse:
    return _change_status(request, name, services.dataset_unpublish, _("The dataset is no longer public."))


@login_required
@require_http_methods(["GET", "POST"])
def resource_add(request: HttpRequest, name: str) -> HttpResponse:
    dataset = _staff_dataset(request, name)
    form = ResourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.resource_add(
                actor=request.user,
                dataset=dataset,
                title=form.cleaned_data["title"],
                format=form.cleaned_data["format"],
                upload=form.cleaned_data.get("file"),
                url=form.cleaned_data.get("url") or "",
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The resource is added."))
            return redirect("datasets_staff:detail", name=dataset.name)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "dataset": dataset, "resource": None}
    return render(request, "datasets/staff/resource_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def resource_replace(request: HttpRequest, name: str, resource_id) -> HttpResponse:
    res = _staff_resource(request, name, resource_id)
    initial = {"title": res.title, "format": res.format, "url": res.url}
    form = ResourceForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.resource_replace(
                actor=request.user,
                resource=res,
                title=form.cleaned_data["title"],
                format=form.cleaned_data["format"],
                upload=form.cleaned_data.get("file"),
                url=form.cleaned_data.get("url") or "",
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The resource is replaced."))
            return redirect("datasets_staff:detail", name=res.dataset.name)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "dataset": res.dataset, "resource": res}
    return render(request, "datasets/staff/resource_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def resource_remove(request: HttpRequest, name: str, resource_id) -> HttpResponse:
    res = _staff_resource(request, name, resource_id)
    error = ""
    if request.method == "POST":
        try:
            services.resource_remove(actor=request.user, resource=res)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("The resource is removed."))
            return redirect("datasets_staff:detail", name=name)
    status = 400 if error else 200
    context = {"dataset": res.dataset, "resource": res, "error": error}
    return render(request, "datasets/staff/resource_remove.html", context, status=status)


@login_required
@require_GET
def resource_download(request: HttpRequest, name: str, resource_id) -> HttpResponse:
    return resource_response(_staff_resource(request, name, resource_id))
