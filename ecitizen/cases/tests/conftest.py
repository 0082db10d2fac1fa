import datetime
import itertools

import pytest
from django.utils import timezone

PERMIT_FORM = {
    "pages": [
        {
            "id": "vehicle",
            "title": {"en": "Your vehicle", "es": "Su vehículo"},
            "questions": [
                {
                    "id": "registration",
                    "type": "text",
                    "label": {"en": "Registration number"},
                    "required": True,
                    "pattern": "^[A-Za-z0-9 ]{2,8}$",
                    "pattern_message": {"en": "Enter a registration number like AB12 CDE"},
                },
                {"id": "moved", "type": "yes_no", "label": {"en": "Have you moved in the last 3 months?"}},
            ],
        },
        {
            "id": "proof",
            "title": {"en": "Proof of address"},
            "questions": [
                {
                    "id": "proof_file",
                    "type": "file",
                    "label": {"en": "Upload a utility bill"},
                    "condition": {"question": "moved", "equals": "yes"},
                }
            ],
        },
        {
            "id": "about",
            "title": {"en": "About you"},
            "questions": [{"id": "name", "type": "text", "label": {"en": "Full name"}, "prefill": "full_name"}],
        },
    ]
}


def make_version(agency, *, slug="parking-permit", identity_level="verified", form=None, deadline=10, fee=0):
    from ecitizen.catalogue.models import Category, Service, ServiceVersion

    category, _ = Category.objects.get_or_create(slug="parking", defaults={"name": {"en": "Parking"}})
    service = Service.objects.create(
        agency=agency,
        slug=slug,
        category=category,
        title={"en": "Apply for a resident parking permit", "es": "Solicitar un permiso de aparcamiento"},
        identity_level=identity_level,
        fee_amount=fee,
        deadline_working_days=deadline,
        issues="permit",
        validity_days=365,
        form=form or PERMIT_FORM,
        status="published",
    )
    snapshot = {
        "slug": slug,
        "title": service.title,
        "summary": {"en": "Park near your home."},
        "description": {},
        "documents_required": {},
        "identity_level": identity_level,
        "fee": {"amount": fee, "currency": "GBP"},
        "deadline_working_days": deadline,
        "issues": "permit",
        "validity_days": 365,
        "form": form or PERMIT_FORM,
        "agency": {"id": agency.pk, "name": agency.name, "code": agency.code},
        "category": "parking",
    }
    version = ServiceVersion.objects.create(service=service, number=1, snapshot=snapshot)
    service.current_version = version
    service.save(update_fields=["current_version"])
    return version


@pytest.fixture
def permit_version(agency_a):
    return make_version(agency_a)


@pytest.fixture
def verified_citizen(citizen, verify_identity):
    return verify_identity(citizen)


@pytest.fixture
def submitted(verified_citizen, permit_version):
    """A submitted application of the verified citizen to agency A's permit service."""
    return submit_permit_application(verified_citizen, permit_version)


def submit_permit_application(citizen, version):
    """Start, fill in and send an application to a permit-shaped *version* (the "vehicle" page)."""
    import uuid

    from ecitizen.cases import services

    application = services.application_start(citizen=citizen, service_version=version, start_token=uuid.uuid4())
    services.application_save_page(
        citizen=citizen,
        application=application,
        page_id="vehicle",
        answers={"registration": "AB12 CDE", "moved": "no"},
    )
    return services.application_submit(citizen=citizen, application=application, declaration=True)


_references = itertools.count(1)


def add_sent_applications(version, citizen, n, *, status=None):
    """*n* applications of *citizen* to *version* (sent, unless *status* says otherwise), made
    straight in the table for tests of lists and counts, where the journey does not matter."""
    from ecitizen.cases.models import Application, Status

    return [
        Application.objects.create(
            reference=f"CC-2026-{next(_references):06d}",
            citizen=citizen,
            agency=version.service.agency,
            service_version=version,
            status=status or Status.SUBMITTED,
            submitted_at=timezone.now(),
            due_date=timezone.localdate() + datetime.timedelta(days=5),
        )
        for _ in range(n)
    ]
