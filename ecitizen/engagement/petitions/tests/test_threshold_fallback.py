"""Thresholds follow the count until the agency acts on them.

The rule: a petition that reaches a threshold is marked. While the agency has not responded (for
the response threshold) or scheduled the debate (for the debate threshold), signatures that stop
counting (removed by a moderator, withdrawn) and take the count back below it clear the mark: the
petition waits for that threshold again, and is marked anew when it gets back there. Once the
agency has responded, or the debate is scheduled, the mark stays.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.engagement.petitions import selectors, services
from ecitizen.engagement.petitions.models import Petition

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_the_threshold(open_petition, sign_by_email, settings):
    """The open petition with one signature (flagged: a disposable address) that takes it to both
    thresholds, which are marked."""
    count = selectors.signature_count(open_petition)
    settings.PETITION_RESPONSE_THRESHOLD = count + 1
    settings.PETITION_DEBATE_THRESHOLD = count + 1
    flagged = sign_by_email(open_petition, "crosser@mailinator.com")
    open_petition.refresh_from_db()
    assert open_petition.response_threshold_at is not None
    assert open_petition.debate_threshold_at is not None
    return open_petition, flagged


def test_a_removal_under_the_threshold_clears_the_marks_until_it_is_reached_again(
    at_the_threshold, moderator_a, sign_by_email
):
    petition, flagged = at_the_threshold
    services.signature_review(actor=moderator_a, signature=flagged, remove=True, reason="fake")
    petition.refresh_from_db()
    assert petition.response_threshold_at is None and petition.debate_threshold_at is None
    assert petition.response_threshold_cleared_at is not None and petition.debate_threshold_cleared_at is not None
    assert petition.threshold_fell_back("response") and petition.threshold_fell_back("debate")
    # no longer waiting for a response in the back office and the public lists
    assert not selectors.public_petitions(state="awaiting").filter(pk=petition.pk).exists()
    row = AuditLog.objects.get(action=AuditAction.PETITION_THRESHOLD_CLEARED)
    assert row.actor == moderator_a and row.agency == petition.agency
    assert row.extra == {"thresholds": ["response", "debate"], "signatures": selectors.signature_count(petition)}
    # when the count gets back there, the marks are set again
    sign_by_email(petition, "back@example.org")
    petition.refresh_from_db()
    assert petition.response_threshold_at is not None and not petition.threshold_fell_back("response")


def test_once_responded_and_scheduled_the_marks_stay(at_the_threshold, moderator_a, admin_a):
    petition, flagged = at_the_threshold
    services.petition_respond(actor=admin_a, petition=petition, text="We agree.")
    services.petition_schedule_debate(
        actor=admin_a, petition=petition, date=timezone.localdate() + datetime.timedelta(days=7), place="Town hall"
    )
    services.signature_review(actor=moderator_a, signature=flagged, remove=True, reason="fake")
    petition.refresh_from_db()
    assert petition.response_threshold_at is not None and petition.debate_threshold_at is not None
    assert not AuditLog.objects.filter(action=AuditAction.PETITION_THRESHOLD_CLEARED).exists()


def test_only_the_threshold_not_acted_on_is_cleared(at_the_threshold, moderator_a, admin_a):
    petition, flagged = at_the_threshold
    services.petition_respond(actor=admin_a, petition=petition, text="We agree.")
    services.signature_review(actor=moderator_a, signature=flagged, remove=True, reason="fake")
    petition.refresh_from_db()
    assert petition.response_threshold_at is not None  # responded: stays
    assert petition.debate_threshold_at is None  # no debate scheduled: cleared
    assert AuditLog.objects.get(action=AuditAction.PETITION_THRESHOLD_CLEARED).extra["thresholds"] == ["debate"]


def test_a_removal_that_leaves_the_count_at_the_threshold_clears_nothing(at_the_threshold, moderator_a, sign_by_email):
    petition, _flagged = at_the_threshold
    other = sign_by_email(petition, "second@mailinator.com")
    services.signature_review(actor=moderator_a, signature=other, remove=True, reason="fake")
    petition.refresh_from_db()
    assert petition.response_threshold_at is not None and petition.response_threshold_cleared_at is None


def test_a_withdrawal_under_the_threshold_clears_the_mark(at_the_threshold):
    petition, signature = at_the_threshold
    services.signature_withdraw(actor=None, signature=signature)
    petition.refresh_from_db()
    assert petition.response_threshold_at is None and petition.threshold_fell_back("response")
    row = AuditLog.objects.get(action=AuditAction.PETITION_THRESHOLD_CLEARED)
    assert row.actor is None


def test_keeping_a_flagged_signature_clears_nothing(at_the_threshold, moderator_a):
    petition, flagged = at_the_threshold
    services.signature_review(actor=moderator_a, signature=flagged, remove=False)
    petition.refresh_from_db()
    assert petition.response_threshold_at is not None


def test_the_sweep_clears_a_mark_a_race_left_standing(open_petition, settings):
    # given a mark that a race left behind: the count is below the threshold
    settings.PETITION_RESPONSE_THRESHOLD = selectors.signature_count(open_petition) + 5
    Petition.objects.filter(pk=open_petition.pk).update(response_threshold_at=timezone.now())
    # when the sweep runs, it is cleared (once)
    services.petitions_sweep()
    services.petitions_sweep()
    open_petition.refresh_from_db()
    assert open_petition.response_threshold_at is None and open_petition.threshold_fell_back("response")
    assert AuditLog.objects.filter(action=AuditAction.PETITION_THRESHOLD_CLEARED, actor=None).count() == 1


def test_the_staff_page_shows_a_threshold_the_count_fell_back_below(at_the_threshold, moderator_a, admin_a, client):
    petition, flagged = at_the_threshold
    services.signature_review(actor=moderator_a, signature=flagged, remove=True, reason="fake")
    client.force_login(admin_a)
    page = client.get(f"/staff/petitions/{petition.pk}/").content.decode()
    assert "Response threshold" in page and "Debate threshold" in page
    assert "Fell back below" in page
    assert "Write the agency’s response" in page  # the agency may still respond of its own accord
    # and the public page no longer says a response is due
    public = client.get(f"/petitions/{petition.pk}/").content.decode()
    assert "reached the number of signatures for a response" not in public
