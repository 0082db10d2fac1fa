"""Discussions: every read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce

from ecitizen.engagement.discussions import policies, subjects
from ecitizen.engagement.discussions.models import (
    Board,
    Comment,
    CommentRevision,
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


def with_opening_state(threads: QuerySet[Thread]) -> QuerySet[Thread]:
    """*threads* annotated with the state of their first top-level comment (a topic's opening
    post), which :attr:`Thread.opening_state` then reads without a query of its own."""
    first = (
        Comment.objects.filter(thread=OuterRef("pk"), parent__isnull=True)
        .order_by("created_at", "pk")
        .values("state")[:1]
    )
    return threads.annotate(opening_post_state=Subquery(first))


def _title_shown() -> Q:
    """Filter on :func:`with_opening_state`: threads whose opening post is shown (or that have none)."""
    return Q(opening_post_state=CommentState.VISIBLE) | Q(opening_post_state__isnull=True)


def thread_for(kind: str, key: str) -> Thread | None:
    threads = Thread.objects.select_related("board", "agency", "answer").filter(kind=kind, key=str(key))
    return with_opening_state(threads).first()


def boards_public() -> QuerySet[Board]:
    """Every board (closed ones stay readable), with their number of topics."""
    return Board.objects.select_related("agency").annotate(topics_count=Count("topics")).order_by("-is_open", "title")


def board_by_slug(slug: str) -> Board | None:
    return Board.objects.select_related("agency").filter(slug=slug).first()


def boards_by_slugs(slugs: Iterable[str]) -> QuerySet[Board]:
    return Board.objects.filter(slug__in=[str(s) for s in slugs])


def topics_by_keys(keys: Iterable[str]) -> QuerySet[Thread]:
    wanted = [str(k) for k in keys if str(k).isascii() and str(k).isdigit()]
    return with_opening_state(Thread.objects.select_related("board").filter(kind="topic", key__in=wanted))


TOPIC_FILTERS = ("all", "questions", "unanswered", "answered")


def board_topics(board: Board, show: str = "all") -> QuerySet[Thread]:
    """The board's topics, most recently active first; *show* narrows them to questions, the
    questions not yet answered, or the answered ones. A topic whose opening post is hidden or
    removed keeps its place, under :attr:`Thread.public_title`."""
    topics = with_opening_state(board.topics.order_by("-last_activity_at", "-pk"))
    if show == "questions":
        topics = topics.filter(is_question=True)
    elif show == "unanswered":
        topics = topics.filter(is_question=True, answer__isnull=True)
    elif show == "answered":
        topics = topics.filter(answer__isnull=False)
    return topics


def topics_for_search() -> QuerySet[Thread]:
    """The topics the site search finds by their title: not those whose opening post is hidden
    or removed (a match on a hidden title would tell what it says)."""
    topics = with_opening_state(Thread.objects.filter(kind="topic").select_related("board"))
    return topics.filter(_title_shown()).order_by("-pk")


def topics_search_fingerprint() -> tuple:
    """Changes whenever :func:`topics_for_search` would: a new topic, any moderation decision
    (an opening post hidden or shown again writes a log row) or a comment removed by its author
    (a removed comment never comes back, so their number only grows). One query (the site search
    asks every provider for its fingerprint on each search), on indexes."""
    last_decision = ModerationEvent.objects.order_by("-pk").values("pk")[:1]
    removed = (
        Comment.objects.filter(state=CommentState.DELETED)
        .order_by()
        .values("state")
        .annotate(n=Count("pk"))
        .values("n")
    )
    found = Thread.objects.filter(kind="topic").aggregate(
        newest=Max("pk"),
        topics=Count("pk"),
        # the same value on every row: Max only lets the aggregate carry it
        last_decision=Max(Subquery(last_decision)),
        removed=Max(Subquery(removed)),
    )
    return tuple(found.values())


def topic_by_key(key: str) -> Thread | None:
    if not str(key).isdigit():
        return None
    topics = Thread.objects.select_related("board", "board__agency").filter(kind="topic", key=str(key))
    return with_opening_state(topics).first()


@dataclass
class CommentNode:
    comment: Comment
    children: list[CommentNode] = field(default_factory=list)


def _comments_to_show() -> QuerySet[Comment]:
    """Comments with what their page shows beside them: the official agency and the number of
    earlier versions (``revision_count``, a subquery so that counting pages stays cheap)."""
    revisions = (
        CommentRevision.objects.filter(comment=OuterRef("pk"))
        .order_by()
        .values("comment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Comment.objects.select_related("official_agency").annotate(
        revision_count=Coalesce(Subquery(revisions, output_field=IntegerField()), Value(0))
    )


def comment_tree(thread: Thread | None, tops: Iterable[Comment] | None = None) -> list[CommentNode]:
    """The conversations that *tops* head (by default every top-level comment of *thread*), each
    with its replies, oldest first at each level. Hidden and removed comments keep their place
    (templates show a placeholder instead of their text) so replies stay.

    Reads the replies a level at a time: one query per level of nesting (the depth limit bounds
    them), whatever the size of the thread. *tops* should come from :func:`_comments_to_show`."""
    if thread is None:
        return []
    if tops is None:
        tops = _comments_to_show().filter(thread=thread, parent__isnull=True).order_by("created_at", "pk")
    roots = [CommentNode(c) for c in tops]
    nodes = {node.comment.pk: node for node in roots}
    level = list(nodes)
    while level:
        replies = list(_comments_to_show().filter(thread=thread, parent_id__in=level).order_by("created_at", "pk"))
        for reply in replies:
            nodes[reply.pk] = CommentNode(reply)
            nodes[reply.parent_id].children.append(nodes[reply.pk])
        level = [reply.pk for reply in replies]
    return roots


def _conversation_heads(thread: Thread) -> tuple[Comment | None, QuerySet[Comment]]:
    """A topic's opening post (None for other subjects) and the comments that head the
    conversations below it, in the order pages show them: for a topic, the replies to its
    opening post then its other top-level comments; for other subjects, the top-level comments."""
    comments = _comments_to_show().filter(thread=thread)
    if thread.kind != "topic":
        return None, comments.filter(parent__isnull=True).order_by("created_at", "pk")
    head = comments.filter(parent__isnull=True).order_by("created_at", "pk").first()
    if head is None:
        return None, comments.none()
    heads = (
        comments.filter(Q(parent_id=head.pk) | Q(parent__isnull=True))
        .exclude(pk=head.pk)
        .alias(after_head=Case(When(parent_id=head.pk, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("after_head", "created_at", "pk")
    )
    return head, heads


def discussion_page(
    thread: Thread | None, number: Any, per_page: int, *, exact: bool = False
) -> tuple[CommentNode | None, Page]:
    """The head of a topic (its opening post, None for other subjects) and page *number* of the
    conversations below it (an invalid number gives the nearest page; with *exact*, it raises
    :class:`~django.core.paginator.InvalidPage` instead), whose ``object_list`` is their
    :class:`CommentNode` trees. Reads only the comments that page shows, in a number of queries
    that does not grow with the thread. Pages cut where :func:`discussion_page_of` does."""
    if thread is None:
        paginator = Paginator([], per_page)
        return None, (paginator.page(number) if exact else paginator.get_page(number))
    head, heads = _conversation_heads(thread)
    paginator = Paginator(heads, per_page)
    page = paginator.page(number) if exact else paginator.get_page(number)
    page.object_list = comment_tree(thread, page.object_list)
    return (CommentNode(head) if head is not None else None), page


def _before(created_at: Any, pk: int) -> Q:
    """Comments that come before (*created_at*, *pk*) in the order pages show them."""
    return Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk)


def discussion_page_of(comment: Comment, page_size: int) -> int:
    """The page of its discussion on which *comment* is shown (1 for a topic's opening post),
    cut as :func:`discussion_page` cuts them. Walks up from *comment* to the comment that heads
    its conversation (one query per level: the depth limit bounds them), then counts the
    conversations before that one: a few queries, whatever the size of the thread."""
    thread = comment.thread
    # the comment and its ancestors, up to its top-level one: (pk, created_at)
    chain = [(comment.pk, comment.created_at)]
    parent_id = comment.parent_id
    while parent_id is not None:
        found = (
            Comment.objects.filter(pk=parent_id, thread_id=comment.thread_id)
            .values_list("pk", "created_at", "parent_id")
            .first()
        )
        if found is None:
            return 1
        chain.append(found[:2])
        parent_id = found[2]
    comments = Comment.objects.filter(thread_id=comment.thread_id)
    tops = comments.filter(parent__isnull=True)
    if thread.kind != "topic":
        top_pk, top_created_at = chain[-1]
        return tops.filter(_before(top_created_at, top_pk)).count() // max(1, page_size) + 1
    head = tops.order_by("created_at", "pk").values_list("pk", flat=True).first()
    if chain[-1][0] == head:
        if len(chain) == 1:
            return 1  # the opening post, shown on every page
        # a reply to the opening post heads a conversation of its own, before the other comments
        top_pk, top_created_at = chain[-2]
        before = comments.filter(_before(top_created_at, top_pk), parent_id=head).count()
    else:
        top_pk, top_created_at = chain[-1]
        # every reply to the opening post comes first, then the other top-level comments
        before = (
            comments.filter(Q(parent_id=head) | Q(_before(top_created_at, top_pk), parent__isnull=True))
            .exclude(pk=head)
            .count()
        )
    return before // max(1, page_size) + 1


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


def flagged_by(user: Any, thread: Thread | None, among: Iterable[CommentNode | None] | None = None) -> set[int]:
    """The comments of *thread* that *user* has reported (only those of the trees *among*, the
    ones a page shows, when given)."""
    if thread is None or not getattr(user, "is_authenticated", False):
        return set()
    flagged = thread.comments.filter(flags__user=user)
    if among is not None:
        flagged = flagged.filter(pk__in=_tree_ids(among))
    return set(flagged.values_list("pk", flat=True))


def _tree_ids(nodes: Iterable[CommentNode | None]) -> list[int]:
    ids: list[int] = []
    stack = [node for node in nodes if node is not None]
    while stack:
        node = stack.pop()
        ids.append(node.comment.pk)
        stack.extend(node.children)
    return ids


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
    reply answers yet, oldest first -- never the ones *user* asked, nor those whose opening post
    is hidden or removed (moderators see those in their queue; they come back if restored)."""
    questions = Thread.objects.filter(
        kind="topic", is_question=True, answer__isnull=True, agency__in=policies.official_agencies(user)
    )
    return (
        with_opening_state(questions)
        .filter(_title_shown())
        .exclude(starter=user)
        .select_related("board", "agency")
        .order_by("created_at", "pk")
    )
