"""The citizen's side of an application, through the pages, as a person uses them."""

import re
import uuid

import pytest

from ecitizen.cases.models import Application, EventKind, Status
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db


def test_whole_journey_start_to_confirmation(client, verified_citizen, permit_version):
    client.force_login(verified_citizen)
    # given the service start step
    token = str(uuid.uuid4())
    # when the citizen double-clicks "Start"
    first = client.post("/applications/start/parking-permit/", {"start_token": token})
    second = client.post("/applications/start/parking-permit/", {"start_token": token})
    # then one draft exists and both land on its first page
    assert Application.objects.count() == 1
    application = Application.objects.get()
    assert first["Location"] == second["Location"] == f"/applications/{application.pk}/questions/vehicle/"
    # prefill from the profile (once-only)
    assert application.answers == {"name": "Amina Haddad"}

    bad = client.post(first["Location"], {"registration": "!!", "moved": ""})
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "govuk-error-summary" in body and "Enter a registration number like AB12 CDE" in body
    assert "Select yes or no" in body

    # answering "no" skips the conditional proof page
    response = client.post(first["Location"], {"registration": "AB12 CDE", "moved": "no"})
    assert response["Location"] == f"/applications/{application.pk}/questions/about/"
    response = client.post(response["Location"], {"name": "Amina Haddad"})
    assert response["Location"] == f"/applications/{application.pk}/check/"

    check = client.get(response["Location"]).content.decode()
    assert "AB12 CDE" in check and "No fee" in check
    assert "Upload a utility bill" not in check

    no_declaration = client.post(f"/applications/{application.pk}/check/", {})
    assert "Confirm that the information you have given is correct" in no_declaration.content.decode()

    sent = client.post(f"/applications/{application.pk}/check/", {"declaration": "on"})
    again = client.post(f"/applications/{application.pk}/check/", {"declaration": "on"})
    assert sent["Location"] == f"/applications/{application.pk}/confirmation/"
    assert again["Location"] == f"/applications/{application.pk}/"  # already sent: no second submission
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert re.fullmatch(r"CC-\d{4}-000001", application.reference)
    confirmation = client.get(sent["Location"]).content.decode()
    assert application.reference in confirmation
    assert AuditLog.objects.filter(action=AuditAction.APPLICATION_SUBMITTED).count() == 1
    assert list(application.events.values_list("kind", flat=True)) == [EventKind.SUBMITTED]


def test_save_and_come_back_later(client, verified_citizen, permit_version):
    client.force_login(verified_citizen)
    start = client.post("/applications/start/parking-permit/", {"start_token": str(uuid.uuid4())})
    response = client.post(start["Location"], {"registration": "XY1", "moved": "yes", "save_and_exit": "1"})
    assert response["Location"] == "/applications/"
    listing = client.get("/applications/").content.decode()
    assert "Apply for a resident parking permit" in listing and "Draft" in listing
    application = Application.objects.get()
    assert application.answers["registration"] == "XY1"
    # answering "yes" makes the proof page appear and required
    check = client.get(f"/applications/{application.pk}/check/").content.decode()
    assert "Upload a utility bill" in check


def test_basic_citizen_cannot_start_a_verified_service(client, citizen, permit_version):
    client.force_login(citizen)
    page = client.get("/applications/start/parking-permit/")
    assert "You need to verify your identity" in page.content.decode()
    client.post("/applications/start/parking-permit/", {"start_token": str(uuid.uuid4())})
    assert not Application.objects.exists()


def test_hidden_answers_are_not_submitted(verified_citizen, permit_version):
    from ecitizen.cases import services

    app = services.application_start(citizen=verified_citizen, service_version=permit_version, start_token=uuid.uuid4())
    services.application_save_page(
        citizen=verified_citizen,
        application=app,
        page_id="vehicle",
        answers={"registration": "AB1", "moved": "no", "proof_file": [99]},
    )
    app = services.application_submit(citizen=verified_citizen, application=app, declaration=True)
    assert "proof_file" not in app.answers


@pytest.mark.parametrize(
    ("sent_at", "due"),
    [
        # Wednesday 2 December 2026: Thu 3, Fri 4, Mon 7 … Fri 11, Mon 14, Tue 15, Wed 16
        ("2026-12-02T10:00:00+00:00", "2026-12-16"),
        # Sunday 6 December 2026 (a weekend day is not counted): Mon 7 … Fri 11, Mon 14 … Fri 18
        ("2026-12-06T10:00:00+00:00", "2026-12-18"),
        # Monday 7 June 2027 at 00:30 in London is still Sunday in UTC: the local day counts (Tue 8 … Mon 21)
        ("2027-06-07T00:30:00+01:00", "2027-06-21"),
    ],
)
def test_due_date_counts_working_days(verified_citizen, permit_version, settings, sent_at, due):
    import datetime

    import time_machine

    from ecitizen.cases import services

    settings.TIME_ZONE, settings.HOLIDAYS_COUNTRY, settings.HOLIDAYS_SUBDIVISION = "Europe/London", "GB", "ENG"
    with time_machine.travel(datetime.datetime.fromisoformat(sent_at), tick=False):
        app = services.application_start(
            citizen=verified_citizen, service_version=permit_version, start_token=uuid.uuid4()
        )
        services.application_save_page(
            citizen=verified_citizen, application=app, page_id="vehicle", answers={"registration": "AB1", "moved": "no"}
        )
        app = services.application_submit(citizen=verified_citizen, application=app, declaration=True)
    assert app.due_date == datetime.date.fromisoformat(due)
    assert app.reference.startswith(f"CC-{sent_at[:4]}-")


def test_status_page_timeline_and_withdraw(client, submitted):
    client.force_login(submitted.citizen)
    page = client.get(f"/applications/{submitted.pk}/").content.decode()
    assert submitted.reference in page and "Application submitted" in page
    status = client.get(f"/applications/{submitted.pk}/status.json").json()
    assert status == {"status": "submitted", "label": "Submitted", "version": submitted.version}
    assert client.get(f"/applications/{submitted.pk}/withdraw/").status_code == 200
    client.post(f"/applications/{submitted.pk}/withdraw/")
    submitted.refresh_from_db()
    assert submitted.status == Status.WITHDRAWN
    assert client.get(f"/applications/{submitted.pk}/status.json").json()["status"] == "withdrawn"


def test_other_citizen_gets_404_everywhere(client, submitted, other_citizen):
    client.force_login(other_citizen)
    for path in ["", "status.json", "check/", "confirmation/", "withdraw/", "questions/vehicle/"]:
        assert client.get(f"/applications/{submitted.pk}/{path}").status_code == 404, path
    assert client.post(f"/applications/{submitted.pk}/withdraw/").status_code == 404
    assert client.post(f"/applications/{submitted.pk}/respond/", {"response": "x"}).status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_a_fee_makes_the_case_wait_for_payment(verified_citizen, agency_a, caseworker_a, client):
    from ecitizen.cases import services
    from ecitizen.cases.tests.conftest import make_version

    version = make_version(agency_a, slug="paid-permit", fee=3000)
    app = services.application_start(citizen=verified_citizen, service_version=version, start_token=uuid.uuid4())
    services.application_save_page(
        citizen=verified_citizen, application=app, page_id="vehicle", answers={"registration": "AB1", "moved": "no"}
    )
    app = services.application_submit(citizen=verified_citizen, application=app, declaration=True)
    # then a bill exists and the case waits, outside the caseworkers' open queue
    assert app.status == Status.AWAITING_PAYMENT and app.due_date is None
    assert (app.bill.total, app.bill.currency, app.bill.payer) == (3000, "GBP", verified_citizen)
    client.force_login(caseworker_a)
    assert list(client.get("/staff/cases/").context["page"]) == []
    # when the fee is paid the clock starts and the case is in the queue
    app = services.application_payment_received(application=app)
    assert app.status == Status.SUBMITTED and app.due_date is not None
    assert [a.pk for a in client.get("/staff/cases/").context["page"]] == [app.pk]
    assert services.application_payment_received(application=app).version == app.version  # idempotent
