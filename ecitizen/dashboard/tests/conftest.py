"""A citizen with one of everything the dashboard shows, made through the apps' own services.

Dates are relative to now: the permit, issued 321 days ago for a year, runs out within the
dashboard's 60 days, and the bill is due in ten. Unit tests pin now to ``TODAY`` (``clock``).
"""

from __future__ import annotations

import datetime
import uuid

import pytest
import time_machine

TODAY = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC)
ISSUED_DAYS_AGO = 321  # a permit valid for 365 days runs out 44 days after TODAY
BILL_DUE_IN_DAYS = 10


@pytest.fixture
def clock():
    with time_machine.travel(TODAY, tick=False) as traveller:
        yield traveller


def _submit(citizen, version):
    from ecitizen.cases import services as cases

    draft = cases.application_start(citizen=citizen, service_version=version, start_token=uuid.uuid4())
    cases.application_save_page(
        citizen=citizen, application=draft, page_id="vehicle", answers={"registration": "AB12 CDE", "moved": "no"}
    )
    return cases.application_submit(citizen=citizen, application=draft, declaration=True)


def make_life(*, person, agency, caseworker, versions, pothole, label: str) -> dict:
    """One of each dashboard item for *person*; *label* makes their texts recognisable."""
    from django.utils import timezone

    from ecitizen.cases import services as cases
    from ecitizen.documents.models import IssuedDocument
    from ecitizen.notifications.services import notify
    from ecitizen.payments.models import LineKind
    from ecitizen.payments.services import bill_create
    from ecitizen.reports import alerts
    from ecitizen.reports.services import report_create

    permit, other = versions
    with time_machine.travel(timezone.now() - datetime.timedelta(days=ISSUED_DAYS_AGO), tick=False):
        approved = _submit(person, permit)
        approved = cases.case_assign(
            actor=caseworker, application=approved, assignee=caseworker, expected_version=approved.version
        )
        approved = cases.case_approve(actor=caseworker, application=approved, expected_version=approved.version)
    document = IssuedDocument.objects.get(application=approved)
    asked = _submit(person, permit)
    asked = cases.case_request_info(
        actor=caseworker, application=asked, message=f"Send a utility bill ({label})", expected_version=asked.version
    )
    in_review = _submit(person, other)
    draft = cases.application_start(citizen=person, service_version=other, start_token=uuid.uuid4())
    bill = bill_create(
        actor=None,
        agency=agency,
        payer=person,
        currency="GBP",
        lines=[(LineKind.FEE, {"en": f"Garden waste {label}"}, 4500)],
        description={"en": f"Garden waste {label}"},
        due_date=timezone.localdate() + datetime.timedelta(days=BILL_DUE_IN_DAYS),
    )
    made = report_create(
        actor=person,
        service_code=pothole.code,
        latitude=52.03,
        longitude=0.01,
        title=f"Pot-hole made by {label}",
        description="Deep.",
        answers={"depth": "deep"},
    )
    notify(
        user=person,
        subject_template="notifications/email/case_update_subject.txt",
        body_template="notifications/email/case_update_body.txt",
        context={
            "reference": f"MSG-{label}",
            "service_title": {"en": "Permit"},
            "status_label": "Approved",
            "message": "",
        },
        url="/applications/",
    )
    return {
        "document": document,
        "asked": asked,
        "in_review": in_review,
        "draft": draft,
        "bill": bill,
        "made": made,
        "follow": lambda report: alerts.alert_subscribe(actor=person, kind="report", email=person.email, report=report),
    }


@pytest.fixture
def versions(agency_a):
    return make_versions(agency_a)


def make_versions(agency_a):
    """A permit in "Moving house", and a second service of the same life event (to be suggested
    once the permit is used), plus a third that shares nothing."""
    from ecitizen.cases.tests.conftest import make_version
    from ecitizen.catalogue.models import LifeEvent

    moving = LifeEvent.objects.create(slug="moving-house", name={"en": "Moving house"})
    permit = make_version(agency_a, identity_level="basic")
    other = make_version(agency_a, slug="garden-waste", identity_level="basic")
    other.service.title = {"en": "Garden waste collection"}
    other.service.save(update_fields=["title"])
    other.snapshot["title"] = {"en": "Garden waste collection"}
    other.save(update_fields=["snapshot"])
    visitor = make_version(agency_a, slug="visitor-permit", identity_level="basic")
    visitor.snapshot["title"] = {"en": "Visitor parking permit"}
    visitor.save(update_fields=["snapshot"])
    permit.service.life_events.add(moving)
    visitor.service.life_events.add(moving)
    return permit, other, visitor


@pytest.fixture
def pothole(agency_a):
    return make_pothole(agency_a)


def make_pothole(agency_a):
    from ecitizen.reports.models import Category
    from ecitizen.reports.tests.conftest import make_area, square

    make_area(agency_a, "Old Town", square(0.000, 52.020, 0.020, 52.040))
    return Category.objects.create(
        agency=agency_a,
        code="pothole",
        name={"en": "Pot-hole"},
        response_days=5,
        questions=[
            {
                "code": "depth",
                "label": {"en": "How deep?"},
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "deep", "name": {"en": "Deep"}}],
            }
        ],
    )


@pytest.fixture
def amina_life(clock, citizen, agency_a, caseworker_a, versions, pothole):
    return make_life(
        person=citizen, agency=agency_a, caseworker=caseworker_a, versions=versions[:2], pothole=pothole, label="Amina"
    )


@pytest.fixture
def ben_life(clock, other_citizen, agency_a, caseworker_a, versions, pothole):
    return make_life(
        person=other_citizen,
        agency=agency_a,
        caseworker=caseworker_a,
        versions=versions[:2],
        pothole=pothole,
        label="Ben",
    )
