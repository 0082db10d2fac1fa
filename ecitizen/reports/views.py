"""Browse reports: the list and map, one report's page and history, public updates and photos.

The list is the page that works without JavaScript; the map enhances it,
fetching :func:`map_json` for the part of the city in view. Hidden and
unconfirmed reports answer 404 here; staff see them in their own pages.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.core.pagination import CappedPaginator
from ecitizen.core.ratelimits import rate_limited
from ecitizen.reports import selectors, services
from ecitizen.reports.forms import FilterForm, UpdateForm
from ecitizen.reports.models import OPEN_STATUSES, Report, Status, UpdateKind
from ecitizen.reports.report_views import DRAFT_SESSION_KEY, map_attrs

UPDATE_RATE = "10/h/ip"
PER_PAGE = 20


def _filter_form(data) -> tuple[FilterForm, selectors.Filters]:
    areas = selectors.public_areas()
    form = FilterForm(
        data,
        categories=selectors.category_choices(),
        areas=[(a.pk, f"{a.display_name()} ({a.agency.display_name})") for a in areas],
    )
    if form.is_valid():
        filters = selectors.Filters.from_form(form.cleaned_data, {a.pk: a for a in areas})
    else:
        filters = selectors.Filters()
    return form, filters


@require_GET
def report_list(request):
    """Public reports, newest first, filterable by kind, status, area and date; with the map above."""
    form, filters = _filter_form(request.GET)
    page = CappedPaginator(selectors.reports_for_list(filters), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    querystring = query.urlencode()
    return render(
        request,
        "reports/public/list.html",
        {
            "form": form,
            "page": page,
            "query": querystring,
            "map_url": reverse("reports:map_json") + (f"?{querystring}" if querystring else ""),
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            **map_attrs(),
        },
        status=200 if form.is_valid() else 400,
    )


def _status_group(status: str) -> str:
    return "open" if status in OPEN_STATUSES else "closed"


@require_GET
def map_json(request):
    """GeoJSON of the public reports in ``?bbox=minLng,minLat,maxLng,maxLat``, with the list's filters.

    At most 500 reports, newest first, from the last 90 days unless
    ``date_from`` says otherwise (see :func:`selectors.reports_in_viewport`).
    A missing or malformed box, or a bad filter, answers 400 with
    ``{"errors": [...]}``.
    """
    bbox = selectors.parse_bbox(request.GET.get("bbox", ""))
    errors = []
    if bbox is None:
        errors.append(
            _("bbox must be minLng,minLat,maxLng,maxLat: four numbers, longitudes -180 to 180, latitudes -90 to 90")
        )
    form, filters = _filter_form(request.GET)
    if not form.is_valid():
        errors.extend(f"{name}: {message}" for name, items in form.errors.items() for message in items)
    if errors:
        return JsonResponse({"errors": errors}, status=400)
    # One reverse() and one name look-up per category and status, not per report: 500 markers add up.
    detail_url = reverse("reports:detail", args=[0]).replace("/0/", "/{}/")
    category_names: dict[int, str] = {}
    status_labels = {status.value: str(status.label) for status in Status}
    reports = selectors.reports_in_viewport(bbox, filters=filters)
    for report in reports:
        if report.category_id not in category_names:
            category_names[report.category_id] = report.category.display_name()
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [report.longitude, report.latitude]},
            "properties": {
                "id": report.pk,
                "title": report.title,
                "status": report.status,
                "status_label": status_labels[report.status],
                "status_group": _status_group(report.status),
                "url": detail_url.format(report.pk),
                "category": category_names[report.category_id],
            },
        }
        for report in reports
    ]
    response = JsonResponse({"type": "FeatureCollection", "features": features})
    # Not cached: someone who has just reported a problem expects to see it on the map at once.
    response["Cache-Control"] = "no-cache"
    return response


def _can_reopen(request, report: Report) -> bool:
    return (
        request.user.is_authenticated and report.reporter_id == request.user.pk and report.status in services.REOPENABLE
    )


def _detail_page(request, report: Report, form: UpdateForm, *, status: int = 200):
    return render(
        request,
        "reports/public/detail.html",
        {
            "report": report,
            "updates": selectors.public_updates(report),
            "photos": selectors.public_photos(report),
            "answers": selectors.answer_rows(report),
            "form": form,
            "can_reopen": _can_reopen(request, report),
            "map_url": reverse("reports:map_json") + f"?report={report.pk}",
            **map_attrs(center_lat=report.latitude, center_lng=report.longitude, zoom=17),
        },
        status=status,
    )


@require_GET
def report_detail(request, pk: int):
    report = selectors.public_report(pk)
    form = UpdateForm(signed_in=request.user.is_authenticated, can_reopen=_can_reopen(request, report))
    return _detail_page(request, report, form)


@require_POST
def report_update(request, pk: int):
    """Add an update; a reporter's update (or "not fixed") reopens a closed report."""
    report = selectors.public_report(pk)
    limited = rate_limited(request, "report_update", UPDATE_RATE)
    if limited is not None:
        return limited
    signed_in = request.user.is_authenticated
    form = UpdateForm(request.POST, request.FILES, signed_in=signed_in, can_reopen=_can_reopen(request, report))
    photo = None
    if form.is_valid() and form.cleaned_data.get("photo"):
        try:
            photo = services.photo_store(actor=request.user, file=form.cleaned_data["photo"])
        except ValidationError as exc:
            form.add_error("photo", exc)
    if form.is_valid():
        data = form.cleaned_data
        try:
            update = services.report_add_update(
                actor=request.user,
                report=report,
                text=data.get("text", ""),
                not_fixed=bool(data.get("not_fixed")),
                photo=photo,
                name=data.get("name", ""),
                email=data.get("email", ""),
                name_hidden=bool(data.get("name_hidden")),
                language=request.LANGUAGE_CODE,
            )
        except PermissionDenied as exc:
            if photo is not None:
                services.photo_discard(actor=request.user, photo=photo)
            raise Http404 from exc
        except ValidationError as exc:
            for key, items in exc.message_dict.items():
                form.add_error(key if key in form.fields else None, items)
        else:
            if update.is_public:
                if update.kind == UpdateKind.REOPENED:
                    messages.success(request, _("Your update has been added and the report has been opened again"))
                else:
                    messages.success(request, _("Your update has been added"))
            else:
                messages.success(request, _("Check your email to confirm your update"))
            return redirect("reports:detail", pk=report.pk)
    if photo is not None:
        services.photo_discard(actor=request.user, photo=photo)
    return _detail_page(request, report, form, status=400)


@require_GET
def photo(request, pk: int):
    """A photo of a public report (or of this browser's draft), served privately with no sniffing."""
    draft = request.session.get(DRAFT_SESSION_KEY) or {}
    found = selectors.viewable_photo(pk, draft_key=draft.get("draft_key", "") if isinstance(draft, dict) else "")
    try:
        handle = services.photo_open(found)
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=found.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "private, no-store" if found.report_id is None else "private, max-age=300"
    return response


@require_http_methods(["GET", "POST"])
def confirm_update(request, token: str):
    """The link emailed to someone who added an update without signing in. GET shows a button; POST confirms."""
    if services.read_token("update", token) is None:
        return render(request, "reports/public/bad_link.html", status=404)
    if request.method == "POST":
        update = services.update_confirm(token=token)
        if update is None:
            return render(request, "reports/public/bad_link.html", status=404)
        if update.is_public:
            messages.success(request, _("Thank you. Your update has been published"))
        if update.report.is_public:
            return redirect("reports:detail", pk=update.report_id)
        return redirect("reports:list")
    return render(request, "reports/public/confirm.html", {"what": "update"})
