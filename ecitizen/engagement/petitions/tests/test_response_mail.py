"""Telling signers about the response: at least once, none lost, none twice in the normal case.

Signers with an account get the message in their inbox in the batch's own transaction; signers
without one get an email queued (ResponseEmail) in that same transaction and sent afterwards, so a
crash after the commit, a mail server that refuses or a lost task loses nobody's email.
"""

from __future__ import annotations

import datetime
import smtplib
from collections import Counter

import pytest
from django.core import mail
from django.test import override_settings

from ecitizen.engagement.petitions import services
from ecitizen.engagement.petitions.models import Petition, ResponseEmail, Signature

pytestmark = pytest.mark.django_db

SIGNERS = [f"told{i}@example.org" for i in range(5)]


@pytest.fixture
def signed(open_petition, sign_by_email):
    for address in SIGNERS:
        sign_by_email(open_petition, address)
    mail.outbox.clear()
    return open_petition


def _told() -> Counter:
    """How many response emails each signer without an account got."""
    return Counter(m.to[0] for m in mail.outbox if m.to[0] in SIGNERS and "Response to the petition" in m.subject)


def _refusing(*args, **kwargs):
    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@override_settings(PETITION_MAIL_BATCH_SIZE=3)
def test_emails_the_server_refused_are_sent_on_a_later_run(
    signed, admin_a, monkeypatch, time_machine, django_capture_on_commit_callbacks
):
    # given a mail server that refuses everything while the response goes out
    monkeypatch.setattr(services, "send_mail", _refusing)
    with django_capture_on_commit_callbacks(execute=True):
        services.petition_respond(actor=admin_a, petition=signed, text="We will do it.")
    signed.refresh_from_db()
    # every signer has been passed (and those with an account told in their inbox)
    assert signed.response_mailed_to == Signature.objects.filter(petition=signed).order_by("-pk").first().pk
    assert signed.author.notifications.filter(subject__icontains="Response to the petition").exists()
    assert _told() == Counter()
    waiting = ResponseEmail.objects.filter(petition=signed, sent_at__isnull=True)
    assert waiting.count() == len(SIGNERS)
    assert {e.attempts for e in waiting} == {1} and {e.last_error for e in waiting} == {"SMTPServerDisconnected"}
    # when the server is back, the sweep sends them once they are due again: each signer once
    monkeypatch.undo()
    services.petitions_sweep()
    assert _told() == Counter()  # not due yet
    time_machine.move_to(services.timezone.now() + datetime.timedelta(minutes=6))
    services.petitions_sweep()
    services.petitions_sweep()
    assert _told() == Counter(dict.fromkeys(SIGNERS, 1))
    assert not ResponseEmail.objects.filter(sent_at__isnull=True).exists()


def test_a_crash_between_the_batch_commit_and_sending_loses_nothing(
    signed, admin_a, django_capture_on_commit_callbacks
):
    # the response is published but its task never runs (the queue lost it)
    with django_capture_on_commit_callbacks(execute=False):
        services.petition_respond(actor=admin_a, petition=signed, text="We will do it.")
    # a batch commits, then the process dies before sending
    assert services.response_mail_batch(signed.pk) is False
    assert _told() == Counter()
    # the sweep sends what the batch queued: each signer once, and nothing more on the next run
    services.petitions_sweep()
    services.petitions_sweep()
    assert _told() == Counter(dict.fromkeys(SIGNERS, 1))


def test_a_lost_mailing_task_is_taken_up_by_the_sweep(signed, admin_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        services.petition_respond(actor=admin_a, petition=signed, text="We will do it.")
    assert Petition.objects.get(pk=signed.pk).response_mailed_to == 0
    assert services.petitions_sweep() == 0
    assert _told() == Counter(dict.fromkeys(SIGNERS, 1))
    assert services.response_mail_resume() == 0  # nobody left


def test_running_the_mailing_twice_tells_nobody_twice(signed, admin_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.petition_respond(actor=admin_a, petition=signed, text="We will do it.")
    services.response_mail_task.call(signed.pk)
    services.petitions_sweep()
    assert _told() == Counter(dict.fromkeys(SIGNERS, 1))
    assert signed.author.notifications.filter(subject__icontains="Response to the petition").count() == 1


def test_one_refused_address_does_not_hold_up_the_others(
    signed, admin_a, monkeypatch, django_capture_on_commit_callbacks
):
    real = services.send_mail

    def refuse_one(subject, body, sender, to, **kwargs):
        if to == [SIGNERS[2]]:
            raise smtplib.SMTPRecipientsRefused({SIGNERS[2]: (550, b"No such user")})
        return real(subject, body, sender, to, **kwargs)

    monkeypatch.setattr(services, "send_mail", refuse_one)
    with django_capture_on_commit_callbacks(execute=True):
        services.petition_respond(actor=admin_a, petition=signed, text="We will do it.")
    assert _told() == Counter({a: 1 for a in SIGNERS if a != SIGNERS[2]})
    refused = ResponseEmail.objects.get(sent_at__isnull=True)
    assert refused.signature.email == SIGNERS[2]
    assert refused.last_error == "SMTPRecipientsRefused"  # the address itself is not kept in the error


def test_retries_wait_longer_each_time_and_stop(
    signed, admin_a, monkeypatch, time_machine, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "send_mail", _refusing)
    with django_capture_on_commit_callbacks(execute=False):
        services.petition_respond(actor=admin_a, petition=signed, text="We will do it.")
    services.response_mail_batch(signed.pk)
    email = ResponseEmail.objects.filter(petition=signed).first()
    delays = []
    for _attempt in range(services.RESPONSE_EMAIL_MAX_ATTEMPTS + 2):
        services.response_emails_send()
        email.refresh_from_db()
        delays.append(email.next_attempt_at - services.timezone.now())
        time_machine.move_to(email.next_attempt_at + datetime.timedelta(seconds=1))
    assert email.attempts == services.RESPONSE_EMAIL_MAX_ATTEMPTS and email.sent_at is None
    assert delays[1] > delays[0]
    assert max(delays) <= services.RESPONSE_EMAIL_MAX_DELAY


def test_a_queue_that_refuses_fails_neither_the_response_nor_the_mailing(
    signed, admin_a, monkeypatch, django_capture_on_commit_callbacks
):
    class RefusingQueue:
        def enqueue(self, *args):
            raise ConnectionError("the task queue is down")

    monkeypatch.setattr(services, "response_mail_task", RefusingQueue())
    # the failure after commit is logged, not raised (the response is published)
    with django_capture_on_commit_callbacks(execute=True):
        services.petition_respond(actor=admin_a, petition=signed, text="We will do it.")
    assert Petition.objects.get(pk=signed.pk).responded_at is not None
    monkeypatch.undo()
    services.petitions_sweep()
    assert _told() == Counter(dict.fromkeys(SIGNERS, 1))


def test_the_sweep_leaves_a_finished_mailing_alone(signed, admin_a, sign_by_email, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.petition_respond(actor=admin_a, petition=signed, text="We will do it.")
    assert Petition.objects.get(pk=signed.pk).response_mailed_at is not None
    # someone who signs after the mailing reads the response on the page: no email for them
    sign_by_email(signed, "after@example.org")
    assert services.response_mail_resume() == 0
    services.petitions_sweep()
    assert not [m for m in mail.outbox if m.to == ["after@example.org"] and "Response" in m.subject]


@pytest.mark.django_db(transaction=True)
def test_the_mail_server_is_called_with_no_transaction_open(signed, admin_a, monkeypatch):
    """On SQLite a transaction holds the whole database's write lock: a slow mail server must not
    make every other request wait."""
    from django.db import connection

    in_transaction = []

    def recording(*args, **kwargs):
        in_transaction.append(connection.in_atomic_block)

    monkeypatch.setattr(services, "send_mail", recording)
    services.petition_respond(actor=admin_a, petition=signed, text="We will do it.")
    services.response_mail_task.call(signed.pk)
    assert len(in_transaction) == len(SIGNERS) and not any(in_transaction)
    assert ResponseEmail.objects.filter(sent_at__isnull=False).count() == len(SIGNERS)


def test_an_email_claimed_by_a_sender_that_crashed_is_sent_once_its_lease_is_over(
    signed, admin_a, time_machine, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        services.petition_respond(actor=admin_a, petition=signed, text="We will do it.")
    services.response_mail_batch(signed.pk)
    # a sender claimed one, then died before recording that it was sent
    claimed = ResponseEmail.objects.filter(petition=signed).order_by("pk").first()
    ResponseEmail.objects.filter(pk=claimed.pk).update(
        attempts=1, next_attempt_at=services.timezone.now() + services.RESPONSE_EMAIL_LEASE
    )
    services.response_emails_send(petition_id=signed.pk)
    assert sum(_told().values()) == len(SIGNERS) - 1
    time_machine.move_to(services.timezone.now() + services.RESPONSE_EMAIL_LEASE + datetime.timedelta(seconds=1))
    services.response_emails_send(petition_id=signed.pk)
    assert _told() == Counter(dict.fromkeys(SIGNERS, 1))
