"""Regression tests from the adversarial review (each failed before its fix)."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import ValidationError

from ecitizen.engagement.petitions import selectors, services
from ecitizen.engagement.petitions.models import Signature, SignatureState, Status

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", ["²", "١٢", "9" * 40, "", "-1"])
def test_discussion_subject_with_odd_keys_is_none(key):
    from ecitizen.engagement.petitions.registrations import petition_subject

    assert petition_subject(key) is None


def test_discussion_page_of_a_superscript_number_is_404(client):
    assert client.get("/have-your-say/discussions/petition/%C2%B2/").status_code == 404


def test_a_sponsor_link_cannot_be_confirmed_by_another_account(make_petition, make_user):
    petition = make_petition()
    sponsor = petition.sponsors.order_by("pk").first()
    stranger = make_user("stranger@example.net")
    with pytest.raises(ValidationError):
        services.sponsor_confirm(actor=stranger, sponsor=sponsor)
    sponsor.refresh_from_db()
    assert sponsor.confirmed_at is None


def test_one_account_cannot_stand_in_for_six_supporters(make_petition, make_user):
    """The author names six addresses they control and confirms every link with one other account."""
    petition = make_petition()
    accomplice = make_user("accomplice@example.net")
    sponsor = petition.sponsors.order_by("pk").first()
    with pytest.raises(ValidationError):
        services.sponsor_confirm(actor=accomplice, sponsor=sponsor)


def test_a_sponsor_with_an_unconfirmed_address_cannot_confirm(make_petition, make_user, author, agency_a):
    unconfirmed = [make_user(f"unconf{i}@example.net", verified_email=False) for i in range(6)]
    petition = services.petition_create(
        actor=author,
        agency=agency_a,
        title="Unconfirmed supporters",
        action="Something",
        background="Because",
        sponsor_emails=[u.email for u in unconfirmed],
        create_token=uuid.uuid4(),
    )
    sponsor = petition.sponsors.get(email=unconfirmed[0].email)
    with pytest.raises(ValidationError):
        services.sponsor_confirm(actor=unconfirmed[0], sponsor=sponsor)


def test_sponsor_address_matches_whatever_the_case(make_petition, sponsor_users):
    petition = make_petition()
    user = sponsor_users[0]
    user.email = user.email.upper()
    user.save(update_fields=["email"])
    from allauth.account.models import EmailAddress

    EmailAddress.objects.filter(user=user).update(email=user.email)
    sponsor = petition.sponsors.get(email=user.email.lower())
    services.sponsor_confirm(actor=user, sponsor=sponsor)
    sponsor.refresh_from_db()
    assert sponsor.confirmed_at is not None


def test_plus_addresses_are_one_signer(open_petition, sign_by_email):
    before = selectors.signature_count(open_petition)
    first = sign_by_email(open_petition, "plus@example.org")
    assert first is not None
    again = services.signature_start_by_email(
        petition=open_petition, name="Same", email="Plus+second@Example.org", postcode="NB1 2AB"
    )
    # The address has signed: nothing new waits, and the count moved by one.
    assert again is None
    assert selectors.signature_count(open_petition) == before + 1
    assert Signature.objects.filter(petition=open_petition, email="plus@example.org").count() == 1


def test_an_account_replaces_a_plus_address_email_signature(open_petition, sign_by_email, make_user):
    user = make_user("tagged@example.org")
    sign_by_email(open_petition, "tagged+petitions@example.org")
    before = selectors.signature_count(open_petition)
    signature = services.signature_add(actor=user, petition=open_petition)
    assert signature.replaced_email
    assert selectors.signature_count(open_petition) == before
    assert (
        Signature.objects.filter(
            petition=open_petition, state=SignatureState.COUNTED, email="tagged@example.org"
        ).count()
        == 1
    )


def test_signing_a_closed_petition_is_refused_and_not_counted(open_petition, make_user):
    from ecitizen.engagement.petitions.models import Petition

    Petition.objects.filter(pk=open_petition.pk).update(status=Status.CLOSED)
    before = selectors.signature_count(open_petition)
    with pytest.raises(ValidationError):
        services.signature_add(actor=make_user("late@example.net"), petition=open_petition)
    assert selectors.signature_count(open_petition) == before
    assert not Signature.objects.filter(petition=open_petition, email="late@example.net").exists()


def test_threshold_is_marked_by_the_signature_that_reaches_it(open_petition, make_user, settings):
    count = selectors.signature_count(open_petition)
    settings.PETITION_RESPONSE_THRESHOLD = count + 1
    services.signature_add(actor=make_user("crosser@example.net"), petition=open_petition)
    open_petition.refresh_from_db()
    assert open_petition.response_threshold_at is not None


def test_a_moderator_who_supported_a_petition_does_not_moderate_it(submitted_petition, sponsor_users, agency_a):
    from django.core.exceptions import PermissionDenied

    from ecitizen.agencies.models import Membership

    supporter = sponsor_users[0]
    Membership.objects.create(user=supporter, agency=agency_a, role="moderator")
    with pytest.raises(PermissionDenied):
        services.petition_publish(actor=supporter, petition=submitted_petition)
    with pytest.raises(PermissionDenied):
        services.petition_reject(actor=supporter, petition=submitted_petition, reason="duplicate")


def test_an_admin_who_signed_a_petition_does_not_respond_to_it(open_petition, admin_a):
    from django.core.exceptions import PermissionDenied

    services.signature_add(actor=admin_a, petition=open_petition)
    with pytest.raises(PermissionDenied):
        services.petition_respond(actor=admin_a, petition=open_petition, text="We agree.")
    open_petition.refresh_from_db()
    assert open_petition.responded_at is None


def test_a_moderator_who_signed_does_not_review_signatures_of_that_petition(open_petition, moderator_a, sign_by_email):
    from django.core.exceptions import PermissionDenied

    flagged = sign_by_email(open_petition, "someone@mailinator.com")
    services.signature_add(actor=moderator_a, petition=open_petition)
    with pytest.raises(PermissionDenied):
        services.signature_review(actor=moderator_a, signature=flagged, remove=True, reason="fake")


def test_removing_a_withdrawn_signature_does_not_inflate_the_removed_count(open_petition, moderator_a, sign_by_email):
    flagged = sign_by_email(open_petition, "gone@mailinator.com")
    services.signature_withdraw(actor=None, signature=flagged)
    before = selectors.signature_count(open_petition)
    with pytest.raises(ValidationError):
        services.signature_review(actor=moderator_a, signature=flagged, remove=True, reason="fake")
    assert selectors.removed_counts(open_petition) == []
    assert selectors.signature_count(open_petition) == before


def test_a_signature_confirmed_after_closing_is_refused_and_not_counted(open_petition, sign_by_email):
    from ecitizen.engagement.petitions.models import Petition

    pending = sign_by_email(open_petition, "slow@example.org", confirm=False)
    Petition.objects.filter(pk=open_petition.pk).update(status=Status.CLOSED)
    before = selectors.signature_count(open_petition)
    with pytest.raises(ValidationError):
        services.signature_confirm(signature=pending)
    pending.refresh_from_db()
    assert pending.state == SignatureState.PENDING
    assert selectors.signature_count(open_petition) == before


def test_signing_by_email_twice_answers_the_same_and_keeps_one_row(open_petition, sign_by_email, mailoutbox):
    sign_by_email(open_petition, "twice@example.org")
    again = services.signature_start_by_email(
        petition=open_petition, name="Twice", email="TWICE@example.org", postcode="NB1 2AB"
    )
    assert again is None
    assert Signature.objects.filter(petition=open_petition, email="twice@example.org").count() == 1


def test_the_api_list_builds_only_the_page_asked_for(open_petition, client, monkeypatch):
    from ecitizen.engagement.petitions import api

    built = []
    real = api._out
    monkeypatch.setattr(api, "_out", lambda p, n: built.append(p.pk) or real(p, n))
    body = client.get("/api/petitions/?limit=1&offset=5").json()
    assert body["count"] == 1 and body["items"] == []
    assert built == []
    body = client.get("/api/petitions/?limit=1").json()
    assert [row["number"] for row in body["items"]] == [open_petition.pk] and built == [open_petition.pk]
