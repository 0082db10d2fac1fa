"""Open311 GeoReport v2 conformance: every endpoint in XML and JSON against the specification's
field lists, the error list format and codes, and what posted requests become."""

from __future__ import annotations

import datetime
import json
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import cache
from django.utils import timezone

from ecitizen.reports import services
from ecitizen.reports.models import ApiClient, Report, ReportPhoto, Source, Status
from ecitizen.reports.open311.keys import api_client_issue, api_client_revoke
from ecitizen.reports.tests.conftest import COMMON, MILLBROOK, NOWHERE, OLD_TOWN, RING_ROAD

BASE = "/open311/v2/"
FORMATS = ["xml", "json"]

# The specification's field lists (wiki.open311.org/GeoReport_v2).
SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
ATTRIBUTE_FIELDS = {
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
POSTED_FIELDS = {"service_request_id", "service_notice", "account_id"}
DISCOVERY_FIELDS = {"changeset", "contact", "key_service", "endpoints"}
ENDPOINT_FIELDS = {"specification", "url", "changeset", "type", "formats"}


# --- helpers ----------------------------------------------------------------------


LIST_ELEMENTS = {"endpoints", "formats", "attributes", "values"}


def xml_root(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 (our own server's output, in a test)


def xml_to_python(element: ET.Element):
    """Elements the specification makes lists become lists; other elements with children dicts; leaves text."""
    if element.tag in LIST_ELEMENTS:
        return [xml_to_python(child) for child in element]
    children = list(element)
    if not children:
        return element.text or ""
    return {child.tag: xml_to_python(child) for child in children}


def parse(response, fmt: str, root: str | None = None):
    """The body as Python values. XML is checked for the declaration, the root element and no namespace."""
    content_type = response["Content-Type"]
    if fmt == "json":
        assert content_type == "application/json; charset=utf-8"
        return json.loads(response.content.decode("utf-8"))
    assert content_type == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    element = xml_root(response.content)
    assert "{" not in element.tag
    if root:
        assert element.tag == root
    if not list(element):
        return []
    return xml_to_python(element)


def rows(response, fmt: str, root: str, item: str) -> list[dict]:
    """A top-level list: JSON array, or <root><item>...</item></root> in XML (also when empty)."""
    if fmt == "json":
        data = parse(response, fmt)
        assert isinstance(data, list)
        return data
    parse(response, fmt, root)
    element = xml_root(response.content)
    assert all(child.tag == item for child in element)
    return [{field.tag: xml_to_python(field) for field in child} for child in element]


def errors(response, fmt: str, status: int) -> list[str]:
    assert response.status_code == status, response.content
    found = rows(response, fmt, "errors", "error")
    assert found
    for error in found:
        assert set(error) == {"code", "description"}
        assert str(error["code"]) == str(status)
        assert error["description"]
    return [e["description"] for e in found]


def parse_iso(value: str) -> datetime.datetime:
    parsed = datetime.datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, value
    return parsed


def iso(value: datetime.datetime) -> str:
    return value.isoformat()


# --- fixtures ---------------------------------------------------------------------


@pytest.fixture
def api_key(db):
    _, raw = api_client_issue(actor=None, name="FixIt app", contact_email="dev@fixit.example")
    return raw


@pytest.fixture
def city_email(agency_a):
    agency_a.email = "roads@city.example"
    agency_a.save(update_fields=["email"])
    return agency_a.email


@pytest.fixture
def post(client, api_key, pothole, django_capture_on_commit_callbacks):
    def send(fmt: str = "json", **values):
        data = {
            "api_key": api_key,
            "service_code": "pothole",
            "lat": str(OLD_TOWN[0]),
            "long": str(OLD_TOWN[1]),
            "description": "Deep pot-hole\nRight by the bus stop on the high street.",
            "attribute[depth]": "deep",
            "email": "ana@example.net",
            "first_name": "Ana",
            "last_name": "Secret-Surname",
        }
        data.update({k: v for k, v in values.items() if v is not None})
        for key in [k for k, v in values.items() if v is None]:
            data.pop(key, None)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(f"{BASE}requests.{fmt}", data)

    return send


# --- discovery and services -------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(client, pothole, fmt, settings):
    settings.SITE_URL = "https://city.example"
    response = client.get(f"{BASE}discovery.{fmt}")
    assert response.status_code == 200
    data = parse(response, fmt, "discovery")
    assert set(data) == DISCOVERY_FIELDS
    parse_iso(data["changeset"])
    endpoints = data["endpoints"]
    assert len(endpoints) == 1
    endpoint = endpoints[0]
    assert set(endpoint) == ENDPOINT_FIELDS
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "https://city.example/open311/v2/"
    assert endpoint["type"] == "production"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    parse_iso(endpoint["changeset"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_one_per_code(client, pothole, pothole_b, streetlight, fmt):
    response = client.get(f"{BASE}services.{fmt}")
    assert response.status_code == 200
    services_ = rows(response, fmt, "services", "service")
    assert [s["service_code"] for s in services_] == ["pothole", "streetlight"]
    for service in services_:
        assert set(service) == SERVICE_FIELDS
        assert service["type"] == "realtime"
    pothole_row = services_[0]
    assert pothole_row["service_name"] == "Pot-hole"
    assert pothole_row["description"] == "Tell us how deep it is."
    assert pothole_row["group"] == "Roads"
    assert pothole_row["metadata"] in (True, "true")


def test_services_metadata_false_without_questions(client, pothole_b):
    data = json.loads(client.get(f"{BASE}services.json").content)
    assert data[0]["metadata"] is False
    xml = xml_root(client.get(f"{BASE}services.xml").content)
    assert xml.find("service/metadata").text == "false"


def test_services_in_the_asked_language(client, pothole):
    assert json.loads(client.get(f"{BASE}services.json?locale=es").content)[0]["service_name"] == "Bache"
    spanish = client.get(f"{BASE}services.json", HTTP_ACCEPT_LANGUAGE="es")
    assert json.loads(spanish.content)[0]["service_name"] == "Bache"
    assert json.loads(client.get(f"{BASE}services.json").content)[0]["service_name"] == "Pot-hole"
    # A language we do not speak falls back to the site's.
    assert json.loads(client.get(f"{BASE}services.json?locale=xx").content)[0]["service_name"] == "Pot-hole"


def test_inactive_categories_are_not_services(client, pothole, streetlight):
    streetlight.is_active = False
    streetlight.save()
    data = json.loads(client.get(f"{BASE}services.json").content)
    assert [s["service_code"] for s in data] == ["pothole"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition(client, pothole, fmt):
    response = client.get(f"{BASE}services/pothole.{fmt}")
    assert response.status_code == 200
    data = parse(response, fmt, "service_definition")
    assert set(data) == {"service_code", "attributes"}
    assert data["service_code"] == "pothole"
    (attribute,) = data["attributes"]
    assert set(attribute) == ATTRIBUTE_FIELDS
    assert attribute["code"] == "depth"
    assert attribute["datatype"] == "singlevaluelist"
    assert str(attribute["variable"]).lower() == "true"
    assert str(attribute["required"]).lower() == "true"
    assert str(attribute["order"]) == "1"
    assert attribute["description"] == "How deep is it?"
    assert attribute["values"] == [
        {"key": "shallow", "name": "Less than 5 cm"},
        {"key": "deep", "name": "5 cm or more"},
    ]


def test_service_definition_of_a_string_question(client, streetlight):
    data = json.loads(client.get(f"{BASE}services/streetlight.json").content)
    (attribute,) = data["attributes"]
    assert attribute["datatype"] == "string"
    assert attribute["values"] == []
    assert attribute["description"] == "Which lamp-post number?"


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_definition_is_404(client, pothole, fmt):
    (message,) = errors(client.get(f"{BASE}services/nope.{fmt}"), fmt, 404)
    assert "nope" in message


# --- posting requests -------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_request_makes_a_routed_public_report(post, fmt, city_email, agency_a, mailoutbox, caseworker_a):
    response = post(fmt)
    assert response.status_code == 200, response.content
    (body,) = rows(response, fmt, "service_requests", "request")
    assert set(body) == POSTED_FIELDS
    report = Report.objects.get()
    assert body["service_request_id"] == str(report.pk)
    assert "5 working days" in body["service_notice"]
    assert body["account_id"] in (None, "")
    # A real report: routed, public at once (apps are trusted), in the agency's queue, notified.
    assert report.agency == agency_a
    assert report.source == Source.OPEN311
    assert report.api_client.name == "FixIt app"
    assert report.is_public and report.confirmed_at and report.due_at
    assert report.title == "Deep pot-hole"
    assert report.answers == {"depth": "deep"}
    assert report.reporter_name == "Ana Secret-Surname"
    from ecitizen.reports.policies import staff_report_policy

    assert staff_report_policy.scope(caseworker_a, "view").filter(pk=report.pk).exists()
    assert city_email in [to for message in mailoutbox for to in message.to]


def test_post_on_the_ring_road_goes_to_the_road_authority(post, pothole_b, agency_b):
    response = post(lat=str(RING_ROAD[0]), long=str(RING_ROAD[1]))
    assert response.status_code == 200, response.content
    assert Report.objects.get().agency == agency_b


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_description_of_4000_characters_is_accepted_as_the_standard_allows(post, fmt):
    description = "Deep pot-hole. " + "x" * (4000 - len("Deep pot-hole. "))
    response = post(fmt, description=description)
    assert response.status_code == 200, response.content
    assert Report.objects.get().description == description


def test_post_title_falls_back_to_the_service_name_and_long_lines_are_cut(post):
    long_line = "x" * 300
    assert post(description=long_line).status_code == 200
    title = Report.objects.get().title
    assert len(title) == 120 and title.endswith("…")


def test_post_by_address_string(post, db):
    from ecitizen.exchange.models import Address

    Address.objects.create(
        uprn="100001",
        line="12 Mill Lane, Northbridge",
        street="Mill Lane",
        number="12",
        town="Northbridge",
        postcode="NB1 2AB",
        latitude=MILLBROOK[0],
        longitude=MILLBROOK[1],
    )
    response = post(lat=None, long=None, address_string="12 Mill Lane")
    assert response.status_code == 200, response.content
    report = Report.objects.get()
    assert (report.latitude, report.longitude) == MILLBROOK
    assert report.address_id == "100001"
    from django.test import Client

    (row,) = json.loads(Client().get(f"{BASE}requests/{report.pk}.json").content)
    assert row["address"] == "12 Mill Lane, Northbridge"
    assert row["address_id"] == "100001"
    assert row["zipcode"] == "NB1 2AB"


def test_post_by_address_id(post, db):
    from ecitizen.exchange.models import Address

    Address.objects.create(
        uprn="100002",
        line="3 High Street, Northbridge",
        street="High Street",
        number="3",
        town="Northbridge",
        postcode="NB1 1AA",
        latitude=OLD_TOWN[0],
        longitude=OLD_TOWN[1],
    )
    assert post(lat=None, long=None, address_id="100002").status_code == 200
    assert Report.objects.get().address == "3 High Street, Northbridge"


@pytest.mark.parametrize(
    ("values", "status", "words"),
    [
        ({"api_key": None}, 403, "api_key"),
        ({"api_key": "o311_wrong-key-wrong-key-wrong-key-wrong-key"}, 403, "api_key"),
        ({"api_key": "not even the shape of a key"}, 403, "api_key"),
        ({"service_code": None}, 400, "service_code"),
        ({"service_code": "nope"}, 404, "nope"),
        ({"lat": str(NOWHERE[0]), "long": str(NOWHERE[1])}, 400, "outside the areas"),
        ({"lat": str(COMMON[0]), "long": str(COMMON[1])}, 400, "Commons Conservators"),
        ({"lat": "north", "long": "0.1"}, 400, "lat/long"),
        ({"lat": None, "long": None}, 400, "address_string"),
        ({"lat": None, "long": None, "address_string": "Nowhere Street"}, 400, "address not found"),
        ({"lat": None, "long": None, "address_id": "999"}, 400, "address_id"),
        ({"description": "x" * 4001}, 400, "4000"),
        ({"description": None}, 400, "description"),
        ({"attribute[depth]": None}, 400, "attribute[depth]"),
        ({"attribute[depth]": "bottomless"}, 400, "attribute[depth]"),
        ({"email": "not-an-email"}, 400, "email"),
        ({"media_url": "javascript:alert(1)"}, 400, "media_url"),
        ({"jurisdiction_id": "elsewhere.example"}, 404, "jurisdiction_id"),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_posts_save_nothing(post, common, fmt, values, status, words):
    messages = errors(post(fmt, **values), fmt, status)
    assert any(words in message for message in messages), messages
    assert Report.objects.count() == 0


def test_revoked_key_is_refused(post, api_key):
    api_client_revoke(actor=None, client=ApiClient.objects.get())
    assert errors(post(), "json", 403)
    assert Report.objects.count() == 0


def test_jurisdiction_may_be_ours_or_absent(post, settings):
    settings.SITE_URL = "https://city.example"
    assert post(jurisdiction_id="city.example").status_code == 200
    settings.OPEN311_JURISDICTION = "northbridge"
    assert post(jurisdiction_id="northbridge").status_code == 200
    assert Report.objects.count() == 2


def test_post_needs_no_csrf_token(api_key, pothole):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        f"{BASE}requests.json",
        {
            "api_key": api_key,
            "service_code": "pothole",
            "lat": OLD_TOWN[0],
            "long": OLD_TOWN[1],
            "description": "Hole",
            "attribute[depth]": "deep",
        },
    )
    assert response.status_code == 200, response.content


def test_posting_is_rate_limited_per_key(post, settings):
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    settings.OPEN311_RATE_POST = "2/h"
    cache.clear()
    try:
        assert post().status_code == 200
        assert post().status_code == 200
        response = post("xml")
        errors(response, "xml", 429)
        assert int(response["Retry-After"]) > 0
        assert Report.objects.count() == 2
        # Another app's key has its own allowance.
        _, other = api_client_issue(actor=None, name="Other app", contact_email="o@example.net")
        assert post(api_key=other).status_code == 200
    finally:
        cache.clear()


def test_reading_is_rate_limited_per_ip(client, pothole, settings):
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    settings.OPEN311_RATE_GET = "3/m"
    cache.clear()
    try:
        for _ in range(3):
            assert client.get(f"{BASE}services.json").status_code == 200
        response = client.get(f"{BASE}services.json")
        errors(response, "json", 429)
        assert response["Retry-After"]
    finally:
        cache.clear()


# --- reading requests -------------------------------------------------------------


@pytest.fixture
def some_reports(make_report, streetlight, other_citizen):
    first = make_report(title="First", name_hidden=True)
    second = make_report(
        service_code="streetlight",
        answers={"lamp_post": "LP-7"},
        title="Dark corner",
        description="Light out",
        actor=other_citizen,
    )
    return first, second


@pytest.mark.parametrize("fmt", FORMATS)
def test_get_requests_fields(client, some_reports, fmt):
    response = client.get(f"{BASE}requests.{fmt}")
    assert response.status_code == 200
    found = rows(response, fmt, "service_requests", "request")
    first, second = some_reports
    assert [r["service_request_id"] for r in found] == [str(second.pk), str(first.pk)]  # newest first
    for row in found:
        assert set(row) == REQUEST_FIELDS
        assert isinstance(row["service_request_id"], str)
        assert row["status"] == "open"
        parse_iso(row["requested_datetime"])
        parse_iso(row["updated_datetime"])
        parse_iso(row["expected_datetime"])
        assert row["agency_responsible"] == "City Council"
        assert float(row["lat"]) == OLD_TOWN[0] and float(row["long"]) == OLD_TOWN[1]
    assert found[1]["service_name"] == "Pot-hole"
    assert found[1]["description"] == "A deep pot-hole by the bus stop."
    assert found[0]["service_code"] == "streetlight"


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_personal_data_in_any_output(client, some_reports, post, fmt):
    assert post().status_code == 200
    texts = [
        client.get(f"{BASE}requests.{fmt}").content,
        client.get(f"{BASE}requests/{Report.objects.first().pk}.{fmt}").content,
    ]
    for text in texts:
        for secret in (b"Amina", b"Haddad", b"amina@example.org", b"ben", b"Secret-Surname", b"ana@example.net"):
            assert secret.lower() not in text.lower()


def test_filters_by_code_status_and_dates(client, some_reports, caseworker_a):
    first, second = some_reports
    services.report_set_status(actor=caseworker_a, report=first, status=Status.FIXED, public_note="Filled in.")

    def ids(query):
        response = client.get(f"{BASE}requests.json?{query}")
        assert response.status_code == 200, response.content
        return [r["service_request_id"] for r in json.loads(response.content)]

    assert ids("service_code=pothole") == [str(first.pk)]
    assert ids("service_code=pothole,streetlight") == [str(second.pk), str(first.pk)]
    assert ids("status=open") == [str(second.pk)]
    assert ids("status=closed") == [str(first.pk)]
    assert ids("status=open,closed") == [str(second.pk), str(first.pk)]
    now = timezone.now()
    from urllib.parse import urlencode

    window = urlencode(
        {"start_date": iso(now - datetime.timedelta(days=1)), "end_date": iso(now + datetime.timedelta(minutes=1))}
    )
    assert ids(window + "&service_code=streetlight") == [str(second.pk)]
    old = urlencode(
        {"start_date": iso(now - datetime.timedelta(days=30)), "end_date": iso(now - datetime.timedelta(days=29))}
    )
    assert ids(old) == []
    # Only a start: 90 days from it. Only an end: the 90 days before it.
    assert ids(urlencode({"start_date": iso(now - datetime.timedelta(days=1))})) == [str(second.pk), str(first.pk)]
    assert ids(urlencode({"end_date": iso(now - datetime.timedelta(days=1))})) == []
    # An offset sent without URL-encoding its "+" still parses.
    plus = (now - datetime.timedelta(days=1)).astimezone(datetime.timezone(datetime.timedelta(hours=2)))
    assert ids("start_date=" + plus.isoformat(timespec="seconds")) == [str(second.pk), str(first.pk)]
    # service_request_id overrides every other filter.
    assert ids(f"service_request_id={first.pk},{second.pk},abc&service_code=streetlight&status=open") == [
        str(second.pk),
        str(first.pk),
    ]


def test_default_window_is_the_last_90_days(client, make_report):
    old = make_report(now=timezone.now() - datetime.timedelta(days=91))
    recent = make_report()
    data = json.loads(client.get(f"{BASE}requests.json").content)
    assert [r["service_request_id"] for r in data] == [str(recent.pk)]
    assert old.pk


def test_at_most_1000_requests(client, make_report, monkeypatch):
    from ecitizen.reports.open311 import selectors

    monkeypatch.setattr(selectors, "MAX_REQUESTS", 3)
    for _ in range(4):
        make_report()
    assert len(json.loads(client.get(f"{BASE}requests.json").content)) == 3


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("start_date=yesterday", 400, "start_date"),
        ("start_date=2024-05-01T00:00:00", 400, "time zone"),
        ("end_date=2024-05-01", 400, "time zone"),
        ("start_date=2024-01-01T00:00:00Z&end_date=2024-05-01T00:00:00Z", 400, "90 days"),
        ("start_date=2024-05-01T00:00:00Z&end_date=2024-04-01T00:00:00Z", 400, "before"),
        ("status=pending", 400, "status"),
        ("service_code=nope", 404, "nope"),
        ("service_code=pothole,nope", 404, "nope"),
        ("jurisdiction_id=elsewhere.example", 404, "jurisdiction_id"),
    ],
)
@pytest.mark.parametrize("fmt", FORMATS)
def test_bad_queries(client, pothole, fmt, query, status, words):
    messages = errors(client.get(f"{BASE}requests.{fmt}?{query}"), fmt, status)
    assert any(words in m for m in messages), messages


def test_a_span_of_exactly_90_days_is_allowed(client, pothole):
    response = client.get(f"{BASE}requests.json?start_date=2024-01-01T00:00:00Z&end_date=2024-03-31T00:00:00Z")
    assert response.status_code == 200
    assert json.loads(response.content) == []
    assert rows(client.get(f"{BASE}requests.xml?service_code=pothole"), "xml", "service_requests", "request") == []


@pytest.mark.parametrize("status", list(Status))
def test_each_status_maps_to_open_or_closed(client, make_report, caseworker_a, status):
    report = make_report()
    if status == Status.DUPLICATE:
        original = make_report()
        services.report_merge(actor=caseworker_a, report=report, into=original)
    elif status != Status.OPEN:
        services.report_set_status(
            actor=caseworker_a, report=report, status=status, responsible_body="Highways England"
        )
    expected = "open" if status in {"open", "investigating", "action_scheduled", "in_progress"} else "closed"
    for fmt in FORMATS:
        (row,) = rows(client.get(f"{BASE}requests/{report.pk}.{fmt}"), fmt, "service_requests", "request")
        assert row["status"] == expected
        if status == Status.NOT_RESPONSIBLE:
            assert row["agency_responsible"] == "Highways England"
            assert "Highways England" in row["status_notes"]
        if status == Status.DUPLICATE:
            assert f"Duplicate of {original.pk}" in row["status_notes"]


def test_status_notes_are_the_latest_public_staff_note_never_a_staff_only_one(client, make_report, caseworker_a):
    report = make_report()
    services.report_set_status(
        actor=caseworker_a, report=report, status=Status.INVESTIGATING, public_note="Inspector booked."
    )
    services.report_add_note(actor=caseworker_a, report=report, text="Internal: the contractor is slow.")
    services.report_add_update(actor=report.reporter, report=report, text="Still there, getting worse.")
    (row,) = json.loads(client.get(f"{BASE}requests/{report.pk}.json").content)
    assert row["status_notes"] == "Inspector booked."
    assert b"contractor" not in client.get(f"{BASE}requests.xml").content


def test_hidden_and_unconfirmed_reports_never_appear(
    client, make_report, moderator_a, pothole, django_capture_on_commit_callbacks
):
    hidden = make_report()
    services.report_hide(actor=moderator_a, report=hidden, reason="Abusive")
    unconfirmed = services.report_create(
        actor=None,
        service_code="pothole",
        latitude=OLD_TOWN[0],
        longitude=OLD_TOWN[1],
        title="Anonymous",
        description="Not confirmed yet",
        answers={"depth": "deep"},
        email="anon@example.net",
    )
    assert not unconfirmed.is_public
    for fmt in FORMATS:
        assert rows(client.get(f"{BASE}requests.{fmt}"), fmt, "service_requests", "request") == []
        errors(client.get(f"{BASE}requests/{hidden.pk}.{fmt}"), fmt, 404)
        errors(client.get(f"{BASE}requests/{unconfirmed.pk}.{fmt}"), fmt, 404)
        ids = client.get(f"{BASE}requests.{fmt}?service_request_id={hidden.pk},{unconfirmed.pk}")
        assert rows(ids, fmt, "service_requests", "request") == []


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("request_id", ["999999", "abc", "1e3", "99999999999999999999999"])
def test_unknown_request_is_404(client, pothole, fmt, request_id):
    errors(client.get(f"{BASE}requests/{request_id}.{fmt}"), fmt, 404)


def test_media_url_is_the_first_public_photo_or_the_apps_url(client, make_report, post, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    with_photo = make_report()
    # A photo hidden by a moderator comes first: it must be skipped.
    ReportPhoto.objects.create(
        report=with_photo, stored_name="y.jpg", content_type="image/jpeg", size=1, sha256="0", is_public=False
    )
    photo = ReportPhoto.objects.create(
        report=with_photo, stored_name="x.jpg", content_type="image/jpeg", size=1, sha256="0"
    )
    assert post(media_url="https://cdn.fixit.example/p/1.jpg").status_code == 200
    data = {r["service_request_id"]: r for r in json.loads(client.get(f"{BASE}requests.json").content)}
    assert data[str(with_photo.pk)]["media_url"] == f"http://127.0.0.1:8000/reports/photos/{photo.pk}/"
    posted = Report.objects.get(source=Source.OPEN311)
    assert data[str(posted.pk)]["media_url"] == "https://cdn.fixit.example/p/1.jpg"


def test_requests_list_takes_a_constant_number_of_queries(client, make_report, django_assert_max_num_queries):
    from ecitizen.exchange.models import Address

    Address.objects.create(
        uprn="100003", line="1 Road", street="Road", town="Northbridge", postcode="NB1 3CC", latitude=1, longitude=1
    )
    for _ in range(6):
        make_report(address_id="100003")
    # Session/user look-ups aside: the reports (with notes and photos) and the postcodes.
    with django_assert_max_num_queries(3):
        response = client.get(f"{BASE}requests.xml?service_code=pothole")
    assert len(xml_root(response.content)) == 6


# --- tokens, formats, methods -----------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_token(client, make_report, fmt):
    report = make_report()
    (row,) = rows(client.get(f"{BASE}tokens/{report.token}.{fmt}"), fmt, "service_requests", "request")
    assert row == {"service_request_id": str(report.pk), "token": str(report.token)}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("token", ["0b7f5b0e-1c1b-4bb5-9ad1-5c8a2c0d3e4f", "not-a-uuid"])
def test_unknown_token_is_404(client, pothole, fmt, token):
    errors(client.get(f"{BASE}tokens/{token}.{fmt}"), fmt, 404)


def test_wrong_method_is_405_in_the_error_format(client, pothole):
    response = client.post(f"{BASE}services.json")
    errors(response, "json", 405)
    assert "GET" in response["Allow"]
    errors(client.delete(f"{BASE}requests.xml"), "xml", 405)


def test_unknown_addresses_answer_an_error_list(client, db):
    errors(client.get(f"{BASE}requests"), "xml", 404)
    errors(client.get(f"{BASE}nothing-here.json"), "json", 404)
    errors(client.get(f"{BASE}services.html"), "xml", 404)


def test_xml_escapes_and_drops_characters_xml_cannot_carry(client, make_report):
    make_report(description="Fish & chips <b>shop</b>\x07 ünïcode ☃")
    root = xml_root(client.get(f"{BASE}requests.xml").content)
    assert root.find("request/description").text == "Fish & chips <b>shop</b> ünïcode ☃"
    data = json.loads(client.get(f"{BASE}requests.json").content.decode("utf-8"))
    assert "☃" in data[0]["description"]


def test_bad_keys_are_rate_limited_per_ip(post, settings):
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    settings.OPEN311_RATE_GET = "2/h"
    cache.clear()
    try:
        for _ in range(2):
            errors(post(api_key="o311_guess"), "json", 403)
        errors(post(api_key="o311_guess"), "json", 429)
    finally:
        cache.clear()


def test_the_app_users_name_is_never_shown_on_the_public_report(post, client):
    response = post()
    report_id = rows(response, "json", "service_requests", "request")[0]["service_request_id"]

    page = client.get(f"/reports/{report_id}/").content.decode()

    assert Report.objects.get(pk=report_id).name_hidden
    assert "Secret-Surname" not in page and "Ana" not in page


@pytest.mark.parametrize("fmt", FORMATS)
def test_nul_characters_are_a_400_not_a_crash(post, client, pothole, fmt):
    before = Report.objects.count()

    assert errors(post(fmt, description="Hole\x00"), fmt, 400)
    assert errors(client.get(f"{BASE}requests.{fmt}", {"service_code": "pot\x00hole"}), fmt, 400)
    assert Report.objects.count() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_dates_outside_the_years_served_are_a_400(client, pothole, fmt):
    response = client.get(f"{BASE}requests.{fmt}", {"start_date": "9999-12-31T00:00:00Z"})
    assert errors(response, fmt, 400)
    response = client.get(f"{BASE}requests.{fmt}", {"end_date": "0001-01-01T00:00:00+05:00"})
    assert errors(response, fmt, 400)


@pytest.mark.parametrize("fmt", FORMATS)
def test_posting_to_a_read_only_address_is_a_405_in_the_standard_format(pothole, fmt):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(f"{BASE}services.{fmt}", {})

    assert errors(response, fmt, 405)
