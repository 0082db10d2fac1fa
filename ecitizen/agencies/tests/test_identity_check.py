import pytest

from ecitizen.accounts.selectors import identity_level_for
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db

DETAILS = {
    "given_name": "Amina",
    "family_name": "Haddad",
    "date_of_birth": "1988-04-12",
    "national_id": "AH-120488-K",
    "document_type": "identity_card",
    "document_reference": "ID998877",
    "confirm": "on",
}


def test_counter_verification_journey(client, caseworker_a, agency_a, citizen, register_person):
    register_person()
    client.force_login(caseworker_a)
    # find the citizen: a staff read of their record, visible to them later
    response = client.post("/staff/identity-check/", {"email": "AMINA@example.org"})
    assert response.status_code == 302
    looked = AuditLog.objects.get(action=AuditAction.STAFF_VIEWED_CITIZEN)
    assert (looked.actor, looked.agency, looked.subject_user, looked.extra) == (
        caseworker_a,
        agency_a,
        citizen,
        {"purpose": "Checking your identity in person", "role": "Caseworker", "purpose_code": "identity_check"},
    )
    from ecitizen.privacy.models import AccessRecord

    assert AccessRecord.objects.get().citizen == citizen
    # record the check
    response = client.post("/staff/identity-check/details/", {**DETAILS, "agency": agency_a.pk})
    assert response.status_code == 302
    assert identity_level_for(citizen) == "verified"
    row = AuditLog.objects.get(action=AuditAction.IDENTITY_VERIFIED)
    assert (row.actor, row.agency, row.subject_user) == (caseworker_a, agency_a, citizen)


def test_unknown_email_gets_a_field_error(client, caseworker_a):
    client.force_login(caseworker_a)
    response = client.post("/staff/identity-check/", {"email": "nobody@example.org"})
    assert response.status_code == 200
    assert "No account uses this email address." in response.content.decode()


def test_missing_confirmation_and_bad_date_are_field_errors(client, caseworker_a, agency_a, citizen):
    client.force_login(caseworker_a)
    client.post("/staff/identity-check/", {"email": citizen.email})
    bad = {**DETAILS, "agency": agency_a.pk, "date_of_birth": "2999-01-01"}
    del bad["confirm"]
    response = client.post("/staff/identity-check/details/", bad)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Confirm that you have checked the original document" in body
    assert "Enter a real date of birth in the past." in body
    assert identity_level_for(citizen) == "basic"


def test_staff_cannot_act_for_an_agency_they_do_not_work_for(client, caseworker_a, agency_b, citizen):
    client.force_login(caseworker_a)
    client.post("/staff/identity-check/", {"email": citizen.email})
    response = client.post("/staff/identity-check/details/", {**DETAILS, "agency": agency_b.pk})
    assert response.status_code == 200
    assert identity_level_for(citizen) == "basic"


@pytest.mark.parametrize("persona", ["citizen", "auditor_a"])
def test_others_cannot_use_the_counter_pages(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/staff/identity-check/").status_code == 403
    assert client.get("/staff/identity-check/details/").status_code == 403
