"""Once a subject no longer takes comments (a closed consultation or petition, a topic on a closed
board), its comments can no longer be edited either; their authors may still remove them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.engagement.discussions import services, subjects
from ecitizen.engagement.discussions.models import Comment, CommentRevision, CommentState

pytestmark = pytest.mark.django_db

CLOSED = "This discussion is closed, so its comments can no longer be changed"


@pytest.fixture
def closable(agency_a):
    """A subject kind "closable" (key "one") whose openness a test changes, as a consultation closes."""
    state = {"open": True}

    def resolve(key):
        if key != "one":
            return None
        return subjects.Subject(
            kind="closable", key=key, title="A consultation", url="/", agency_id=agency_a.pk, is_open=state["open"]
        )

    subjects.register("closable", resolve)
    yield state
    subjects._resolvers.pop("closable", None)


def close_board(board, admin):
    services.board_save(
        actor=admin,
        agency=board.agency,
        board=board,
        title=board.title,
        slug=board.slug,
        description=board.description,
        is_open=False,
    )


def test_a_comment_on_a_closed_subject_cannot_be_edited(closable, citizen, post):
    comment = post(citizen, "closable", "one", "As it was")
    closable["open"] = False
    with pytest.raises(ValidationError) as exc:
        services.comment_edit(actor=citizen, comment=comment, body="As I wish it were")
    assert exc.value.message_dict == {"body": [CLOSED]}
    assert Comment.objects.get(pk=comment.pk).body == "As it was"
    assert not CommentRevision.objects.exists()
    assert not AuditLog.objects.filter(action=AuditAction.COMMENT_EDITED).exists()


def test_a_comment_on_a_topic_of_a_closed_board_cannot_be_edited_but_can_be_removed(
    topic, board, admin_a, other_citizen, post
):
    reply = post(other_citizen, "topic", topic.key, "My reply")
    close_board(board, admin_a)
    with pytest.raises(ValidationError) as exc:
        services.comment_edit(actor=other_citizen, comment=reply, body="Another reply")
    assert exc.value.message_dict == {"body": [CLOSED]}
    services.comment_delete(actor=other_citizen, comment=reply)
    assert Comment.objects.get(pk=reply.pk).state == CommentState.DELETED


def test_an_open_subject_still_takes_edits(closable, citizen, post):
    comment = post(citizen, "closable", "one", "As it was")
    services.comment_edit(actor=citizen, comment=comment, body="Better")
    assert Comment.objects.get(pk=comment.pk).body == "Better"


def test_the_page_offers_no_edit_on_a_closed_subject_and_refuses_it_at_the_field(client, closable, citizen, post):
    comment = post(citizen, "closable", "one", "As it was")
    edit = reverse("discussions:comment_edit", args=[comment.pk])
    page_url = reverse("discussions:subject", args=["closable", "one"])
    client.force_login(citizen)
    assert edit in client.get(page_url).content.decode()
    closable["open"] = False
    page = client.get(page_url).content.decode()
    assert edit not in page
    assert reverse("discussions:comment_delete", args=[comment.pk]) in page  # removing stays possible
    form_page = client.get(edit)
    assert form_page.status_code == 200
    assert CLOSED in form_page.content.decode() and 'name="body"' not in form_page.content.decode()
    # a form opened before it closed and sent after: the error at the field, nothing saved
    response = client.post(edit, {"body": "As I wish it were"})
    text = response.content.decode()
    assert "govuk-error-summary" in text and CLOSED in text and 'href="#id_body"' in text
    assert Comment.objects.get(pk=comment.pk).body == "As it was"
