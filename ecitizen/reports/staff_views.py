"""The back office of Report a problem, under /staff/reports/.

Caseworkers and agency admins work their agencies' reports (queue, report
page, status, notes, assignment, merging, forwarding); moderators and agency
admins hide and show reports and updates; agency admins edit categories and
areas. Every object is fetched through a policy with
:func:`~ecitizen.core.policies.access` (404 outside the user's agencies);
every change is a POST through an audited service.
"""

from __future__ import annotations

import dataclasses
import json

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecitizen.core.i18n import pick
from ecitizen.core.pagination import CappedPaginator
from ecitizen.core.policies import access
from ecitizen.reports import admin_services, geo, services, staff_selectors
from ecitizen.reports.models import Area, Category, ReportPhoto, ReportUpdate, Status
from ecitizen.reports.policies import area_policy, category_policy, staff_report_policy
from ecitizen.reports.staff_forms import (
    DEFAULT_LANGUAGE,
    AreaUploadForm,
    AssignForm,
    CategoryForm,
    ForwardForm,
    HideForm,
    MergeForm,
    NoteForm,
    QueueFilterForm,
    StatusForm,
    language_initial,
    language_texts,
)

PAGE_SIZE = 25
AREAS_MAP_MAX_POSITIONS = 50_000
# Service error keys → the form field that shows them.
_FIELD_FOR = {"name": f"name_{DEFAULT_LANGUAGE}", "public_note": "public_note"}


def _add_errors(form, exc: ValidationError) -> None:
    """Put a service's errors on the matching fields; the rest at the top of the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            name = _FIELD_FOR.get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _map_settings() -> dict:
    """What every back-office map needs (assets/js/staff-map.mjs reads it from data attributes)."""
    return {"tile_url": settings.REPORTS_TILE_URL, "tile_attribution": settings.REPORTS_TILE_ATTRIBUTION}


def _area_feature(area: Area) -> dict:
    """An area as a GeoJSON Feature whose ``label`` the map shows when its outline is clicked."""
    return {
        "type": "Feature",
        "geometry": area.geometry,
        "properties": {"label": area.display_name(), "active": area.is_active},
    }


def _shape_summary(geometry: dict) -> dict:
    """How many polygons and positions a MultiPolygon has, and its bounding box (for pages without JS)."""
    polygons = geo.from_geojson(geometry)
    box = geo.polygons_bbox(polygons)
    degrees = lambda value: f"{value:.6f}".rstrip("0").rstrip(".")  # noqa: E731 -- 52.020000 reads 52.02
    return {
        "polygons": len(polygons),
        "points": sum(len(ring) for polygon in polygons for ring in polygon),
        "south": degrees(box.min_lat),
        "west": degrees(box.min_lng),
        "north": degrees(box.max_lat),
        "east": degrees(box.max_lng),
    }


# --- the queue ------------------------------------------------------------------------------


class FigureFilterForm(forms.Form):
    """Filters that only the links of the analytics dashboards set (the reports behind a figure):
    closed on these days, made in this grid cell, routed to this area (0: outside every area). Read
    from the address; the page says they apply
    and links to the queue without them. Kept with the view while ``staff_forms.py`` is being
    changed by other work; it belongs there."""

    closed_from = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    closed_to = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    cell = forms.IntegerField(required=False, min_value=0, max_value=2**62)
    routed_area = forms.IntegerField(required=False, min_value=0, max_value=2**62)

    def clean(self):
        data = super().clean()
        if data.get("closed_from") and data.get("closed_to") and data["closed_to"] < data["closed_from"]:
            raise forms.ValidationError(_("The end date must be the same as or after the start date"))
        return data


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    agencies = list(staff_selectors.work_agencies(request.user))
    if not agencies:
        if staff_selectors.can_moderate(request.user):
            return redirect("reports_staff:moderation")
        raise PermissionDenied
    areas = staff_selectors.queue_areas(agencies)
    form = QueueFilterForm(
        request.GET or None,
        agencies=agencies,
        categories=staff_selectors.queue_categories(agencies),
        areas=areas,
    )
    filters = staff_selectors.QueueFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = staff_selectors.QueueFilters(
            agency=data.get("agency"),
            status=data["status"] or "open",
            category=data["category"],
            area=data["area"],
            assignee=data["assignee"],
            overdue=data["overdue"],
            reopened=data["reopened"],
            created_from=data["created_from"],
            created_to=data["created_to"],
            sort=data["sort"] or "due",
        )
    figure = FigureFilterForm(request.GET)
    figure_filters = {}
    if figure.is_valid():
        figure_filters = {name: value for name, value in figure.cleaned_data.items() if value is not None}
        filters = dataclasses.replace(filters, **figure_filters)
        if figure_filters.get("routed_area"):
            figure_filters["routed_area_name"] = dict(areas).get(figure_filters["routed_area"], "—")
    page = CappedPaginator(staff_selectors.report_queue(request.user, filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    without_figure = request.GET.copy()
    for name in [*FigureFilterForm.base_fields, "page"]:
        without_figure.pop(name, None)
    from django.utils import timezone

    return render(
        request,
        "reports/staff/queue.html",
        {
            "agencies": agencies,
            "form": form,
            "figure_filters": figure_filters,
            "figure_filters_refused": not figure.is_valid(),
            "without_figure_query": without_figure.urlencode(),
            "page": page,
            "query": query.urlencode(),
            "now": timezone.now(),
            "can_moderate": staff_selectors.can_moderate(request.user),
            "can_admin": category_policy.can(request.user, "view"),
        },
    )


# --- one report -----------------------------------------------------------------------------


def _record_access(request: HttpRequest, report) -> None:
    """The reporter has an account: they can see that staff looked at their report's personal data."""
    if not report.reporter_id:
        return
    from ecitizen.core.access_purposes import AccessPurpose
    from ecitizen.privacy.services import access_record

    access_record(
        staff=request.user,
        agency=report.agency,
        citizen=report.reporter,
        purpose=AccessPurpose.REPORT,
        reference=f"#{report.pk}",
        subject=report,
    )


def _report_page(request: HttpRequest, report, *, forms=None, status: int = 200, conflict: bool = False):
    forms = forms or {}
    initial = {"version": report.version}
    staff = staff_selectors.staff_of([report.agency_id])
    forms = {
        "status": forms.get("status") or StatusForm(initial={**initial, "status": report.status}),
        "note": forms.get("note") or NoteForm(),
        "assign": forms.get("assign") or AssignForm(initial=initial, staff=staff, user=request.user),
        "merge": forms.get("merge") or MergeForm(initial=initial),
        "forward": forms.get("forward")
        or ForwardForm(initial=initial, agencies=staff_selectors.forward_agencies(report)),
    }
    for key, form in forms.items():
        form.auto_id = f"{key}-%s"  # several forms on one page: ids must stay unique
    context = {
        "report": report,
        "clock": staff_selectors.response_clock(report),
        "answers": staff_selectors.answer_rows(report),
        "history": staff_selectors.report_history(report),
        "photos": ReportPhoto.objects.filter(report=report).order_by("pk"),
        "duplicates": report.duplicates.order_by("pk").only("id", "title"),
        **{f"{key}_form": form for key, form in forms.items()},
        "failed_form": next((form for form in forms.values() if form.errors), None),
        "conflict": conflict,
        "can_moderate": staff_selectors.can_moderate(request.user, report),
        **_map_settings(),
        "area_shape": _area_feature(report.area) if report.area_id and report.area.geometry else None,
        "area_link": bool(report.area_id)
        and area_policy.scope(request.user, "view").filter(pk=report.area_id).exists(),
    }
    return render(request, "reports/staff/detail.html", context, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = access(staff_report_policy, request.user, "view", pk=pk)
    _record_access(request, report)
    return _report_page(request, report)


def _act(request: HttpRequest, pk: int, action: str, form_key: str, make_form, run) -> HttpResponse:
    """Every report action: fetch through the policy, validate, call the service; on a conflict
    show the report as it is now with a 409, on a refusal show the message at its field."""
    report = access(staff_report_policy, request.user, action, pk=pk)
    form = make_form(request.POST, report)
    if not form.is_valid():
        return _report_page(request, report, forms={form_key: form}, status=400)
    try:
        message = run(report, form.cleaned_data)
    except services.StaleReport as exc:
        messages.error(
            request,
            _("Someone else changed this report while you were looking at it. Check its current state below."),
        )
        return _report_page(request, exc.current, status=409, conflict=True)
    except ValidationError as exc:
        _add_errors(form, exc)
        return _report_page(request, report, forms={form_key: form}, status=400)
    messages.success(request, message)
    return redirect("reports_staff:detail", pk=report.pk)


@login_required
@require_POST
def set_status(request: HttpRequest, pk: int) -> HttpResponse:
    def run(report, data):
        services.report_set_status(
            actor=request.user,
            report=report,
            status=data["status"],
            public_note=data["public_note"],
            responsible_body=data["responsible_body"],
            expected_version=data["version"],
        )
        return _("Status changed to “%(status)s”. The reporter has been told.") % {
            "status": Status(data["status"]).label
        }

    return _act(request, pk, "status", "status", lambda post, report: StatusForm(post), run)


@login_required
@require_POST
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    def run(report, data):
        services.report_add_note(actor=request.user, report=report, text=data["text"])
        return _("Staff note added.")

    return _act(request, pk, "note", "note", lambda post, report: NoteForm(post), run)


@login_required
@require_POST
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    def make_form(post, report):
        return AssignForm(post, staff=staff_selectors.staff_of([report.agency_id]), user=request.user)

    def run(report, data):
        choice = data["assignee"]
        if choice == "me":
            assignee = request.user
        elif choice == "none":
            assignee = None
        else:
            assignee = staff_selectors.staff_of([report.agency_id]).filter(pk=int(choice)).first()
            if assignee is None:
                raise ValidationError({"assignee": _("Choose someone who works on this agency's reports")})
        services.report_assign(actor=request.user, report=report, assignee=assignee, expected_version=data["version"])
        if assignee is None:
            return _("The report is no longer assigned to anyone.")
        return _("The report is assigned to %(name)s.") % {"name": assignee.get_full_name() or assignee.email}

    return _act(request, pk, "assign", "assign", make_form, run)


@login_required
@require_POST
def merge(request: HttpRequest, pk: int) -> HttpResponse:
    def run(report, data):
        into = staff_selectors.merge_target(request.user, report, data["into"])
        if into is None:
            raise ValidationError({"into": _("There is no report with this number that you can see")})
        services.report_merge(
            actor=request.user,
            report=report,
            into=into,
            public_note=data["public_note"],
            expected_version=data["version"],
        )
        return _("Marked as a duplicate of report #%(number)s.") % {"number": into.pk}

    return _act(request, pk, "merge", "merge", lambda post, report: MergeForm(post), run)


@login_required
@require_POST
def forward(request: HttpRequest, pk: int) -> HttpResponse:
    def make_form(post, report):
        return ForwardForm(post, agencies=staff_selectors.forward_agencies(report))

    def run(report, data):
        agency = staff_selectors.forward_agencies(report).get(pk=data["agency"])
        services.report_forward(
            actor=request.user,
            report=report,
            agency=agency,
            public_note=data["public_note"],
            expected_version=data["version"],
        )
        return _("Passed to %(agency)s.") % {"agency": agency.display_name}

    report_response = _act(request, pk, "forward", "forward", make_form, run)
    # After forwarding, the report belongs to another agency: back to the queue unless the user works there too.
    if (
        report_response.status_code == 302
        and not staff_report_policy.scope(request.user, "view").filter(pk=pk).exists()
    ):
        return redirect("reports_staff:queue")
    return report_response


@login_required
@require_GET
def photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A report's photo for staff and moderators of its agency, public or not."""
    item = ReportPhoto.objects.filter(pk=pk, report__isnull=False).first()
    if item is None:
        raise Http404
    visible = staff_report_policy.scope(request.user, "view") | staff_report_policy.scope(request.user, "moderate")
    if not visible.filter(pk=item.report_id).exists():
        raise Http404
    response = FileResponse(services.photo_open(item), content_type=item.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- moderation -------------------------------------------------------------------------------


def _require_moderator(request: HttpRequest) -> None:
    if not staff_selectors.can_moderate(request.user):
        raise PermissionDenied


def _after_moderation(request: HttpRequest, report_pk: int) -> HttpResponse:
    if (
        request.POST.get("next") != "moderation"
        and staff_report_policy.scope(request.user, "view").filter(pk=report_pk).exists()
    ):
        return redirect("reports_staff:detail", pk=report_pk)
    return redirect("reports_staff:moderation")


@login_required
@require_GET
def moderation(request: HttpRequest) -> HttpResponse:
    _require_moderator(request)
    return render(
        request,
        "reports/staff/moderation.html",
        {
            "reports": staff_selectors.moderation_reports(request.user),
            "updates": staff_selectors.moderation_updates(request.user),
            "can_work": staff_selectors.work_agencies(request.user).exists(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def hide(request: HttpRequest, pk: int) -> HttpResponse:
    _require_moderator(request)
    report = access(staff_report_policy, request.user, "moderate", view_action="moderate", pk=pk)
    form = HideForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.report_hide(actor=request.user, report=report, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Report #%(number)s is hidden from the public.") % {"number": report.pk})
            return _after_moderation(request, report.pk)
    return render(
        request,
        "reports/staff/hide.html",
        {"form": form, "report": report, "next": request.POST.get("next") or request.GET.get("next", "")},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def unhide(request: HttpRequest, pk: int) -> HttpResponse:
    _require_moderator(request)
    report = access(staff_report_policy, request.user, "moderate", view_action="moderate", pk=pk)
    services.report_unhide(actor=request.user, report=report)
    messages.success(request, _("Report #%(number)s is shown to the public again.") % {"number": report.pk})
    return _after_moderation(request, report.pk)


@login_required
@require_http_methods(["GET", "POST"])
def update_hide(request: HttpRequest, pk: int) -> HttpResponse:
    _require_moderator(request)
    reports = staff_report_policy.scope(request.user, "moderate")
    update = ReportUpdate.objects.filter(pk=pk, report__in=reports, is_internal=False).select_related("report").first()
    if update is None:
        raise Http404
    form = HideForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_hide(actor=request.user, update=update, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The update is hidden from the public."))
            return _after_moderation(request, update.report_id)
    return render(
        request,
        "reports/staff/hide.html",
        {
            "form": form,
            "report": update.report,
            "update": update,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
        status=400 if form.errors else 200,
    )


# --- categories ----------------------------------------------------------------------------------


def _require(policy, request: HttpRequest, action: str = "view") -> None:
    if not policy.can(request.user, action):
        raise PermissionDenied


@login_required
@require_GET
def categories(request: HttpRequest) -> HttpResponse:
    _require(category_policy, request)
    return render(
        request,
        "reports/staff/categories.html",
        {
            "categories": staff_selectors.admin_categories(request.user),
            "agencies": category_policy.agencies(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_new(request: HttpRequest) -> HttpResponse:
    _require(category_policy, request, "create")
    agencies = list(category_policy.agencies(request.user))
    form = CategoryForm(
        _posted(request), agencies=agencies, creating=True, initial={"response_days": 5, "is_active": True}
    )
    if request.method == "POST" and form.is_valid():
        agency_pk = form.cleaned_data.get("agency") or agencies[0].pk
        agency = next((a for a in agencies if a.pk == agency_pk), None)
        if agency is None:
            raise PermissionDenied
        try:
            category = admin_services.category_save(actor=request.user, agency=agency, data=form.data_for_service())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Category “%(name)s” created.") % {"name": category.display_name()})
            return redirect("reports_staff:categories")
    return render(
        request,
        "reports/staff/category_form.html",
        {"form": form, "creating": True},
        status=400 if form.errors else 200,
    )


def _category_initial(category: Category) -> dict:
    import json

    return {
        **language_initial(category.name, "name"),
        **language_initial(category.group, "group"),
        **language_initial(category.guidance, "guidance"),
        "keywords": category.keywords,
        "response_days": category.response_days,
        "is_active": category.is_active,
        "questions": json.dumps(category.questions, ensure_ascii=False, indent=2) if category.questions else "",
    }


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _require(category_policy, request, "edit")
    category = access(category_policy, request.user, "edit", pk=pk)
    form = CategoryForm(_posted(request), initial=_category_initial(category))
    if request.method == "POST" and form.is_valid():
        try:
            admin_services.category_save(actor=request.user, category=category, data=form.data_for_service())
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Category “%(name)s” saved.") % {"name": category.display_name()})
            return redirect("reports_staff:categories")
    return render(
        request,
        "reports/staff/category_form.html",
        {"form": form, "category": category},
        status=400 if form.errors else 200,
    )


# --- areas ----------------------------------------------------------------------------------------


@login_required
@require_GET
def areas(request: HttpRequest) -> HttpResponse:
    _require(area_policy, request)
    items = list(staff_selectors.admin_areas(request.user))
    positions = sum(len(ring) for area in items for polygon in area.geometry["coordinates"] for ring in polygon)
    # One map of every area, unless their outlines are too heavy to send at once (each area's page has its own).
    shapes = (
        {"type": "FeatureCollection", "features": [_area_feature(area) for area in items]}
        if items and positions <= AREAS_MAP_MAX_POSITIONS
        else None
    )
    return render(request, "reports/staff/areas.html", {"areas": items, "shapes": shapes, **_map_settings()})


@login_required
@require_GET
def area_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require(area_policy, request)
    area: Area = access(area_policy, request.user, "view", pk=pk)
    return render(
        request,
        "reports/staff/area_detail.html",
        {"area": area, "shapes": _area_feature(area), "summary": _shape_summary(area.geometry), **_map_settings()},
    )


def _area_agency(form, agencies):
    agency_pk = form.cleaned_data.get("agency") or agencies[0].pk
    agency = next((a for a in agencies if a.pk == agency_pk), None)
    if agency is None:
        raise PermissionDenied
    return agency


def _area_preview(request: HttpRequest, form, data, shapes) -> HttpResponse:
    """Step two of an upload: what would be saved, on a map and as text, with a form that saves it."""
    items = [{"name": pick(name), **_shape_summary(geometry)} for name, geometry in shapes]
    features = [
        {"type": "Feature", "geometry": geometry, "properties": {"label": pick(name)}} for name, geometry in shapes
    ]
    hidden = {
        "agency": form.cleaned_data.get("agency") or "",
        "split": "on" if form.cleaned_data["split"] else "",
        **{name: form.cleaned_data.get(name) or "" for name in form.fields if name.startswith("name_")},
    }
    return render(
        request,
        "reports/staff/area_preview.html",
        {
            "items": items,
            "shapes": {"type": "FeatureCollection", "features": features},
            # The file as it was read, sent back with "Save": the server checks it again then.
            "geojson": json.dumps(data, separators=(",", ":"), ensure_ascii=False),
            "hidden": {key: value for key, value in hidden.items() if value != ""},
            **_map_settings(),
        },
    )


def _area_save(request: HttpRequest, agencies) -> HttpResponse:
    """Save the file checked in step one, validated again by the service (the authority)."""
    form = AreaUploadForm(request.POST, agencies=agencies)
    form.is_valid()  # the file comes back as text, not as an upload: its field stays empty here
    form.errors.pop("file", None)
    if not form.errors:
        agency = _area_agency(form, agencies)
        try:
            made = admin_services.areas_import(
                actor=request.user,
                agency=agency,
                data=json.loads(request.POST.get("geojson") or "null"),
                split=form.cleaned_data["split"],
                name=language_texts(form.cleaned_data, "name"),
            )
        except ValueError:
            form.add_error("file", _("Upload the file again: what came back is not the file you checked."))
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(
                request,
                _("Areas added: %(names)s.") % {"names": ", ".join(area.display_name() for area in made)},
            )
            return redirect("reports_staff:areas")
    return render(request, "reports/staff/area_form.html", {"form": form}, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def area_new(request: HttpRequest) -> HttpResponse:
    """Upload areas in two steps: "Check the file" shows what would be saved, "Save" saves it."""
    _require(area_policy, request, "create")
    agencies = list(area_policy.agencies(request.user))
    if request.method == "POST" and request.POST.get("step") == "save":
        return _area_save(request, agencies)
    form = AreaUploadForm(_posted(request), request.FILES if request.method == "POST" else None, agencies=agencies)
    if request.method == "POST" and form.is_valid():
        _area_agency(form, agencies)
        try:
            data = admin_services.read_geojson_file(form.cleaned_data["file"])
            shapes = admin_services.shapes_from_geojson(
                data,
                split=form.cleaned_data["split"],
                name={k: v for k, v in language_texts(form.cleaned_data, "name").items() if v},
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            return _area_preview(request, form, data, shapes)
    return render(request, "reports/staff/area_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_POST
def area_active(request: HttpRequest, pk: int) -> HttpResponse:
    _require(area_policy, request, "edit")
    area: Area = access(area_policy, request.user, "edit", pk=pk)
    active = request.POST.get("active") == "1"
    admin_services.area_set_active(actor=request.user, area=area, active=active)
    if active:
        messages.success(request, _("%(name)s is active again.") % {"name": area.display_name()})
    else:
        messages.success(request, _("%(name)s is no longer used to route new reports.") % {"name": area.display_name()})
    return redirect(reverse("reports_staff:areas"))
