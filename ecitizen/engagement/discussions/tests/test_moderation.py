"""Flags, automatic hiding, moderators' decisions and the public moderation log."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.engagement.discussions import selectors, services
from ecitizen.engagement.discussions.models import CommentState, ModerationAction, ModerationEvent, Thread
from ecitizen.notifications.models import Notification

pytestmark = pytest.mark.django_db


@pytest.fixture
def comment(post, citizen, fake_subject):
    return post(citizen, fake_subject, "one", "Buy cheap stuff at my shop")


def flag(actor, comment, reason="spam", note="", capture=None):
    return services.comment_flag(actor=actor, comment=comment, reason=reason, note=note)


def test_flag_once_per_person_never_ones_own(comment, citizen, other_citizen):
    flag(other_citizen, comment)
    with pytest.raises(ValidationError):
        flag(other_citizen, comment)
    with pytest.raises(ValidationError):
        flag(citizen, comment)
    with pytest.raises(ValidationError):
        flag(other_citizen, comment, reason="made-up")
    comment.refresh_from_db()
    assert comment.flag_count == 1 and comment.state == CommentState.VISIBLE
    assert AuditLog.objects.filter(action=AuditAction.COMMENT_FLAGGED).count() == 1


@override_settings(DISCUSSIONS_FLAGS_TO_HIDE=2)
def test_enough_flags_hide_pending_review(
    comment, citizen, other_citizen, third_citizen, moderator_a, django_capture_on_commit_callbacks
):
    flag(other_citizen, comment)
    comment.refresh_from_db()
    assert comment.state == CommentState.VISIBLE
    with django_capture_on_commit_callbacks(execute=True):
        flag(third_citizen, comment, reason="abuse")
    comment.refresh_from_db()
    assert comment.state == CommentState.PENDING
    assert Thread.objects.get(pk=comment.thread_id).comment_count == 0
    event = ModerationEvent.objects.get()
    assert event.action == ModerationAction.AUTO_HIDDEN and event.moderator is None
    assert Notification.objects.filter(user=citizen, subject__contains="hidden while moderators").exists()
    assert list(selectors.moderation_queue(moderator_a)) == [comment]


def test_default_threshold_is_three(comment, other_citizen, third_citizen, make_user):
    flag(other_citizen, comment)
    flag(third_citizen, comment)
    comment.refresh_from_db()
    assert comment.state == CommentState.VISIBLE
    flag(make_user("dora@example.org"), comment)
    comment.refresh_from_db()
    assert comment.state == CommentState.PENDING


def test_moderator_hides_with_a_reason_the_author_is_told(
    comment, citizen, other_citizen, moderator_a, django_capture_on_commit_callbacks
):
    flag(other_citizen, comment)
    with django_capture_on_commit_callbacks(execute=True):
        event = services.comment_hide(actor=moderator_a, comment=comment, reason="spam", explanation="Advertising.")
    comment.refresh_from_db()
    assert comment.state == CommentState.HIDDEN and comment.flag_count == 0
    assert event.action == ModerationAction.HIDDEN and event.reason == "spam" and event.moderator == moderator_a
    assert comment.flags.get().reviewed_at is not None
    note = Notification.objects.get(user=citizen, subject="A moderator has hidden your comment")
    assert "Spam or advertising" in note.body and "Advertising." in note.body
    row = AuditLog.objects.get(action=AuditAction.COMMENT_HIDDEN)
    assert row.actor == moderator_a and row.subject_user == citizen and row.agency == comment.thread.agency
    assert list(selectors.moderation_queue(moderator_a)) == []


@override_settings(DISCUSSIONS_FLAGS_TO_HIDE=1)
def test_moderator_restores_with_an_explanation(
    comment, citizen, other_citizen, moderator_a, django_capture_on_commit_callbacks
):
    flag(other_citizen, comment)
    with pytest.raises(ValidationError):
        services.comment_restore(actor=moderator_a, comment=comment, explanation=" ")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_restore(actor=moderator_a, comment=comment, explanation="It breaks no rule.")
    comment.refresh_from_db()
    assert comment.state == CommentState.VISIBLE and comment.flag_count == 0
    assert Thread.objects.get(pk=comment.thread_id).comment_count == 1
    assert [e.action for e in selectors.moderation_log()] == [ModerationAction.RESTORED, ModerationAction.AUTO_HIDDEN]
    assert Notification.objects.filter(user=citizen, subject="Your comment is shown again").exists()
    assert AuditLog.objects.filter(action=AuditAction.COMMENT_RESTORED, actor=moderator_a).count() == 1


def test_keeping_a_flagged_comment_closes_the_reports_without_a_log_entry(comment, other_citizen, moderator_a):
    flag(other_citizen, comment)
    assert services.comment_restore(actor=moderator_a, comment=comment, explanation="Fine.") is None
    comment.refresh_from_db()
    assert comment.flag_count == 0 and not ModerationEvent.objects.exists()
    with pytest.raises(ValidationError):
        services.comment_restore(actor=moderator_a, comment=comment, explanation="Again")


def test_only_moderators_of_the_agency_moderate_and_never_their_own(
    comment, post, fake_subject, moderator_a, moderator_b, caseworker_a, other_citizen
):
    for actor in (moderator_b, caseworker_a, other_citizen):
        with pytest.raises(PermissionDenied):
            services.comment_hide(actor=actor, comment=comment, reason="spam")
    own = post(moderator_a, fake_subject, "one", "my own")
    with pytest.raises(PermissionDenied):
        services.comment_hide(actor=moderator_a, comment=own, reason="spam")
    assert list(selectors.moderation_queue(moderator_b)) == []
    assert not ModerationEvent.objects.exists()


def test_hiding_the_answer_unmarks_it(post, topic, caseworker_a, moderator_a):
    answer = post(caseworker_a, "topic", topic.key, "In May.", as_official=True)
    services.comment_mark_answer(actor=caseworker_a, comment=answer)
    services.comment_hide(actor=moderator_a, comment=answer, reason="other", explanation="Wrong date")
    topic.refresh_from_db()
    assert topic.answer is None


def test_comments_read_in_the_audit_log(comment, moderator_a, other_citizen):
    from ecitizen.core.references import resolve_references

    key = ("discussions.comment", str(comment.pk))
    assert resolve_references(moderator_a, [key])[key].url == f"/staff/moderation/comments/{comment.pk}/"
    assert resolve_references(other_citizen, [key])[key].url.endswith(f"#comment-{comment.pk}")
