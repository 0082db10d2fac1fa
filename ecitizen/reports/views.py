"""Browse reports: the list and map, one report's page and history, public updates and photos.

The list is the page that works without JavaScript; the map enhances it,
fetching :func:`map_json` for the part of the city in view. Hidden and
unconfirmed reports answer 404 here; staff see them in their own pages.
"""

from __future__ import annotations

from functools import cached_property
from html import escape as _stdlib_escape

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.core.dates import format_date
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


# The colour of each status's tag on the public pages (reports/public/_status_tag.html says the same).
STATUS_TAGS = {
    Status.OPEN: "govuk-tag--blue",
    Status.INVESTIGATING: "govuk-tag--light-blue",
    Status.ACTION_SCHEDULED: "govuk-tag--turquoise",
    Status.IN_PROGRESS: "govuk-tag--yellow",
    Status.FIXED: "govuk-tag--green",
    Status.NOT_RESPONSIBLE: "govuk-tag--orange",
}


class ListPaginator(CappedPaginator):
    """On PostgreSQL, counts matching reports in any order: the cap's 1001 rows come from whichever
    index is cheapest (the open reports' partial index, a district's links) instead of the date order.

    SQLite, without statistics, would then read the table in storage order, oldest first, and go
    through most of a million rows to find 1001 open reports (0.36 s): there the count keeps the
    list's order, newest first, where open reports are.
    """

    @cached_property
    def count(self) -> int:
        if connection.vendor == "sqlite":
            return super().count
        return self.object_list.order_by()[: self.cap + 1].count()


# One line of the list, as reports/public/list.html drew it with a loop of template nodes, byte for
# byte (reports/tests/test_list_rows_html.py renders both and compares them).
_LIST_ROW = (
    '\n      <li class="govuk-!-margin-bottom-4">'
    '\n        <h3 class="govuk-heading-s govuk-!-margin-bottom-1"><a class="govuk-link" href="{url}">{title}</a></h3>'
    '\n        <p class="govuk-body-s govuk-!-margin-bottom-1"><strong class="govuk-tag {tag}">{status}</strong>'
    " {category} · {area}{agency}</p>"
    '\n        <p class="govuk-body-s govuk-!-margin-bottom-0">{reported}</p>'
    "\n      </li>\n      "
)


def _list_rows(reports) -> str:
    """The list's lines (HTML, every value escaped): a link, a status tag, names and a date each,
    with the names worked out once per category, area and agency and the status labels once.

    Built here rather than by a loop of some ten template nodes per report (a tenth of the page's
    time); ``escape`` is what autoescaping applies, called without its lazy-text wrapper.
    """
    detail_url = reverse("reports:detail", args=[0]).replace("/0/", "/{}/")
    labels = {status.value: escape(status.label) for status in Status}
    reported = _("#%(ref)s, reported on %(date)s")  # the same words as the template's blocktranslate had
    names: dict[tuple[str, int], str] = {}

    def name(kind: str, obj) -> str:
        key = (kind, obj.pk)
        if key not in names:
            names[key] = escape(obj.display_name if kind == "agency" else obj.display_name())
        return names[key]

    return mark_safe(  # noqa: S308 -- every value in it is escaped above
        "".join(
            _LIST_ROW.format(
                url=escape(detail_url.format(report.pk)),
                title=escape(report.title),
                tag=STATUS_TAGS.get(report.status, "govuk-tag--grey"),
                status=labels[report.status],
                category=name("category", report.category),
                area=f"{name('area', report.area)} · " if report.area_id and name("area", report.area) else "",
                agency=name("agency", report.agency),
                reported=escape(reported % {"ref": report.pk, "date": format_date(report.created_at)}),
            )
            for report in reports
        )
    )


def escape(value) -> str:
    """Django's ``escape`` (the standard library's, quotes included) without its lazy-text wrapper."""
    return _stdlib_escape(str(value))


# The unfiltered filter form, rendered once per language and set of choices (a few kB each). Most
# visits to the list carry no filter, and the form's selects are the page's costliest part to draw.
_FILTERS_HTML: dict[tuple, str] = {}
_FILTERS_HTML_MAX = 64


def _filters_html(request, form: FilterForm):
    """The filter form's HTML: from memory when no filter was given, else drawn for this request.

    What it holds depends only on the language and the choices (kinds of problem and areas, read
    afresh on every request and part of the key, so a renamed category shows at once); no value
    from the query string, no token, nothing about the reader.
    """
    if settings.DEBUG or not all(
        field.widget.value_omitted_from_data(request.GET, {}, form.add_prefix(name))
        for name, field in form.fields.items()
    ):  # a filter was given (a date posts <name>-day, -month and -year, not <name>)
        return form
    key = (translation.get_language(), tuple(form.fields["category"].choices), tuple(form.fields["area"].choices))
    html = _FILTERS_HTML.get(key)
    if html is None:
        if len(_FILTERS_HTML) >= _FILTERS_HTML_MAX:
            _FILTERS_HTML.clear()
        html = _FILTERS_HTML[key] = form.render()
    return html


@require_GET
def report_list(request):
    """Public reports, newest first, filterable by kind, status, area and date; with the map above."""
    form, filters = _filter_form(request.GET)
    page = ListPaginator(selectors.reports_for_list(filters), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    querystring = query.urlencode()
    return render(
        request,
        "reports/public/list.html",
        {
            "form": form,
            "filters": _filters_html(request, form),
            "page": page,
            "rows": _list_rows(page.object_list),
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
    status_labels = {status.value: str(status.label) for status in Status}
    points = selectors.viewport_points(bbox, filters=filters)
    category_names = selectors.category_names(point[5] for point in points) if points else {}
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
            "properties": {
                "id": pk,
                "title": title,
                "status": status,
                "status_label": status_labels[status],
                "status_group": _status_group(status),
                "url": detail_url.format(pk),
                "category": category_names[category_id],
            },
        }
        for pk, title, status, latitude, longitude, category_id in points
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
