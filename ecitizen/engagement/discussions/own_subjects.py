"""Discussions' own subject kinds in the registry: a board (key: its slug) and a topic started
on a board (key: the topic's number)."""

from __future__ import annotations

from django.urls import reverse

from ecitizen.engagement.discussions import selectors, subjects


def board_subject(key: str) -> subjects.Subject | None:
    board = selectors.board_by_slug(key)
    if board is None:
        return None
    return subjects.Subject(
        kind="board",
        key=board.slug,
        title=board.title,
        url=reverse("discussions:board", args=[board.slug]),
        agency_id=board.agency_id,
        is_open=board.is_open,
    )


def topic_subject(key: str) -> subjects.Subject | None:
    topic = selectors.topic_by_key(key)
    if topic is None:
        return None
    return _topic_out(topic)


def _board_out(board) -> subjects.Subject:
    return subjects.Subject(
        kind="board",
        key=board.slug,
        title=board.title,
        url=reverse("discussions:board", args=[board.slug]),
        agency_id=board.agency_id,
        is_open=board.is_open,
    )


def _topic_out(topic) -> subjects.Subject:
    # what everyone reads where the subject is named (lists, messages): not a hidden title
    return subjects.Subject(
        kind="topic",
        key=topic.key,
        title=topic.public_title,
        url=reverse("discussions:subject", args=["topic", topic.key]),
        agency_id=topic.board.agency_id,
        is_open=topic.board.is_open,
    )


def boards_subjects(keys: list[str]) -> dict[str, subjects.Subject]:
    return {board.slug: _board_out(board) for board in selectors.boards_by_slugs(keys)}


def topics_subjects(keys: list[str]) -> dict[str, subjects.Subject]:
    return {topic.key: _topic_out(topic) for topic in selectors.topics_by_keys(keys)}


def register() -> None:
    subjects.register("board", board_subject, many=boards_subjects)
    subjects.register("topic", topic_subject, many=topics_subjects)
