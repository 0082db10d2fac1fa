"""Posting: topics, comments, replies, official answers, edits and removal."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.test import override_settings

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.engagement.discussions import selectors, services
from ecitizen.engagement.discussions.models import Comment, CommentState, Follow, Thread

pytestmark = pytest.mark.django_db


def test_topic_start_makes_a_thread_with_its_first_post_and_follows_it(topic, citizen, board, agency_a):
    # then
    assert topic.kind == "topic" and topic.key == str(topic.pk)
    assert topic.board == board and topic.agency == agency_a and topic.is_question
    first = topic.comments.get()
    assert first.author == citizen and first.author_name == "Amina H." and first.depth == 0
    assert Thread.objects.get(pk=topic.pk).comment_count == 1
    assert Follow.objects.filter(user=citizen, kind="topic", key=topic.key).exists()
    row = AuditLog.objects.get(action=AuditAction.COMMENT_POSTED)
    assert row.actor == citizen and row.subject_id == str(first.pk) and row.extra["new_topic"] is True


def test_topic_needs_a_title_and_a_body(board, citizen):
    with pytest.raises(ValidationError) as exc:
        services.topic_start(actor=citizen, board=board, title="  ", body="")
    assert set(exc.value.message_dict) == {"title", "body"}
    assert not Thread.objects.exists()


def test_closed_board_takes_no_topics(board, citizen, admin_a):
    services.board_save(
        actor=admin_a,
        agency=board.agency,
        board=board,
        title=board.title,
        slug=board.slug,
        description=board.description,
        is_open=False,
    )
    with pytest.raises(ValidationError):
        services.topic_start(actor=citizen, board=board, title="Hello", body="World")


def test_posting_needs_a_confirmed_email(make_user, fake_subject):
    unconfirmed = make_user("new@example.org", verified_email=False)
    with pytest.raises(PermissionDenied):
        services.comment_post(actor=unconfirmed, kind=fake_subject, key="one", body="Hi")
    assert not Comment.objects.exists()


def test_comment_makes_the_thread_lazily(post, citizen, fake_subject, agency_a):
    assert selectors.thread_for(fake_subject, "one") is None
    comment = post(citizen, fake_subject, "one", "First!")
    thread = selectors.thread_for(fake_subject, "one")
    assert comment.thread == thread and thread.agency == agency_a and thread.comment_count == 1
    assert selectors.comment_counts(fake_subject, ["one", "shut"]) == {"one": 1, "shut": 0}


def test_unknown_or_closed_subjects_take_no_comments(citizen, fake_subject):
    with pytest.raises(Http404):
        services.comment_post(actor=citizen, kind=fake_subject, key="nope", body="Hi")
    with pytest.raises(Http404):
        services.comment_post(actor=citizen, kind="no-such-kind", key="1", body="Hi")
    with pytest.raises(ValidationError):
        services.comment_post(actor=citizen, kind=fake_subject, key="shut", body="Hi")
    assert not Thread.objects.exists()


def test_empty_and_too_long_comments_are_refused(citizen, fake_subject):
    for body in ("", "   \n ", "x" * 5001):
        with pytest.raises(ValidationError) as exc:
            services.comment_post(actor=citizen, kind=fake_subject, key="one", body=body)
        assert "body" in exc.value.message_dict
    assert not Comment.objects.exists()


@override_settings(DISCUSSIONS_MAX_DEPTH=3)
def test_replies_nest_to_the_depth_limit_then_stay_in_the_conversation(post, citizen, other_citizen, fake_subject):
    root = post(citizen, fake_subject, "one", "root")
    reply = post(other_citizen, fake_subject, "one", "reply", parent=root)
    deeper = post(citizen, fake_subject, "one", "deeper", parent=reply)
    deepest = post(other_citizen, fake_subject, "one", "deepest", parent=deeper)
    assert (root.depth, reply.depth, deeper.depth) == (0, 1, 2)
    assert deepest.depth == 2 and deepest.parent == reply
    tree = selectors.comment_tree(root.thread)
    assert [n.comment for n in tree] == [root]
    assert [n.comment for n in tree[0].children[0].children] == [deeper, deepest]


def test_reply_to_a_comment_of_another_thread_is_refused(post, citizen, fake_subject, topic):
    other = topic.comments.get()
    with pytest.raises(ValidationError):
        services.comment_post(actor=citizen, kind=fake_subject, key="one", body="x", parent=other)


def test_official_answer_by_staff_of_the_agency(post, topic, caseworker_a, citizen):
    comment = post(caseworker_a, "topic", topic.key, "We resurface it in May.", as_official=True)
    assert comment.is_official and comment.official_agency == topic.agency
    assert comment.author_name == "City Council"
    row = AuditLog.objects.filter(action=AuditAction.COMMENT_POSTED).latest("pk")
    assert row.agency == topic.agency and row.extra["official"] is True


def test_staff_of_another_agency_and_citizens_cannot_answer_officially(topic, caseworker_b, other_citizen):
    for actor in (caseworker_b, other_citizen):
        with pytest.raises(PermissionDenied):
            services.comment_post(actor=actor, kind="topic", key=topic.key, body="x", as_official=True)
    assert topic.comments.count() == 1


def test_staff_cannot_answer_officially_their_own_topic(board, caseworker_a):
    own = services.topic_start(actor=caseworker_a, board=board, title="My own question", body="?", is_question=True)
    with pytest.raises(PermissionDenied):
        services.comment_post(actor=caseworker_a, kind="topic", key=own.key, body="x", as_official=True)


def test_an_official_reply_marked_as_the_answer(post, topic, caseworker_a, django_capture_on_commit_callbacks):
    answer = post(caseworker_a, "topic", topic.key, "In May.", as_official=True)
    with django_capture_on_commit_callbacks(execute=True):
        thread = services.comment_mark_answer(actor=caseworker_a, comment=answer)
    assert thread.answer == answer and thread.is_answered and thread.answered_at
    row = AuditLog.objects.get(action=AuditAction.COMMENT_MARKED_ANSWER)
    assert row.actor == caseworker_a and row.subject_id == str(answer.pk)
    # marking again changes nothing and writes nothing
    services.comment_mark_answer(actor=caseworker_a, comment=answer)
    assert AuditLog.objects.filter(action=AuditAction.COMMENT_MARKED_ANSWER).count() == 1


def test_only_an_official_reply_of_a_question_can_be_the_answer(post, topic, board, caseworker_a, other_citizen):
    plain = post(other_citizen, "topic", topic.key, "I think May.")
    with pytest.raises(PermissionDenied):
        services.comment_mark_answer(actor=caseworker_a, comment=plain)
    not_question = services.topic_start(actor=other_citizen, board=board, title="Idea", body="Bike racks")
    official = post(caseworker_a, "topic", not_question.key, "Noted.", as_official=True)
    with pytest.raises(ValidationError):
        services.comment_mark_answer(actor=caseworker_a, comment=official)
    with pytest.raises(PermissionDenied):
        services.comment_mark_answer(actor=other_citizen, comment=official)


def test_edit_keeps_the_earlier_text(post, citizen, fake_subject):
    comment = post(citizen, fake_subject, "one", "Frist")
    services.comment_edit(actor=citizen, comment=comment, body="First")
    services.comment_edit(actor=citizen, comment=comment, body="First!")
    comment.refresh_from_db()
    assert comment.body == "First!" and comment.edited_at
    assert [r.body for r in comment.revisions.all()] == ["Frist", "First"]
    assert AuditLog.objects.filter(action=AuditAction.COMMENT_EDITED, actor=citizen).count() == 2


def test_only_the_author_edits_and_removes(post, citizen, other_citizen, moderator_a, fake_subject):
    comment = post(citizen, fake_subject, "one", "Mine")
    for actor in (other_citizen, moderator_a):
        with pytest.raises(PermissionDenied):
            services.comment_edit(actor=actor, comment=comment, body="Theirs")
        with pytest.raises(PermissionDenied):
            services.comment_delete(actor=actor, comment=comment)
    comment.refresh_from_db()
    assert comment.body == "Mine" and comment.state == CommentState.VISIBLE


def test_removal_leaves_its_place_and_the_replies(post, citizen, other_citizen, fake_subject):
    comment = post(citizen, fake_subject, "one", "Mine")
    reply = post(other_citizen, fake_subject, "one", "Reply", parent=comment)
    services.comment_delete(actor=citizen, comment=comment)
    services.comment_delete(actor=citizen, comment=comment)  # a double click
    comment.refresh_from_db()
    assert comment.state == CommentState.DELETED and comment.deleted_at
    assert AuditLog.objects.filter(action=AuditAction.COMMENT_DELETED).count() == 1
    tree = selectors.comment_tree(comment.thread)
    assert tree[0].comment == comment and tree[0].children[0].comment == reply
    assert Thread.objects.get(pk=comment.thread_id).comment_count == 1
    with pytest.raises(ValidationError):
        services.comment_edit(actor=citizen, comment=comment, body="Back")


def test_display_name_chosen_by_the_person(post, citizen, fake_subject):
    services.participant_save(actor=citizen, display_name="  Elm   Street fan ", daily_digest=False)
    assert post(citizen, fake_subject, "one", "x").author_name == "Elm Street fan"
    with pytest.raises(ValidationError):
        services.participant_save(actor=citizen, display_name="amina@example.org", daily_digest=False)
    row = AuditLog.objects.get(action=AuditAction.PARTICIPANT_SAVED)
    assert row.actor == citizen


def test_default_name_without_a_profile_name_shows_no_email(make_user):
    user = make_user("someone@example.org")
    name = services.default_display_name(user)
    assert name.startswith("Resident ") and "@" not in name


def test_board_saved_only_by_an_agency_admin_of_its_agency(admin_a, caseworker_a, agency_a, agency_b):
    with pytest.raises(PermissionDenied):
        services.board_save(actor=caseworker_a, agency=agency_a, title="T", slug="t", description="D")
    with pytest.raises(PermissionDenied):
        services.board_save(actor=admin_a, agency=agency_b, title="T", slug="t", description="D")
    board = services.board_save(actor=admin_a, agency=agency_a, title="T", slug="t", description="D")
    with pytest.raises(ValidationError) as exc:
        services.board_save(actor=admin_a, agency=agency_a, title="T2", slug="t", description="D")
    assert "slug" in exc.value.message_dict
    row = AuditLog.objects.get(action=AuditAction.BOARD_SAVED)
    assert row.subject_id == str(board.pk) and row.agency == agency_a


def test_a_double_click_posts_once(post, citizen, fake_subject, board):
    first = post(citizen, fake_subject, "one", "Same text")
    again = post(citizen, fake_subject, "one", "Same text")
    assert again == first and Comment.objects.count() == 1
    assert AuditLog.objects.filter(action=AuditAction.COMMENT_POSTED).count() == 1
    one = services.topic_start(actor=citizen, board=board, title="Bins", body="Late")
    two = services.topic_start(actor=citizen, board=board, title="Bins", body="Late")
    assert one == two and board.topics.count() == 1


def test_no_agency_name_as_a_pseudonym(citizen, agency_a):
    with pytest.raises(ValidationError) as exc:
        services.participant_save(actor=citizen, display_name="city council", daily_digest=False)
    assert "display_name" in exc.value.message_dict


def test_thread_follows_its_subject_to_another_agency(post, citizen, fake_subject, agency_b, monkeypatch):
    from ecitizen.engagement.discussions import subjects

    post(citizen, fake_subject, "one", "first")
    moved = subjects.Subject(kind="thing", key="one", title="Thing one", url="/", agency_id=agency_b.pk, is_open=True)
    monkeypatch.setitem(subjects._resolvers, "thing", lambda key: moved)
    post(citizen, fake_subject, "one", "second")
    assert selectors.thread_for(fake_subject, "one").agency == agency_b


def test_search_finds_boards_and_topics(topic, board):
    from ecitizen.search.registry import Query, provider, run

    found = run(provider("discussions"), Query(text="Elm Street resurfaced", language="en"))
    assert [r.url for r in found][:1] == [f"/have-your-say/discussions/on/topic/{topic.key}/"]
    found = run(provider("discussions"), Query(text="parking", language="en"))
    assert "/have-your-say/discussions/boards/roads/" in [r.url for r in found]
