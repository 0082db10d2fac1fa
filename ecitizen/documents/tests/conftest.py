"""Fixtures that build on each other: a service version -> an approved application -> an issued document."""

from __future__ import annotations

import base64
import re
import zlib

import pytest

SNAPSHOT = {
    "title": {"en": "Street trading permit", "fr": "Permis de commerce de rue"},
    "summary": {"en": "Sell goods from a stall on a public street.", "fr": "Vendre depuis un étal."},
    "issues": "permit",
    "validity_days": 365,
    "agency": {"name": "City Council", "code": "CC"},
}


@pytest.fixture
def make_version(db, agency_a):
    from ecitizen.catalogue.models import Category, Service, ServiceVersion

    category = Category.objects.create(slug="trading", name={"en": "Trading"})

    def make(agency=None, **overrides):
        agency = agency or agency_a
        snapshot = {**SNAPSHOT, **overrides}
        service = Service.objects.create(
            agency=agency,
            slug=f"street-trading-{Service.objects.count()}",
            category=category,
            title=snapshot["title"],
            issues=snapshot["issues"],
            validity_days=snapshot["validity_days"],
            status="published",
        )
        return ServiceVersion.objects.create(service=service, number=1, snapshot=snapshot)

    return make


@pytest.fixture
def make_application(make_version, citizen):
    from ecitizen.cases.models import Application, Status

    def make(reference="CC-2026-000123", *, status=Status.APPROVED, version=None, holder=None):
        version = version or make_version()
        return Application.objects.create(
            reference=reference,
            citizen=holder or citizen,
            agency=version.service.agency,
            service_version=version,
            status=status,
        )

    return make


@pytest.fixture
def application(make_application):
    return make_application()


@pytest.fixture
def document(caseworker_a, application):
    from ecitizen.documents.services import document_issue

    return document_issue(actor=caseworker_a, application=application)


def pdf_text(data: bytes) -> bytes:
    """The PDF's bytes with its content streams decoded (ASCII85 then Flate), to search for text."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        raw = match.group(1).strip()
        try:
            parts.append(zlib.decompress(base64.a85decode(raw, adobe=True)))
        except (ValueError, zlib.error):
            try:
                parts.append(zlib.decompress(raw))
            except zlib.error:
                continue
    return b"\n".join(parts)
