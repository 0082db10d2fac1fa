"""Make a report, one question per page: where, what kind, the details, check and send.

The answers so far are a draft dict in the session (:data:`DRAFT_SESSION_KEY`)
with a random ``draft_key`` that ties uploaded photos to this browser. Nothing
reaches the database until "Send" but the photos, which are stored (checked
and cleaned) as they are added. Every page works without JavaScript: the map
picker only fills in the latitude and longitude fields.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecitizen.core.i18n import pick
from ecitizen.core.ratelimits import rate_limited
from ecitizen.exchange import selectors as exchange_selectors
from ecitizen.reports import selectors, services
from ecitizen.reports.forms import AddressSearchForm, CategoryForm, DetailsForm, LocationForm, SendForm
from ecitizen.reports.models import MAX_PHOTOS, Category, Report, ReportPhoto
from ecitizen.reports.nearby import nearby_open_reports
from ecitizen.reports.routing import NoRoute, areas_at, categories_at, route

DRAFT_SESSION_KEY = "reports_draft"
SENT_SESSION_KEY = "reports_sent"
REPORT_RATE = "10/h/ip"
ADDRESS_PAGE_SIZE = 10
DETAIL_FIELDS = ("title", "description", "name", "email")


def map_attrs(**extra) -> dict:
    """The map settings every map template needs, with *extra* overriding them."""
    lat, lng = settings.REPORTS_MAP_CENTER
    return {
        "tile_url": settings.REPORTS_TILE_URL,
        "tile_attribution": settings.REPORTS_TILE_ATTRIBUTION,
        "center_lat": lat,
        "center_lng": lng,
        "zoom": settings.REPORTS_MAP_ZOOM,
        **extra,
    }


# --- the draft in the session ----------------------------------------------------------


def _new_draft() -> dict[str, Any]:
    return {"draft_key": uuid.uuid4().hex, "submit_token": uuid.uuid4().hex, "answers": {}, "errors": {}}


def get_draft(request, *, create: bool = False) -> dict[str, Any] | None:
    """This browser's draft report; a new one when *create* (or when the last one was sent)."""
    draft = request.session.get(DRAFT_SESSION_KEY)
    if create and (not isinstance(draft, dict) or draft.get("created_pk")):
        draft = _new_draft()
        _save_draft(request, draft)
    return draft if isinstance(draft, dict) else None


def _save_draft(request, draft: dict[str, Any]) -> None:
    request.session[DRAFT_SESSION_KEY] = draft
    request.session.modified = True


def _take_errors(request, draft: dict[str, Any], fields: set[str] | None = None) -> dict[str, str]:
    """Errors the check page left for this page (and forget them)."""
    errors = draft.get("errors") or {}
    mine = {k: v for k, v in errors.items() if fields is None or k in fields}
    if mine:
        draft["errors"] = {k: v for k, v in errors.items() if k not in mine}
        _save_draft(request, draft)
    return mine


def _sent_redirect(draft: dict[str, Any]):
    return redirect("reports:new_sent", pk=draft["created_pk"])


def _routing_problem(lat: float, lng: float) -> str | None:
    """Why no report can be made here, or None when some agency takes reports at this point."""
    if categories_at(lat, lng):
        return None
    routed = route("", lat, lng)
    areas = areas_at(lat, lng)
    responsible = any(a.agency_id is None and a.responsible_name for a in areas)
    if areas and not responsible:
        owners = ", ".join(sorted({a.agency.name for a in areas if a.agency_id is not None}))
        return _(
            "No agency that looks after this place takes reports of problems here yet. "
            "It is looked after by: %(agencies)s."
        ) % {"agencies": owners}
    return routed.message if isinstance(routed, NoRoute) else None


def _category_here(draft: dict[str, Any]) -> Category | None:
    code = draft.get("category")
    if not code or "lat" not in draft:
        return None
    return next((c for c in categories_at(draft["lat"], draft["lng"]) if c.code == code), None)


def _change(request) -> bool:
    return bool(request.GET.get("change"))


# --- 1. where ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def new_location(request):
    """Where is the problem? An address search, a typed latitude and longitude, or (with JavaScript) the map."""
    draft = get_draft(request, create=True)
    chosen = request.GET.get("category", "")
    if request.method == "GET" and chosen and chosen in dict(selectors.category_choices()):
        # Started from a kind of problem (the site search's "Pot-hole"): it is chosen on the next page.
        draft["category"] = chosen
        _save_draft(request, draft)
    search_form = AddressSearchForm(request.GET if "q" in request.GET else None)
    results = None
    if search_form.is_bound and search_form.is_valid():
        results = exchange_selectors.address_search_page(
            search_form.cleaned_data["q"], page=request.GET.get("page"), per_page=ADDRESS_PAGE_SIZE
        )

    if request.method == "POST":
        limited = rate_limited(request, "report_location", "120/m/ip")
        if limited is not None:
            return limited
        chosen = request.POST.get("address")
        address = address_id = ""
        if chosen is not None:
            query = request.POST.get("q", "")[:200]
            search_form = AddressSearchForm({"q": query})
            valid = search_form.is_valid()
            results = (
                exchange_selectors.address_search_page(query, page=request.POST.get("page"), per_page=ADDRESS_PAGE_SIZE)
                if valid
                else None
            )
            # The address chosen may be on any page of the search: it must be one of its matches.
            found = exchange_selectors.address_search_find(query, chosen) if valid else None
            if found is None:
                search_form.add_error("q", _("Select an address from the list, or search again"))
                form = LocationForm()
                return _location_page(request, form, search_form, results, status=400)
            form = LocationForm({"lat": str(found.latitude), "lng": str(found.longitude)})
            address, address_id = found.line, found.uprn
        else:
            form = LocationForm(request.POST)
        if form.is_valid():
            lat, lng = form.cleaned_data["lat"], form.cleaned_data["lng"]
            problem = _routing_problem(lat, lng)
            if problem:
                form.add_error("lat", problem)
            else:
                draft.update(lat=lat, lng=lng, address=address, address_id=address_id)
                draft["errors"] = {k: v for k, v in (draft.get("errors") or {}).items() if k != "location"}
                _save_draft(request, draft)
                if _change(request) and _category_here(draft) is not None:
                    return redirect("reports:new_check")
                return redirect("reports:new_category")
        return _location_page(request, form, search_form, results, status=400)

    initial_lat = request.GET.get("lat", draft.get("lat", ""))
    initial_lng = request.GET.get("lng", draft.get("lng", ""))
    errors = _take_errors(request, draft, {"location"})
    if errors:
        form = LocationForm({"lat": str(initial_lat), "lng": str(initial_lng)})
        form.is_valid()
        form.add_error("lat", errors["location"])
    else:
        form = LocationForm(initial={"lat": initial_lat, "lng": initial_lng})
    return _location_page(request, form, search_form, results)


def _location_page(request, form, search_form, results, *, status: int = 200):
    query = {"q": search_form["q"].value() or ""}
    if _change(request):
        query["change"] = "1"
    return render(
        request,
        "reports/public/new_location.html",
        {
            "form": form,
            "search_form": search_form,
            "results": results,
            "results_query": urlencode(query),
            "searched": search_form.is_bound and not search_form.errors,
            "change": _change(request),
            **map_attrs(),
        },
        status=status,
    )


# --- 2. what kind -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def new_category(request):
    draft = get_draft(request)
    if draft is None or "lat" not in draft:
        return redirect("reports:new")
    if draft.get("created_pk"):
        return _sent_redirect(draft)
    categories = categories_at(draft["lat"], draft["lng"])
    if not categories:
        return redirect("reports:new")
    if request.method == "POST":
        form = CategoryForm(request.POST, categories=categories)
        if form.is_valid():
            code = form.cleaned_data["category"]
            same = code == draft.get("category")
            if not same:
                draft["answers"], draft["details_ok"] = {}, False
            draft["category"] = code
            draft["errors"] = {k: v for k, v in (draft.get("errors") or {}).items() if k != "category"}
            _save_draft(request, draft)
            if same and _change(request) and draft.get("details_ok"):
                return redirect("reports:new_check")
            return redirect("reports:new_details")
        status = 400
    else:
        errors = _take_errors(request, draft, {"category"})
        current = draft.get("category") if _category_here(draft) else None
        if errors:
            form = CategoryForm({"category": current or ""}, categories=categories)
            form.is_valid()
            if "category" not in form.errors:
                form.add_error("category", errors["category"])
        else:
            form = CategoryForm(initial={"category": current}, categories=categories)
        status = 200
    return render(
        request,
        "reports/public/new_category.html",
        {"form": form, "groups": form.groups(), "change": _change(request)},
        status=status,
    )


# --- 3. the details ---------------------------------------------------------------------


def _details_data(draft: dict[str, Any], category: Category) -> dict[str, str]:
    data = {name: draft.get(name, "") for name in DETAIL_FIELDS}
    for question in category.questions or []:
        data[f"answer_{question['code']}"] = (draft.get("answers") or {}).get(question["code"], "")
    if draft.get("name_hidden"):
        data["name_hidden"] = "on"
    return data


def _remember_details(draft: dict[str, Any], category: Category, post) -> None:
    """Keep what was typed, valid or not, so that adding or removing a photo loses nothing."""
    for name in DETAIL_FIELDS:
        if name in post:
            draft[name] = post.get(name, "")[:5000]
    draft["answers"] = {
        q["code"]: post.get(f"answer_{q['code']}", "")[:2000]
        for q in category.questions or []
        if post.get(f"answer_{q['code']}")
    }
    draft["name_hidden"] = bool(post.get("name_hidden"))


def _store_photos(request, draft: dict[str, Any]) -> list[str]:
    """Store each uploaded photo with this draft; return the messages for the ones refused."""
    errors = []
    have = len(selectors.draft_photos(draft["draft_key"]))
    for upload in request.FILES.getlist("photos"):
        if have >= MAX_PHOTOS:
            errors.append(_("You can add up to %(limit)s photos") % {"limit": MAX_PHOTOS})
            break
        try:
            services.photo_store(actor=request.user, file=upload, draft_key=draft["draft_key"])
        except ValidationError as exc:
            errors.extend(exc.messages)
        else:
            have += 1
    return errors


@require_http_methods(["GET", "POST"])
def new_details(request):
    draft = get_draft(request)
    if draft is None or "lat" not in draft:
        return redirect("reports:new")
    if draft.get("created_pk"):
        return _sent_redirect(draft)
    category = _category_here(draft)
    if category is None:
        return redirect("reports:new_category")
    signed_in = request.user.is_authenticated
    status = 200

    if request.method == "POST":
        limited = rate_limited(request, "report_details", "120/m/ip")
        if limited is not None:
            return limited
        remove = request.POST.get("remove_photo")
        if remove:
            photo = ReportPhoto.objects.filter(
                pk=int(remove) if remove.isdigit() else 0, draft_key=draft["draft_key"], report__isnull=True
            ).first()
            if photo is not None:
                services.photo_discard(actor=request.user, photo=photo)
                messages.success(request, _("The photo has been removed"))
            return redirect(request.get_full_path())
        _remember_details(draft, category, request.POST)
        _save_draft(request, draft)
        photo_errors = _store_photos(request, draft)
        form = DetailsForm(request.POST, category=category, signed_in=signed_in)
        valid = form.is_valid()
        for message in photo_errors:
            form.add_error("photos", message)
        draft["details_ok"] = valid and not photo_errors
        _save_draft(request, draft)
        if draft["details_ok"]:
            return redirect("reports:new_check")
        status = 400
    else:
        errors = _take_errors(request, draft)
        if errors or request.GET.get("errors"):
            form = DetailsForm(_details_data(draft, category), category=category, signed_in=signed_in)
            form.is_valid()
            for key, message in errors.items():
                name = key if key in form.fields else None
                if name is None or name not in form.errors:
                    form.add_error(name, message)
        else:
            form = DetailsForm(initial=_details_data(draft, category), category=category, signed_in=signed_in)
            if draft.get("name_hidden"):
                form.initial["name_hidden"] = True

    nearby = nearby_open_reports(category.code, draft["lat"], draft["lng"])
    return render(
        request,
        "reports/public/new_details.html",
        {
            "form": form,
            "category": category,
            "nearby": nearby,
            "photos": selectors.draft_photos(draft["draft_key"]),
            "max_photos": MAX_PHOTOS,
            "change": _change(request),
        },
        status=status,
    )


# --- 4. check and send ------------------------------------------------------------------

PAGE_OF_FIELD = {"location": "reports:new", "category": "reports:new_category"}


def _first_missing(draft: dict[str, Any] | None) -> str | None:
    if draft is None or "lat" not in draft:
        return "reports:new"
    if _category_here(draft) is None:
        return "reports:new_category"
    if not draft.get("details_ok"):
        return "reports:new_details"
    return None


def _summary(draft: dict[str, Any], category: Category, user) -> list[dict[str, Any]]:
    rows = [
        {
            "label": _("Location"),
            "value": (draft.get("address") + "\n" if draft.get("address") else "")
            + f"{draft['lat']:.6f}, {draft['lng']:.6f}",
            "url": "reports:new",
        },
        {"label": _("Kind of problem"), "value": category.display_name(), "url": "reports:new_category"},
        {"label": _("Title"), "value": draft.get("title", ""), "url": "reports:new_details"},
        {"label": _("Description"), "value": draft.get("description", ""), "url": "reports:new_details"},
    ]
    answers = draft.get("answers") or {}
    for question in category.questions or []:
        value = answers.get(question["code"], "")
        if question.get("datatype") == "singlevaluelist":
            value = next(
                (pick(v.get("name")) or v["key"] for v in question.get("values", []) if str(v["key"]) == value), value
            )
        rows.append(
            {"label": pick(question.get("label")) or question["code"], "value": value, "url": "reports:new_details"}
        )
    if not user.is_authenticated:
        rows.append({"label": _("Your name"), "value": draft.get("name", ""), "url": "reports:new_details"})
        rows.append({"label": _("Your email address"), "value": draft.get("email", ""), "url": "reports:new_details"})
    rows.append(
        {
            "label": _("Show my name publicly"),
            "value": _("No") if draft.get("name_hidden") else _("Yes"),
            "url": "reports:new_details",
        }
    )
    return rows


@require_http_methods(["GET", "POST"])
def new_check(request):
    draft = get_draft(request)
    if draft is not None and draft.get("created_pk"):
        return _sent_redirect(draft)
    missing = _first_missing(draft)
    if missing:
        return redirect(missing)
    category = _category_here(draft)
    form = SendForm(request.POST if request.method == "POST" else None, initial={"submit_token": draft["submit_token"]})
    if request.method == "POST":
        limited = rate_limited(request, "report_create", REPORT_RATE)
        if limited is not None:
            return limited
        if not form.is_valid() or form.cleaned_data["submit_token"] != draft["submit_token"]:
            return _after_other_submit(request, request.POST.get("submit_token", ""))
        return _send(request, draft)
    return render(
        request,
        "reports/public/new_check.html",
        {
            "form": form,
            "rows": _summary(draft, category, request.user),
            "photos": selectors.draft_photos(draft["draft_key"]),
            "category": category,
        },
    )


def _token(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text)
    except (TypeError, ValueError):
        return None


def _after_other_submit(request, posted: str):
    """A "Send" of a form whose draft has been replaced: show the report it made, if this browser made it."""
    token = _token(posted)
    report = Report.objects.filter(submit_token=token).only("pk").first() if token else None
    if report is not None and report.pk in request.session.get(SENT_SESSION_KEY, []):
        return redirect("reports:new_sent", pk=report.pk)
    return redirect("reports:new_check")


def _remember_sent(request, draft: dict[str, Any], pk: int) -> None:
    draft["created_pk"] = pk
    _save_draft(request, draft)
    sent = [p for p in request.session.get(SENT_SESSION_KEY, []) if p != pk][-19:]
    request.session[SENT_SESSION_KEY] = [*sent, pk]


def _send(request, draft: dict[str, Any]):
    """Make the report, once: the draft's token is stored on it in the same transaction, so a second
    "Send" (a double click, or a retry after the process died before the session was saved) finds
    that report and shows it instead of making another."""
    photos = selectors.draft_photos(draft["draft_key"])[:MAX_PHOTOS]
    try:
        report = services.report_create(
            actor=request.user,
            service_code=draft.get("category", ""),
            latitude=draft["lat"],
            longitude=draft["lng"],
            title=draft.get("title", ""),
            description=draft.get("description", ""),
            answers=draft.get("answers") or {},
            name=draft.get("name", ""),
            email=draft.get("email", ""),
            name_hidden=bool(draft.get("name_hidden")),
            photos=photos,
            address=draft.get("address", ""),
            address_id=draft.get("address_id", ""),
            language=request.LANGUAGE_CODE,
            submit_token=draft["submit_token"],
        )
    except ValidationError as exc:
        return _back_with_errors(request, draft, exc)
    _remember_sent(request, draft, report.pk)
    return redirect("reports:new_sent", pk=report.pk)


def _back_with_errors(request, draft: dict[str, Any], exc: ValidationError):
    """Send the person to the page that asks for the first field in error, with the message there."""
    errors = {}
    for key, messages_ in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
        field = {"latitude": "location", "longitude": "location", "service_code": "category"}.get(key, key)
        errors.setdefault(field, messages_[0])
    draft["errors"] = errors
    if set(errors) - set(PAGE_OF_FIELD):
        draft["details_ok"] = False
    _save_draft(request, draft)
    for field, page in PAGE_OF_FIELD.items():
        if field in errors:
            return redirect(page)
    return redirect(reverse("reports:new_details") + "?errors=1")


# --- 5. sent, and confirmed by email ----------------------------------------------------


def new_sent(request, pk: int):
    if pk not in request.session.get(SENT_SESSION_KEY, []):
        raise Http404
    report = Report.objects.select_related("agency", "category").filter(pk=pk).first()
    if report is None:
        raise Http404
    return render(request, "reports/public/new_sent.html", {"report": report})


@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    """The link emailed to someone who reported without signing in. GET shows a button; POST confirms."""
    if services.read_token("confirm", token) is None:
        return _bad_link(request)
    if request.method == "POST":
        report = services.report_confirm(token=token)
        if report is None:
            return _bad_link(request)
        messages.success(
            request,
            _("Thank you. Your report has been confirmed and sent to %(agency)s.")
            % {"agency": report.agency.display_name},
        )
        if report.is_public:
            return redirect("reports:detail", pk=report.pk)
        return redirect("reports:list")
    return render(request, "reports/public/confirm.html", {"what": "report"})


def _bad_link(request):
    return render(request, "reports/public/bad_link.html", status=404)
