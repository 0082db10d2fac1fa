"""From start to close: supporters, moderation, response, debate, closing."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings
from django.utils import timezone

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.engagement.petitions import selectors, services
from ecitizen.engagement.petitions.models import Petition, Status
from ecitizen.engagement.petitions.tests.conftest import ledger_text

pytestmark = pytest.mark.django_db


def test_only_a_verified_citizen_starts_a_petition(citizen, agency_a, sponsor_users):
    # given a citizen whose identity is not verified
    # when they try to start a petition
    with pytest.raises(PermissionDenied):
        services.petition_create(
            actor=citizen,
            agency=agency_a,
            title="T",
            action="A",
            background="B",
            sponsor_emails=[u.email for u in sponsor_users],
            create_token=uuid.uuid4(),
        )
    # then nothing is saved
    assert not Petition.objects.exists()


def test_start_emails_each_supporter_and_audits(make_petition, author, agency_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        petition = make_petition()
    assert petition.status == Status.SPONSORS
    assert petition.sponsors.count() == 6
    assert sorted(m.to[0] for m in mail.outbox) == sorted(petition.sponsors.values_list("email", flat=True))
    assert "/petitions/support/" in mail.outbox[0].body
    row = AuditLog.objects.get(action=AuditAction.PETITION_CREATED)
    assert (row.actor, row.subject_id, row.agency) == (author, str(petition.pk), agency_a)


def test_the_same_form_twice_makes_one_petition(author, agency_a, sponsor_users):
    token = uuid.uuid4()
    kwargs = dict(
        actor=author,
        agency=agency_a,
        title="One",
        action="Do it",
        background="Because",
        sponsor_emails=[u.email for u in sponsor_users],
        create_token=token,
    )
    first = services.petition_create(**kwargs)
    second = services.petition_create(**kwargs)
    assert first.pk == second.pk
    assert Petition.objects.count() == 1


@pytest.mark.parametrize(
    "emails, message",
    [
        (["a@example.net"] * 6, "different email address"),
        ([f"s{i}@example.net" for i in range(5)], "6 supporters"),
        ([f"s{i}@example.net" for i in range(5)] + ["amina@example.org"], "own email"),
        ([f"s{i}@example.net" for i in range(5)] + ["not-an-address"], "correct format"),
    ],
)
def test_supporters_must_be_six_other_valid_addresses(author, agency_a, emails, message):
    with pytest.raises(ValidationError) as exc:
        services.petition_create(
            actor=author,
            agency=agency_a,
            title="T",
            action="A",
            background="B",
            sponsor_emails=emails,
            create_token=uuid.uuid4(),
        )
    assert message in " ".join(exc.value.message_dict["sponsors"])
    assert not Petition.objects.exists()


def test_six_confirmations_send_it_to_moderation(make_petition, sponsor_users):
    petition = make_petition()
    sponsors = list(petition.sponsors.order_by("pk"))
    for user, sponsor in zip(sponsor_users[:5], sponsors[:5], strict=True):
        services.sponsor_confirm(actor=user, sponsor=sponsor)
    petition.refresh_from_db()
    assert petition.status == Status.SPONSORS
    assert AuditLog.objects.filter(action=AuditAction.PETITION_SPONSOR_CONFIRMED).count() == 5
    services.sponsor_confirm(actor=sponsor_users[5], sponsor=sponsors[5])
    petition.refresh_from_db()
    assert petition.status == Status.MODERATION
    assert AuditLog.objects.filter(action=AuditAction.PETITION_SUBMITTED).count() == 1


def test_the_author_cannot_support_their_own_petition_nor_one_person_twice(make_petition, author, sponsor_users):
    petition = make_petition()
    sponsors = list(petition.sponsors.order_by("pk"))
    with pytest.raises(ValidationError):
        services.sponsor_confirm(actor=author, sponsor=sponsors[0])
    services.sponsor_confirm(actor=sponsor_users[0], sponsor=sponsors[0])
    with pytest.raises(ValidationError):
        services.sponsor_confirm(actor=sponsor_users[0], sponsor=sponsors[1])


def test_publishing_counts_author_and_supporters(open_petition, moderator_a):
    assert open_petition.status == Status.OPEN
    assert selectors.signature_count(open_petition) == 7
    # open to the end of the local day 180 days after the day it opened (tests/test_closing.py)
    assert open_petition.closes_on == timezone.localdate(open_petition.opened_at) + datetime.timedelta(days=180)
    row = AuditLog.objects.get(action=AuditAction.PETITION_PUBLISHED)
    assert row.actor == moderator_a


def test_rejection_reason_is_shown_to_the_author(submitted_petition, moderator_a, author, client):
    services.petition_reject(actor=moderator_a, petition=submitted_petition, reason="duplicate", note="See #1")
    client.force_login(author)
    page = client.get(f"/petitions/{submitted_petition.pk}/").content.decode()
    assert "There is already a petition about the same thing" in page
    assert "See #1" in page
    assert author.notifications.filter(subject__icontains="rejected").exists()


def test_only_moderators_of_the_agency_moderate(submitted_petition, moderator_b, admin_a):
    for actor in (moderator_b, admin_a):
        with pytest.raises(PermissionDenied):
            services.petition_publish(actor=actor, petition=submitted_petition)
    with pytest.raises(ValidationError):
        services.petition_reject(actor=moderator_b, petition=submitted_petition, reason="not-a-reason")


def test_a_moderator_does_not_moderate_their_own_petition(make_petition, author, agency_a, sponsor_users):
    from ecitizen.agencies.models import Membership

    Membership.objects.create(user=author, agency=agency_a, role="moderator")
    petition = make_petition()
    for user, sponsor in zip(sponsor_users, petition.sponsors.order_by("pk"), strict=True):
        services.sponsor_confirm(actor=user, sponsor=sponsor)
    with pytest.raises(PermissionDenied):
        services.petition_publish(actor=author, petition=petition)


@override_settings(PETITION_RESPONSE_THRESHOLD=9, PETITION_DEBATE_THRESHOLD=10, PETITION_MAIL_BATCH_SIZE=3)
def test_thresholds_response_mail_and_debate(open_petition, sign_by_email, admin_a, django_capture_on_commit_callbacks):
    # given a petition one short of its response threshold
    sign_by_email(open_petition)
    open_petition.refresh_from_db()
    assert open_petition.response_threshold_at is None
    # when one more person signs
    sign_by_email(open_petition)
    open_petition.refresh_from_db()
    # then the threshold is marked
    assert open_petition.response_threshold_at is not None
    assert open_petition.debate_threshold_at is None
    # when the agency responds, every signer is told in batches (12 signers now, batches of 3)
    sign_by_email(open_petition)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.petition_respond(actor=admin_a, petition=open_petition, text="We will build it.")
    open_petition.refresh_from_db()
    assert open_petition.response == "We will build it."
    emailed = {m.to[0] for m in mail.outbox}
    assert len([a for a in emailed if a.startswith("signer")]) == 3
    assert open_petition.author.notifications.filter(subject__icontains="Response to the petition").exists()
    assert open_petition.response_mailed_to == open_petition.signatures.order_by("-pk").first().pk
    text = ledger_text("petition.responded", str(open_petition.pk))
    assert '"signatures":10' in text.replace(" ", "")
    assert "response_sha256" in text
    with pytest.raises(ValidationError):
        services.petition_respond(actor=admin_a, petition=open_petition, text="Again")
    # and at the debate threshold staff schedule a debate, shown on the petition
    services.petition_schedule_debate(
        actor=admin_a, petition=open_petition, date=timezone.localdate() + datetime.timedelta(days=7), place="Town hall"
    )
    assert '"signatures":10' in ledger_text("petition.debated", str(open_petition.pk)).replace(" ", "")


def test_a_debate_needs_the_debate_threshold(open_petition, admin_a):
    with pytest.raises(ValidationError):
        services.petition_schedule_debate(
            actor=admin_a, petition=open_petition, date=timezone.localdate(), place="Town hall"
        )


def test_closing_after_the_period_records_the_final_count(open_petition, sign_by_email, time_machine):
    sign_by_email(open_petition)
    assert services.petitions_sweep() == 0
    time_machine.move_to(open_petition.closes_at + datetime.timedelta(minutes=1))
    assert services.petitions_sweep() == 1
    open_petition.refresh_from_db()
    assert open_petition.status == Status.CLOSED
    assert open_petition.final_count == 8
    assert '"signatures":8' in ledger_text("petition.closed", str(open_petition.pk)).replace(" ", "")
    assert services.petitions_sweep() == 0  # twice changes nothing
    with pytest.raises(ValidationError):
        sign_by_email(open_petition)


@override_settings(PETITION_DEBATE_THRESHOLD=7)
def test_followers_hear_of_the_debate(open_petition, admin_a, other_citizen, django_capture_on_commit_callbacks):
    from ecitizen.engagement.discussions.services import follow_start

    follow_start(actor=other_citizen, kind="petition", key=str(open_petition.pk))
    with django_capture_on_commit_callbacks(execute=True):
        services.petition_schedule_debate(
            actor=admin_a, petition=open_petition, date=timezone.localdate(), place="Council chamber"
        )
    message = other_citizen.notifications.get(subject__startswith="Debate scheduled")
    assert "Council chamber" in message.body
    page_signed_in = open_petition.get_absolute_url()
    assert page_signed_in == f"/petitions/{open_petition.pk}/"
