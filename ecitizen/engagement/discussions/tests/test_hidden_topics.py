"""A topic's title is part of its opening post: when moderators hide that post (or reports hide
it pending review, or its author removes it), no list, search or message shows the title; the
topic keeps its place under its state. Its author and the moderators still read it on its page."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from ecitizen.engagement.discussions import selectors, services
from ecitizen.engagement.discussions.models import Comment, CommentState
from ecitizen.notifications.models import Notification
from ecitizen.search import registry

pytestmark = pytest.mark.django_db

TITLE = "When is Elm Street resurfaced?"


def opening_post(topic):
    return topic.comments.order_by("created_at", "pk").first()


def hide(topic, moderator):
    services.comment_hide(actor=moderator, comment=opening_post(topic), reason="abuse", explanation="Insults")


def search_titles(text):
    provider = registry.provider("discussions")
    return [r.title for r in provider.search(registry.Query(text=text, language="en"))]


@pytest.fixture
def fresh_search():
    """No index left by another test (whose rows were rolled back): each test starts its own,
    and then must see its changes through the provider's fingerprint."""
    registry.provider("discussions").forget()


@pytest.fixture
def hidden_by(request, topic, citizen, other_citizen, moderator_a):
    """The topic's opening post made not visible in each of the three ways; the state it has."""
    way = request.param
    if way == "hidden":
        hide(topic, moderator_a)
    elif way == "pending":
        with override_settings(DISCUSSIONS_FLAGS_TO_HIDE=1):
            services.comment_flag(actor=other_citizen, comment=opening_post(topic), reason="abuse")
    else:
        services.comment_delete(actor=citizen, comment=opening_post(topic))
    assert opening_post(topic).state == way
    return way


WAYS = ["hidden", "pending", "deleted"]
LABELS = {"hidden": "Hidden by a moderator", "pending": "Hidden pending review", "deleted": "Removed by the author"}


@pytest.mark.parametrize("hidden_by", WAYS, indirect=True)
def test_the_board_lists_the_topic_under_its_state_not_its_title(client, topic, board, hidden_by):
    page = client.get(reverse("discussions:board", args=[board.slug])).content.decode()
    assert TITLE not in page
    assert LABELS[hidden_by] in page
    assert reverse("discussions:subject", args=["topic", topic.key]) in page  # it keeps its place


@pytest.mark.parametrize("hidden_by", WAYS, indirect=True)
def test_the_topic_page_hides_the_title_from_the_public(
    client, topic, other_citizen, caseworker_a, moderator_b, hidden_by
):
    url = reverse("discussions:subject", args=["topic", topic.key])
    page = client.get(url).content.decode()
    assert TITLE not in page and LABELS[hidden_by] in page
    # another reader, staff of the agency who do not moderate, a moderator of another agency
    for person in (other_citizen, caseworker_a, moderator_b):
        client.force_login(person)
        assert TITLE not in client.get(url).content.decode()


@pytest.mark.parametrize("hidden_by", ["hidden", "pending"], indirect=True)
def test_its_author_and_the_moderators_still_read_the_title_and_are_told_others_do_not(
    client, topic, citizen, moderator_a, hidden_by
):
    url = reverse("discussions:subject", args=["topic", topic.key])
    for person in (citizen, moderator_a):
        client.force_login(person)
        page = client.get(url).content.decode()
        assert TITLE in page
        assert f"Others see “{LABELS[hidden_by]}” instead of this title" in page


def test_a_shown_topic_has_no_such_notice(client, topic, citizen):
    client.force_login(citizen)
    page = client.get(reverse("discussions:subject", args=["topic", topic.key])).content.decode()
    assert TITLE in page and "instead of this title" not in page


def test_the_site_search_leaves_a_hidden_topic_out_and_finds_it_again_once_restored(topic, moderator_a, fresh_search):
    assert TITLE in search_titles("Elm Street")  # the index is built before the decision
    hide(topic, moderator_a)
    assert search_titles("Elm Street") == []
    services.comment_restore(actor=moderator_a, comment=opening_post(topic), explanation="On reflection, fine")
    assert TITLE in search_titles("Elm Street")


def test_the_site_search_notices_one_topic_hidden_as_another_is_restored(
    topic, board, other_citizen, moderator_a, fresh_search
):
    """The same number of findable topics and the same newest one before and after: the index
    must still be built again."""
    potholes = services.topic_start(actor=other_citizen, board=board, title="Potholes on Oak Lane", body="Deep")
    services.topic_start(actor=other_citizen, board=board, title="Bins on Ash Road", body="Late")
    hide(topic, moderator_a)
    assert search_titles("Oak Lane") == ["Potholes on Oak Lane"] and search_titles("Elm Street") == []
    services.comment_restore(actor=moderator_a, comment=opening_post(topic), explanation="Fine after all")
    hide(potholes, moderator_a)
    assert search_titles("Oak Lane") == [] and search_titles("Elm Street") == [TITLE]


def test_the_site_search_forgets_a_topic_its_author_removed(topic, citizen, fresh_search):
    assert TITLE in search_titles("Elm Street")
    services.comment_delete(actor=citizen, comment=opening_post(topic))
    assert search_titles("Elm Street") == []


@pytest.mark.parametrize("hidden_by", WAYS, indirect=True)
def test_the_api_gives_an_empty_title_and_the_state(client, topic, board, hidden_by):
    topics = client.get(f"/api/discussions/boards/{board.slug}/topics").json()["items"]
    assert [(t["key"], t["title"], t["state"]) for t in topics] == [(topic.key, "", hidden_by)]
    thread = client.get(f"/api/discussions/threads/topic/{topic.key}").json()
    assert thread["title"] == "" and TITLE not in str(thread)


def test_the_api_gives_a_shown_topic_its_title(client, topic, board):
    topics = client.get(f"/api/discussions/boards/{board.slug}/topics").json()["items"]
    assert [(t["title"], t["state"]) for t in topics] == [(TITLE, "visible")]
    assert client.get(f"/api/discussions/threads/topic/{topic.key}").json()["title"] == TITLE


def test_what_people_follow_and_their_dashboard_show_the_state(client, topic, other_citizen, moderator_a):
    services.follow_start(actor=other_citizen, kind="topic", key=topic.key)
    hide(topic, moderator_a)
    assert [f.title for f in selectors.follows_for(other_citizen)] == ["Hidden by a moderator"]
    assert [f.title for f in selectors.follows_for_dashboard(other_citizen)] == ["Hidden by a moderator"]
    client.force_login(other_citizen)
    page = client.get(reverse("discussions:follows")).content.decode()
    assert TITLE not in page and "Hidden by a moderator" in page


def test_messages_to_followers_do_not_name_a_hidden_topic(topic, other_citizen, third_citizen, moderator_a, post):
    services.follow_start(actor=third_citizen, kind="topic", key=topic.key)
    hide(topic, moderator_a)
    post(other_citizen, "topic", topic.key, "Any news?")
    message = Notification.objects.filter(user=third_citizen).latest("pk")
    assert TITLE not in message.subject and TITLE not in message.body


def test_a_hidden_question_leaves_the_staff_list_of_questions_to_answer(client, topic, caseworker_a, moderator_a):
    assert list(selectors.questions_to_answer(caseworker_a)) == [topic]
    hide(topic, moderator_a)
    assert list(selectors.questions_to_answer(caseworker_a)) == []
    client.force_login(caseworker_a)
    assert TITLE not in client.get(reverse("discussions_staff:questions")).content.decode()


def test_moderators_still_see_the_title_in_their_queue(client, topic, other_citizen, moderator_a):
    with override_settings(DISCUSSIONS_FLAGS_TO_HIDE=1):
        services.comment_flag(actor=other_citizen, comment=opening_post(topic), reason="abuse")
    client.force_login(moderator_a)
    assert TITLE in client.get(reverse("discussions_staff:queue")).content.decode()


def test_a_hidden_reply_leaves_the_title_alone(client, topic, board, other_citizen, moderator_a, post, fresh_search):
    reply = post(other_citizen, "topic", topic.key, "Rude words")
    services.comment_hide(actor=moderator_a, comment=reply, reason="abuse")
    assert Comment.objects.get(pk=reply.pk).state == CommentState.HIDDEN
    assert TITLE in client.get(reverse("discussions:board", args=[board.slug])).content.decode()
    assert TITLE in search_titles("Elm Street")


def test_the_first_comment_of_a_consultation_or_petition_is_not_a_title(fake_subject, citizen, moderator_a, post):
    first = post(citizen, fake_subject, "one", "First!")
    services.comment_hide(actor=moderator_a, comment=first, reason="spam")
    thread = selectors.thread_for(fake_subject, "one")
    assert thread.title_is_shown and thread.opening_state == CommentState.VISIBLE


def test_a_moderation_message_about_a_reply_does_not_name_a_hidden_topic(
    topic, other_citizen, moderator_a, post, django_capture_on_commit_callbacks
):
    reply = post(other_citizen, "topic", topic.key, "Rude words")
    hide(topic, moderator_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_hide(actor=moderator_a, comment=reply, reason="abuse", explanation="Insults")
    told = Notification.objects.filter(user=other_citizen).latest("pk")
    assert TITLE not in told.subject and TITLE not in told.body
    assert LABELS["hidden"] in told.subject + told.body
