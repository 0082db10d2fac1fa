"""A discussion page reads only the conversations it shows, however long the thread, and shows
them as reading the whole thread would."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecitizen.engagement.discussions import selectors, services
from ecitizen.engagement.discussions.models import Comment

pytestmark = pytest.mark.django_db


def whole_thread(thread, per_page):
    """The pages as the page used to cut them: every comment read, the tree built in memory."""
    comments = list(thread.comments.order_by("created_at", "pk"))
    children = {}
    for c in comments:
        children.setdefault(c.parent_id, []).append(c)

    def shape(c):
        return (c.pk, [shape(child) for child in children.get(c.pk, [])])

    roots = children.get(None, [])
    head = None
    if thread.kind == "topic" and roots:
        head, tops = roots[0].pk, children.get(roots[0].pk, []) + roots[1:]
    else:
        tops = roots
    shapes = [shape(c) for c in tops]
    return head, [shapes[i : i + per_page] for i in range(0, len(shapes), per_page)] or [[]]


def paged_shape(nodes):
    return [(n.comment.pk, paged_shape(n.children)) for n in nodes]


def converse(post, people, kind, key, n):
    """*n* conversations on *kind*/*key*, some with replies three levels deep, some hidden or removed."""
    made = []
    for i in range(n):
        top = post(people[i % 2], kind, key, f"Conversation {i}")
        made.append(top)
        if i % 3 == 0:
            reply = post(people[(i + 1) % 2], kind, key, f"Reply {i}", parent=top)
            post(people[i % 2], kind, key, f"Reply to reply {i}", parent=reply)
            post(people[(i + 1) % 2], kind, key, f"Deepest {i}", parent=reply)
    return made


@override_settings(DISCUSSIONS_MAX_DEPTH=3)
def test_each_page_has_the_conversations_and_replies_that_reading_all_of_it_gave(
    post, citizen, other_citizen, moderator_a, topic, fake_subject
):
    people = [citizen, other_citizen]
    head = topic.comments.get()
    for i in range(3):  # replies to a topic's opening post come before its other comments
        post(people[i % 2], "topic", topic.key, f"To the opening post {i}", parent=head)
    converse(post, people, "topic", topic.key, 5)
    made = converse(post, people, fake_subject, "one", 7)
    services.comment_hide(actor=moderator_a, comment=made[3], reason="spam")
    services.comment_delete(actor=citizen, comment=made[0])
    services.comment_edit(actor=other_citizen, comment=made[1], body="Changed")
    for kind, key in (("topic", topic.key), (fake_subject, "one")):
        thread = selectors.thread_for(kind, key)
        expected_head, expected_pages = whole_thread(thread, 2)
        for number, expected in enumerate(expected_pages, start=1):
            first, page = selectors.discussion_page(thread, number, 2)
            assert (first.comment.pk if first else None) == expected_head
            assert paged_shape(page.object_list) == expected, (kind, number)
            assert page.paginator.num_pages == len(expected_pages)
    _, page = selectors.discussion_page(selectors.thread_for(fake_subject, "one"), 1, 2)
    assert [n.comment.revision_count for n in page.object_list] == [0, 1]


@override_settings(DISCUSSIONS_COMMENTS_PAGE_SIZE=2)
def test_the_page_shows_comments_in_the_same_order_as_before(client, post, citizen, other_citizen, topic):
    people = [citizen, other_citizen]
    head = topic.comments.get()
    post(citizen, "topic", topic.key, "A comment of its own")
    post(other_citizen, "topic", topic.key, "To the opening post", parent=head)
    converse(post, people, "topic", topic.key, 3)
    thread = selectors.thread_for("topic", topic.key)
    expected_head, expected_pages = whole_thread(thread, 2)

    def flatten(shapes):
        return [pk for pk, children in shapes for pk in [pk, *flatten(children)]]

    for number, expected in enumerate(expected_pages, start=1):
        html = client.get(reverse("discussions:subject", args=["topic", topic.key]), {"page": number}).content.decode()
        shown = [int(pk) for pk in re.findall(r'<li class="ec-comment[^"]*" id="comment-(\d+)"', html)]
        assert shown == [expected_head, *flatten(expected)]


def big_thread(kind, key, people, conversations):
    """*conversations* top-level comments each with a reply, written through the services."""
    for i in range(conversations):
        top = services.comment_post(actor=people[i % 2], kind=kind, key=key, body=f"Conversation {i}")
        services.comment_post(actor=people[(i + 1) % 2], kind=kind, key=key, body=f"Reply {i}", parent=top)


def page_queries(client, url, number):
    client.get(url)  # the session's first request writes its own rows
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"page": number})
    assert response.status_code == 200
    return queries.captured_queries


@contextmanager
def comments_loaded():
    """The comments read from the database (made into objects) while the block runs."""
    loaded = []

    def count(sender, instance, **kwargs):
        loaded.append(instance)

    post_init.connect(count, sender=Comment)
    try:
        yield loaded
    finally:
        post_init.disconnect(count, sender=Comment)


def test_a_page_of_a_big_thread_reads_only_that_page(
    client, citizen, other_citizen, fake_subject, django_assert_max_num_queries
):
    big_thread(fake_subject, "one", [citizen, other_citizen], 200)
    thread = selectors.thread_for(fake_subject, "one")
    assert Comment.objects.filter(thread=thread).count() == 400
    with django_assert_max_num_queries(5), comments_loaded() as loaded:
        first, page = selectors.discussion_page(thread, 3, 30)
        shown = [(n.comment.body, [c.comment.body for c in n.children]) for n in page.object_list]
    assert first is None and page.paginator.num_pages == 7
    assert shown == [(f"Conversation {i}", [f"Reply {i}"]) for i in range(60, 90)]
    assert len(loaded) == 60  # the 30 conversations of page 3 and their replies: nothing else
    client.force_login(citizen)
    url = reverse("discussions:subject", args=[fake_subject, "one"])
    client.get(url)
    with comments_loaded() as loaded:
        assert client.get(url, {"page": 3}).status_code == 200
    assert len(loaded) == 60


def test_the_number_of_queries_does_not_grow_with_the_thread(client, citizen, other_citizen, fake_subject):
    client.force_login(citizen)
    url = reverse("discussions:subject", args=[fake_subject, "one"])
    big_thread(fake_subject, "one", [citizen, other_citizen], 31)
    small = len(page_queries(client, url, 1))
    big_thread(fake_subject, "one", [citizen, other_citizen], 170)
    assert len(page_queries(client, url, 1)) == small
    assert len(page_queries(client, url, 5)) <= small


def page_of_every_comment(thread, page_size):
    """The page of each comment of *thread* as reading the whole thread gives it."""
    head, pages = whole_thread(thread, page_size)
    found = {head: 1} if head is not None else {}

    def mark(shapes, number):
        for pk, children in shapes:
            found[pk] = number
            mark(children, number)

    for number, shapes in enumerate(pages, start=1):
        mark(shapes, number)
    return found


def bounded_queries_only(queries):
    """Each query reads a bounded number of rows: a count, or a LIMIT."""
    return all("COUNT(" in q["sql"].upper() or " LIMIT " in q["sql"].upper() for q in queries)


@override_settings(DISCUSSIONS_MAX_DEPTH=3)
def test_the_page_of_a_comment_is_the_page_that_shows_it_found_with_counts(
    post, citizen, other_citizen, moderator_a, topic, fake_subject, django_assert_max_num_queries
):
    people = [citizen, other_citizen]
    head = topic.comments.get()
    for i in range(4):  # replies to a topic's opening post come before its other comments
        reply = post(people[i % 2], "topic", topic.key, f"To the opening post {i}", parent=head)
        post(people[(i + 1) % 2], "topic", topic.key, f"Under it {i}", parent=reply)
    converse(post, people, "topic", topic.key, 95)
    made = converse(post, people, fake_subject, "one", 95)
    services.comment_hide(actor=moderator_a, comment=made[3], reason="spam")
    services.comment_delete(actor=citizen, comment=made[6])
    for kind, key in (("topic", topic.key), (fake_subject, "one")):
        thread = selectors.thread_for(kind, key)
        for page_size in (30, 7):
            expected = page_of_every_comment(thread, page_size)
            assert len(expected) == thread.comments.count()
            comments = list(Comment.objects.filter(thread=thread).select_related("thread"))
            found = {}
            for comment in comments:
                with CaptureQueriesContext(connection) as queries:
                    found[comment.pk] = selectors.discussion_page_of(comment, page_size)
                assert len(queries.captured_queries) <= comment.depth + 2, comment.body
                assert bounded_queries_only(queries.captured_queries), comment.body
            assert found == expected, (kind, page_size)
            for comment in comments:  # what the site's pages show
                _, page = selectors.discussion_page(thread, found[comment.pk], page_size)
                assert comment.pk in _tree_pks(page.object_list) or comment.pk == head.pk
    deepest = Comment.objects.filter(thread__kind=fake_subject, depth=2).last()
    with django_assert_max_num_queries(5):  # its thread, two ancestors, a count
        assert selectors.discussion_page_of(deepest, 30) == 4


def _tree_pks(nodes):
    return {pk for n in nodes for pk in [n.comment.pk, *_tree_pks(n.children)]}
