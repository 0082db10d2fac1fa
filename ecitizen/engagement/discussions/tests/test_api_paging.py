"""The API gives a discussion a page of conversations at a time, cut as the site cuts them, in
a number of queries that does not grow with the thread."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from ecitizen.engagement.discussions import services

pytestmark = pytest.mark.django_db


def thread_url(kind, key):
    return f"/api/discussions/threads/{kind}/{key}"


def converse(kind, key, people, first, last):
    """Conversations *first* to *last* - 1, each a comment with one reply."""
    for i in range(first, last):
        top = services.comment_post(actor=people[i % 2], kind=kind, key=key, body=f"Conversation {i}")
        services.comment_post(actor=people[(i + 1) % 2], kind=kind, key=key, body=f"Reply {i}", parent=top)


def texts(body):
    return [c["text"] for c in body["comments"]]


def expected(first, last):
    return [text for i in range(first, last) for text in (f"Conversation {i}", f"Reply {i}")]


@override_settings(DISCUSSIONS_COMMENTS_PAGE_SIZE=30)
def test_a_big_thread_comes_a_page_of_conversations_at_a_time(client, citizen, other_citizen, fake_subject):
    converse(fake_subject, "one", [citizen, other_citizen], 0, 95)
    first = client.get(thread_url(fake_subject, "one")).json()
    assert first | {"comments": None} == {
        "kind": "thing",
        "key": "one",
        "title": "Thing one",
        "url": "/",
        "is_open": True,
        "is_question": False,
        "answered": False,
        "page": 1,
        "pages": 4,
        "conversations": 95,
        "next_page": 2,
        "previous_page": None,
        "comments": None,
    }
    assert texts(first) == expected(0, 30)
    replies = first["comments"][1::2]
    assert [r["parent_id"] for r in replies] == [c["id"] for c in first["comments"][::2]]
    last = client.get(thread_url(fake_subject, "one"), {"page": 4}).json()
    assert (last["page"], last["pages"], last["next_page"], last["previous_page"]) == (4, 4, None, 3)
    assert texts(last) == expected(90, 95)
    assert texts(client.get(thread_url(fake_subject, "one"), {"page": 2}).json()) == expected(30, 60)


@override_settings(DISCUSSIONS_COMMENTS_PAGE_SIZE=2)
def test_a_topic_gives_its_opening_post_on_every_page_then_the_replies_to_it(
    client, post, citizen, other_citizen, topic
):
    head = topic.comments.get()
    post(citizen, "topic", topic.key, "A comment of its own")
    to_head = post(other_citizen, "topic", topic.key, "To the opening post", parent=head)
    post(citizen, "topic", topic.key, "Under the reply", parent=to_head)
    post(other_citizen, "topic", topic.key, "Another comment")
    pages = [client.get(thread_url("topic", topic.key), {"page": n}).json() for n in (1, 2)]
    assert texts(pages[0]) == [
        "The potholes are deep.",
        "To the opening post",
        "Under the reply",
        "A comment of its own",
    ]
    assert texts(pages[1]) == ["The potholes are deep.", "Another comment"]
    assert [(p["conversations"], p["pages"]) for p in pages] == [(3, 2), (3, 2)]


def test_a_discussion_without_comments_has_one_empty_page(client, fake_subject):
    body = client.get(thread_url(fake_subject, "one")).json()
    assert (body["page"], body["pages"], body["conversations"], body["next_page"]) == (1, 1, 0, None)
    assert body["comments"] == []


@override_settings(DISCUSSIONS_COMMENTS_PAGE_SIZE=30)
def test_a_page_that_does_not_exist_is_a_clear_error(client, citizen, other_citizen, fake_subject):
    converse(fake_subject, "one", [citizen, other_citizen], 0, 31)
    past = client.get(thread_url(fake_subject, "one"), {"page": 3})
    assert past.status_code == 404
    assert past.json() == {"detail": "This discussion has no page 3.", "code": "no_such_page"}
    assert client.get(thread_url(fake_subject, "shut"), {"page": 2}).status_code == 404
    for bad in ("0", "-1", "abc", "2.5", "١", "99999999999999999999999"):
        response = client.get(thread_url(fake_subject, "one"), {"page": bad})
        assert response.status_code == 400, bad
        assert response.json()["errors"][0]["loc"][-1] == "page", bad


@override_settings(DISCUSSIONS_COMMENTS_PAGE_SIZE=30, DISCUSSIONS_MAX_DEPTH=3)
def test_the_number_of_queries_does_not_grow_with_the_thread(client, citizen, other_citizen, topic):
    def queries(number):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(thread_url("topic", topic.key), {"page": number}).status_code == 200
        return len(captured.captured_queries)

    converse("topic", topic.key, [citizen, other_citizen], 0, 10)
    small = queries(1)
    converse("topic", topic.key, [citizen, other_citizen], 10, 150)
    assert queries(1) == small
    assert queries(5) == small
    assert small <= 8  # the thread, its opening post, a count, the page, one query per level of replies
