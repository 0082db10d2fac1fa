"""A round trip with an independent Open311 client from PyPI (``georeport``) against a real HTTP server.

georeport reads (services, definitions, requests) in JSON and XML but cannot
post, so requests are posted with plain ``requests``, as an app would. The
live server runs in a thread over a transactional database, so this works on
SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime

import pytest
import requests
from django.utils import timezone
from georeport import GeoReport

from ecitizen.reports.models import Report, Source
from ecitizen.reports.open311 import conf
from ecitizen.reports.open311.keys import api_client_issue
from ecitizen.reports.tests.conftest import OLD_TOWN

pytestmark = pytest.mark.django_db(transaction=True)


def as_list(value):
    """georeport's XML mode (xmltodict) gives a dict, not a list, when there is one element."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@pytest.fixture
def api_key(db):
    return api_client_issue(actor=None, name="Round trip", contact_email="dev@roundtrip.example")[1]


def test_round_trip_with_georeport(live_server, pothole, streetlight, agency_a, api_key, mailoutbox):
    agency_a.email = "roads@city.example"
    agency_a.save(update_fields=["email"])
    root = f"{live_server.url}/open311/v2"
    json_client = GeoReport(root, jurisdiction=conf.jurisdiction(), output_format="json")
    xml_client = GeoReport(root, jurisdiction=conf.jurisdiction(), output_format="xml")

    # Services and a definition, both formats.
    assert {s["service_code"] for s in json_client.get_service_list()} == {"pothole", "streetlight"}
    assert {s["service_code"] for s in as_list(xml_client.get_service_list())} == {"pothole", "streetlight"}
    definition = json_client.get_service_definition("pothole")
    attribute = definition["attributes"][0]
    assert attribute["code"] == "depth" and attribute["required"] is True
    xml_definition = xml_client.get_service_definition("pothole")
    xml_attribute = as_list(xml_definition["attributes"]["attribute"])[0]
    assert xml_attribute["code"] == "depth" and xml_attribute["required"] == "true"
    keys = [v["key"] for v in as_list(xml_attribute["values"]["value"])]
    assert keys == [v["key"] for v in attribute["values"]] == ["shallow", "deep"]

    # Post a request as an app would, answering the definition's attribute.
    response = requests.post(
        f"{root}/requests.json",
        data={
            "api_key": api_key,
            "jurisdiction_id": conf.jurisdiction(),
            "service_code": "pothole",
            "lat": OLD_TOWN[0],
            "long": OLD_TOWN[1],
            "description": "Pot-hole outside the library\nAbout a foot across.",
            f"attribute[{attribute['code']}]": attribute["values"][1]["key"],
            "email": "reporter@example.net",
            "first_name": "Rita",
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    request_id = response.json()[0]["service_request_id"]
    assert isinstance(request_id, str)
    report = Report.objects.get(pk=int(request_id))
    assert report.source == Source.OPEN311 and report.is_public and report.answers == {"depth": "deep"}
    assert "roads@city.example" in [to for message in mailoutbox for to in message.to]

    # Read it back by id, both formats.
    one = json_client.get_service_request(request_id)
    assert one["service_request_id"] == request_id
    assert one["status"] == "open"
    assert one["service_code"] == "pothole"
    assert one["description"].startswith("Pot-hole outside the library")
    assert "Rita" not in str(one) and "reporter@example.net" not in str(one)
    xml_one = xml_client.get_service_request(request_id)
    assert xml_one["service_request_id"] == request_id and xml_one["status"] == "open"

    # List by service code and a date window, both formats.
    now = timezone.now()
    window = {
        "service_code": "pothole",
        "start_date": (now - datetime.timedelta(days=7)).isoformat(timespec="seconds"),
        "end_date": (now + datetime.timedelta(minutes=5)).isoformat(timespec="seconds"),
        "status": "open",
    }
    listed = json_client.get_service_requests(**window)
    assert [r["service_request_id"] for r in listed] == [request_id]
    xml_listed = as_list(xml_client.get_service_requests(**window))
    assert [r["service_request_id"] for r in xml_listed] == [request_id]
    assert json_client.get_service_requests(service_code="streetlight") == []

    # Errors reach the client as HTTP errors.
    with pytest.raises(requests.HTTPError) as caught:
        json_client.get_service_definition("nope")
    assert caught.value.response.status_code == 404
    assert caught.value.response.json()[0]["code"] == 404
    with pytest.raises(requests.HTTPError) as caught:
        json_client.get_service_requests(start_date="2024-01-01T00:00:00Z", end_date="2024-06-01T00:00:00Z")
    assert caught.value.response.status_code == 400
    refused = requests.post(f"{root}/requests.xml", data={"service_code": "pothole"}, timeout=30)
    assert refused.status_code == 403
    assert b"<errors><error><code>403</code>" in refused.content
