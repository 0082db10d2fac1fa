"""The public pages (list, facets, dataset, preview, history) and the back office."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ecitizen.records.datasets import services
from ecitizen.records.datasets.models import Dataset, DatastoreRow, Resource
from ecitizen.records.datasets.tests.conftest import csv_file, dataset_data

pytestmark = pytest.mark.django_db


def _cells(html: str, column: int = 0) -> list[str]:
    """The text of the preview table's cells in *column*, row by row."""
    body = html.split('<tbody class="govuk-table__body">', 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", body, re.S)
    return [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)[column] for row in rows]


# --- the public list --------------------------------------------------------------------------


def test_the_list_shows_published_datasets_only(client, make_dataset):
    public = make_dataset(publish=True, title={"en": "Library visits"})
    make_dataset(title={"en": "Secret draft"})
    html = client.get(reverse("datasets:index")).content.decode()
    assert "Library visits" in html and public.get_absolute_url() in html
    assert "Secret draft" not in html


def test_search_and_facets_filter_with_counts(client, make_dataset, admin_b, agency_b):
    make_dataset(publish=True, title={"en": "Bus stops"}, themes=["TRAN"], licence="CC0-1.0")
    make_dataset(publish=True, title={"en": "Air quality"}, themes=["ENVI", "HEAL"], keywords=["pollution"])
    make_dataset(publish=True, actor=admin_b, agency=agency_b, title={"en": "Train times"}, themes=["TRAN"])
    # the theme facet counts each dataset once per theme it has
    html = client.get(reverse("datasets:index")).content.decode()
    assert re.search(r"Transport</a> \(2\)", html) and re.search(r"Health</a> \(1\)", html)
    assert re.search(r"Transport Agency</a> \(1\)", html)
    # a theme link narrows the list, and the publisher facet counts within it
    html = client.get(reverse("datasets:index"), {"theme": "TRAN"}).content.decode()
    assert "Bus stops" in html and "Train times" in html and "Air quality" not in html
    assert re.search(r"City Council</a> \(1\)", html)
    html = client.get(reverse("datasets:index"), {"theme": "TRAN", "publisher": "transport-agency"}).content.decode()
    assert "Train times" in html and "Bus stops" not in html
    html = client.get(reverse("datasets:index"), {"licence": "CC0-1.0"}).content.decode()
    assert "Bus stops" in html and "Train times" not in html
    html = client.get(reverse("datasets:index"), {"q": "pollution"}).content.decode()
    assert "Air quality" in html and "Bus stops" not in html
    html = client.get(reverse("datasets:index"), {"format": "PDF"}).content.decode()
    assert "Datasets found: 0" in html


def test_bad_query_strings_are_not_errors(client, make_dataset):
    make_dataset(publish=True)
    for query in ({"page": "999"}, {"page": "x"}, {"theme": "NOPE"}, {"q": "x" * 500}, {"publisher": "no such!"}):
        assert client.get(reverse("datasets:index"), query).status_code in (200, 400)


# --- a dataset --------------------------------------------------------------------------------


def test_a_draft_or_unpublished_dataset_is_not_found(client, make_dataset, admin_a):
    draft = make_dataset()
    resource = Resource.objects.get(dataset=draft)
    for url in (
        reverse("datasets:detail", args=[draft.name]),
        reverse("datasets:history", args=[draft.name]),
        reverse("datasets:resource", args=[draft.name, resource.pk]),
        reverse("datasets:download", args=[draft.name, resource.pk]),
        reverse("datasets:detail", args=["no-such-dataset"]),
    ):
        assert client.get(url).status_code == 404, url
    published = make_dataset(publish=True)
    assert client.get(published.get_absolute_url()).status_code == 200
    services.dataset_unpublish(actor=admin_a, dataset=published)
    assert client.get(published.get_absolute_url()).status_code == 404


def test_a_resource_of_another_dataset_is_not_found(client, make_dataset):
    one, two = make_dataset(publish=True), make_dataset(publish=True)
    resource = Resource.objects.get(dataset=two)
    assert client.get(reverse("datasets:resource", args=[one.name, resource.pk])).status_code == 404


def test_the_dataset_page_shows_its_metadata_resources_and_escapes_staff_text(client, make_dataset):
    dataset = make_dataset(publish=True, title={"en": "Towns <script>x</script>"}, themes=["REGI"])
    html = client.get(dataset.get_absolute_url()).content.decode()
    assert "&lt;script&gt;" in html and "<script>x" not in html
    assert "Regions and cities" in html and "Creative Commons Attribution 4.0" in html
    assert reverse("datasets:history", args=[dataset.name]) in html


def test_the_download_is_the_file_as_uploaded(client, make_dataset):
    dataset = make_dataset(publish=True)
    resource = Resource.objects.get(dataset=dataset)
    response = client.get(reverse("datasets:download", args=[dataset.name, resource.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"town,population,region")
    assert "attachment" in response["Content-Disposition"] and response["X-Content-Type-Options"] == "nosniff"


def test_the_page_is_in_the_readers_language(client, make_dataset):
    dataset = make_dataset(publish=True)
    html = client.get(dataset.get_absolute_url(), {"lang": "es"}).content.decode()
    assert "Paradas de autobús" in html


# --- the preview ------------------------------------------------------------------------------


def _preview(client, dataset, **query):
    resource = Resource.objects.get(dataset=dataset)
    return client.get(reverse("datasets:resource", args=[dataset.name, resource.pk]), query)


def test_the_preview_sorts_numbers_as_numbers_both_ways(client, make_dataset):
    dataset = make_dataset(publish=True)
    html = _preview(client, dataset, sort="population").content.decode()
    assert _cells(html) == ["Eastham", "Southby", "Northbridge", "Westford", "Riverside"]
    html = _preview(client, dataset, sort="population", order="desc").content.decode()
    assert _cells(html) == ["Westford", "Northbridge", "Southby", "Eastham", "Riverside"]
    html = _preview(client, dataset, sort="town").content.decode()
    assert _cells(html) == ["Eastham", "Northbridge", "Riverside", "Southby", "Westford"]
    assert 'aria-sort="ascending"' in html


def test_the_preview_filters_by_column(client, make_dataset):
    dataset = make_dataset(publish=True)
    # f2 is the third column, region
    html = _preview(client, dataset, f2="north").content.decode()
    assert _cells(html) == ["Northbridge", "Riverside"]
    html = _preview(client, dataset, f2="north", f0="river").content.decode()
    assert _cells(html) == ["Riverside"]
    html = _preview(client, dataset, f1="000").content.decode()  # numbers are filtered as text
    assert _cells(html) == ["Northbridge", "Westford"]


def test_the_preview_pages(client, make_dataset, settings):
    settings.DATASETS_PREVIEW_PAGE_SIZE = 2
    dataset = make_dataset(publish=True)
    assert _cells(_preview(client, dataset, sort="town", page="2").content.decode()) == ["Riverside", "Southby"]
    # out of range and unreadable page numbers give the nearest page, never an error
    assert _cells(_preview(client, dataset, sort="town", page="99").content.decode()) == ["Westford"]
    assert _cells(_preview(client, dataset, sort="town", page="zz").content.decode()) == ["Eastham", "Northbridge"]
    html = _preview(client, dataset, sort="town", order="desc", f2="o").content.decode()
    assert "sort=town&amp;order=desc&amp;page=2" in html or "order=desc&amp;sort=town" in html


def test_an_unknown_sort_column_is_refused_without_a_500(client, make_dataset):
    dataset = make_dataset(publish=True)
    response = _preview(client, dataset, sort="salary", order="sideways")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a column of the table to sort by" in html
    assert len(_cells(html)) == 5


def test_odd_column_names_work(client, make_dataset):
    dataset = make_dataset(publish=True, csv='a__b,"x ""y""",2024\n1,q,z\n2,r,y\n')
    html = _preview(client, dataset, sort="2024").content.decode()
    assert _cells(html) == ["2", "1"]
    html = _preview(client, dataset, sort="a__b", order="desc", f1="q").content.decode()
    assert _cells(html) == ["1"]


# --- the history ------------------------------------------------------------------------------


def test_the_history_shows_what_changed(client, make_dataset, admin_a):
    dataset = make_dataset(publish=True)
    services.dataset_update(
        actor=admin_a,
        dataset=dataset,
        data=dataset_data(name=dataset.name, title=dataset.title, licence="OGL-UK-3.0"),
    )
    html = client.get(reverse("datasets:history", args=[dataset.name])).content.decode()
    assert "Version 2" in html and "Version 1" in html
    changes = re.findall(r'<th scope="row" class="govuk-table__header">(.*?)</th>', html)
    assert changes == ["Licence"]
    assert "Open Government Licence 3.0" in html


# --- the back office --------------------------------------------------------------------------


def test_only_publishers_of_the_agency_reach_the_back_office(client, mfa_client, make_dataset, admin_b, caseworker_a):
    dataset = make_dataset()
    resource = Resource.objects.get(dataset=dataset)
    urls = [
        reverse("datasets_staff:detail", args=[dataset.name]),
        reverse("datasets_staff:edit", args=[dataset.name]),
        reverse("datasets_staff:resource_add", args=[dataset.name]),
        reverse("datasets_staff:resource_replace", args=[dataset.name, resource.pk]),
        reverse("datasets_staff:resource_remove", args=[dataset.name, resource.pk]),
        reverse("datasets_staff:resource_download", args=[dataset.name, resource.pk]),
    ]
    for user in (admin_b, caseworker_a):
        signed_in = mfa_client(user)
        for url in urls:
            assert signed_in.get(url).status_code == 404, (user, url)
        assert signed_in.post(reverse("datasets_staff:publish", args=[dataset.name])).status_code == 404
    dataset.refresh_from_db()
    assert dataset.status == "draft"


def test_a_publisher_creates_uploads_and_publishes(mfa_client, admin_a):
    client = mfa_client(admin_a)
    response = client.post(
        reverse("datasets_staff:create"),
        {
            "name": "parks",
            "title_en": "Parks",
            "description_en": "Every park.",
            "keywords": "parks, green spaces",
            "themes": ["ENVI", "REGI"],
            "licence": "CC-BY-4.0",
            "frequency": "annual",
            "temporal_start-day": "1",
            "temporal_start-month": "1",
            "temporal_start-year": "2025",
        },
    )
    assert response.status_code == 302, response.content.decode()
    dataset = Dataset.objects.get(name="parks")
    assert dataset.keywords == ["parks", "green spaces"] and str(dataset.temporal_start) == "2025-01-01"
    add = reverse("datasets_staff:resource_add", args=["parks"])
    # a malformed CSV: a field error, nothing saved
    response = client.post(add, {"title": "Parks", "format": "CSV", "file": csv_file("a,b\n1\n")})
    assert response.status_code == 400
    assert "Row 2 has 1 values but there are 2 column names" in response.content.decode()
    assert not Resource.objects.exists() and not DatastoreRow.objects.exists()
    response = client.post(add, {"title": "Parks", "format": "CSV", "file": csv_file("park,area\nA,3\n")})
    assert response.status_code == 302
    assert client.post(reverse("datasets_staff:publish", args=["parks"])).status_code == 302
    dataset.refresh_from_db()
    assert dataset.status == "published" and dataset.version == 1
    assert client.get(reverse("datasets_staff:index")).status_code == 200
    assert client.get(reverse("datasets_staff:edit", args=["parks"])).status_code == 200


def test_bad_form_input_is_field_errors(mfa_client, admin_a, make_dataset):
    client = mfa_client(admin_a)
    make_dataset(name="taken")
    response = client.post(reverse("datasets_staff:create"), {"name": "taken", "title_en": "", "licence": "x"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Enter the dataset&#x27;s title" in html and "Choose a licence" in html
    response = client.post(
        reverse("datasets_staff:create"),
        {"name": "taken", "title_en": "T", "licence": "CC0-1.0", "frequency": "never"},
    )
    assert (
        response.status_code == 400 and "Another dataset already has this web address name" in response.content.decode()
    )
    dataset = make_dataset()
    add = reverse("datasets_staff:resource_add", args=[dataset.name])
    response = client.post(add, {"title": "X", "format": "CSV"})
    assert response.status_code == 400 and "Upload a file or give a link" in response.content.decode()
    response = client.post(add, {"title": "X", "format": "PDF", "file": csv_file("not a pdf", "x.pdf")})
    assert response.status_code == 400 and "must be a PDF" in response.content.decode()


def test_a_publisher_replaces_and_removes_a_resource(mfa_client, admin_a, make_dataset):
    client = mfa_client(admin_a)
    dataset = make_dataset(publish=True)
    towns = Resource.objects.get(dataset=dataset)
    services.resource_add(actor=admin_a, dataset=dataset, title="Feed", format="JSON", url="https://x.example/f.json")
    response = client.post(
        reverse("datasets_staff:resource_replace", args=[dataset.name, towns.pk]),
        {"title": "Towns 2025", "format": "CSV", "file": csv_file("town\nA\n")},
    )
    assert response.status_code == 302
    towns.refresh_from_db()
    assert towns.title == "Towns 2025" and towns.row_count == 1
    response = client.post(reverse("datasets_staff:resource_remove", args=[dataset.name, towns.pk]))
    assert response.status_code == 302
    assert not Resource.objects.filter(pk=towns.pk).exists()
    dataset.refresh_from_db()
    assert dataset.version == 4  # published, resource added, replaced, removed


def test_a_linked_resource_redirects_and_has_no_preview(client, make_dataset, admin_a):
    dataset = make_dataset(publish=True)
    feed = services.resource_add(
        actor=admin_a, dataset=dataset, title="Feed", format="JSON", url="https://data.example/feed.json"
    )
    response = client.get(reverse("datasets:resource", args=[dataset.name, feed.pk]))
    assert response.status_code == 200 and "There is no preview of this format" in response.content.decode()
    response = client.get(reverse("datasets:download", args=[dataset.name, feed.pk]))
    assert response.status_code == 302 and response["Location"] == "https://data.example/feed.json"


def test_a_file_lost_from_storage_is_not_found(client, make_dataset):
    from ecitizen.cases.uploads import private_storage

    dataset = make_dataset(publish=True)
    resource = Resource.objects.get(dataset=dataset)
    private_storage().delete(resource.stored_name)
    assert client.get(reverse("datasets:download", args=[dataset.name, resource.pk])).status_code == 404
