"""Staff see how the response emails stand: queued, sent, waiting to try again, given up. Counts
only, never the addresses."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from ecitizen.engagement.petitions import selectors, services
from ecitizen.engagement.petitions.models import RESPONSE_EMAIL_MAX_ATTEMPTS, ResponseEmail

pytestmark = pytest.mark.django_db

SIGNERS = [f"status{i}@example.org" for i in range(6)]


@pytest.fixture
def responded(open_petition, sign_by_email, admin_a, django_capture_on_commit_callbacks):
    """A petition answered, its six response emails queued: then one left queued, two sent, two
    waiting to try again and one given up."""
    for address in SIGNERS:
        sign_by_email(open_petition, address)
    with django_capture_on_commit_callbacks(execute=False):
        services.petition_respond(actor=admin_a, petition=open_petition, text="We will do it.")
    services.response_mail_batch(open_petition.pk)
    emails = list(ResponseEmail.objects.filter(petition=open_petition).order_by("pk"))
    assert len(emails) == len(SIGNERS)
    ResponseEmail.objects.filter(pk__in=[e.pk for e in emails[1:3]]).update(attempts=1, sent_at=services.timezone.now())
    ResponseEmail.objects.filter(pk__in=[e.pk for e in emails[3:5]]).update(attempts=2, last_error="SMTPException")
    ResponseEmail.objects.filter(pk=emails[5].pk).update(attempts=RESPONSE_EMAIL_MAX_ATTEMPTS, last_error="X")
    mail.outbox.clear()
    open_petition.refresh_from_db()
    return open_petition


def test_counts_in_one_query(responded, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = selectors.response_email_counts(responded)
    assert counts == {"queued": 1, "sent": 2, "retrying": 2, "given_up": 1}


def test_counts_are_of_this_petition_only(responded, make_petition):
    other = make_petition("Another petition")
    assert selectors.response_email_counts(other) == {"queued": 0, "sent": 0, "retrying": 0, "given_up": 0}


def test_the_staff_page_shows_the_counts_and_no_address(responded, admin_a, client):
    client.force_login(admin_a)
    page = client.get(f"/staff/petitions/{responded.pk}/").content.decode()
    text = re.sub(r"\s+", " ", page)
    assert "Response emails" in text
    for line in ("Queued: 1", "Sent: 2", "Waiting to try again: 2", "Given up after too many tries: 1"):
        assert line in text
    assert not any(address in page for address in SIGNERS)
    assert "@example.org" not in page


def test_no_counts_before_a_response(open_petition, admin_a, client):
    client.force_login(admin_a)
    page = client.get(f"/staff/petitions/{open_petition.pk}/").content.decode()
    assert "Response emails" not in page
