"""Discussions: every read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from ecitizen.engagement.discussions import policies, subjects
from ecitizen.engagement.discussions.models import (
    Board,
    Comment,
    CommentState,
    Follow,
    ModerationEvent,
    Participant,
    Thread,
)


def comment_counts(kind: str, keys: Iterable[Any]) -> dict[str, int]:
    """How many comments the public sees on each subject *kind*/*key* (0 for those without any)."""
    wanted = [str(k) for k in keys]
    counts = dict.fromkeys(wanted, 0)
    if kind == "board":
        rows = (
            Thread.objects.filter(board__slug__in=wanted)
            .values("board__slug")
            .annotate(n=Sum("comment_count"))
            .values_list("board__slug", "n")
        )
    else:
        rows = Thread.objects.filter(kind=kind, key__in=wanted).values_list("key", "comment_count")
    counts.update({key: n for key, n in rows})
    return counts


def thread_for(kind: str, key: str) -> Thread | None:
    return Thread.objects.select_related("board", "agency", "answer").filter(kind=kind, key=str(key)).first()


def boards_public() -> QuerySet[Board]:
    """Every board (closed ones stay readable), with their number of topics."""
    return Board.objects.select_related("agency").annotate(topics_count=Count("topics")).order_by("-is_open", "title")


def board_by_slug(slug: str) -> Board | None:
    return Board.objects.select_related("agency").filter(slug=slug).first()


def boards_by_slugs(slugs: Iterable[str]) -> QuerySet[Board]:
    return Board.objects.filter(slug__in=[str(s) for s in slugs])


def topics_by_keys(keys: Iterable[str]) -> QuerySet[Thread]:
    wanted = [str(k) for k in keys if str(k).isascii() and str(k).isdigit()]
    return Thread.objects.select_related("board").filter(kind="topic", key__in=wanted)


TOPIC_FILTERS = ("all", "questions", "unanswered", "answered")


def board_topics(board: Board, show: str = "all") -> QuerySet[Thread]:
    """The board's topics, most recently active first; *show* narrows them to questions, the
    questions not yet answered, or the answered ones."""
    topics = board.topics.order_by("-last_activity_at", "-pk")
    if show == "questions":
        topics = topics.filter(is_question=True)
    elif show == "unanswered":
        topics = topics.filter(is_question=True, answer__isnull=True)
    elif show == "answered":
        topics = topics.filter(answer__isnull=False)
    return topics


def topics_for_search() -> QuerySet[Thread]:
    return Thread.objects.filter(kind="topic").select_related("board").order_by("-pk")


def topic_by_key(key: str) -> Thread | None:
    if not str(key).isdigit():
        return None
    return Thread.objects.select_related("board", "board__agency").filter(kind="topic", key=str(key)).first()


@dataclass
class CommentNode:
    comment: Comment
    children: list[CommentNode] = field(default_factory=list)


def comment_tree(thread: Thread | None) -> list[CommentNode]:
    """The thread's comments as a tree, oldest first at each level. Hidden and removed comments
    keep their place (templates show a placeholder instead of their text) so replies stay."""
    if thread is None:
        return []
    comments = list(thread.comments.select_related("official_agency").annotate(revision_count=Count("revisions")))
    nodes = {c.pk: CommentNode(c) for c in comments}
    roots: list[CommentNode] = []
    for c in comments:
        parent = nodes.get(c.parent_id) if c.parent_id else None
        (parent.children if parent else roots).append(nodes[c.pk])
    return roots


def discussion(thread: Thread | None) -> tuple[CommentNode | None, list[CommentNode]]:
    """The head of a topic (its opening post, None for other subjects) and the conversations
    below it, in the order pages show them."""
    tree = comment_tree(thread)
    if thread is not None and thread.kind == "topic" and tree:
        # the topic's opening post heads the page; the replies to it are the discussion below
        return CommentNode(tree[0].comment), tree[0].children + tree[1:]
    return None, tree


def discussion_page_of(comment: Comment, page_size: int) -> int:
    """The page of its discussion on which *comment* is shown (1 for a topic's opening post).
    One query on ids only, in the order :func:`discussion` shows the conversations."""
    rows = list(
        Comment.objects.filter(thread_id=comment.thread_id).order_by("created_at", "pk").values_list("pk", "parent_id")
    )
    parents = dict(rows)
    top = comment.pk
    while parents.get(top) is not None:
        ancestor = parents[top]
        if comment.thread.kind == "topic" and parents.get(ancestor) is None and ancestor == rows[0][0]:
            break  # a reply to a topic's opening post heads a conversation of its own
        top = ancestor
    roots = [pk for pk, parent in rows if parent is None]
    if comment.thread.kind == "topic" and roots:
        head = roots[0]
        if top == head:
            return 1
        conversations = [pk for pk, parent in rows if parent == head] + roots[1:]
    else:
        conversations = roots
    try:
        return conversations.index(top) // max(1, page_size) + 1
    except ValueError:
        return 1


def comments_public(thread: Thread) -> QuerySet[Comment]:
    """The comments the public sees (for the API): shown ones only."""
    return thread.comments.filter(state=CommentState.VISIBLE).select_related("official_agency")


def participant_for(user: Any) -> Participant | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Participant.objects.filter(user=user).first()


def is_following(user: Any, kind: str, key: str) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Follow.objects.filter(user=user, kind=kind, key=str(key)).exists()


def flagged_by(user: Any, thread: Thread | None) -> set[int]:
    """The comments of *thread* that *user* has reported."""
    if thread is None or not getattr(user, "is_authenticated", False):
        return set()
    return set(thread.comments.filter(flags__user=user).values_list("pk", flat=True))


@dataclass(frozen=True)
class FollowSummary:
    kind: str
    key: str
    title: str
    url: str
    new_comments: int
    is_answered: bool


def follows_for(user: Any, *, limit: int = 100) -> list[FollowSummary]:
    """What *user* follows, newest first (at most *limit*): each subject's title, page and the
    comments posted by others since they last posted there or started following
    (``new_comments``; for a board, the topics others started). Subjects no longer public are left out."""
    if not getattr(user, "is_authenticated", False):
        return []
    follows = list(Follow.objects.filter(user=user).order_by("-created_at", "-pk")[:limit])
    if not follows:
        return []
    new_comments: dict[tuple[str, str], int] = {}
    comment_q = Q()
    topic_q = Q()
    for f in follows:
        if f.kind == "board":
            topic_q |= Q(board__slug=f.key, created_at__gt=f.seen_at)
        else:
            comment_q |= Q(thread__kind=f.kind, thread__key=f.key, created_at__gt=f.seen_at)
    if comment_q:
        rows = (
            Comment.objects.filter(comment_q, state=CommentState.VISIBLE)
            .exclude(author=user)
            .values_list("thread__kind", "thread__key")
            .annotate(n=Count("pk"))
        )
        new_comments.update({(kind, key): n for kind, key, n in rows})
    if topic_q:
        rows = Thread.objects.filter(topic_q).exclude(starter=user).values_list("board__slug").annotate(n=Count("pk"))
        new_comments.update({("board", slug): n for slug, n in rows})
    answered = set(
        Thread.objects.filter(
            kind__in={f.kind for f in follows}, key__in={f.key for f in follows}, answer__isnull=False
        ).values_list("kind", "key")
    )
    resolved: dict[tuple[str, str], subjects.Subject] = {}
    for kind in {f.kind for f in follows}:
        found = subjects.resolve_many(kind, [f.key for f in follows if f.kind == kind])
        resolved.update({(kind, key): subject for key, subject in found.items()})
    result = []
    for f in follows:
        subject = resolved.get((f.kind, f.key))
        if subject is None:
            continue
        url = subject.url if f.kind == "board" else _subject_page(f.kind, f.key)
        result.append(
            FollowSummary(
                f.kind, f.key, subject.title, url, new_comments.get((f.kind, f.key), 0), (f.kind, f.key) in answered
            )
        )
    return result


def _subject_page(kind: str, key: str) -> str:
    from django.urls import reverse

    return reverse("discussions:subject", args=[kind, key])


def follows_for_dashboard(user: Any) -> list[FollowSummary]:
    """For the personal dashboard: what *user* follows, those with new activity first."""
    follows = follows_for(user)
    return sorted(follows, key=lambda f: f.new_comments == 0)


def moderation_queue(user: Any) -> QuerySet[Comment]:
    """Comments waiting for a moderator of *user*'s agencies: hidden pending review, or shown
    with reports. Never their own comments, nor those they reported."""
    agencies = policies.moderated_agencies(user)
    return (
        Comment.objects.filter(thread__agency__in=agencies)
        .filter(Q(state=CommentState.PENDING) | Q(state=CommentState.VISIBLE, flag_count__gt=0))
        .exclude(author=user)
        .exclude(flags__user=user)
        .select_related("thread", "thread__agency")
        .order_by("-state", "created_at")
    )


def moderation_log() -> QuerySet[ModerationEvent]:
    """The public log: what was hidden or restored, when and why -- never the text."""
    return ModerationEvent.objects.select_related("comment__thread", "comment__thread__agency").order_by(
        "-created_at", "-pk"
    )


def thread_title(thread: Thread) -> str:
    if thread.title:
        return thread.title
    subject = subjects.resolve(thread.kind, thread.key)
    return subject.title if subject else ""


def thread_titles(threads: Iterable[Thread]) -> dict[int, str]:
    """The titles of *threads* by id, resolving their subjects a kind at a time (for lists)."""
    threads = list(threads)
    titles = {t.pk: t.title for t in threads if t.title}
    wanted: dict[str, list[str]] = {}
    for t in threads:
        if t.pk not in titles:
            wanted.setdefault(t.kind, []).append(t.key)
    found = {kind: subjects.resolve_many(kind, keys) for kind, keys in wanted.items()}
    for t in threads:
        if t.pk not in titles:
            subject = found.get(t.kind, {}).get(t.key)
            titles[t.pk] = subject.title if subject else ""
    return titles


def questions_to_answer(user: Any) -> QuerySet[Thread]:
    """Questions on the boards of *user*'s agencies (staff who answer officially) that no official
    reply answers yet, oldest first -- never the ones *user* asked."""
    return (
        Thread.objects.filter(
            kind="topic", is_question=True, answer__isnull=True, agency__in=policies.official_agencies(user)
        )
        .exclude(starter=user)
        .select_related("board", "agency")
        .order_by("created_at", "pk")
    )
