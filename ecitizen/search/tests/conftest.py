"""Search fixtures: findable things of each kind, made the way their apps make them."""

from __future__ import annotations

import pytest

from ecitizen.search.registry import IndexedProvider, providers


@pytest.fixture(autouse=True)
def _fresh_indexes():
    """Each test builds its indexes from its own data (the fingerprints would see it anyway)."""
    for provider in providers():
        if isinstance(provider, IndexedProvider):
            provider.forget()
    yield


@pytest.fixture
def make_service(admin_a, agency_a):
    from ecitizen.catalogue.models import Category
    from ecitizen.catalogue.services import service_create, service_form_update, service_publish
    from ecitizen.catalogue.tests.conftest import PARKING_FORM

    category, _ = Category.objects.get_or_create(
        slug="parking-and-roads", defaults={"name": {"en": "Parking and roads", "fr": "Stationnement et routes"}}
    )

    def make(slug: str, title: dict, summary: dict | None = None, *, fee: int = 0):
        service = service_create(
            actor=admin_a,
            agency=agency_a,
            data={
                "slug": slug,
                "title": title,
                "summary": summary or {},
                "description": {},
                "documents_required": {},
                "category": category,
                "life_events": [],
                "identity_level": "basic",
                "fee_amount": fee,
                "fee_currency": "GBP",
                "deadline_working_days": 10,
                "issues": "permit",
                "validity_days": 365,
            },
        )
        service = service_form_update(actor=admin_a, service=service, form=PARKING_FORM)
        service_publish(actor=admin_a, service=service)
        return service

    return make


@pytest.fixture
def pothole(agency_a):
    from ecitizen.reports.models import Category

    return Category.objects.create(
        agency=agency_a,
        code="pothole",
        name={"en": "Pot-hole", "es": "Bache", "fr": "Nid-de-poule", "ar": "حفرة في الطريق"},
        guidance={"en": "Tell us how deep it is.", "es": "Indique qué profundidad tiene."},
        group={"en": "Roads", "es": "Carreteras", "fr": "Routes", "ar": "الطرق"},
    )


@pytest.fixture
def property_tax(agency_a):
    from ecitizen.payments.models import Tax

    return Tax.objects.create(
        agency=agency_a,
        code="property-tax",
        name={
            "en": "Property tax",
            "es": "Impuesto sobre bienes inmuebles",
            "fr": "Taxe foncière",
            "ar": "ضريبة العقارات",
        },
        rate_basis_points=120,
    )
