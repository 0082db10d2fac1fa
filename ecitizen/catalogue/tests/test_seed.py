"""The demo catalogue loads, publishes valid services, and loads again without change."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from ecitizen.agencies.models import Agency
from ecitizen.catalogue.formdef import FormDefinition, validate_definition
from ecitizen.catalogue.models import Category, LifeEvent, Service, ServiceVersion
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_agencies(db):
    for name, code in (("City Council", "CC"), ("Transport Agency", "TA"), ("Civil Registry", "CR")):
        Agency.objects.create(name=name, slug=name.lower().replace(" ", "-"), code=code)


def seed() -> str:
    out = StringIO()
    call_command("seed_services", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_seed_publishes_four_services_and_is_idempotent(demo_agencies):
    first = seed()
    assert len(first.splitlines()) == 4
    assert "Apply for a resident parking permit: published v1" in first
    assert Category.objects.count() == 4 and LifeEvent.objects.count() == 3
    assert ServiceVersion.objects.count() == 4
    assert AuditLog.objects.filter(action=AuditAction.SERVICE_PUBLISHED, actor=None).count() == 4

    second = seed()
    assert "already present (published, v1)" in second
    assert (Service.objects.count(), ServiceVersion.objects.count(), Category.objects.count()) == (4, 4, 4)


def test_seeded_services_match_the_brief(demo_agencies):
    seed()
    parking = Service.objects.get(slug="resident-parking-permit")
    snapshot = parking.current_version.snapshot
    assert (snapshot["agency"]["code"], snapshot["identity_level"], snapshot["fee"]) == (
        "CC",
        "verified",
        {"amount": 3000, "currency": "GBP"},
    )
    assert (snapshot["deadline_working_days"], snapshot["issues"], snapshot["validity_days"]) == (10, "permit", 365)
    assert [e.slug for e in parking.life_events.all()] == ["moving-house"]
    form = FormDefinition.parse(snapshot["form"])
    proof = next(q for q in form.questions if q.id == "proof_of_address")
    assert proof.condition == {"question": "moved_recently", "equals": "yes"}
    assert [p.id for p in form.visible_pages({"moved_recently": "no"})] == ["vehicle", "address", "about_you"]
    types = {
        q.type
        for s in Service.objects.all()
        for q in FormDefinition.parse(s.current_version.snapshot["form"]).questions
    }
    assert types == {"text", "textarea", "number", "date", "yes_no", "choice", "multi_choice", "address"} | {
        "email",
        "phone",
        "file",
    }
    for service in Service.objects.all():
        assert validate_definition(service.form) == []
        assert set(service.title) == set(service.summary) == {"en", "es", "fr", "ar"}


def test_seed_skips_services_whose_agency_is_missing(db):
    out = seed()
    assert out == ""
    assert not Service.objects.exists()
