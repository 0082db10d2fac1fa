"""Open311 GeoReport v2 endpoints under /open311/v2/: discovery, services, service definitions,
service requests (read and post) and tokens, each as ``.xml`` or ``.json``.

Reads are public and rate-limited per IP address. Posting a request needs an
API key (``api_key``, issued by a platform admin) and is rate-limited per
key; it is exempt from CSRF checks because no cookie authenticates it. Every
failure answers in the standard's error list with the HTTP status as its
``code``: 400 for bad parameters, 403 for a missing, wrong or revoked key,
404 for anything unknown, 405 for a wrong method and 429 when rate-limited.
A posted request is a report like any other: routed by place and service
code, public at once (apps vouch for their users), in the agency's queue and
emailed to it. The POST answers 200, as the specification's examples and
other GeoReport servers do.
"""

from __future__ import annotations

import datetime
import functools
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from ecitizen.core.ratelimits import seconds_until_allowed
from ecitizen.reports.emails import absolute_url
from ecitizen.reports.models import TITLE_MAX_LENGTH, Report, Source
from ecitizen.reports.open311 import conf, selectors
from ecitizen.reports.open311.keys import api_client_authenticate
from ecitizen.reports.open311.renderers import render, render_errors

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_WINDOW = datetime.timedelta(days=90)
_ATTRIBUTE = re.compile(r"^attribute\[([^\]]{1,50})\]$")
_SPACED_OFFSET = re.compile(r" (\d{2}(?::?\d{2})?)$")


def _language(request: HttpRequest) -> str:
    """``?locale=`` (``es`` or ``es-ES``) when we speak it, else the language the request negotiated."""
    wanted = (request.GET.get("locale") or "").strip().replace("_", "-").lower().split("-")[0]
    return wanted if wanted in dict(settings.LANGUAGES) else translation.get_language() or settings.LANGUAGE_CODE


def endpoint(*methods: str) -> Callable:
    """Method check, jurisdiction check, rate limit and language for every Open311 view."""
    allowed = set(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, fmt: str, **kwargs) -> HttpResponse:
            if request.method not in allowed:
                return render_errors(
                    fmt,
                    405,
                    _("This address does not accept %(method)s requests.") % {"method": request.method},
                    headers={"Allow": ", ".join(sorted(allowed))},
                )
            params = request.POST if request.method == "POST" else request.GET
            if any("\x00" in value for values in (*params.lists(), *request.GET.lists()) for value in values[1]):
                return render_errors(fmt, 400, _("Parameters must not contain NUL characters."))
            jurisdiction = (params.get("jurisdiction_id") or request.GET.get("jurisdiction_id") or "").strip()
            if jurisdiction and jurisdiction != conf.jurisdiction():
                return render_errors(
                    fmt,
                    404,
                    _("jurisdiction_id %(given)s is not served here: use %(ours)s or leave it out.")
                    % {"given": jurisdiction, "ours": conf.jurisdiction()},
                )
            if request.method != "POST":
                wait = seconds_until_allowed(request, "open311_get", conf.rate_get())
                if wait:
                    return _too_many(fmt, wait)
            with translation.override(_language(request)):
                return view(request, *args, fmt=fmt, **kwargs)

        # API keys, not cookies, authorise Open311 writes; without this a POST to a read-only
        # address would get Django's HTML CSRF page instead of the standard's 405 error list.
        return csrf_exempt(wrapper)

    return decorate


def _too_many(fmt: str, wait: int) -> HttpResponse:
    return render_errors(
        fmt,
        429,
        _("Too many requests: try again in %(seconds)s seconds.") % {"seconds": wait},
        headers={"Retry-After": str(wait)},
    )


# --- discovery and services -----------------------------------------------------


def base_url() -> str:
    path = reverse("open311:discovery", kwargs={"fmt": "xml"})
    return absolute_url(path[: -len("discovery.xml")])


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    changeset = selectors.iso(selectors.changeset())
    return render(
        fmt,
        "discovery",
        {
            "changeset": changeset,
            "contact": conf.contact(),
            "key_service": _(
                "Apps that post service requests need an API key. Write to %(contact)s with the name of your app "
                "and a contact email address: a platform administrator will issue a key."
            )
            % {"contact": conf.contact()},
            "endpoints": [
                {
                    "specification": SPECIFICATION,
                    "url": base_url(),
                    "changeset": changeset,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        },
    )


@endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return render(fmt, "services", selectors.service_list(), item="service")


@endpoint("GET")
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    definition = selectors.service_definition(code)
    if definition is None:
        return _unknown_service(fmt, code)
    return render(fmt, "service_definition", definition)


def _unknown_service(fmt: str, code: str) -> HttpResponse:
    return render_errors(
        fmt,
        404,
        _("service_code %(code)s is not a service here: see services.%(fmt)s for the list.")
        % {"code": code, "fmt": fmt},
    )


# --- service requests ---------------------------------------------------------------


@csrf_exempt
@endpoint("GET", "POST")
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    return _list_requests(request, fmt)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _parse_datetime(name: str, value: str) -> tuple[datetime.datetime | None, str]:
    text = _SPACED_OFFSET.sub(r"+\1", value.strip())  # an unencoded "+01:00" arrives as " 01:00"
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None, _("%(name)s is not a date and time: use ISO 8601 with a time zone, like 2024-05-01T00:00:00Z.") % {
            "name": name
        }
    if not 1970 <= parsed.year <= 2100:
        return None, _("%(name)s must be between the years 1970 and 2100.") % {"name": name}
    if parsed.tzinfo is None:
        return None, _(
            "%(name)s has no time zone: add one, like 2024-05-01T00:00:00Z or 2024-05-01T00:00:00+01:00."
        ) % {"name": name}
    return parsed, ""


def _list_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    params = request.GET
    ids = _split(params.get("service_request_id"))
    if ids:
        reports = selectors.requests_by_id([int(i) for i in ids if i.isdigit() and len(i) < 19])
        return render(fmt, "service_requests", selectors.serialize(reports), item="request")

    errors = []
    codes = _split(params.get("service_code"))
    statuses = [s.lower() for s in _split(params.get("status"))]
    bad_statuses = [s for s in statuses if s not in ("open", "closed")]
    if bad_statuses:
        errors.append(
            _("status must be open, closed or both (comma-separated), not %(given)s.")
            % {"given": ", ".join(bad_statuses)}
        )
    start = end = None
    for name in ("start_date", "end_date"):
        value = params.get(name)
        if value:
            parsed, error = _parse_datetime(name, value)
            if error:
                errors.append(error)
            elif name == "start_date":
                start = parsed
            else:
                end = parsed
    if start and end:
        if end < start:
            errors.append(_("end_date is before start_date."))
        elif end - start > MAX_WINDOW:
            errors.append(_("start_date and end_date may be at most 90 days apart."))
    if errors:
        return render_errors(fmt, 400, *errors)
    if codes:
        unknown = sorted(set(codes) - selectors.known_codes(codes))
        if unknown:
            return _unknown_service(fmt, ", ".join(unknown))
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - MAX_WINDOW
    if end is None:
        end = start + MAX_WINDOW
    reports = selectors.requests_matching(codes=codes, start=start, end=end, statuses=statuses)
    return render(fmt, "service_requests", selectors.serialize(reports), item="request")


# Where each of report_create's error keys came from in the Open311 request.
_PARAMETERS = {
    "location": "lat/long",
    "latitude": "lat",
    "longitude": "long",
    "title": "description",
    "description": "description",
    "email": "email",
    "reporter_email": "email",
    "name": "first_name/last_name",
    "reporter_name": "first_name/last_name",
    "reporter_phone": "phone",
    "media_url": "media_url",
    "address": "address_string",
    "category": "service_code",
}


def _parameter(key: str) -> str:
    if key.startswith("answer_"):
        return f"attribute[{key.removeprefix('answer_')}]"
    return _PARAMETERS.get(key, key)


def _title(description: str, service_name: str) -> str:
    first_line = next((line.strip() for line in description.splitlines() if line.strip()), "")
    if not first_line:
        return service_name[:TITLE_MAX_LENGTH]
    if len(first_line) > TITLE_MAX_LENGTH:
        return first_line[: TITLE_MAX_LENGTH - 1].rstrip() + "…"
    return first_line


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    from ecitizen.exchange import selectors as addresses
    from ecitizen.reports.services import report_create

    params = request.POST
    client = api_client_authenticate(params.get("api_key"))
    if client is None:
        # Guessing keys is hopeless (256 random bits), but a flood of bad keys still counts against the IP.
        wait = seconds_until_allowed(request, "open311_bad_key", conf.rate_get())
        if wait:
            return _too_many(fmt, wait)
        return render_errors(
            fmt,
            403,
            _("api_key is missing, wrong or revoked: posting service requests needs a valid API key."),
        )
    wait = seconds_until_allowed(request, "open311_post", conf.rate_post(), key=client.key_prefix)
    if wait:
        return _too_many(fmt, wait)

    code = (params.get("service_code") or "").strip()
    if not code:
        return render_errors(fmt, 400, _("service_code is required: see services.%(fmt)s for the list.") % {"fmt": fmt})
    categories = selectors.active_codes().get(code)
    if not categories:
        return _unknown_service(fmt, code)

    lat, lng = (params.get("lat") or "").strip(), (params.get("long") or "").strip()
    address = (params.get("address_string") or "").strip()
    address_id = ""
    if not (lat or lng):
        if address:
            found = addresses.address_search(address, limit=1)
            if not found:
                return render_errors(
                    fmt, 400, _("address_string: address not found in the address register; send lat and long instead.")
                )
            lat, lng, address, address_id = found[0].latitude, found[0].longitude, found[0].line, found[0].uprn
        elif (params.get("address_id") or "").strip():
            place = addresses.address_get(params["address_id"])
            if place is None:
                return render_errors(fmt, 400, _("address_id: no address has this reference."))
            lat, lng, address, address_id = place.latitude, place.longitude, place.line, place.uprn
        else:
            return render_errors(
                fmt, 400, _("A location is required: send lat and long, address_string or address_id.")
            )

    description = (params.get("description") or "").strip()
    answers = {}
    for key in params:
        match = _ATTRIBUTE.match(key)
        if match:
            answers[match.group(1)] = params.getlist(key)[-1]
    name = " ".join(filter(None, [(params.get("first_name") or "").strip(), (params.get("last_name") or "").strip()]))
    try:
        report = report_create(
            actor=None,
            service_code=code,
            latitude=lat,
            longitude=lng,
            title=_title(description, categories[0].display_name()),
            description=description,
            answers=answers,
            name=name,
            # The app's user never chose to appear on the public site: their name stays hidden.
            name_hidden=True,
            email=(params.get("email") or "").strip(),
            phone=(params.get("phone") or "").strip(),
            address=address,
            address_id=address_id,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            source=Source.OPEN311,
            api_client=client,
            media_url=(params.get("media_url") or "").strip(),
        )
    except ValidationError as exc:
        messages = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        errors = [
            f"{_parameter(key)}: {message}" if key else message
            for key, key_messages in messages.items()
            for message in key_messages
        ]
        return render_errors(fmt, 400, *errors)
    body = [
        {
            "service_request_id": str(report.pk),
            "service_notice": selectors.service_notice(report.category),
            "account_id": None,
        }
    ]
    return render(fmt, "service_requests", body, item="request")


@endpoint("GET")
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    reports = selectors.requests_by_id([int(request_id)]) if request_id.isdigit() and len(request_id) < 19 else []
    if not reports:
        return render_errors(fmt, 404, _("There is no public service request %(id)s.") % {"id": request_id})
    return render(fmt, "service_requests", selectors.serialize(reports), item="request")


@endpoint("GET")
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    try:
        value = uuid.UUID(token)
    except ValueError:
        value = None
    pk = Report.objects.filter(token=value).values_list("pk", flat=True).first() if value else None
    if pk is None:
        return render_errors(fmt, 404, _("There is no service request with this token."))
    return render(fmt, "service_requests", [{"service_request_id": str(pk), "token": str(value)}], item="request")


def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    fmt = "json" if path.endswith(".json") else "xml"
    return render_errors(
        fmt,
        404,
        _("There is nothing at this address. Open311 addresses end in .xml or .json: see discovery.%(fmt)s.")
        % {"fmt": fmt},
    )
