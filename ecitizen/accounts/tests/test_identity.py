import datetime

import pytest
from django.core.exceptions import ValidationError

from ecitizen.accounts.models import Profile
from ecitizen.accounts.selectors import identity_level_for
from ecitizen.accounts.services import identity_verify_in_person, identity_verify_with_register, profile_update
from ecitizen.core.models import AuditAction, AuditLog

pytestmark = pytest.mark.django_db
BORN = datetime.date(1988, 4, 12)


def _verify(user, **overrides):
    details = {"given_name": "Amina", "family_name": "Haddad", "date_of_birth": BORN, "national_id": "AH-120488-K"}
    details.update(overrides)
    return identity_verify_with_register(user=user, **details)


def test_levels_follow_email_and_verification(make_user, citizen, register_person):
    unconfirmed = make_user("new@example.org", verified_email=False)
    assert identity_level_for(unconfirmed) == "none"
    assert identity_level_for(citizen) == "basic"
    register_person()
    _verify(citizen)
    assert identity_level_for(citizen) == "verified"


def test_register_match_verifies_and_audits_exactly(citizen, register_person):
    # given
    register_person()
    # when
    profile = _verify(citizen, given_name="amina", family_name=" HADDAD ", national_id="ah 120488 k")
    # then
    profile.refresh_from_db()
    assert profile.identity_verified and profile.verification_method == "register"
    assert profile.verified_by is None and profile.verified_at is not None
    assert profile.national_id == "ah 120488 k"
    row = AuditLog.objects.get()
    assert (row.action, row.actor, row.subject_user, row.agency, row.extra) == (
        AuditAction.IDENTITY_VERIFIED,
        citizen,
        citizen,
        None,
        {"method": "register"},
    )


def test_accents_and_case_do_not_block_a_match(make_user, register_person):
    user = make_user("lucia@example.org")
    register_person("LG-210795-P", "Lucía", "García", datetime.date(1995, 7, 21))
    identity_verify_with_register(
        user=user,
        given_name="LUCIA",
        family_name="garcia",
        date_of_birth=datetime.date(1995, 7, 21),
        national_id="LG-210795-P",
    )
    assert identity_level_for(user) == "verified"


@pytest.mark.parametrize(
    "wrong",
    [{"national_id": "AH-120488-X"}, {"date_of_birth": datetime.date(1988, 4, 13)}, {"family_name": "Hadad"}],
)
def test_any_mismatch_is_refused_without_saying_which(citizen, register_person, wrong):
    register_person()
    with pytest.raises(ValidationError) as excinfo:
        _verify(citizen, **wrong)
    assert excinfo.value.code == "no_match"
    assert identity_level_for(citizen) == "basic"
    row = AuditLog.objects.get()
    assert (row.action, row.actor, row.extra) == (
        AuditAction.IDENTITY_VERIFICATION_FAILED,
        citizen,
        {"reason": "no_match", "method": "register"},  # never which detail was wrong
    )


def test_unconfirmed_email_cannot_verify(make_user, register_person):
    register_person()
    user = make_user("new@example.org", verified_email=False)
    with pytest.raises(ValidationError):
        _verify(user)
    assert not Profile.objects.filter(identity_verified=True).exists()


def test_one_national_id_verifies_one_account(citizen, other_citizen, register_person):
    register_person()
    _verify(citizen)
    with pytest.raises(ValidationError):
        _verify(other_citizen)
    assert identity_level_for(other_citizen) == "basic"


def test_in_person_check_records_who_and_for_which_agency(citizen, caseworker_a, agency_a, register_person):
    register_person()
    profile = identity_verify_in_person(
        actor=caseworker_a,
        agency=agency_a,
        user=citizen,
        given_name="Amina",
        family_name="Haddad",
        date_of_birth=BORN,
        national_id="AH-120488-K",
        document_type="passport",
        document_reference="P12345678",
    )
    profile.refresh_from_db()
    assert (profile.verification_method, profile.verified_by, profile.verified_by_agency) == (
        "in_person",
        caseworker_a,
        agency_a,
    )
    row = AuditLog.objects.get()
    assert (row.action, row.actor, row.agency, row.subject_user) == (
        AuditAction.IDENTITY_VERIFIED,
        caseworker_a,
        agency_a,
        citizen,
    )
    assert row.extra == {"method": "in_person", "document_type": "passport", "document_reference_last4": "5678"}


def test_changing_name_withdraws_verification(citizen, register_person):
    register_person()
    _verify(citizen)
    profile_update(actor=citizen, user=citizen, data={"family_name": "Smith"})
    assert identity_level_for(citizen) == "basic"
    profile_update(actor=citizen, user=citizen, data={"town": "Riverton"})
    row = AuditLog.objects.filter(action=AuditAction.PROFILE_UPDATED).first()
    assert row.extra == {"fields": ["town"]}


def test_verify_page_end_to_end(client, citizen, register_person):
    register_person()
    client.force_login(citizen)
    bad = client.post(
        "/account/identity/",
        {"given_name": "Amina", "family_name": "Haddad", "date_of_birth": "1988-04-12", "national_id": "!!"},
    )
    assert bad.status_code == 200
    assert b"govuk-error-summary" in bad.content
    ok = client.post(
        "/account/identity/",
        {"given_name": "Amina", "family_name": "Haddad", "date_of_birth": "1988-04-12", "national_id": "AH-120488-K"},
    )
    assert ok.status_code == 302
    assert identity_level_for(citizen) == "verified"


def test_verify_attempts_are_rate_limited(client, citizen, register_person, settings):
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    from django.core.cache import cache

    cache.clear()
    client.force_login(citizen)
    data = {"given_name": "A", "family_name": "B", "date_of_birth": "1980-01-01", "national_id": "XX-000000-X"}
    codes = [client.post("/account/identity/", data).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    last = client.post("/account/identity/", data)
    assert int(last["Retry-After"]) > 0
    assert b"Too many attempts" in last.content


def test_verifying_claims_tax_bills_issued_before_the_account(citizen, register_person, agency_a):
    from ecitizen.exchange.selectors import national_id_blind_index
    from ecitizen.payments.models import Bill

    register_person()
    bill = Bill.objects.create(
        reference="CC-T-2026-000099",
        agency=agency_a,
        payer_name="Amina Haddad",
        payer_national_id_index=national_id_blind_index("AH-120488-K"),
        description={"en": "Property tax"},
        currency="GBP",
        total=120000,
        due_date="2026-04-01",
    )
    _verify(citizen)
    bill.refresh_from_db()
    assert bill.payer == citizen
