"""Catalogue fixtures: a category, a life event, and a parking permit service as a draft and published.

They build on each other (after Saleor's): ``draft_service`` → ``published_service``.
"""

from __future__ import annotations

import pytest

PARKING_FORM = {
    "pages": [
        {
            "id": "vehicle",
            "title": {"en": "Your vehicle", "es": "Su vehículo"},
            "questions": [
                {
                    "id": "registration",
                    "type": "text",
                    "label": {"en": "Registration number", "es": "Matrícula"},
                    "pattern": "^[A-Za-z0-9 ]{2,8}$",
                },
                {"id": "electric", "type": "yes_no", "label": {"en": "Is it electric?"}},
            ],
        },
        {
            "id": "charging",
            "title": {"en": "Charging"},
            "questions": [
                {
                    "id": "charger",
                    "type": "text",
                    "label": {"en": "Charger type"},
                    "condition": {"question": "electric", "equals": "yes"},
                }
            ],
        },
    ]
}


@pytest.fixture
def category(db):
    from ecitizen.catalogue.models import Category

    return Category.objects.create(
        slug="parking-and-roads", name={"en": "Parking and roads", "es": "Aparcamiento y carreteras"}
    )


@pytest.fixture
def other_category(db):
    from ecitizen.catalogue.models import Category

    return Category.objects.create(slug="transport", name={"en": "Transport", "es": "Transporte"})


@pytest.fixture
def moving_house(db):
    from ecitizen.catalogue.models import LifeEvent

    return LifeEvent.objects.create(slug="moving-house", name={"en": "Moving house", "es": "Mudarse de casa"})


@pytest.fixture
def service_data(category, moving_house):
    return {
        "title": {"en": "Apply for a resident parking permit", "es": "Solicitar un permiso de aparcamiento"},
        "summary": {"en": "Park near your home.", "es": "Aparque cerca de su casa."},
        "description": {"en": "One permit per vehicle."},
        "documents_required": {"en": "Your registration number"},
        "category": category,
        "life_events": [moving_house],
        "identity_level": "verified",
        "fee_amount": 3000,
        "fee_currency": "GBP",
        "deadline_working_days": 10,
        "issues": "permit",
        "validity_days": 365,
    }


@pytest.fixture
def draft_service(admin_a, agency_a, service_data):
    from ecitizen.catalogue.services import service_create, service_form_update

    service = service_create(actor=admin_a, agency=agency_a, data=service_data)
    return service_form_update(actor=admin_a, service=service, form=PARKING_FORM)


@pytest.fixture
def published_service(admin_a, draft_service):
    from ecitizen.catalogue.services import service_publish

    service_publish(actor=admin_a, service=draft_service)
    return draft_service


@pytest.fixture
def admin_b(make_user, with_mfa, agency_b):
    from ecitizen.agencies.models import Membership

    user = make_user("admin@transport.example")
    Membership.objects.create(user=user, agency=agency_b, role="agency_admin")
    with_mfa(user)
    return user
