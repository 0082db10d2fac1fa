"""In-person identity checks: the register decides, never for oneself or a relative, and an ID
bound to another account is refused and flagged for review."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from ecitizen.accounts.models import Profile
from ecitizen.accounts.selectors import identity_level_for
from ecitizen.accounts.services import identity_verify_in_person, identity_verify_with_register
from ecitizen.agencies.conflicts import ConflictOfInterest
from ecitizen.agencies.models import IdentityReview, StaffRelative
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db

AMINA = {
    "given_name": "Amina",
    "family_name": "Haddad",
    "date_of_birth": datetime.date(1988, 4, 12),
    "national_id": "AH-120488-K",
}
FORM = {
    "given_name": "Amina",
    "family_name": "Haddad",
    "date_of_birth": "1988-04-12",
    "national_id": "AH-120488-K",
    "document_type": "identity_card",
    "document_reference": "ID998877",
    "confirm": "on",
}


def _check(actor, agency, user, *, document_only=False, **overrides):
    return identity_verify_in_person(
        actor=actor,
        agency=agency,
        user=user,
        document_type="passport",
        document_reference="P1234567",
        document_only=document_only,
        **{**AMINA, **overrides},
    )


def _tax_bill_for(national_id, agency):
    """A tax bill made out to nobody yet, for the holder of *national_id* (as an import leaves it)."""
    from ecitizen.exchange.selectors import national_id_blind_index
    from ecitizen.payments.models import Bill

    return Bill.objects.create(
        agency=agency,
        reference=f"TX-{national_id[-4:]}",
        description={"en": "Property tax 2026"},
        total=12000,
        currency="GBP",
        due_date=datetime.date(2026, 6, 30),
        payer=None,
        payer_national_id_index=national_id_blind_index(national_id),
    )


# --- matched with the register -----------------------------------------------------------------


def test_details_matching_a_living_register_record_verify(caseworker_a, agency_a, citizen, register_person):
    register_person()
    profile = _check(caseworker_a, agency_a, citizen, given_name="AMINA", family_name="haddad")
    assert identity_level_for(citizen) == "verified"
    assert (profile.given_name, profile.family_name) == ("Amina", "Haddad")  # the register's spelling
    assert profile.verification_method == "in_person"


def test_a_register_match_claims_the_register_tax_bills(caseworker_a, agency_a, citizen, register_person):
    register_person()
    bill = _tax_bill_for(AMINA["national_id"], agency_a)
    _check(caseworker_a, agency_a, citizen)
    bill.refresh_from_db()
    assert bill.payer == citizen


@pytest.mark.parametrize("wrong", [{"family_name": "Hadad"}, {"date_of_birth": datetime.date(1988, 4, 13)}])
def test_details_contradicting_the_register_are_refused(caseworker_a, agency_a, citizen, register_person, wrong):
    register_person()
    with pytest.raises(ValidationError) as exc:
        _check(caseworker_a, agency_a, citizen, **wrong)
    assert "do not match the population register" in str(exc.value)
    assert identity_level_for(citizen) == "basic"
    row = AuditLog.objects.get(action=AuditAction.IDENTITY_VERIFICATION_FAILED)
    assert (row.actor, row.agency, row.subject_user, row.extra["reason"]) == (
        caseworker_a,
        agency_a,
        citizen,
        "register_mismatch",
    )
    assert not IdentityReview.objects.exists()


def test_details_contradicting_the_register_cannot_be_passed_as_document_only(
    caseworker_a, agency_a, citizen, register_person
):
    register_person()
    with pytest.raises(ValidationError):
        _check(caseworker_a, agency_a, citizen, family_name="Hadad", document_only=True)
    assert identity_level_for(citizen) == "basic"


def test_a_deceased_persons_id_is_refused_and_flagged(caseworker_a, agency_a, citizen, register_person):
    from ecitizen.exchange.models import PopulationRecord

    register_person()
    PopulationRecord.objects.update(is_deceased=True)
    with pytest.raises(ValidationError) as exc:
        _check(caseworker_a, agency_a, citizen, document_only=True)
    assert "deceased" in str(exc.value)
    assert identity_level_for(citizen) == "basic"
    review = IdentityReview.objects.get()
    assert (review.reason, review.agency, review.account, review.raised_by) == (
        "deceased",
        agency_a,
        citizen,
        caseworker_a,
    )


# --- not in the register: document only -----------------------------------------------------


def test_an_id_unknown_to_the_register_needs_an_explicit_document_only_check(caseworker_a, agency_a, citizen):
    with pytest.raises(ValidationError) as exc:
        _check(caseworker_a, agency_a, citizen)
    assert "document_only" in exc.value.error_dict
    assert identity_level_for(citizen) == "basic"
    assert not Profile.objects.filter(user=citizen).exclude(national_id_index="").exists()


def test_document_only_is_a_lower_level_that_claims_no_register_bills(caseworker_a, agency_a, citizen):
    from ecitizen.payments.taxes import claimable_bills

    bill = _tax_bill_for(AMINA["national_id"], agency_a)
    profile = _check(caseworker_a, agency_a, citizen, document_only=True)
    assert identity_level_for(citizen) == "document"
    assert (profile.identity_verified, profile.verification_method) == (False, "document_only")
    bill.refresh_from_db()
    assert bill.payer is None
    assert bill not in claimable_bills(citizen)
    row = AuditLog.objects.get(action=AuditAction.IDENTITY_VERIFIED)
    assert row.extra["method"] == "document_only"


def test_a_document_only_level_does_not_open_services_that_need_verification(caseworker_a, agency_a, citizen):
    from ecitizen.cases.services import LEVEL_ORDER

    _check(caseworker_a, agency_a, citizen, document_only=True)
    level = identity_level_for(citizen)
    assert LEVEL_ORDER[level] >= LEVEL_ORDER["basic"]
    assert LEVEL_ORDER[level] < LEVEL_ORDER["verified"]


def test_changing_ones_name_withdraws_a_document_only_check(caseworker_a, agency_a, citizen):
    from ecitizen.accounts.services import profile_update

    _check(caseworker_a, agency_a, citizen, document_only=True)
    profile_update(actor=citizen, user=citizen, data={"family_name": "Smith"})
    assert identity_level_for(citizen) == "basic"


# --- never oneself or a relative --------------------------------------------------------------


def test_a_clerk_cannot_verify_themselves(caseworker_a, agency_a, register_person):
    register_person()
    with pytest.raises(ConflictOfInterest):
        _check(caseworker_a, agency_a, caseworker_a)
    assert identity_level_for(caseworker_a) == "basic"
    assert not AuditLog.objects.filter(action=AuditAction.IDENTITY_VERIFIED).exists()


def test_a_clerk_cannot_verify_a_declared_relative(caseworker_a, agency_a, citizen, register_person):
    register_person()
    StaffRelative.objects.create(staff=caseworker_a, relative=citizen, relationship="partner")
    with pytest.raises(ConflictOfInterest):
        _check(caseworker_a, agency_a, citizen)
    assert identity_level_for(citizen) == "basic"


def test_the_counter_page_refuses_oneself_with_the_reason(client, caseworker_a):
    client.force_login(caseworker_a)
    response = client.post("/staff/identity-check/", {"email": caseworker_a.email})
    assert response.status_code == 200
    assert "You cannot act on your own application, bill, payment or identity" in response.content.decode()
    assert "identity_check_user" not in client.session


def test_the_details_page_refuses_oneself_even_if_the_session_was_tampered(client, caseworker_a, agency_a):
    client.force_login(caseworker_a)
    session = client.session
    session["identity_check_user"] = caseworker_a.pk
    session.save()
    page = client.get("/staff/identity-check/details/").content.decode()
    assert "You cannot act on your own" in page and "Record verification" not in page
    response = client.post("/staff/identity-check/details/", {**FORM, "agency": agency_a.pk})
    assert response.status_code == 200
    assert identity_level_for(caseworker_a) == "basic"


# --- an ID bound to another account --------------------------------------------------------------


def test_binding_an_id_bound_elsewhere_is_refused_and_flagged(
    caseworker_a, agency_a, citizen, other_citizen, register_person
):
    register_person()
    identity_verify_with_register(user=citizen, **AMINA)
    with pytest.raises(ValidationError) as exc:
        _check(caseworker_a, agency_a, other_citizen)
    assert "already bound to another account" in str(exc.value)
    # the real holder keeps her identity; Ben gets nothing
    assert identity_level_for(citizen) == "verified"
    assert identity_level_for(other_citizen) == "basic"
    review = IdentityReview.objects.get()
    assert (review.reason, review.agency, review.account, review.holder, review.raised_by) == (
        "bound_elsewhere",
        agency_a,
        other_citizen,
        citizen,
        caseworker_a,
    )
    flagged = AuditLog.objects.get(action=AuditAction.IDENTITY_REVIEW_FLAGGED)
    assert (flagged.actor, flagged.agency, flagged.subject_user) == (caseworker_a, agency_a, other_citizen)


def test_an_id_checked_on_documents_only_is_bound_too(caseworker_a, agency_a, citizen, other_citizen):
    _check(caseworker_a, agency_a, citizen, document_only=True)
    with pytest.raises(ValidationError):
        _check(caseworker_a, agency_a, other_citizen, document_only=True)
    assert IdentityReview.objects.get().holder == citizen


def test_the_database_binds_an_id_to_one_account_at_most(citizen, other_citizen):
    from django.db import IntegrityError, transaction

    Profile.objects.filter(user=citizen).update(national_id_index="x" * 64, identity_verified=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        Profile.objects.filter(user=other_citizen).update(
            national_id_index="x" * 64, verification_method="document_only"
        )


def test_a_citizen_finding_their_id_taken_is_flagged_for_platform_review(
    caseworker_a, agency_a, citizen, other_citizen, register_person
):
    register_person()
    _check(caseworker_a, agency_a, other_citizen)  # Ben got Amina's ID at a counter (before this fix)
    Profile.objects.filter(user=other_citizen).update(given_name="Ben")
    with pytest.raises(ValidationError):
        identity_verify_with_register(user=citizen, **AMINA)
    review = IdentityReview.objects.get()
    assert (review.agency, review.account, review.holder, review.raised_by) == (None, citizen, other_citizen, citizen)


def test_the_accounts_own_date_of_birth_must_agree(caseworker_a, agency_a, citizen, register_person):
    register_person()
    Profile.objects.filter(user=citizen).update(date_of_birth=datetime.date(1990, 1, 1))
    with pytest.raises(ValidationError) as exc:
        _check(caseworker_a, agency_a, citizen)
    assert "date_of_birth" in exc.value.error_dict
    assert identity_level_for(citizen) == "basic"


def test_the_counter_journey_with_document_only(client, caseworker_a, agency_a, citizen):
    client.force_login(caseworker_a)
    client.post("/staff/identity-check/", {"email": citizen.email})
    refused = client.post("/staff/identity-check/details/", {**FORM, "agency": agency_a.pk})
    assert refused.status_code == 200
    assert "No one in the population register has this national ID number" in refused.content.decode()
    done = client.post("/staff/identity-check/details/", {**FORM, "agency": agency_a.pk, "document_only": "on"})
    assert done.status_code == 302
    assert identity_level_for(citizen) == "document"


# --- the review list ------------------------------------------------------------------------------


@pytest.fixture
def review(caseworker_a, agency_a, citizen, other_citizen, register_person):
    register_person()
    identity_verify_with_register(user=citizen, **AMINA)
    with pytest.raises(ValidationError):
        _check(caseworker_a, agency_a, other_citizen)
    return IdentityReview.objects.get()


@pytest.mark.parametrize("persona", ["admin_a", "auditor_a", "platform_auditor"])
def test_agency_admins_and_auditors_see_the_review(client, request, review, persona):
    client.force_login(request.getfixturevalue(persona))
    page = client.get("/staff/identity-check/reviews/")
    assert page.status_code == 200
    assert "ben@example.org" in page.content.decode() and "amina@example.org" in page.content.decode()


@pytest.mark.parametrize("persona", ["caseworker_b", "citizen"])
def test_others_do_not_see_reviews(client, request, review, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get("/staff/identity-check/reviews/")
    assert response.status_code == 403 or "ben@example.org" not in response.content.decode()


def test_an_agency_admin_closes_a_review(client, admin_a, review):
    client.force_login(admin_a)
    response = client.post(f"/staff/identity-check/reviews/{review.pk}/close/", {"outcome": "Spoke to both."})
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.is_open, review.closed_by, review.outcome) == (False, admin_a, "Spoke to both.")
    row = AuditLog.objects.get(action=AuditAction.IDENTITY_REVIEW_RESOLVED)
    assert (row.actor, row.agency) == (admin_a, review.agency)


@pytest.mark.parametrize("persona", ["auditor_a", "caseworker_a"])
def test_auditors_and_caseworkers_cannot_close_reviews(client, request, review, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.post(f"/staff/identity-check/reviews/{review.pk}/close/", {"outcome": "x"})
    assert response.status_code in (403, 404)
    review.refresh_from_db()
    assert review.is_open


def test_a_clerk_cannot_bind_their_own_national_id_to_another_account(caseworker_a, agency_a, citizen, register_person):
    """A clerk's second account is still the clerk: their own national ID is never bound by them."""
    from ecitizen.exchange.selectors import national_id_blind_index

    register_person()
    Profile.objects.filter(user=caseworker_a).update(national_id_index=national_id_blind_index(AMINA["national_id"]))
    with pytest.raises(ConflictOfInterest) as exc:
        _check(caseworker_a, agency_a, citizen)
    assert "You cannot act on your own application, bill, payment or identity" in exc.value.reason
    assert identity_level_for(citizen) == "basic"
    assert not AuditLog.objects.filter(action=AuditAction.IDENTITY_VERIFIED).exists()


def test_the_counter_page_refuses_binding_the_clerks_own_id(client, caseworker_a, agency_a, citizen, register_person):
    from ecitizen.exchange.selectors import national_id_blind_index

    register_person()
    Profile.objects.filter(user=caseworker_a).update(national_id_index=national_id_blind_index(AMINA["national_id"]))
    client.force_login(caseworker_a)
    session = client.session
    session["identity_check_user"] = citizen.pk
    session.save()
    response = client.post("/staff/identity-check/details/", {**FORM, "agency": agency_a.pk})
    assert response.status_code == 200
    assert "You cannot act on your own application, bill, payment or identity" in response.content.decode()
    assert identity_level_for(citizen) == "basic"
