"""The read-only JSON API: boards, topics and public comments, with no personal data."""

from __future__ import annotations

import pytest

from ecitizen.engagement.discussions import services

pytestmark = pytest.mark.django_db


def test_boards_and_topics(client, topic, board):
    body = client.get("/api/discussions/boards").json()
    assert body["count"] == 1
    assert body["items"][0] | {} == {
        "slug": "roads",
        "title": "Roads and parking",
        "description": "Questions about roads, pavements and parking.",
        "agency": "city-council",
        "is_open": True,
        "topics": 1,
        "url": "/have-your-say/discussions/boards/roads/",
    }
    topics = client.get("/api/discussions/boards/roads/topics").json()["items"]
    assert [(t["key"], t["is_question"], t["answered"], t["comments"]) for t in topics] == [(topic.key, True, False, 1)]
    missing = client.get("/api/discussions/boards/nope/topics")
    assert missing.status_code == 404 and "detail" in missing.json()


def test_thread_shows_public_comments_only(client, post, topic, citizen, other_citizen, caseworker_a, moderator_a):
    answer = post(caseworker_a, "topic", topic.key, "In May.", as_official=True)
    services.comment_mark_answer(actor=caseworker_a, comment=answer)
    hidden = post(other_citizen, "topic", topic.key, "Rude words")
    services.comment_hide(actor=moderator_a, comment=hidden, reason="abuse")
    body = client.get(f"/api/discussions/threads/topic/{topic.key}").json()
    assert body["answered"] and body["is_question"] and body["title"] == topic.title
    by_id = {c["id"]: c for c in body["comments"]}
    assert by_id[answer.pk]["official"] and by_id[answer.pk]["official_agency"] == "city-council"
    assert by_id[answer.pk]["author"] == "City Council" and by_id[answer.pk]["is_answer"]
    assert by_id[hidden.pk]["state"] == "hidden" and by_id[hidden.pk]["text"] == "" and by_id[hidden.pk]["author"] == ""
    text = str(body)
    assert "example.org" not in text and "Rude words" not in text and "Haddad" not in text


def test_unknown_thread_is_404(client, fake_subject):
    assert client.get("/api/discussions/threads/thing/nope").status_code == 404
    assert client.get("/api/discussions/threads/board/roads").status_code == 404
    empty = client.get("/api/discussions/threads/thing/one").json()
    assert empty["comments"] == [] and empty["is_open"] is True
