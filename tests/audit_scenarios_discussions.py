"""Audit scenarios of ecitizen.engagement.discussions: see tests/audit_scenarios.py for the shape."""

from __future__ import annotations

from typing import Any

from ecitizen.core.models import AuditAction as A


def _expect(**kwargs):
    from tests.audit_scenarios import Expect

    return Expect(**kwargs)


def _board(w):
    def make():
        from ecitizen.engagement.discussions.services import board_save

        return board_save(
            actor=w.admin_a, agency=w.agency_a, title="Roads", slug="roads-audit", description="Roads and parking"
        )

    return w._once("discussions_board", make)


def _topic(w):
    def make():
        from ecitizen.engagement.discussions.services import topic_start

        return topic_start(actor=w.citizen, board=_board(w), title="Potholes?", body="When?", is_question=True)

    return w._once("discussions_topic", make)


def _comment(w, author=None):
    from ecitizen.engagement.discussions.services import comment_post

    return comment_post(actor=author or w.other_citizen, kind="topic", key=_topic(w).key, body="A comment")


def board_saved(w):
    from ecitizen.engagement.discussions.services import board_save

    actor, agency = w.admin_a, w.agency_a

    def act():
        board = board_save(actor=actor, agency=agency, title="Parks", slug="parks-audit", description="Parks")
        return _expect(actor=actor, subject=board, agency=agency)

    return act


def comment_posted(w):
    from ecitizen.engagement.discussions.services import comment_post

    topic, actor = _topic(w), w.other_citizen

    def act():
        comment = comment_post(actor=actor, kind="topic", key=topic.key, body="Me too")
        return _expect(actor=actor, subject=comment)

    return act


def comment_edited(w):
    from ecitizen.engagement.discussions.services import comment_edit

    comment, actor = _comment(w), w.other_citizen

    def act():
        comment_edit(actor=actor, comment=comment, body="Edited text")
        return _expect(actor=actor, subject=comment)

    return act


def comment_deleted(w):
    from ecitizen.engagement.discussions.services import comment_delete

    comment, actor = _comment(w), w.other_citizen

    def act():
        comment_delete(actor=actor, comment=comment)
        return _expect(actor=actor, subject=comment)

    return act


def comment_flagged(w):
    from ecitizen.engagement.discussions.services import comment_flag

    comment, actor = _comment(w), w.citizen

    def act():
        comment_flag(actor=actor, comment=comment, reason="spam", note="Advert")
        return _expect(actor=actor, subject=comment)

    return act


def comment_hidden(w):
    from ecitizen.engagement.discussions.services import comment_hide

    comment, actor = _comment(w), w.staff("moderator")

    def act():
        comment_hide(actor=actor, comment=comment, reason="abuse", explanation="Insults")
        return _expect(actor=actor, subject=comment, agency=w.agency_a)

    return act


def comment_restored(w):
    from ecitizen.engagement.discussions.services import comment_hide, comment_restore

    comment, actor = _comment(w), w.staff("moderator")
    comment_hide(actor=actor, comment=comment, reason="abuse")

    def act():
        comment_restore(actor=actor, comment=comment, explanation="On reflection it is fine")
        return _expect(actor=actor, subject=comment, agency=w.agency_a)

    return act


def comment_marked_answer(w):
    from ecitizen.engagement.discussions.services import comment_mark_answer, comment_post

    topic, actor = _topic(w), w.caseworker_a
    answer = comment_post(actor=actor, kind="topic", key=topic.key, body="In May", as_official=True)

    def act():
        comment_mark_answer(actor=actor, comment=answer)
        return _expect(actor=actor, subject=answer, agency=w.agency_a)

    return act


def follow_started(w):
    from ecitizen.engagement.discussions.services import follow_start

    board, actor = _board(w), w.other_citizen

    def act():
        follow = follow_start(actor=actor, kind="board", key=board.slug)
        return _expect(actor=actor, subject=follow)

    return act


def follow_stopped(w):
    from ecitizen.engagement.discussions.models import Follow
    from ecitizen.engagement.discussions.services import follow_start, follow_stop

    board, actor = _board(w), w.other_citizen
    follow = follow_start(actor=actor, kind="board", key=board.slug)

    def act():
        follow_stop(actor=actor, kind="board", key=board.slug)
        return _expect(actor=actor, subject=Follow(pk=follow.pk))

    return act


def participant_saved(w):
    from ecitizen.engagement.discussions.services import participant_save

    actor = w.citizen

    def act():
        participant = participant_save(actor=actor, display_name="Elm fan", daily_digest=True)
        return _expect(actor=actor, subject=participant)

    return act


SCENARIOS: dict[str, Any] = {
    A.BOARD_SAVED: board_saved,
    A.COMMENT_POSTED: comment_posted,
    A.COMMENT_EDITED: comment_edited,
    A.COMMENT_DELETED: comment_deleted,
    A.COMMENT_FLAGGED: comment_flagged,
    A.COMMENT_HIDDEN: comment_hidden,
    A.COMMENT_RESTORED: comment_restored,
    A.COMMENT_MARKED_ANSWER: comment_marked_answer,
    A.FOLLOW_STARTED: follow_started,
    A.FOLLOW_STOPPED: follow_stopped,
    A.PARTICIPANT_SAVED: participant_saved,
}
