"""The catalogue as DCAT-AP: both formats describe the same graph, which has what DCAT-AP requires
(checked with SPARQL), and only published datasets are in it."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from ecitizen.records.datasets import dcat, services

pytestmark = [
    pytest.mark.django_db,
    # rdflib's own JSON-LD parser uses its deprecated ConjunctiveGraph.
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

# Plain namespaces (rdflib's closed ones warn when pytest inspects this module's names).
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")

PREFIXES = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX vcard: <http://www.w3.org/2006/vcard/ns#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""
BASE = "http://testserver"


def _ask(graph: Graph, query: str) -> bool:
    return bool(graph.query(PREFIXES + query).askAnswer)


def _select(graph: Graph, query: str) -> list:
    return list(graph.query(PREFIXES + query))


def _fetch(client, url_name: str, *args) -> tuple[Graph, Graph]:
    """The JSON-LD and the Turtle documents of *url_name*, checked and parsed."""
    jsonld = client.get(reverse(f"datasets:{url_name}_jsonld", args=args))
    turtle = client.get(reverse(f"datasets:{url_name}_ttl", args=args))
    assert jsonld.status_code == 200 and turtle.status_code == 200
    assert jsonld["Content-Type"] == "application/ld+json"
    assert turtle["Content-Type"].startswith("text/turtle")
    for response in (jsonld, turtle):
        assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"]
    document = json.loads(jsonld.content)
    assert document["@context"]["dcat"] == "http://www.w3.org/ns/dcat#"
    return (
        Graph().parse(data=jsonld.content.decode(), format="json-ld"),
        Graph().parse(data=turtle.content.decode(), format="turtle"),
    )


@pytest.fixture
def catalogue(make_dataset, admin_a, admin_b, agency_a, agency_b):
    """Two published datasets of two agencies (one multilingual, with a linked resource), a draft
    and an unpublished one."""
    agency_a.email = "opendata@council.example"
    agency_a.name_translations = {"es": "Ayuntamiento", "fr": "Conseil municipal", "ar": "مجلس المدينة"}
    agency_a.save()
    rich = make_dataset(
        name="air-quality",
        title={"en": "Air quality", "es": "Calidad del aire", "fr": "Qualité de l'air", "ar": "جودة الهواء"},
        description={"en": "Hourly readings.", "es": "Lecturas por hora.", "fr": "Relevés horaires.", "ar": "قراءات"},
        spatial={"en": "The city", "fr": "La ville"},
        keywords=["air", "pollution"],
        themes=["ENVI", "HEAL"],
        licence="CC0-1.0",
        frequency="continuous",
        temporal_start=datetime.date(2024, 1, 1),
        temporal_end=datetime.date(2024, 12, 31),
    )
    services.resource_add(
        actor=admin_a, dataset=rich, title="Stations map", format="GeoJSON", url="https://maps.example/air.geojson"
    )
    rich = services.dataset_publish(actor=admin_a, dataset=rich)
    other = make_dataset(
        publish=True, actor=admin_b, agency=agency_b, name="train-times", spatial={}, frequency="irregular"
    )
    draft = make_dataset(name="secret-draft")
    gone = make_dataset(publish=True, name="withdrawn")
    services.dataset_unpublish(actor=admin_a, dataset=gone)
    return {"rich": rich, "other": other, "draft": draft, "gone": gone}


def test_both_formats_describe_the_same_graph(client, catalogue):
    from_jsonld, from_turtle = _fetch(client, "dcat_catalog")
    assert len(from_turtle) > 50
    assert isomorphic(from_jsonld, from_turtle)
    # and the same as the graph built directly
    assert isomorphic(from_turtle, dcat.catalog_graph(_request()))

    one_jsonld, one_turtle = _fetch(client, "dcat_dataset", "air-quality")
    assert isomorphic(one_jsonld, one_turtle)


def _request():
    request = RequestFactory().get("/data/catalog.ttl")
    request.user = AnonymousUser()
    return request


def test_the_catalogue_has_what_dcat_ap_requires(client, catalogue):
    graph, _ = _fetch(client, "dcat_catalog")
    catalog = URIRef(f"{BASE}/data/#catalog")
    assert (catalog, RDF.type, DCAT.Catalog) in graph
    for prop in ("dct:title", "dct:description", "dct:publisher", "foaf:homepage", "dct:language"):
        assert _ask(graph, f"ASK {{ ?c a dcat:Catalog ; {prop} ?v }}"), prop
    assert _ask(graph, "ASK { ?c a dcat:Catalog ; dct:publisher ?p . ?p a foaf:Agent ; foaf:name ?n }")
    assert (catalog, DCTERMS.language, URIRef(dcat.LANGUAGE["ARA"])) in graph
    listed = {str(row.d) for row in _select(graph, "SELECT ?d WHERE { ?c a dcat:Catalog ; dcat:dataset ?d }")}
    assert listed == {f"{BASE}/data/air-quality/#dataset", f"{BASE}/data/train-times/#dataset"}
    described = {str(row.d) for row in _select(graph, "SELECT ?d WHERE { ?d a dcat:Dataset }")}
    assert described == listed

    # Every dataset has the mandatory and recommended properties.
    for prop in ("dct:title", "dct:description", "dct:publisher", "dcat:distribution", "dct:identifier"):
        assert not _ask(graph, f"ASK {{ ?d a dcat:Dataset . FILTER NOT EXISTS {{ ?d {prop} ?v }} }}"), prop
    for prop in ("dcat:contactPoint", "dcat:theme", "dcat:keyword", "dct:issued", "dct:modified", "dcat:landingPage"):
        assert not _ask(graph, f"ASK {{ ?d a dcat:Dataset . FILTER NOT EXISTS {{ ?d {prop} ?v }} }}"), prop
    assert not _ask(
        graph,
        "ASK { ?d a dcat:Dataset ; dct:publisher ?p . FILTER NOT EXISTS { ?p a foaf:Agent ; foaf:name ?n } }",
    )
    assert not _ask(
        graph,
        "ASK { ?d a dcat:Dataset ; dcat:contactPoint ?c ."
        " FILTER NOT EXISTS { ?c a vcard:Organization ; vcard:fn ?n } }",
    )
    # Every distribution has an access URL, and the rest DCAT-AP recommends.
    assert _ask(graph, "ASK { ?x a dcat:Distribution }")
    for prop in ("dcat:accessURL", "dcat:downloadURL", "dct:format", "dcat:mediaType", "dct:license", "dct:title"):
        assert not _ask(graph, f"ASK {{ ?x a dcat:Distribution . FILTER NOT EXISTS {{ ?x {prop} ?v }} }}"), prop
    assert not _ask(graph, "ASK { ?d dcat:distribution ?x . FILTER NOT EXISTS { ?x a dcat:Distribution } }")
    # Dates are typed.
    assert not _ask(
        graph, "ASK { ?d a dcat:Dataset ; dct:issued|dct:modified ?t . FILTER (datatype(?t) != xsd:dateTime) }"
    )


def test_controlled_vocabularies_are_the_eu_uris(client, catalogue):
    graph, _ = _fetch(client, "dcat_catalog")
    eu = "http://publications.europa.eu/resource/authority/"
    themes = {str(r.t) for r in _select(graph, "SELECT ?t WHERE { ?d dcat:theme ?t }")}
    assert themes == {f"{eu}data-theme/ENVI", f"{eu}data-theme/HEAL", f"{eu}data-theme/TRAN"}
    formats = {str(r.f) for r in _select(graph, "SELECT ?f WHERE { ?x a dcat:Distribution ; dct:format ?f }")}
    assert formats == {f"{eu}file-type/CSV", f"{eu}file-type/GEOJSON"}
    assert not _ask(graph, f'ASK {{ ?x dct:format ?f . FILTER (!STRSTARTS(STR(?f), "{eu}file-type/")) }}')
    media = {str(r.m) for r in _select(graph, "SELECT ?m WHERE { ?x dcat:mediaType ?m }")}
    assert media == {
        "https://www.iana.org/assignments/media-types/text/csv",
        "https://www.iana.org/assignments/media-types/application/geo+json",
    }
    frequencies = {str(r.f) for r in _select(graph, "SELECT ?f WHERE { ?d dct:accrualPeriodicity ?f }")}
    assert frequencies == {f"{eu}frequency/CONT", f"{eu}frequency/IRREG"}
    licences = {str(r.l) for r in _select(graph, "SELECT ?l WHERE { ?x dct:license ?l }")}
    assert licences == {
        "https://creativecommons.org/publicdomain/zero/1.0/",
        "https://creativecommons.org/licenses/by/4.0/",
    }
    # every frequency and format the app has maps to a code
    from ecitizen.records.datasets.models import Format, Frequency, Licence

    assert set(dcat.FREQUENCIES) == set(Frequency) and set(dcat.FORMATS) == set(Format)
    assert set(dcat.LICENCES) == set(Licence)


def test_one_dataset_in_detail_with_language_tags(client, catalogue):
    graph, _ = _fetch(client, "dcat_dataset", "air-quality")
    dataset = URIRef(f"{BASE}/data/air-quality/#dataset")
    rich = catalogue["rich"]
    assert set(graph.subjects(RDF.type, DCAT.Dataset)) == {dataset}
    titles = set(graph.objects(dataset, DCTERMS.title))
    assert {(t.language, str(t)) for t in titles} == {
        ("en", "Air quality"),
        ("es", "Calidad del aire"),
        ("fr", "Qualité de l'air"),
        ("ar", "جودة الهواء"),
    }
    assert {t.language for t in graph.objects(dataset, DCTERMS.description)} == {"en", "es", "fr", "ar"}
    assert all(k.language == "en" for k in graph.objects(dataset, DCAT.keyword))
    assert (dataset, DCTERMS.identifier, Literal(str(rich.pk))) in graph
    assert (dataset, DCAT.landingPage, URIRef(f"{BASE}/data/air-quality/")) in graph
    # the publisher's name in each language, and the contact point's email
    names = {(n.language, str(n)) for n in _select_values(graph, "SELECT ?n WHERE { ?d dct:publisher/foaf:name ?n }")}
    assert ("en", "City Council") in names and ("ar", "مجلس المدينة") in names
    assert _ask(graph, "ASK { ?d dcat:contactPoint ?c . ?c vcard:hasEmail <mailto:opendata@council.example> }")
    # the area and the period
    labels = {
        (n.language, str(n))
        for n in _select_values(graph, "SELECT ?n WHERE { ?d dct:spatial ?s . ?s a dct:Location ; skos:prefLabel ?n }")
    }
    assert labels == {("en", "The city"), ("fr", "La ville")}
    period = _select(
        graph, "SELECT ?s ?e WHERE { ?d dct:temporal ?p . ?p a dct:PeriodOfTime ; dcat:startDate ?s ; dcat:endDate ?e }"
    )
    assert [(str(r.s), str(r.e), r.s.datatype) for r in period] == [
        ("2024-01-01", "2024-12-31", URIRef("http://www.w3.org/2001/XMLSchema#date"))
    ]
    # an upload is downloaded here, with its size; a link from where it is
    rows = _select(
        graph,
        "SELECT ?title ?access ?download ?size WHERE { ?d dcat:distribution ?x . ?x dct:title ?title ;"
        " dcat:accessURL ?access ; dcat:downloadURL ?download . OPTIONAL { ?x dcat:byteSize ?size } }",
    )
    by_title = {str(r.title): r for r in rows}
    towns, stations = by_title["Towns"], by_title["Stations map"]
    resource = rich.resources.get(title="Towns")
    assert str(towns.download) == str(towns.access) == f"{BASE}/data/air-quality/resources/{resource.pk}/download/"
    assert int(towns.size) == resource.size > 0
    assert str(stations.download) == "https://maps.example/air.geojson" and stations.size is None
    assert str(stations.access).startswith(f"{BASE}/data/air-quality/resources/")


def _select_values(graph: Graph, query: str) -> list:
    return [row[0] for row in _select(graph, query)]


def test_a_dataset_without_area_or_period_has_neither(client, catalogue):
    graph, _ = _fetch(client, "dcat_dataset", "train-times")
    assert not _ask(graph, "ASK { ?d dct:spatial ?s }")
    assert not _ask(graph, "ASK { ?d dct:temporal ?t }")
    assert _ask(graph, 'ASK { ?d dct:publisher/foaf:name "Transport Agency"@en }')
    assert not _ask(graph, "ASK { ?d dcat:contactPoint/vcard:hasEmail ?e }")


def test_drafts_and_unpublished_datasets_never_appear(client, catalogue):
    for name in ("secret-draft", "withdrawn"):
        assert client.get(reverse("datasets:dcat_dataset_jsonld", args=[name])).status_code == 404
        assert client.get(reverse("datasets:dcat_dataset_ttl", args=[name])).status_code == 404
    assert client.get(reverse("datasets:dcat_dataset_ttl", args=["no-such-dataset"])).status_code == 404
    for fmt in ("jsonld", "ttl"):
        body = client.get(reverse(f"datasets:dcat_catalog_{fmt}")).content.decode()
        assert "secret-draft" not in body and "withdrawn" not in body
        for key in ("draft", "gone"):
            assert str(catalogue[key].pk) not in body


def test_an_inactive_agencys_datasets_are_not_in_the_catalogue(client, catalogue, agency_b):
    agency_b.is_active = False
    agency_b.save()
    graph, _ = _fetch(client, "dcat_catalog")
    assert {str(d) for d in graph.subjects(RDF.type, DCAT.Dataset)} == {f"{BASE}/data/air-quality/#dataset"}
    assert client.get(reverse("datasets:dcat_dataset_ttl", args=["train-times"])).status_code == 404


def test_the_pages_link_to_the_metadata(client, catalogue):
    html = client.get(reverse("datasets:index")).content.decode()
    assert "Metadata as DCAT-AP:" in html
    assert 'href="/data/catalog.jsonld"' in html and 'href="/data/catalog.ttl"' in html
    html = client.get(reverse("datasets:detail", args=["air-quality"])).content.decode()
    assert 'href="/data/air-quality/dataset.jsonld"' in html and 'href="/data/air-quality/dataset.ttl"' in html


def test_an_empty_catalogue_is_still_a_valid_catalog(client, db):
    graph, turtle = _fetch(client, "dcat_catalog")
    assert isomorphic(graph, turtle)
    assert _ask(graph, "ASK { ?c a dcat:Catalog ; dct:title ?t ; dct:description ?d ; dct:publisher ?p }")
    assert not _ask(graph, "ASK { ?d a dcat:Dataset }")


def test_queries_do_not_grow_with_the_catalogue(client, make_dataset, django_assert_max_num_queries):
    for _ in range(2):
        make_dataset(publish=True)
    with django_assert_max_num_queries(6) as small:
        client.get(reverse("datasets:dcat_catalog_ttl"))
    for _ in range(6):
        make_dataset(publish=True)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("datasets:dcat_catalog_jsonld"))
    assert (
        Graph().parse(data=response.content.decode(), format="json-ld").value(predicate=RDF.type, object=DCAT.Catalog)
    )
    assert (
        len(set(Graph().parse(data=response.content.decode(), format="json-ld").subjects(RDF.type, DCAT.Dataset))) == 8
    )
