"""Signing: once per person, by account or confirmed address; withdrawing; flags and their review."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.engagement.petitions import selectors, services
from ecitizen.engagement.petitions.models import FlagReason, Signature, SignatureCount, SignatureState

pytestmark = pytest.mark.django_db


def test_an_email_signature_counts_only_once_confirmed(open_petition, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signature = services.signature_start_by_email(
            petition=open_petition, name="Sam", email="Sam@Example.org", postcode="nb1 2ab"
        )
    assert signature.state == SignatureState.PENDING
    assert signature.email == "sam@example.org" and signature.postcode == "NB1 2AB"
    assert selectors.signature_count(open_petition) == 7
    assert mail.outbox[-1].to == ["sam@example.org"]
    assert f"/petitions/confirm/{signature.token}/" in mail.outbox[-1].body
    services.signature_confirm(signature=signature)
    assert selectors.signature_count(open_petition) == 8
    services.signature_confirm(signature=signature)  # the link followed twice
    assert selectors.signature_count(open_petition) == 8
    assert AuditLog.objects.filter(action=AuditAction.PETITION_SIGNATURE_CONFIRMED).count() == 1


def test_one_address_signs_once_and_is_not_told_apart(open_petition, sign_by_email, django_capture_on_commit_callbacks):
    sign_by_email(open_petition, "sam@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        again = services.signature_start_by_email(
            petition=open_petition, name="Sam", email="sam@example.org", postcode="NB1 2AB"
        )
    assert again is None
    assert "already signed" in mail.outbox[-1].body
    assert Signature.objects.filter(petition=open_petition, email="sam@example.org").count() == 1
    assert selectors.signature_count(open_petition) == 8


def test_an_account_signs_once(open_petition, other_citizen):
    services.signature_add(actor=other_citizen, petition=open_petition)
    with pytest.raises(ValidationError):
        services.signature_add(actor=other_citizen, petition=open_petition)
    assert selectors.signature_count(open_petition) == 8


def test_an_account_replaces_its_own_email_signature(open_petition, sign_by_email, other_citizen):
    # given Ben signed by email, then made sure of his account's address
    sign_by_email(open_petition, "ben@example.org")
    assert selectors.signature_count(open_petition) == 8
    # when he signs with his account
    signature = services.signature_add(actor=other_citizen, petition=open_petition)
    # then it is one signature, his account's, counted once
    assert signature.replaced_email and signature.user == other_citizen
    assert Signature.objects.filter(petition=open_petition, email="ben@example.org").count() == 1
    assert selectors.signature_count(open_petition) == 8


def test_an_unconfirmed_account_does_not_take_over_an_email_signature(open_petition, sign_by_email, make_user):
    sign_by_email(open_petition, "eve@example.org")
    eve = make_user("eve@example.org", verified_email=False)
    with pytest.raises(ValidationError):
        services.signature_add(actor=eve, petition=open_petition)
    assert selectors.signature_count(open_petition) == 8


def test_postcode_is_required_and_gives_the_district(open_petition, monkeypatch):
    with pytest.raises(ValidationError) as exc:
        services.signature_start_by_email(petition=open_petition, name="Sam", email="sam@example.org", postcode="")
    assert "postcode" in exc.value.message_dict
    monkeypatch.setattr(services, "district_for_postcode", lambda postcode: "Old Town")
    signature = services.signature_start_by_email(
        petition=open_petition, name="Sam", email="sam@example.org", postcode="NB1 2AB"
    )
    services.signature_confirm(signature=signature)
    counts = {d.name: d.signatures for d in selectors.district_counts(open_petition)}
    assert counts["Old Town"] == 1


def test_withdrawing_takes_the_signature_off_the_count(open_petition, sign_by_email, other_citizen):
    by_email = sign_by_email(open_petition)
    services.signature_add(actor=other_citizen, petition=open_petition)
    assert selectors.signature_count(open_petition) == 9
    services.signature_withdraw(actor=None, signature=by_email)
    mine = selectors.signature_of(open_petition, other_citizen)
    with pytest.raises(PermissionDenied):
        services.signature_withdraw(actor=None, signature=mine)  # an account's signature: only its owner
    services.signature_withdraw(actor=other_citizen, signature=mine)
    assert selectors.signature_count(open_petition) == 7
    with pytest.raises(ValidationError):
        services.signature_withdraw(actor=other_citizen, signature=mine)
    # and they may sign again
    services.signature_add(actor=other_citizen, petition=open_petition)
    assert selectors.signature_count(open_petition) == 8


def test_the_count_is_the_sum_of_counter_rows_not_a_count_of_signatures(open_petition, sign_by_email):
    for _ in range(5):
        sign_by_email(open_petition)
    total = sum(SignatureCount.objects.filter(petition=open_petition).values_list("signatures", flat=True))
    assert total == selectors.signature_count(open_petition) == 12
    assert Signature.objects.filter(petition=open_petition, state="counted").count() == 12


def test_a_disposable_address_is_flagged_not_refused(open_petition, sign_by_email):
    signature = sign_by_email(open_petition, "someone@mailinator.com")
    assert signature.flag == FlagReason.DISPOSABLE
    assert signature.state == SignatureState.COUNTED
    sub = sign_by_email(open_petition, "x@eu.yopmail.com")
    assert sub.flag == FlagReason.DISPOSABLE
    assert sign_by_email(open_petition, "ok@example.org").flag == ""


@override_settings(PETITION_BURST_IP_LIMIT=3, PETITION_BURST_DOMAIN_LIMIT=2)
def test_bursts_from_one_address_or_domain_are_flagged(open_petition, sign_by_email):
    from ecitizen.core import context

    token = context.set_current(context.RequestContext(request_id="r", ip="203.0.113.9"))
    try:
        flags = [sign_by_email(open_petition).flag for _ in range(5)]
    finally:
        context.reset(token)
    assert flags == ["", "", "", FlagReason.BURST_IP, FlagReason.BURST_IP]
    domain_flags = [sign_by_email(open_petition, f"p{i}@smallco.example").flag for i in range(3)]
    assert domain_flags == ["", "", FlagReason.BURST_DOMAIN]


def test_moderators_remove_flagged_signatures_with_a_reason_shown_publicly(
    open_petition, sign_by_email, moderator_a, moderator_b, client
):
    flagged = sign_by_email(open_petition, "a@mailinator.com")
    kept = sign_by_email(open_petition, "b@mailinator.com")
    assert selectors.signature_count(open_petition) == 9
    with pytest.raises(PermissionDenied):
        services.signature_review(actor=moderator_b, signature=flagged, remove=True, reason="fake")
    with pytest.raises(ValidationError):
        services.signature_review(actor=moderator_a, signature=flagged, remove=True, reason="")
    services.signature_review(actor=moderator_a, signature=flagged, remove=True, reason="fake")
    services.signature_review(actor=moderator_a, signature=kept, remove=False, note="Looks real")
    assert selectors.signature_count(open_petition) == 8
    assert [(str(label), n) for label, n in selectors.removed_counts(open_petition)] == [("Fake or invented signer", 1)]
    assert not selectors.flagged_signatures(open_petition).exists()
    page = client.get(f"/petitions/{open_petition.pk}/").content.decode()
    assert "Fake or invented signer: 1" in page
    with pytest.raises(ValidationError):
        services.signature_review(actor=moderator_a, signature=kept, remove=True, reason="fake")
