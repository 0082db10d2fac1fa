"""Fixtures of service feedback: completed transactions of each kind, made through their services."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.utils import timezone

from ecitizen.cases.tests.conftest import make_version, submit_permit_application


@pytest.fixture
def verified_citizen(citizen, verify_identity):
    return verify_identity(citizen)


@pytest.fixture
def permit_version(agency_a):
    return make_version(agency_a, slug="parking-permit")


@pytest.fixture
def submitted(verified_citizen, permit_version):
    """Amina's application to agency A's permit service, sent."""
    return submit_permit_application(verified_citizen, permit_version)


@pytest.fixture
def make_bill(agency_a, citizen):
    from ecitizen.payments.models import LineKind
    from ecitizen.payments.services import bill_create

    def make(amount: int = 3000, payer=None):
        return bill_create(
            actor=None,
            agency=agency_a,
            payer=payer or citizen,
            currency="GBP",
            lines=[(LineKind.FEE, {"en": "Permit"}, amount)],
            description={"en": "Permit"},
            due_date=timezone.localdate() + datetime.timedelta(days=30),
        )

    return make


@pytest.fixture
def paid(make_bill, citizen, django_capture_on_commit_callbacks):
    """Amina's successful card payment of a bill without a service (as a tax bill is)."""
    from ecitizen.payments.providers import sandbox
    from ecitizen.payments.services import payment_create

    payment = payment_create(payer=citizen, bill=make_bill(), idempotency_key=uuid.uuid4().hex)
    with django_capture_on_commit_callbacks(execute=True):
        sandbox.submit_card(provider_id=payment.provider_id, card_number="4444333322221111")
    payment.refresh_from_db()
    assert payment.status == "success"
    return payment


@pytest.fixture
def counter_paid(make_bill, caseworker_a):
    from ecitizen.payments.services import counter_payment_record

    return counter_payment_record(actor=caseworker_a, bill=make_bill(), method="cash", amount=3000)


@pytest.fixture
def pothole(agency_a):
    from ecitizen.reports.models import Category
    from ecitizen.reports.tests.conftest import make_area, square

    make_area(agency_a, "Old Town", square(0.000, 52.020, 0.020, 52.040))
    return Category.objects.create(agency=agency_a, code="pothole", name={"en": "Pot-hole"}, response_days=5)


@pytest.fixture
def make_report(citizen, pothole):
    from ecitizen.reports.services import report_create

    def make(**overrides):
        values = {
            "actor": citizen,
            "service_code": "pothole",
            "latitude": 52.030,
            "longitude": 0.005,
            "title": "Deep pot-hole",
            "description": "A deep pot-hole by the bus stop.",
            "answers": {},
        }
        values.update(overrides)
        return report_create(**values)

    return make


@pytest.fixture
def fixed_report(make_report, caseworker_a):
    from ecitizen.reports.services import report_set_status

    report = make_report()
    return report_set_status(actor=caseworker_a, report=report, status="fixed", public_note="Filled in.")


@pytest.fixture
def issued(submitted, caseworker_a):
    """A permit issued to Amina when her application is approved."""
    from ecitizen.cases.services import case_approve
    from ecitizen.documents.selectors import documents_for_citizen

    application = case_approve(actor=caseworker_a, application=submitted, expected_version=submitted.version)
    return documents_for_citizen(application.citizen).get(application=application)


REPORTER_EMAIL = "sam@example.org"


@pytest.fixture
def anonymous_report(make_report):
    """Sam's report, made without an account and confirmed from the emailed link: open."""
    from django.contrib.auth.models import AnonymousUser

    from ecitizen.reports.services import make_token, report_confirm

    report = make_report(actor=AnonymousUser(), name="Sam Visitor", email=REPORTER_EMAIL)
    return report_confirm(token=make_token("confirm", report.pk))


@pytest.fixture
def closed_anonymous_report(anonymous_report, caseworker_a):
    """Sam's report, fixed by agency A."""
    from ecitizen.reports.services import report_set_status

    return report_set_status(actor=caseworker_a, report=anonymous_report, status="fixed", public_note="Filled in.")
