"""The open data catalogue as DCAT-AP (https://semiceu.github.io/DCAT-AP/), an RDF graph that
national portals (data.europa.eu, data.gov, CKAN's ckanext-dcat) harvest, in JSON-LD or Turtle.

Only what the policy shows the public is described: published datasets of active agencies. The
graph is built from one query for the datasets (with their agency) and one for their resources,
however many datasets there are. Codes the app keeps map to the controlled vocabularies DCAT-AP
asks for: themes to the EU data themes, frequencies to the EU frequencies, formats to the EU file
types and IANA media types, licences (SPDX ids) to their canonical URIs, languages to the EU
languages. Text kept per language becomes one literal per language, tagged with it.

Every URI is an absolute address on this site: the dataset's page (``#dataset``), the resource's
page (``#distribution``); see :func:`ecitizen.core.site.site_url`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, SKOS, XSD

from ecitizen.core.site import site_url
from ecitizen.records.datasets.models import Dataset, Format, Frequency, Licence, Resource
from ecitizen.records.datasets.policies import dataset_policy

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
EU = "http://publications.europa.eu/resource/authority/"
DATA_THEME = Namespace(EU + "data-theme/")
FREQUENCY = Namespace(EU + "frequency/")
FILE_TYPE = Namespace(EU + "file-type/")
LANGUAGE = Namespace(EU + "language/")
IANA = "https://www.iana.org/assignments/media-types/"

# The app's frequencies as the EU frequency vocabulary's codes.
FREQUENCIES = {
    Frequency.CONTINUOUS: "CONT",
    Frequency.DAILY: "DAILY",
    Frequency.WEEKLY: "WEEKLY",
    Frequency.MONTHLY: "MONTHLY",
    Frequency.QUARTERLY: "QUARTERLY",
    Frequency.ANNUAL: "ANNUAL",
    Frequency.IRREGULAR: "IRREG",
    Frequency.NEVER: "NEVER",
}
# The formats as (EU file type code, IANA media type).
FORMATS = {
    Format.CSV: ("CSV", "text/csv"),
    Format.JSON: ("JSON", "application/json"),
    Format.GEOJSON: ("GEOJSON", "application/geo+json"),
    Format.XLSX: ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    Format.PDF: ("PDF", "application/pdf"),
}
# The licences' SPDX ids as their canonical URIs.
LICENCES = {
    Licence.CC_BY_4_0: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC_BY_SA_4_0: "https://creativecommons.org/licenses/by-sa/4.0/",
    Licence.CC0_1_0: "https://creativecommons.org/publicdomain/zero/1.0/",
    Licence.OGL_3_0: "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    Licence.ODBL_1_0: "https://opendatacommons.org/licenses/odbl/1-0/",
}
# The site's languages (ISO 639-1) as the EU language vocabulary's codes (ISO 639-3).
LANGUAGES = {"en": "ENG", "es": "SPA", "fr": "FRA", "ar": "ARA", "de": "DEU", "it": "ITA", "pt": "POR", "nl": "NLD"}

# The JSON-LD document's context: the prefixes, so the document reads as DCAT-AP's examples do.
CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "skos": str(SKOS),
    "spdx": str(SPDX),
    "owl": str(OWL),
    "xsd": str(XSD),
}
JSONLD_CONTENT_TYPE = "application/ld+json"
TURTLE_CONTENT_TYPE = "text/turtle; charset=utf-8"


def public_datasets(user: Any = None) -> QuerySet[Dataset]:
    """What the catalogue describes: what *user* (the public) may see, with what the graph reads."""
    return (
        dataset_policy.scope(user or AnonymousUser(), "view")
        .select_related("agency")
        .prefetch_related("resources")
        .order_by("-modified_at", "name")
    )


def _graph() -> Graph:
    graph = Graph()
    for prefix, uri in CONTEXT.items():
        graph.bind(prefix, uri)
    return graph


def _texts(graph: Graph, subject: Any, predicate: URIRef, texts: dict[str, str] | None) -> None:
    """One literal per language of *texts* ({language: text}), tagged with it; empty ones skipped."""
    for language, text in sorted((texts or {}).items()):
        if isinstance(text, str) and text.strip():
            graph.add((subject, predicate, Literal(text.strip(), lang=language)))


def _translated(message: str) -> dict[str, str]:
    """*message* in each of the site's languages that translates it (and the default language)."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            text = gettext(message)
        if code == settings.LANGUAGE_CODE or text != message:
            texts[code] = text
    return texts


class _Builder:
    """Adds datasets to *graph*, with absolute URIs on *base* (``scheme://host``)."""

    def __init__(self, graph: Graph, base: str) -> None:
        self.graph = graph
        self.base = base
        self.agents: set[int] = set()

    def url(self, path: str) -> str:
        return self.base + path

    def dataset_uri(self, dataset: Dataset) -> URIRef:
        return URIRef(self.url(dataset.get_absolute_url()) + "#dataset")

    def agent(self, agency: Any) -> URIRef:
        """The agency as a foaf:Organization (added once per graph)."""
        uri = URIRef(self.url(reverse("datasets:index")) + f"?publisher={agency.slug}#publisher")
        if agency.pk in self.agents:
            return uri
        self.agents.add(agency.pk)
        g = self.graph
        g.add((uri, RDF.type, FOAF.Agent))
        g.add((uri, RDF.type, FOAF.Organization))
        _texts(g, uri, FOAF.name, {settings.LANGUAGE_CODE: agency.name, **(agency.name_translations or {})})
        if agency.email:
            g.add((uri, FOAF.mbox, URIRef(f"mailto:{agency.email}")))
        return uri

    def contact(self, subject: URIRef, agency: Any) -> None:
        g = self.graph
        point = BNode()
        g.add((subject, DCAT.contactPoint, point))
        g.add((point, RDF.type, VCARD.Organization))
        _texts(g, point, VCARD.fn, {settings.LANGUAGE_CODE: agency.name, **(agency.name_translations or {})})
        if agency.email:
            g.add((point, VCARD.hasEmail, URIRef(f"mailto:{agency.email}")))
        g.add((point, VCARD.hasURL, URIRef(self.url(reverse("datasets:index")) + f"?publisher={agency.slug}")))

    def dataset(self, dataset: Dataset) -> URIRef:
        g = self.graph
        uri = self.dataset_uri(dataset)
        page = URIRef(self.url(dataset.get_absolute_url()))
        g.add((uri, RDF.type, DCAT.Dataset))
        g.add((uri, DCTERMS.identifier, Literal(str(dataset.pk))))
        _texts(g, uri, DCTERMS.title, dataset.title)
        _texts(g, uri, DCTERMS.description, dataset.description)
        for keyword in dataset.keywords or []:
            if isinstance(keyword, str) and keyword.strip():
                # Keywords are kept without a language: they are the publisher's, in the default one.
                g.add((uri, DCAT.keyword, Literal(keyword.strip(), lang=settings.LANGUAGE_CODE)))
        for theme in dataset.themes or []:
            g.add((uri, DCAT.theme, DATA_THEME[theme]))
        g.add((uri, DCTERMS.publisher, self.agent(dataset.agency)))
        self.contact(uri, dataset.agency)
        if dataset.frequency in FREQUENCIES:
            g.add((uri, DCTERMS.accrualPeriodicity, FREQUENCY[FREQUENCIES[dataset.frequency]]))
        if any(isinstance(t, str) and t.strip() for t in (dataset.spatial or {}).values()):
            place = BNode()
            g.add((uri, DCTERMS.spatial, place))
            g.add((place, RDF.type, DCTERMS.Location))
            _texts(g, place, SKOS.prefLabel, dataset.spatial)
        if dataset.temporal_start or dataset.temporal_end:
            period = BNode()
            g.add((uri, DCTERMS.temporal, period))
            g.add((period, RDF.type, DCTERMS.PeriodOfTime))
            if dataset.temporal_start:
                g.add((period, DCAT.startDate, Literal(dataset.temporal_start.isoformat(), datatype=XSD.date)))
            if dataset.temporal_end:
                g.add((period, DCAT.endDate, Literal(dataset.temporal_end.isoformat(), datatype=XSD.date)))
        issued = dataset.published_at or dataset.created_at
        modified = dataset.modified_at or dataset.updated_at
        if issued:
            g.add((uri, DCTERMS.issued, Literal(issued.isoformat(), datatype=XSD.dateTime)))
        if modified:
            g.add((uri, DCTERMS.modified, Literal(modified.isoformat(), datatype=XSD.dateTime)))
        g.add((uri, DCAT.landingPage, page))
        if dataset.version:
            g.add((uri, OWL.versionInfo, Literal(str(dataset.version))))
        for resource in dataset.resources.all():
            g.add((uri, DCAT.distribution, self.distribution(dataset, resource)))
        return uri

    def distribution(self, dataset: Dataset, resource: Resource) -> URIRef:
        g = self.graph
        page = self.url(reverse("datasets:resource", args=[dataset.name, resource.pk]))
        uri = URIRef(page + "#distribution")
        download = URIRef(self.url(reverse("datasets:download", args=[dataset.name, resource.pk])))
        g.add((uri, RDF.type, DCAT.Distribution))
        g.add((uri, DCTERMS.identifier, Literal(str(resource.pk))))
        g.add((uri, DCTERMS.title, Literal(resource.title, lang=settings.LANGUAGE_CODE)))
        g.add((uri, DCAT.accessURL, download))
        # A linked file is downloaded from where it is; an upload through this site.
        g.add((uri, DCAT.downloadURL, URIRef(resource.url) if not resource.is_upload and resource.url else download))
        if resource.format in FORMATS:
            file_type, media_type = FORMATS[resource.format]
            g.add((uri, DCTERMS["format"], FILE_TYPE[file_type]))
            g.add((uri, DCAT.mediaType, URIRef(IANA + media_type)))
        if dataset.licence in LICENCES:
            licence = URIRef(LICENCES[dataset.licence])
            g.add((uri, DCTERMS.license, licence))
            g.add((licence, RDF.type, DCTERMS.LicenseDocument))
        if resource.size is not None:
            g.add((uri, DCAT.byteSize, Literal(str(resource.size), datatype=XSD.nonNegativeInteger)))
        if resource.sha256:
            checksum = BNode()
            g.add((uri, SPDX.checksum, checksum))
            g.add((checksum, RDF.type, SPDX.Checksum))
            g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
            g.add((checksum, SPDX.checksumValue, Literal(resource.sha256, datatype=XSD.hexBinary)))
        issued, modified = resource.created_at, resource.updated_at
        if issued:
            g.add((uri, DCTERMS.issued, Literal(issued.isoformat(), datatype=XSD.dateTime)))
        if modified:
            g.add((uri, DCTERMS.modified, Literal(modified.isoformat(), datatype=XSD.dateTime)))
        return uri


def catalog_uri(request: Any | None = None) -> URIRef:
    return URIRef(site_url(request) + reverse("datasets:index") + "#catalog")


def catalog_graph(request: Any | None = None, datasets: Iterable[Dataset] | None = None) -> Graph:
    """The whole public catalogue: a dcat:Catalog and every published dataset it lists.

    *datasets* defaults to :func:`public_datasets`; URIs are on the address *request* uses, else
    ``SITE_URL``."""
    base = site_url(request)
    graph = _graph()
    builder = _Builder(graph, base)
    catalog = catalog_uri(request)
    homepage = URIRef(base + reverse("datasets:index"))
    graph.add((catalog, RDF.type, DCAT.Catalog))
    titles = {code: f"{settings.PLATFORM_NAME}: {text}" for code, text in _translated("Open data").items()}
    _texts(graph, catalog, DCTERMS.title, titles)
    _texts(
        graph,
        catalog,
        DCTERMS.description,
        _translated("Data published by public agencies, free to use under an open licence."),
    )
    platform = URIRef(base + "/#publisher")
    graph.add((platform, RDF.type, FOAF.Agent))
    graph.add((platform, RDF.type, FOAF.Organization))
    graph.add((platform, FOAF.name, Literal(settings.PLATFORM_NAME)))
    graph.add((platform, FOAF.homepage, URIRef(base + "/")))
    graph.add((catalog, DCTERMS.publisher, platform))
    graph.add((catalog, FOAF.homepage, homepage))
    for code, _name in settings.LANGUAGES:
        if code in LANGUAGES:
            graph.add((catalog, DCTERMS.language, LANGUAGE[LANGUAGES[code]]))
    latest = None
    for dataset in public_datasets(getattr(request, "user", None)) if datasets is None else datasets:
        graph.add((catalog, DCAT.dataset, builder.dataset(dataset)))
        if dataset.modified_at and (latest is None or dataset.modified_at > latest):
            latest = dataset.modified_at
    if latest:
        graph.add((catalog, DCTERMS.modified, Literal(latest.isoformat(), datatype=XSD.dateTime)))
    return graph


def dataset_graph(dataset: Dataset, request: Any | None = None) -> Graph:
    """One dataset (already checked against the policy) with its distributions, publisher and
    contact point."""
    graph = _graph()
    _Builder(graph, site_url(request)).dataset(dataset)
    return graph


def serialize(graph: Graph, fmt: str) -> tuple[bytes, str]:
    """*graph* as ``"json-ld"`` (with :data:`CONTEXT`) or ``"turtle"``: (bytes, content type)."""
    if fmt == "json-ld":
        data = graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True, encoding="utf-8")
        return data, JSONLD_CONTENT_TYPE
    return graph.serialize(format="turtle", encoding="utf-8"), TURTLE_CONTENT_TYPE
