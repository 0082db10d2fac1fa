"""Signing with an account: what one signature writes, on either database (on PostgreSQL it is
one statement, ``services._sign_in_one_statement``), and an account whose address is not confirmed."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.engagement.petitions import selectors, services
from ecitizen.engagement.petitions.models import (
    FlagReason,
    Petition,
    Signature,
    SignatureCount,
    SignatureState,
    Status,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def riverside():
    from ecitizen.exchange.models import Address

    for number in ("1", "2"):
        Address.objects.create(
            uprn=f"RS{number}",
            line=f"{number} Quay Street, Riverside",
            street="Quay Street",
            number=number,
            locality="Riverside",
            town="Northbridge",
            postcode="NB4 7QS",
            latitude=52.04,
            longitude=0.02,
        )
    return "Riverside"


def test_a_signature_writes_its_row_counter_and_audit_row_together(open_petition, make_user, riverside):
    signer = make_user("rita@example.org", given_name="Rita", family_name="Moss", postcode="nb4 7qs")
    before = selectors.signature_count(open_petition)
    signature = services.signature_add(actor=signer, petition=open_petition)
    row = Signature.objects.get(pk=signature.pk)
    assert (row.user, row.name, row.email, row.postcode, row.district) == (
        signer,
        "Rita Moss",
        "rita@example.org",
        "NB4 7QS",
        "Riverside",
    )
    assert row.state == SignatureState.COUNTED and row.flag == ""
    assert selectors.signature_count(open_petition) == before + 1
    assert {d.name: d.signatures for d in selectors.district_counts(open_petition)}["Riverside"] == 1
    audit = AuditLog.objects.get(action=AuditAction.PETITION_SIGNED, subject_user=signer)
    assert audit.actor == signer and audit.actor_email == "rita@example.org"
    assert (audit.subject_type, audit.subject_id) == ("petitions.petition", str(open_petition.pk))
    assert audit.extra == {"signature": signature.pk}


def test_an_unknown_postcode_counts_without_a_district(open_petition, make_user):
    signer = make_user("una@example.org", postcode="ZZ9 9ZZ")
    signature = services.signature_add(actor=signer, petition=open_petition)
    assert Signature.objects.get(pk=signature.pk).district == ""
    assert SignatureCount.objects.filter(petition=open_petition, district="").exists()


def test_a_closed_petition_writes_nothing(open_petition, make_user):
    Petition.objects.filter(pk=open_petition.pk).update(status=Status.CLOSED)
    signer = make_user("late@example.org")
    counters = list(SignatureCount.objects.filter(petition=open_petition).values_list("signatures", flat=True))
    audits = AuditLog.objects.filter(action=AuditAction.PETITION_SIGNED).count()
    with pytest.raises(ValidationError):
        services.signature_add(actor=signer, petition=open_petition)
    assert not Signature.objects.filter(user=signer).exists()
    assert list(SignatureCount.objects.filter(petition=open_petition).values_list("signatures", flat=True)) == counters
    assert AuditLog.objects.filter(action=AuditAction.PETITION_SIGNED).count() == audits


def test_signing_twice_is_refused_and_counts_once(open_petition, make_user):
    signer = make_user("twice@example.org")
    services.signature_add(actor=signer, petition=open_petition)
    count = selectors.signature_count(open_petition)
    with pytest.raises(ValidationError):
        services.signature_add(actor=signer, petition=open_petition)
    assert selectors.signature_count(open_petition) == count
    assert AuditLog.objects.filter(action=AuditAction.PETITION_SIGNED, subject_user=signer).count() == 1


def test_a_disposable_address_is_flagged_and_still_counted(open_petition, make_user):
    signer = make_user("someone@mailinator.com")
    signature = services.signature_add(actor=signer, petition=open_petition)
    assert Signature.objects.get(pk=signature.pk).flag == FlagReason.DISPOSABLE == signature.flag


def test_the_signature_that_reaches_the_response_threshold_marks_it(open_petition, make_user, settings):
    settings.PETITION_RESPONSE_THRESHOLD = selectors.signature_count(open_petition) + 1
    services.signature_add(actor=make_user("tenth@example.org"), petition=open_petition)
    open_petition.refresh_from_db()
    assert open_petition.response_threshold_at is not None


def test_an_unconfirmed_address_does_not_stop_its_owner_signing_by_email(open_petition, make_user, sign_by_email):
    # An account opened with an address its holder never confirmed signs: it counts, as the account's.
    holder = make_user("owner@example.org", verified_email=False)
    count = selectors.signature_count(open_petition)
    signature = services.signature_add(actor=holder, petition=open_petition)
    assert signature.email != "owner@example.org" and signature.email.endswith("@accounts.invalid")
    assert selectors.signature_count(open_petition) == count + 1
    # The address's real owner is then sent a link, not told they have signed; following it proves
    # the address is theirs, and the account that only claimed it no longer counts: one person, once.
    by_email = sign_by_email(open_petition, "owner@example.org")
    assert by_email is not None and by_email.state == SignatureState.COUNTED
    assert Signature.objects.get(pk=signature.pk).state == SignatureState.WITHDRAWN
    assert selectors.signature_count(open_petition) == count + 1
    confirmed = AuditLog.objects.filter(action=AuditAction.PETITION_SIGNATURE_CONFIRMED).latest("pk")
    assert confirmed.extra == {"signature": by_email.pk, "replaced_claims": [signature.pk]}


def test_another_address_confirmed_leaves_an_account_signature_alone(open_petition, make_user, sign_by_email):
    holder = make_user("holder@example.org", verified_email=False)
    signature = services.signature_add(actor=holder, petition=open_petition)
    sign_by_email(open_petition, "someone.else@example.org")
    assert Signature.objects.get(pk=signature.pk).state == SignatureState.COUNTED
