"""Following subjects: notifications now or in a daily digest, and what the dashboard shows."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.engagement.discussions import selectors, services
from ecitizen.engagement.discussions.models import Digest, DigestItem, Follow
from ecitizen.notifications.models import Notification

pytestmark = pytest.mark.django_db


def _local(*parts):
    """A wall-clock time in the deployment's time zone (the digest's day is the local day)."""
    return timezone.make_aware(datetime.datetime(*parts))


def test_follow_and_stop_are_idempotent(citizen, fake_subject):
    services.follow_start(actor=citizen, kind=fake_subject, key="one")
    services.follow_start(actor=citizen, kind=fake_subject, key="one")
    assert Follow.objects.filter(user=citizen).count() == 1
    assert AuditLog.objects.filter(action=AuditAction.FOLLOW_STARTED).count() == 1
    assert services.follow_stop(actor=citizen, kind=fake_subject, key="one") is True
    assert services.follow_stop(actor=citizen, kind=fake_subject, key="one") is False
    assert AuditLog.objects.filter(action=AuditAction.FOLLOW_STOPPED).count() == 1
    assert not Follow.objects.exists()


def test_following_needs_a_confirmed_email_and_a_real_subject(make_user, citizen, fake_subject):
    with pytest.raises(PermissionDenied):
        services.follow_start(actor=make_user("x@example.org", verified_email=False), kind=fake_subject, key="one")
    from django.http import Http404

    with pytest.raises(Http404):
        services.follow_start(actor=citizen, kind=fake_subject, key="nope")


def test_followers_are_told_of_new_comments_not_the_author(post, citizen, other_citizen, fake_subject, mailoutbox):
    services.follow_start(actor=other_citizen, kind=fake_subject, key="one")
    post(citizen, fake_subject, "one", "Hello <b>there</b>")
    note = Notification.objects.get(user=other_citizen)
    assert "Thing one" in note.subject and "Hello <b>there</b>" in note.body
    assert note.url.startswith("/have-your-say/discussions/on/thing/one/#comment-")
    assert not Notification.objects.filter(user=citizen).exists()
    assert [m.to for m in mailoutbox] == [["ben@example.org"]]


def test_official_answer_tells_the_followers(post, topic, caseworker_a, citizen, django_capture_on_commit_callbacks):
    answer = post(caseworker_a, "topic", topic.key, "In May.", as_official=True)
    assert Notification.objects.filter(user=citizen, subject__startswith="Official reply").exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_mark_answer(actor=caseworker_a, comment=answer)
    assert Notification.objects.filter(user=citizen, subject__startswith="Answered").exists()


def test_board_followers_hear_of_new_topics(board, citizen, other_citizen, django_capture_on_commit_callbacks):
    services.follow_start(actor=other_citizen, kind="board", key=board.slug)
    with django_capture_on_commit_callbacks(execute=True):
        services.topic_start(actor=citizen, board=board, title="Street lights", body="Broken on Elm Street")
    assert Notification.objects.get(user=other_citizen).subject == "New topic on “Roads and parking”: Street lights"


def test_nothing_is_sent_when_the_transaction_fails(citizen, other_citizen, fake_subject):
    services.follow_start(actor=other_citizen, kind=fake_subject, key="one")
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        services.comment_post(actor=citizen, kind=fake_subject, key="one", body="x")
        raise RuntimeError
    assert not Notification.objects.exists()


def test_daily_digest_collects_and_sends_once_a_day(post, citizen, other_citizen, fake_subject, mailoutbox):
    services.participant_save(actor=other_citizen, display_name="", daily_digest=True)
    services.follow_start(actor=other_citizen, kind=fake_subject, key="one")
    with time_machine.travel(_local(2027, 3, 1, 7)):
        post(citizen, fake_subject, "one", "first")
        post(citizen, fake_subject, "one", "second")
    assert not Notification.objects.filter(user=other_citizen).exists()
    assert DigestItem.objects.filter(user=other_citizen, digest=None).count() == 2
    with time_machine.travel(_local(2027, 3, 2, 7)):
        assert services.digests_send() == 1
        post(citizen, fake_subject, "one", "third")
        assert services.digests_send() == 0  # once a day: the third waits for tomorrow
    note = Notification.objects.get(user=other_citizen)
    assert "2 new items" in note.subject and note.body.count("New comment on “Thing one”") == 2
    assert Digest.objects.get(user=other_citizen).day == datetime.date(2027, 3, 2)
    with time_machine.travel(_local(2027, 3, 3, 7)):
        assert services.digests_send() == 1
    assert Notification.objects.filter(user=other_citizen).count() == 2


def test_follows_for_dashboard_counts_what_others_posted(post, citizen, other_citizen, fake_subject, topic):
    services.follow_start(actor=other_citizen, kind=fake_subject, key="one")
    post(citizen, fake_subject, "one", "a")
    post(citizen, fake_subject, "one", "b")
    follows = selectors.follows_for_dashboard(other_citizen)
    assert [(f.kind, f.key, f.title, f.new_comments) for f in follows] == [("thing", "one", "Thing one", 2)]
    post(other_citizen, fake_subject, "one", "c")  # taking part resets what is new
    assert selectors.follows_for_dashboard(other_citizen)[0].new_comments == 0
    mine = selectors.follows_for_dashboard(citizen)
    assert {f.kind for f in mine} == {"thing", "topic"}
    assert selectors.follows_for_dashboard(None) == []


def test_follows_count_new_topics_on_a_board_and_answers(board, citizen, other_citizen, caseworker_a, post):
    services.follow_start(actor=other_citizen, kind="board", key=board.slug)
    topic = services.topic_start(actor=citizen, board=board, title="Lights", body="Out", is_question=True)
    services.follow_start(actor=other_citizen, kind="topic", key=topic.key)
    answer = post(caseworker_a, "topic", topic.key, "Fixed tomorrow", as_official=True)
    services.comment_mark_answer(actor=caseworker_a, comment=answer)
    rows = {(f.kind, f.key): f for f in selectors.follows_for_dashboard(other_citizen)}
    assert rows[("board", board.slug)].new_comments == 1
    assert rows[("board", board.slug)].url == f"/have-your-say/discussions/boards/{board.slug}/"
    assert rows[("topic", topic.key)].is_answered and rows[("topic", topic.key)].new_comments == 1  # the answer


@override_settings(DISCUSSIONS_FOLLOW_RATE="3/m/user", ECITIZEN_RATE_LIMITS_ENABLED=True)
def test_following_and_unfollowing_share_a_rate_limit_with_a_clear_page(client, citizen, other_citizen, fake_subject):
    follow = reverse("discussions:follow", args=[fake_subject, "one"])
    unfollow = reverse("discussions:unfollow", args=[fake_subject, "one"])
    client.force_login(citizen)
    for url in (follow, unfollow, follow):
        assert client.post(url).status_code == 302
    for url in (unfollow, follow):
        response = client.post(url)
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        page = response.content.decode()
        assert "Too many changes to what you follow" in page and "Wait 1 minute, then try again." in page
        assert "govuk-back-link" in page
    assert Follow.objects.filter(user=citizen).count() == 1  # the refused unfollow changed nothing
    assert AuditLog.objects.filter(action__in=[AuditAction.FOLLOW_STARTED, AuditAction.FOLLOW_STOPPED]).count() == 3
    client.force_login(other_citizen)  # the budget is each person's own
    assert client.post(follow).status_code == 302
