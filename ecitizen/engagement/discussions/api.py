"""Discussions: the JSON API, mounted by ecitizen/api/api.py at /api/discussions.

Read-only and public: boards, their topics, and the comments anyone can read on any discussed
subject. No personal data: a comment carries the name its author chose to show (or its agency's
name for an official answer). Hidden and removed comments keep their place with an empty text,
and so does a topic whose opening post is hidden or removed: its title is empty.
"""

from __future__ import annotations

import datetime

from django.core.paginator import InvalidPage
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.pagination import paginate

from ecitizen.api.errors import ErrorOut
from ecitizen.api.pagination import BoundedLimitOffsetPagination
from ecitizen.engagement.discussions import conf, selectors, subjects
from ecitizen.engagement.discussions.models import Board, Comment, Thread
from ecitizen.engagement.discussions.selectors import CommentNode

router = Router(tags=["Discussions"])


class BoardOut(Schema):
    slug: str
    title: str
    description: str
    agency: str = Field(description="The agency that opened the board (its slug).")
    is_open: bool = Field(description="Whether it takes new topics and comments.")
    topics: int
    url: str = Field(description="The board's page on this site.")


class TopicOut(Schema):
    key: str = Field(description="The topic's number: its discussion is /api/discussions/threads/topic/{key}.")
    title: str = Field(description="Empty unless the opening post is visible (the title is part of it).")
    state: str = Field(
        description="The state of the opening post: visible, pending (hidden pending review), hidden or deleted."
    )
    is_question: bool
    answered: bool = Field(description="An official reply was marked as the answer.")
    comments: int = Field(description="Comments shown to the public.")
    created_at: datetime.datetime
    last_activity_at: datetime.datetime
    url: str


class CommentOut(Schema):
    id: int
    parent_id: int | None
    author: str = Field(description="The name the author chose to show, or the agency's name for an official answer.")
    official: bool
    official_agency: str | None = Field(description="The agency's slug for an official answer.")
    state: str = Field(description="visible, pending (hidden pending review), hidden or deleted.")
    text: str = Field(description="Plain text; empty unless visible.")
    created_at: datetime.datetime
    edited_at: datetime.datetime | None
    is_answer: bool


class ThreadOut(Schema):
    kind: str = Field(description="consultation, petition or topic.")
    key: str
    title: str = Field(description="Empty for a topic whose opening post (the first comment) is not visible.")
    url: str = Field(description="The subject's own page.")
    is_open: bool
    is_question: bool
    answered: bool
    page: int = Field(description="This page's number, from 1.")
    pages: int = Field(description="How many pages there are (at least 1, even with no comments).")
    conversations: int = Field(
        description="How many conversations (a comment with its replies) the whole discussion has, "
        "below a topic's opening post."
    )
    next_page: int | None = Field(description="The next page's number; null on the last page.")
    previous_page: int | None = Field(description="The previous page's number; null on the first page.")
    comments: list[CommentOut] = Field(
        description="A topic's opening post first (on every page), then the page's conversations, "
        "each comment followed by its replies, oldest first at each level."
    )


#: Far beyond any discussion's length; keeps the number a small integer everywhere.
MAX_PAGE = 100_000


class ThreadQuery(Schema):
    page: int = Field(
        1, ge=1, le=MAX_PAGE, description="Which page of conversations: 1 (the default) to the thread's ``pages``."
    )


def _board_out(board: Board) -> dict:
    return {
        "slug": board.slug,
        "title": board.title,
        "description": board.description,
        "agency": board.agency.slug,
        "is_open": board.is_open,
        "topics": getattr(board, "topics_count", 0),
        "url": reverse("discussions:board", args=[board.slug]),
    }


def _topic_out(topic: Thread) -> dict:
    return {
        "key": topic.key,
        "title": topic.title if topic.title_is_shown else "",
        "state": topic.opening_state,
        "is_question": topic.is_question,
        "answered": topic.answer_id is not None,
        "comments": topic.comment_count,
        "created_at": topic.created_at,
        "last_activity_at": topic.last_activity_at,
        "url": reverse("discussions:subject", args=["topic", topic.key]),
    }


def _comment_out(comment: Comment, answer_id: int | None) -> dict:
    shown = comment.is_shown
    return {
        "id": comment.pk,
        "parent_id": comment.parent_id,
        "author": comment.author_name if shown else "",
        "official": comment.is_official,
        "official_agency": comment.official_agency.slug if comment.is_official else None,
        "state": comment.state,
        "text": comment.body if shown else "",
        "created_at": comment.created_at,
        "edited_at": comment.edited_at if shown else None,
        "is_answer": comment.pk == answer_id,
    }


def _flatten(nodes: list[CommentNode | None]) -> list[Comment]:
    """The comments of the trees *nodes*, each followed by its replies (depth first)."""
    comments: list[Comment] = []
    stack = [node for node in reversed(nodes) if node is not None]
    while stack:
        node = stack.pop()
        comments.append(node.comment)
        stack.extend(reversed(node.children))
    return comments


def _error(status: int, code: str, detail: str) -> Status:
    return Status(status, {"detail": str(detail), "code": code})


@router.get("/boards", response=list[BoardOut], summary="Discussion boards", auth=None)
@paginate(BoundedLimitOffsetPagination)
def list_boards(request):
    """Every board, open ones first."""
    return [_board_out(b) for b in selectors.boards_public()]


@router.get(
    "/boards/{slug}/topics",
    response={200: list[TopicOut], 404: ErrorOut},
    summary="The topics of a board",
    auth=None,
)
@paginate(BoundedLimitOffsetPagination)
def list_topics(request, slug: str):
    """Most recently active first. 404 for an unknown board."""
    board = selectors.board_by_slug(slug)
    if board is None:
        raise HttpError(404, _("There is no such board."))
    return [_topic_out(t) for t in selectors.board_topics(board)]


@router.get(
    "/threads/{kind}/{key}",
    response={200: ThreadOut, 404: ErrorOut},
    summary="The public comments on a subject, a page at a time",
    auth=None,
)
def thread_detail(request, kind: str, key: str, query: Query[ThreadQuery]):
    """The comments on a consultation (key: its slug), a petition (its number) or a topic (its
    number), a page of conversations at a time, as the subject's page on the site shows them
    (DISCUSSIONS_COMMENTS_PAGE_SIZE conversations a page, default 30); ``parent_id`` nests
    replies. 404 for an unknown subject, and for a page past the last one (code
    ``no_such_page``)."""
    subject = subjects.resolve(kind, key) if kind != "board" else None
    if subject is None:
        return _error(404, "not_found", _("There is no discussion here."))
    thread = selectors.thread_for(kind, key)
    try:
        head, page = selectors.discussion_page(thread, query.page, conf.comments_page_size(), exact=True)
    except InvalidPage:
        return _error(404, "no_such_page", _("This discussion has no page %(page)s.") % {"page": query.page})
    answer_id = thread.answer_id if thread else None
    return Status(
        200,
        {
            "kind": kind,
            "key": subject.key,
            "title": subject.title if thread is None or thread.title_is_shown else "",
            "url": subject.url,
            "is_open": subject.is_open,
            "is_question": bool(thread and thread.is_question),
            "answered": answer_id is not None,
            "page": page.number,
            "pages": page.paginator.num_pages,
            "conversations": page.paginator.count,
            "next_page": page.next_page_number() if page.has_next() else None,
            "previous_page": page.previous_page_number() if page.has_previous() else None,
            "comments": [_comment_out(c, answer_id) for c in _flatten([head, *page.object_list])],
        },
    )
