"""The CKAN-compatible action API: with CKAN's own client (``ckanapi``) against a live server, and
with Django's test client for the JSON shapes, errors and query counts."""

from __future__ import annotations

import json

import ckanapi
import pytest
from ckanapi.errors import CKANAPIError, NotAuthorized, NotFound, ValidationError
from django.urls import reverse

from ecitizen.records.datasets import services
from ecitizen.records.datasets.models import Resource

ACTION = "/api/3/action/"


def call(client, _action, _method="get", **params):
    if _method == "post":
        return client.post(ACTION + _action, json.dumps(params), content_type="application/json")
    return client.get(ACTION + _action, params)


@pytest.fixture
def catalogue(make_dataset, admin_b, agency_b):
    """Three published datasets of two agencies, and a draft and an unpublished one."""
    bus = make_dataset(
        publish=True,
        name="bus-stops",
        title={"en": "Bus stops", "es": "Paradas de autobús", "fr": "Arrêts de bus"},
        description={"en": "Every bus stop.", "es": "Todas las paradas."},
        themes=["TRAN"],
        keywords=["buses", "transport"],
        licence="CC0-1.0",
    )
    air = make_dataset(
        publish=True,
        name="air-quality",
        title={"en": "Air quality"},
        description={"en": "Air pollution readings."},
        themes=["ENVI", "HEAL"],
        keywords=["pollution"],
    )
    trains = make_dataset(
        publish=True,
        actor=admin_b,
        agency=agency_b,
        name="train-times",
        title={"en": "Train times"},
        themes=["TRAN"],
        keywords=["transport"],
    )
    draft = make_dataset(name="secret-draft", title={"en": "Secret draft"}, keywords=["transport"])
    gone = make_dataset(publish=True, name="withdrawn", title={"en": "Withdrawn"})
    gone = services.dataset_unpublish(actor=gone.created_by, dataset=gone)
    return {"bus": bus, "air": air, "trains": trains, "draft": draft, "gone": gone}


# --- with ckanapi against a live server -------------------------------------------------------


@pytest.fixture
def ckan(live_server):
    remote = ckanapi.RemoteCKAN(live_server.url)  # unchanged: it calls /api/action/
    with remote:
        yield remote


@pytest.mark.django_db(transaction=True)
def test_ckanapi_round_trip(ckan, catalogue, live_server):
    bus, draft = catalogue["bus"], catalogue["draft"]

    assert ckan.action.package_list() == ["air-quality", "bus-stops", "train-times"]
    assert ckan.action.package_list(limit=1, offset=1) == ["bus-stops"]

    found = ckan.action.package_search(
        q="bus", fq="organization:city-council", facet_field=["organization", "tags", "res_format", "groups"]
    )
    assert found["count"] == 1 and found["results"][0]["name"] == "bus-stops"
    assert found["facets"]["organization"] == {"city-council": 1}
    assert found["facets"]["tags"] == {"buses": 1, "transport": 1}
    assert found["facets"]["groups"] == {"tran": 1}
    assert found["search_facets"]["res_format"]["items"] == [{"name": "CSV", "display_name": "CSV", "count": 1}]

    everything = ckan.action.package_search(
        fq="tags:transport groups:tran", sort="name asc", **{"facet.field": ["organization"]}
    )
    assert [p["name"] for p in everything["results"]] == ["bus-stops", "train-times"]
    assert everything["facets"]["organization"] == {"city-council": 1, "transport-agency": 1}

    package = ckan.action.package_show(id=str(bus.pk))
    assert package == ckan.action.package_show(id="bus-stops")
    assert package["organization"]["name"] == "city-council" and package["license_id"] == "CC0-1.0"
    assert package["num_resources"] == 1 and package["resources"][0]["datastore_active"] is True
    assert package["resources"][0]["url"].startswith(live_server.url + "/data/bus-stops/resources/")
    assert ckan.action.package_show(id="bus-stops", lang="es")["title"] == "Paradas de autobús"

    with pytest.raises(NotFound):
        ckan.action.package_show(id=draft.name)
    with pytest.raises(NotFound):
        ckan.action.package_show(id=str(draft.pk))
    with pytest.raises(NotFound):
        ckan.action.package_show(id="withdrawn")

    assert ckan.action.organization_list() == ["city-council", "transport-agency"]
    orgs = ckan.action.organization_list(all_fields=True)
    assert [(o["name"], o["package_count"]) for o in orgs] == [("city-council", 2), ("transport-agency", 1)]
    org = ckan.action.organization_show(id="city-council", include_datasets=True)
    assert org["title"] == "City Council" and [p["name"] for p in org["packages"]] == ["air-quality", "bus-stops"]
    with pytest.raises(NotFound):
        ckan.action.organization_show(id="no-such-agency")

    resource_id = package["resources"][0]["id"]
    assert ckan.action.resource_show(id=resource_id)["package_id"] == str(bus.pk)
    with pytest.raises(NotFound):
        ckan.action.resource_show(id=str(draft.resources.get().pk))

    rows = ckan.action.datastore_search(resource_id=resource_id, filters={"region": "North"}, sort="population desc")
    assert rows["total"] == 2
    assert [r["town"] for r in rows["records"]] == ["Northbridge", "Riverside"]  # empty cells last
    assert rows["fields"][0] == {"id": "_id", "type": "int"}
    assert {"id": "population", "type": "numeric"} in rows["fields"]
    everything = ckan.action.datastore_search(resource_id=resource_id, sort="population asc", limit=2, offset=1)
    assert [r["population"] for r in everything["records"]] == [3100, 12000] and everything["total"] == 5
    with pytest.raises(ValidationError):
        ckan.action.datastore_search(resource_id=resource_id, sort="nope asc")
    with pytest.raises(ValidationError):
        ckan.action.package_search(rows="many")
    with pytest.raises(NotFound):
        ckan.action.datastore_search(resource_id="not-a-uuid")
    with pytest.raises(NotAuthorized):
        ckan.action.package_create(name="mine", title="Mine")
    with pytest.raises(CKANAPIError):
        ckan.action.no_such_action()


@pytest.mark.django_db(transaction=True)
def test_ckanapi_at_the_versioned_address_and_by_get(live_server, catalogue):
    """The versioned address (/api/3/action/) and GET-only clients work too."""
    remote = ckanapi.RemoteCKAN(live_server.url)
    remote.base_url = "api/3/action/"
    with remote:
        assert remote.action.package_list() == ["air-quality", "bus-stops", "train-times"]
    with ckanapi.RemoteCKAN(live_server.url, get_only=True) as remote:
        assert remote.action.package_show(id="bus-stops")["name"] == "bus-stops"


# --- with the test client ---------------------------------------------------------------------


@pytest.mark.django_db
def test_package_shape(client, catalogue):
    response = call(client, "package_show", id="bus-stops")
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["success"] is True and body["help"].endswith("/api/3/action/help_show?name=package_show")
    package = body["result"]
    for key in (
        "id", "name", "title", "notes", "url", "license_id", "license_title", "metadata_created",
        "metadata_modified", "state", "private", "type", "organization", "owner_org", "tags", "groups",
        "resources", "num_resources", "num_tags", "extras",
    ):  # fmt: skip
        assert key in package, key
    assert package["state"] == "active" and package["private"] is False and package["type"] == "dataset"
    assert package["title"] == "Bus stops" and package["notes"] == "Every bus stop."
    assert package["tags"][0]["name"] == "buses" and package["num_tags"] == 2
    assert package["groups"] == [
        {
            "id": "tran",
            "name": "tran",
            "title": "Transport",
            "display_name": "Transport",
            "description": "",
            "type": "group",
            "is_organization": False,
            "state": "active",
            "image_url": "",
            "image_display_url": "",
        }
    ]
    assert package["owner_org"] == package["organization"]["id"]
    assert {"key": "frequency", "value": "monthly"} in package["extras"]
    assert package["metadata_modified"][:4].isdigit() and "T" in package["metadata_modified"]
    resource = package["resources"][0]
    for key in ("id", "package_id", "name", "url", "format", "mimetype", "size", "datastore_active", "created",
                "last_modified"):  # fmt: skip
        assert key in resource, key
    assert resource["url"].startswith("http://testserver/data/bus-stops/resources/")
    assert resource["format"] == "CSV" and resource["mimetype"] == "text/csv" and resource["size"] > 0
    # the download link works
    assert client.get(resource["url"].removeprefix("http://testserver")).status_code == 200
    # another language, and the default for a language the dataset lacks
    assert call(client, "package_show", id="bus-stops", lang="fr").json()["result"]["title"] == "Arrêts de bus"
    assert call(client, "package_show", id="bus-stops", lang="ar").json()["result"]["title"] == "Bus stops"
    es = call(client, "package_show", id="bus-stops", lang="es").json()["result"]
    assert es["notes"] == "Todas las paradas." and es["groups"][0]["title"] != "Transport"


@pytest.mark.django_db
def test_post_json_form_and_trailing_slash(client, catalogue):
    assert call(client, "package_show", "post", id="bus-stops").json()["result"]["name"] == "bus-stops"
    form = client.post(ACTION + "package_show", {"id": "bus-stops"})
    assert form.status_code == 200 and form.json()["result"]["name"] == "bus-stops"
    slash = client.get(ACTION + "package_list/")
    assert slash.status_code == 200 and slash.json()["result"] == ["air-quality", "bus-stops", "train-times"]
    assert reverse("ckan:action", args=["package_list"]) == ACTION + "package_list"


@pytest.mark.django_db
def test_drafts_and_unpublished_never_appear(client, catalogue):
    names = call(client, "package_list").json()["result"]
    assert "secret-draft" not in names and "withdrawn" not in names
    found = call(client, "package_search", q="secret").json()["result"]
    assert found["count"] == 0
    found = call(client, "package_search", fq="tags:transport", **{"facet.field": '["organization","tags"]'})
    result = found.json()["result"]
    assert result["count"] == 2 and result["facets"]["tags"]["transport"] == 2
    for name in ("secret-draft", "withdrawn"):
        response = call(client, "package_show", id=name)
        assert response.status_code == 404
        assert response.json()["error"]["__type"] == "Not Found Error"
    draft_resource = catalogue["draft"].resources.get()
    assert call(client, "resource_show", id=str(draft_resource.pk)).status_code == 404
    assert call(client, "datastore_search", resource_id=str(draft_resource.pk)).status_code == 404
    counts = {
        o["name"]: o["package_count"] for o in call(client, "organization_list", all_fields="true").json()["result"]
    }
    assert counts == {"city-council": 2, "transport-agency": 1}


@pytest.mark.django_db
def test_search_filters_sorts_and_pages(client, catalogue):
    def names(**params):
        response = call(client, "package_search", **params)
        assert response.status_code == 200, response.content
        return [p["name"] for p in response.json()["result"]["results"]]

    assert names(sort="name asc") == ["air-quality", "bus-stops", "train-times"]
    assert names(sort="name desc", rows=2) == ["train-times", "bus-stops"]
    assert names(sort="name asc", rows=2, start=2) == ["train-times"]
    assert set(names(sort="metadata_modified desc")) == {"air-quality", "bus-stops", "train-times"}
    assert len(names(sort="score desc, metadata_modified desc")) == 3
    assert names(q="Paradas") == ["bus-stops"]  # any language
    assert names(q="pollution") == ["air-quality"]  # keywords
    assert names(fq="organization:transport-agency") == ["train-times"]
    assert names(fq="res_format:csv", sort="name asc") == ["air-quality", "bus-stops", "train-times"]
    assert names(fq="res_format:PDF") == []
    assert names(fq="license_id:CC0-1.0") == ["bus-stops"]
    assert names(fq="groups:heal") == ["air-quality"]
    assert names(fq='groups:TRAN AND tags:"buses"') == ["bus-stops"]
    assert names(fq="groups:nope") == []
    assert names(q="*:*", fq="", sort="title_string asc") == ["air-quality", "bus-stops", "train-times"]
    result = call(client, "package_search", **{"facet.field": json.dumps(["license_id", "groups"]), "facet.limit": 1})
    result = result.json()["result"]
    assert result["facets"]["groups"] == {"tran": 2} and len(result["facets"]["license_id"]) == 1
    assert result["search_facets"]["groups"]["items"][0] == {"name": "tran", "display_name": "Transport", "count": 2}
    assert result["count"] == 3 and result["sort"] == "score desc, metadata_modified desc"


@pytest.mark.django_db
def test_organizations(client, catalogue):
    assert call(client, "organization_list").json()["result"] == ["city-council", "transport-agency"]
    ordered = call(client, "organization_list", sort="package_count desc").json()["result"]
    assert ordered == ["city-council", "transport-agency"]
    agency = catalogue["bus"].agency
    by_id = call(client, "organization_show", id=str(agency.pk)).json()["result"]
    assert by_id["name"] == "city-council" and by_id["package_count"] == 2 and "packages" not in by_id
    agency.is_active = False
    agency.save()
    assert call(client, "organization_show", id="city-council").status_code == 404
    assert call(client, "package_show", id="bus-stops").status_code == 404


@pytest.mark.django_db
def test_datastore_search(client, catalogue):
    res = catalogue["bus"].resources.get()

    def search(**params):
        response = call(client, "datastore_search", resource_id=str(res.pk), **params)
        assert response.status_code == 200, response.content
        return response.json()["result"]

    result = search()
    assert result["total"] == 5 and result["limit"] == 100 and result["offset"] == 0
    assert result["records"][0] == {"_id": 1, "town": "Northbridge", "population": 12000, "region": "North"}
    assert result["fields"] == [
        {"id": "_id", "type": "int"},
        {"id": "town", "type": "text"},
        {"id": "population", "type": "numeric"},
        {"id": "region", "type": "text"},
    ]
    assert result["_links"]["start"].startswith("/api/3/action/datastore_search?resource_id=")
    assert "offset=100" in result["_links"]["next"]
    assert [r["town"] for r in search(q="east")["records"]] == ["Eastham"]
    assert [r["town"] for r in search(q=json.dumps({"town": "ford"}))["records"]] == ["Westford"]
    assert search(filters=json.dumps({"population": 800}))["records"][0]["town"] == "Eastham"
    assert search(filters=json.dumps({"population": "800"}))["total"] == 1
    assert search(filters=json.dumps({"region": ["North", "East"]}))["total"] == 3
    assert search(filters=json.dumps({"region": "north"}))["total"] == 0  # exact, as CKAN's
    assert [r["town"] for r in search(sort="population desc", limit=2)["records"]] == ["Westford", "Northbridge"]
    assert search(sort="_id desc", limit=1)["records"][0]["_id"] == 5
    assert [r["town"] for r in search(filters=json.dumps({"_id": [2, "3"]}))["records"]] == ["Eastham", "Westford"]
    assert search(fields="town", limit=1)["records"] == [{"town": "Northbridge"}]
    assert search(records_format="lists", fields=json.dumps(["_id", "town"]), limit=1)["records"] == [
        [1, "Northbridge"]
    ]
    posted = call(client, "datastore_search", "post", resource_id=str(res.pk), filters={"region": "West"}, limit=5)
    assert posted.json()["result"]["records"][0]["town"] == "Westford"
    # a linked resource without rows
    linked = Resource.objects.create(
        dataset=catalogue["bus"], title="Map", format="PDF", url="https://example.org/m.pdf"
    )
    assert call(client, "resource_show", id=str(linked.pk)).json()["result"]["url"] == "https://example.org/m.pdf"
    assert call(client, "datastore_search", resource_id=str(linked.pk)).status_code == 404


BAD = [
    ("package_search", {"rows": "ten"}, "rows"),
    ("package_search", {"rows": "1001"}, "rows"),
    ("package_search", {"start": "-1"}, "start"),
    ("package_search", {"start": "99999999999999999999999"}, "start"),
    ("package_search", {"sort": "nope desc"}, "sort"),
    ("package_search", {"sort": "name sideways"}, "sort"),
    ("package_search", {"facet.field": "[not json"}, "facet.field"),
    ("package_search", {"facet.field": '["nope"]'}, "facet.field"),
    ("package_search", {"facet.field": '{"a": 1}'}, "facet.field"),
    ("package_search", {"facet.limit": "x"}, "facet.limit"),
    ("package_search", {"fq": "colour:red"}, "fq"),
    ("package_search", {"fq": "justaword"}, "fq"),
    ("package_list", {"limit": "1.5"}, "limit"),
    ("organization_list", {"all_fields": "perhaps"}, "all_fields"),
    ("organization_list", {"sort": "colour"}, "sort"),
    ("package_show", {}, "id"),
    ("datastore_search", {}, "resource_id"),
    ("datastore_search", {"filters": "{bad"}, "filters"),
    ("datastore_search", {"filters": "[1]"}, "filters"),
    ("datastore_search", {"filters": '{"nope": 1}'}, "filters"),
    ("datastore_search", {"filters": '{"town": {"a": 1}}'}, "filters"),
    ("datastore_search", {"sort": "nope"}, "sort"),
    ("datastore_search", {"limit": "-5"}, "limit"),
    ("datastore_search", {"offset": "x"}, "offset"),
    ("datastore_search", {"fields": "town,nope"}, "fields"),
    ("datastore_search", {"records_format": "csv"}, "records_format"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "params", "field"), BAD)
def test_bad_parameters_are_409_not_500(client, catalogue, name, params, field):
    if name == "datastore_search" and params:
        params = {"resource_id": str(catalogue["bus"].resources.get().pk), **params}
    response = call(client, name, **params)
    assert response.status_code == 409, response.content
    error = response.json()["error"]
    assert response.json()["success"] is False and error["__type"] == "Validation Error" and field in error


@pytest.mark.django_db
def test_odd_input_is_never_a_server_error(client, catalogue):
    res = str(catalogue["bus"].resources.get().pk)
    odd = [
        ("package_search", {"q": "x\x00y" * 400, "fq": 'tags:"un closed'}),
        ("package_search", {"q": "é ü ∑ 🙂", "fq": "tags:é"}),
        ("package_show", {"id": "\x00"}),
        ("organization_show", {"id": "9" * 40}),
        ("resource_show", {"id": "00000000-0000-0000-0000-000000000000"}),
        ("datastore_search", {"resource_id": res, "q": "\x00", "filters": '{"population": 1e400}'}),
        ("datastore_search", {"resource_id": res, "filters": '{"population": 99999999999999999999999999}'}),
        ("datastore_search", {"resource_id": res, "filters": '{"_id": ["x"]}'}),
        ("datastore_search", {"resource_id": res, "filters": '{"_id": [99999999999999999999999]}'}),
        ("datastore_search", {"resource_id": res, "filters": '{"_id": ["²"]}'}),
        ("organization_show", {"id": "²"}),
        ("package_search", {"fq": "owner_org:²³ owner_org:99999999999999999999999999"}),
        ("package_search", {"facet.field": "organization", "facet.limit": "-1", "sort": "title_string desc"}),
        ("package_search", {"rows": ["1", "2"]}),
        ("datastore_search", {"resource_id": res, "q": '{"nope": "x"}'}),
    ]
    for name, params in odd:
        response = call(client, name, **params)
        assert response.status_code in (200, 404, 409), (name, params, response.status_code)
        assert response.json()["success"] is (response.status_code == 200)
    for body in (b"[1, 2]", b"{not json", b'"text"'):
        response = client.post(ACTION + "package_list", body, content_type="application/json")
        assert response.status_code == 400 and response.json()["success"] is False
    posted = call(client, "package_search", "post", rows=True, q=["a"])
    assert posted.status_code == 409


@pytest.mark.django_db
def test_unknown_and_write_actions(client, catalogue):
    unknown = call(client, "no_such_action")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"].startswith("Bad request - Action name not known")
    for name in ("package_create", "package_update", "package_patch", "resource_delete", "datastore_upsert",
                 "organization_member_create"):  # fmt: skip
        response = call(client, name, "post", name="x")
        assert response.status_code == 403, name
        assert response.json()["error"]["__type"] == "Authorization Error"
    assert client.options(ACTION + "package_list")["Access-Control-Allow-Origin"] == "*"
    assert client.delete(ACTION + "package_list").status_code == 405


@pytest.mark.django_db
def test_extra_actions(client, catalogue):
    assert call(client, "status_show").json()["result"]["api_version"] == 3
    assert call(client, "site_read").json()["result"] is True
    assert "CC-BY-4.0" in [lic["id"] for lic in call(client, "license_list").json()["result"]]
    assert "tran" in call(client, "group_list").json()["result"]
    assert "published datasets" in call(client, "help_show", name="package_list").json()["result"]
    assert call(client, "help_show", name="nope").status_code == 404


@pytest.mark.django_db
def test_rate_limited_with_a_json_429(client, catalogue, settings):
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    settings.DATASETS_API_RATE = "2/m"
    assert call(client, "site_read").status_code == 200
    assert call(client, "site_read").status_code == 200
    refused = call(client, "site_read")
    assert refused.status_code == 429 and refused.json()["success"] is False and int(refused["Retry-After"]) > 0


@pytest.mark.django_db
def test_query_counts_stay_flat(client, make_dataset, django_assert_max_num_queries):
    for _ in range(3):
        make_dataset(publish=True)

    def measure():
        counts = {}
        for name, params in (
            ("package_search", {"rows": 100, "facet.field": json.dumps(["organization", "tags", "res_format",
                                                                        "license_id", "groups"])}),
            ("package_list", {}),
            ("organization_list", {"all_fields": "true"}),
            ("organization_show", {"id": "city-council", "include_datasets": "true"}),
        ):  # fmt: skip
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as captured:
                assert call(client, name, **params).status_code == 200
            counts[name] = len(captured)
        return counts

    few = measure()
    for _ in range(6):
        make_dataset(publish=True)
    many = measure()
    assert many == few
    with django_assert_max_num_queries(25):
        call(client, "package_search", rows=100, **{"facet.field": '["organization","groups","tags"]'})
