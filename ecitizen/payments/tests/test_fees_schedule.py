"""The public fee schedule: every fee and tax the public can be charged, in plain words."""

from __future__ import annotations

import pytest
from django.utils import translation

from ecitizen.catalogue.models import Service, ServiceStatus
from ecitizen.core.i18n import pick
from ecitizen.core.money import format_money
from ecitizen.payments.models import Tax
from ecitizen.payments.taxes import rate_text, tax_save

pytestmark = pytest.mark.django_db

FORM = {
    "pages": [
        {
            "id": "about",
            "title": {"en": "About you"},
            "questions": [{"id": "name", "type": "text", "label": {"en": "Name"}}],
        }
    ]
}


@pytest.fixture
def publish(admin_a):
    from ecitizen.catalogue.models import Category
    from ecitizen.catalogue.services import service_create, service_form_update, service_publish

    category = Category.objects.create(slug="permits", name={"en": "Permits"})

    def make(agency, title: dict, fee: int, *, published: bool = True, currency: str = "GBP") -> Service:
        service = service_create(
            actor=admin_a,
            agency=agency,
            data={
                "title": title,
                "category": category,
                "identity_level": "basic",
                "fee_amount": fee,
                "fee_currency": currency,
                "deadline_working_days": 10,
                "issues": "permit",
                "validity_days": 365,
            },
        )
        service = service_form_update(actor=admin_a, service=service, form=FORM)
        if published:
            service_publish(actor=admin_a, service=service)
        return service

    return make


@pytest.fixture
def charges(publish, admin_a, agency_a, agency_b):
    publish(agency_a, {"en": "Apply for a resident parking permit", "es": "Permiso de aparcamiento"}, 3000)
    publish(agency_a, {"en": "Register a street party"}, 0)
    publish(agency_b, {"en": "Renew a taxi licence"}, 12550)
    publish(agency_b, {"en": "Book a driving test abroad"}, 9900, currency="EUR")
    publish(agency_a, {"en": "A service still being written"}, 4200, published=False)
    base = {"currency": "GBP", "instalments": 2, "first_due_month": 4}
    tax_save(
        actor=admin_a,
        agency=agency_a,
        data={
            **base,
            "name": {"en": "Property tax", "es": "Impuesto sobre bienes inmuebles"},
            "rate_basis_points": 120,
            "penalty_basis_points_per_month": 150,
            "penalty_grace_days": 14,
        },
    )
    tax_save(
        actor=admin_a,
        agency=agency_a,
        data={**base, "name": {"en": "Garden waste levy"}, "rate_basis_points": 5, "penalty_basis_points_per_month": 0,
              "penalty_grace_days": 0, "instalments": 1, "first_due_month": 6},
    )  # fmt: skip
    tax_save(
        actor=admin_a,
        agency=agency_a,
        data={**base, "name": {"en": "Abolished window tax"}, "rate_basis_points": 300, "is_active": False,
              "penalty_basis_points_per_month": 0, "penalty_grace_days": 0},
    )  # fmt: skip


def test_anyone_can_read_the_fee_schedule(client, charges):
    response = client.get("/fees/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "No charge appears at payment that is not on this page." in page
    assert "The platform adds no card fee" in page


def test_every_published_fee_and_every_active_tax_in_the_database_is_on_it(client, charges):
    page = client.get("/fees/").content.decode()

    services = Service.objects.filter(status=ServiceStatus.PUBLISHED).select_related("current_version", "agency")
    assert services.count() == 4
    for service in services:
        snapshot = service.current_version.snapshot
        fee = snapshot["fee"]
        shown = format_money(fee["amount"], fee["currency"]) if fee["amount"] else "No fee"
        assert pick(snapshot["title"]) in page
        assert shown in page, (service.slug, shown)
        assert service.agency.name in page
    for tax in Tax.objects.filter(is_active=True):
        assert pick(tax.name) in page
        assert f"{rate_text(tax.rate_basis_points)} of the assessed value each year" in page
    # what the public cannot be charged is not there
    assert "A service still being written" not in page
    assert "Abolished window tax" not in page


def test_taxes_are_explained_in_plain_words(client, charges):
    page = client.get("/fees/").content.decode()

    assert "1.20% of the assessed value each year, in GBP." in page
    assert "In 2 monthly instalments, due on:" in page and "1 April, 1 May." in page
    assert (
        "If an instalment is still unpaid 14 days after its due date, a penalty of 1.50% of the instalment's "
        "tax is added for each whole month since the due date." in page
    )
    assert "The penalty is never charged on a penalty." in page
    # the levy: one payment, no penalty
    assert "In one payment, due on 1 June." in page
    assert "There is no penalty for paying late." in page


def test_the_schedule_is_grouped_by_agency(client, charges):
    page = client.get("/fees/").content.decode()

    council, transport = page.index("City Council</h2>"), page.index("Transport Agency</h2>")
    assert council < page.index("Property tax") < transport < page.index("Renew a taxi licence")


def test_the_schedule_in_spanish_writes_amounts_the_spanish_way(client, charges):
    with translation.override("es"):
        page = client.get("/fees/", HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Permiso de aparcamiento" in page and "30,00\u00a0GBP" in page
    assert "Impuesto sobre bienes inmuebles" in page and "1,20" in page  # the rate, Spanish style


def test_with_nothing_charged_the_schedule_says_so(client):
    assert "No fees or taxes are charged at the moment." in client.get("/fees/").content.decode()
