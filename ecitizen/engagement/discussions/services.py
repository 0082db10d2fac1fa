"""Discussions: every write.

Errors people can fix raise ``ValidationError`` with a dict of field names; acts a person may
not do raise ``PermissionDenied`` (views answer 404 where the object must not be revealed).
Each service writes exactly one audit row; messages go out once the transaction commits.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from ecitizen.accounts.models import User
from ecitizen.accounts.selectors import preferred_language_for
from ecitizen.agencies.models import Agency
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.core.site import absolute_url
from ecitizen.engagement.discussions import conf, policies, selectors, subjects
from ecitizen.engagement.discussions.models import (
    BODY_MAX_LENGTH,
    NAME_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    Board,
    Comment,
    CommentRevision,
    CommentState,
    Digest,
    DigestItem,
    Flag,
    FlagReason,
    Follow,
    ModerationAction,
    ModerationEvent,
    Participant,
    Thread,
)
from ecitizen.notifications.services import notify

TOPIC = "topic"
BOARD = "board"


# --- names ---------------------------------------------------------------------------------


def default_display_name(user: Any) -> str:
    """The name shown when a person has not chosen one: their given name and the initial of their
    family name ("Amina H."), or "Resident" and four characters derived from the account."""
    profile = getattr(user, "profile", None)
    given = (getattr(profile, "given_name", "") or "").strip()
    family = (getattr(profile, "family_name", "") or "").strip()
    if given:
        return f"{given} {family[:1]}.".strip()[:NAME_MAX_LENGTH] if family else given[:NAME_MAX_LENGTH]
    tag = hashlib.sha256(f"{settings.SECRET_KEY}:{user.pk}".encode()).hexdigest()[:4].upper()
    return _("Resident %(tag)s") % {"tag": tag}


def display_name_for(user: Any) -> str:
    participant = Participant.objects.filter(user=user).first()
    if participant is not None and participant.display_name:
        return participant.display_name
    return default_display_name(user)


def _clean_text(value: Any, *, field: str, max_length: int, required_message: str) -> str:
    text = str(value or "").replace("\x00", "").strip()
    if not text:
        raise ValidationError({field: required_message})
    if len(text) > max_length:
        raise ValidationError(
            {field: _("Use %(max)d characters or fewer (you used %(n)d)") % {"max": max_length, "n": len(text)}}
        )
    return text


def _clean_body(body: Any) -> str:
    return _clean_text(body, field="body", max_length=BODY_MAX_LENGTH, required_message=_("Enter your comment"))


def _require_participant(actor: Any) -> None:
    if not policies.can_take_part(actor):
        raise PermissionDenied


@transaction.atomic
def participant_save(*, actor: Any, display_name: str, daily_digest: bool) -> Participant:
    """Save the name *actor* posts under ("" for the default) and how they hear of activity.
    The name applies to comments posted from now on."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    name = " ".join(str(display_name or "").split())
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"display_name": _("Use %(max)d characters or fewer") % {"max": NAME_MAX_LENGTH}})
    if name and "@" in name:
        raise ValidationError({"display_name": _("Do not use an email address as your name")})
    if name and Agency.objects.filter(name__iexact=name).exists():
        raise ValidationError({"display_name": _("This is the name of an agency: choose another name")})
    participant, _created = Participant.objects.get_or_create(user=actor)
    participant.display_name = name
    participant.daily_digest = bool(daily_digest)
    participant.save()
    audit_record(
        actor=actor,
        action=AuditAction.PARTICIPANT_SAVED,
        subject=participant,
        subject_user=actor,
        extra={"daily_digest": participant.daily_digest, "named": bool(name)},
    )
    return participant


# --- boards --------------------------------------------------------------------------------


@transaction.atomic
def board_save(
    *,
    actor: Any,
    agency: Agency,
    title: str,
    description: str,
    slug: str,
    is_open: bool = True,
    board: Board | None = None,
) -> Board:
    """Open a board for *agency*, or change *board* (an agency admin of its agency)."""
    if board is not None:
        board = Board.objects.select_for_update().get(pk=board.pk)
        agency = board.agency
    if not policies.can_manage_board(actor, agency.pk):
        raise PermissionDenied
    errors: dict[str, str] = {}
    title = " ".join(str(title or "").split())
    description = str(description or "").strip()
    slug = str(slug or "").strip().lower()
    if not title:
        errors["title"] = _("Enter a title")
    elif len(title) > TITLE_MAX_LENGTH:
        errors["title"] = _("Use %(max)d characters or fewer") % {"max": TITLE_MAX_LENGTH}
    if not description:
        errors["description"] = _("Enter a description")
    elif len(description) > 2000:
        errors["description"] = _("Use %(max)d characters or fewer") % {"max": 2000}
    from django.core.validators import validate_slug

    try:
        validate_slug(slug)
    except ValidationError:
        errors["slug"] = _("Use only lower-case letters, numbers and hyphens")
    if not errors and Board.objects.filter(slug=slug).exclude(pk=getattr(board, "pk", None)).exists():
        errors["slug"] = _("Another board already uses this web address")
    if errors:
        raise ValidationError(errors)
    created = board is None
    if created:
        board = Board(agency=agency)
    board.title, board.description, board.slug, board.is_open = title, description, slug, bool(is_open)
    board.save()
    audit_record(
        actor=actor,
        action=AuditAction.BOARD_SAVED,
        subject=board,
        agency=agency,
        extra={"created": created, "is_open": board.is_open},
    )
    return board


# --- posting -------------------------------------------------------------------------------


def _subject_or_404(kind: str, key: str) -> subjects.Subject:
    subject = subjects.resolve(kind, key)
    if subject is None:
        from django.http import Http404

        raise Http404
    return subject


def _thread_for(kind: str, key: str, subject: subjects.Subject) -> Thread:
    """The subject's thread, made if need be, locked for this transaction."""
    thread, _created = Thread.objects.get_or_create(kind=kind, key=key, defaults={"agency_id": subject.agency_id})
    thread = Thread.objects.select_for_update().get(pk=thread.pk)
    if thread.agency_id != subject.agency_id:  # the subject moved to another agency (a petition assigned)
        thread.agency_id = subject.agency_id
        thread.save(update_fields=["agency"])
    return thread


def _follow_quietly(user: Any, kind: str, key: str) -> None:
    """Posting follows the subject (as Decidim does); a person can stop following at any time."""
    follow, created = Follow.objects.get_or_create(user=user, kind=kind, key=key)
    if not created:
        Follow.objects.filter(pk=follow.pk).update(seen_at=timezone.now())


def _effective_parent(parent: Comment | None) -> Comment | None:
    """Below the deepest level a reply joins its parent's conversation instead of nesting further."""
    while parent is not None and parent.depth >= conf.max_depth() - 1:
        parent = parent.parent
    return parent


def _new_comment(
    *, actor: Any, thread: Thread, body: str, parent: Comment | None, official_agency: Agency | None
) -> Comment:
    parent = _effective_parent(parent)
    depth = parent.depth + 1 if parent is not None else 0
    name = official_agency.name if official_agency is not None else display_name_for(actor)
    comment = Comment.objects.create(
        thread=thread,
        parent=parent,
        depth=depth,
        author=actor,
        author_name=name[:NAME_MAX_LENGTH],
        body=body,
        official_agency=official_agency,
    )
    Thread.objects.filter(pk=thread.pk).update(comment_count=F("comment_count") + 1, last_activity_at=timezone.now())
    return comment


REPEAT_WINDOW = datetime.timedelta(minutes=2)


def _same_post_just_now(thread: Thread, actor: Any, body: str, parent: Comment | None) -> Comment | None:
    """The comment *actor* posted in *thread* with the same text and parent moments ago, if any."""
    return (
        thread.comments.filter(
            author=actor, body=body, parent=_effective_parent(parent), created_at__gte=timezone.now() - REPEAT_WINDOW
        )
        .order_by("-pk")
        .first()
    )


def comment_url(comment: Comment) -> str:
    """The site path of *comment* in its discussion, on the page that shows it."""
    url = reverse("discussions:subject", args=[comment.thread.kind, comment.thread.key])
    page = selectors.discussion_page_of(comment, conf.comments_page_size())
    return url + (f"?page={page}" if page > 1 else "") + f"#comment-{comment.pk}"


_comment_url = comment_url


@transaction.atomic
def comment_post(
    *,
    actor: Any,
    kind: str,
    key: str,
    body: str,
    parent: Comment | None = None,
    as_official: bool = False,
) -> Comment:
    """Post *body* on subject *kind*/*key* (a reply to *parent* if given), as the subject's agency
    when *as_official*. Follows the subject for *actor*; tells its other followers."""
    _require_participant(actor)
    if kind == BOARD:
        raise ValidationError({"body": _("Start a topic on this board to discuss it")})
    subject = _subject_or_404(kind, key)
    body = _clean_body(body)
    if not subject.is_open:
        raise ValidationError({"body": _("This discussion is closed to new comments")})
    thread = _thread_for(kind, key, subject)
    if parent is not None:
        parent = Comment.objects.select_related("parent").get(pk=parent.pk)
        if parent.thread_id != thread.pk:
            raise ValidationError({"body": _("You can only reply to a comment in this discussion")})
        if parent.state in (CommentState.HIDDEN, CommentState.PENDING):
            raise ValidationError({"body": _("You cannot reply to a hidden comment")})
    official_agency = None
    if as_official:
        if not policies.can_answer_officially(actor, thread):
            raise PermissionDenied
        official_agency = Agency.objects.get(pk=thread.agency_id)
    repeat = _same_post_just_now(thread, actor, body, parent)
    if repeat is not None:
        return repeat  # a double click or a retry: the first post stands, nothing is written
    comment = _new_comment(actor=actor, thread=thread, body=body, parent=parent, official_agency=official_agency)
    _follow_quietly(actor, kind, key)
    audit_record(
        actor=actor,
        action=AuditAction.COMMENT_POSTED,
        subject=comment,
        agency=official_agency,
        extra={"kind": kind, "key": key, "official": official_agency is not None, "reply": parent is not None},
    )
    context = {
        "subject_title": subject.title,
        "author_name": comment.author_name,
        "body": body,
        "official": official_agency is not None,
    }
    followers_notify(
        kind=kind,
        key=key,
        subject_template="discussions/email/new_comment_subject.txt",
        body_template="discussions/email/new_comment_body.txt",
        context=context,
        url=_comment_url(comment),
        exclude_user_ids=(actor.pk,),
    )
    return comment


@transaction.atomic
def topic_start(*, actor: Any, board: Board, title: str, body: str, is_question: bool = False) -> Thread:
    """Start a topic on *board*: a thread with a title and a first post by *actor*."""
    _require_participant(actor)
    board = Board.objects.select_for_update().get(pk=board.pk)
    errors: dict[str, str] = {}
    clean_title = " ".join(str(title or "").split())
    if not clean_title:
        errors["title"] = _("Enter a title for your topic")
    elif len(clean_title) > TITLE_MAX_LENGTH:
        errors["title"] = _("Use %(max)d characters or fewer") % {"max": TITLE_MAX_LENGTH}
    try:
        body = _clean_body(body)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if not board.is_open:
        errors["title"] = _("This board is closed to new topics")
    if errors:
        raise ValidationError(errors)
    repeat = (
        Thread.objects.filter(
            board=board,
            starter=actor,
            title=clean_title,
            created_at__gte=timezone.now() - REPEAT_WINDOW,
            comments__body=body,
        )
        .order_by("-pk")
        .first()
    )
    if repeat is not None:
        return repeat  # a double click or a retry: the first topic stands, nothing is written
    thread = Thread.objects.create(
        kind=TOPIC,
        key=f"new-{timezone.now().timestamp()}-{actor.pk}",
        board=board,
        title=clean_title,
        starter=actor,
        is_question=bool(is_question),
        agency=board.agency,
    )
    thread.key = str(thread.pk)
    thread.save(update_fields=["key"])
    comment = _new_comment(actor=actor, thread=thread, body=body, parent=None, official_agency=None)
    _follow_quietly(actor, TOPIC, thread.key)
    audit_record(
        actor=actor,
        action=AuditAction.COMMENT_POSTED,
        subject=comment,
        extra={"kind": TOPIC, "key": thread.key, "board": board.slug, "new_topic": True, "question": is_question},
    )
    followers_notify(
        kind=BOARD,
        key=board.slug,
        subject_template="discussions/email/new_topic_subject.txt",
        body_template="discussions/email/new_topic_body.txt",
        context={"board_title": board.title, "topic_title": clean_title, "author_name": comment.author_name},
        url=reverse("discussions:subject", args=[TOPIC, thread.key]),
        exclude_user_ids=(actor.pk,),
    )
    return thread


def _lock_comment(comment: Comment) -> Comment:
    return Comment.objects.select_for_update().select_related("thread").get(pk=comment.pk)


@transaction.atomic
def comment_edit(*, actor: Any, comment: Comment, body: str) -> Comment:
    """Change the text of *actor*'s own shown comment; the old text is kept as a revision.
    Refused once its subject no longer takes comments (a closed consultation or petition, a topic
    on a closed board), as posting is: what was said when it closed stays as it was."""
    comment = _lock_comment(comment)
    if comment.author_id != getattr(actor, "pk", None):
        raise PermissionDenied
    if comment.state != CommentState.VISIBLE:
        raise ValidationError({"body": _("This comment can no longer be edited")})
    subject = subjects.resolve(comment.thread.kind, comment.thread.key)
    if subject is None or not subject.is_open:
        raise ValidationError({"body": _("This discussion is closed, so its comments can no longer be changed")})
    body = _clean_body(body)
    if body == comment.body:
        raise ValidationError({"body": _("You have not changed your comment")})
    written_at = comment.edited_at or comment.created_at
    CommentRevision.objects.create(comment=comment, body=comment.body, created_at=written_at)
    comment.body = body
    comment.edited_at = timezone.now()
    comment.save(update_fields=["body", "edited_at"])
    audit_record(
        actor=actor,
        action=AuditAction.COMMENT_EDITED,
        subject=comment,
        extra={"revisions": comment.revisions.count()},
    )
    return comment


def _count_change(comment: Comment, was: str, now: str) -> None:
    delta = int(now == CommentState.VISIBLE) - int(was == CommentState.VISIBLE)
    if delta:
        Thread.objects.filter(pk=comment.thread_id).update(comment_count=F("comment_count") + delta)


@transaction.atomic
def comment_delete(*, actor: Any, comment: Comment) -> Comment:
    """Remove *actor*'s own comment: its place shows "removed by the author" and replies stay.
    Allowed on a closed subject too: people may always take back their own words."""
    comment = _lock_comment(comment)
    if comment.author_id != getattr(actor, "pk", None):
        raise PermissionDenied
    if comment.state == CommentState.DELETED:
        return comment  # a second click changes nothing
    was = comment.state
    comment.state = CommentState.DELETED
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["state", "deleted_at"])
    _count_change(comment, was, comment.state)
    if comment.thread.answer_id == comment.pk:
        Thread.objects.filter(pk=comment.thread_id).update(answer=None, answered_at=None)
    audit_record(actor=actor, action=AuditAction.COMMENT_DELETED, subject=comment)
    return comment


@transaction.atomic
def comment_mark_answer(*, actor: Any, comment: Comment) -> Thread:
    """Mark an official reply as the answer to its thread's question (staff of its agency)."""
    comment = _lock_comment(comment)
    thread = Thread.objects.select_for_update().get(pk=comment.thread_id)
    if not policies.can_answer_officially(actor, thread) or comment.official_agency_id != thread.agency_id:
        raise PermissionDenied
    if not comment.is_shown:
        raise ValidationError({"comment": _("Only a shown comment can be the answer")})
    if not thread.is_question:
        raise ValidationError({"comment": _("This topic is not a question")})
    if thread.answer_id == comment.pk:
        return thread
    thread.answer = comment
    thread.answered_at = timezone.now()
    thread.save(update_fields=["answer", "answered_at"])
    audit_record(
        actor=actor,
        action=AuditAction.COMMENT_MARKED_ANSWER,
        subject=comment,
        agency=comment.official_agency,
        extra={"thread": thread.pk},
    )
    subject = subjects.resolve(thread.kind, thread.key)
    followers_notify(
        kind=thread.kind,
        key=thread.key,
        subject_template="discussions/email/answered_subject.txt",
        body_template="discussions/email/answered_body.txt",
        context={
            "subject_title": subject.title if subject else thread.title,
            "agency_name": comment.official_agency.name,
            "body": comment.body,
        },
        url=_comment_url(comment),
        exclude_user_ids=(actor.pk,),
    )
    return thread


# --- following -----------------------------------------------------------------------------


@transaction.atomic
def follow_start(*, actor: Any, kind: str, key: str) -> Follow:
    """Follow subject *kind*/*key* (a second click changes nothing and writes no row)."""
    _require_participant(actor)
    _subject_or_404(kind, key)
    follow, created = Follow.objects.get_or_create(user=actor, kind=kind, key=key)
    if created:
        audit_record(actor=actor, action=AuditAction.FOLLOW_STARTED, subject=follow, extra={"kind": kind, "key": key})
    return follow


@transaction.atomic
def follow_stop(*, actor: Any, kind: str, key: str) -> bool:
    """Stop following *kind*/*key*. False when *actor* was not following it."""
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    follow = Follow.objects.select_for_update().filter(user=actor, kind=kind, key=key).first()
    if follow is None:
        return False
    audit_record(actor=actor, action=AuditAction.FOLLOW_STOPPED, subject=follow, extra={"kind": kind, "key": key})
    follow.delete()
    return True


def followers_notify(
    *,
    kind: str,
    key: str,
    subject_template: str,
    body_template: str,
    context: dict[str, Any],
    url: str,
    exclude_user_ids: Iterable[int] = (),
) -> None:
    """Tell every follower of *kind*/*key* once the caller's transaction commits: a message in
    their inbox and by email now, or a line in tomorrow's digest if they chose a daily digest.

    The templates are plain text (see ``notifications.services.notify``), rendered in each
    follower's language; *url* is a site path. Call it inside your transaction.
    """
    excluded = set(exclude_user_ids)

    def send() -> None:
        with transaction.atomic():
            followers = (
                User.objects.filter(pk__in=Follow.objects.filter(kind=kind, key=key).values("user_id"), is_active=True)
                .exclude(pk__in=excluded)
                .order_by("pk")
            )
            digest_ids = set(
                Participant.objects.filter(user__in=followers, daily_digest=True).values_list("user_id", flat=True)
            )
            for user in followers:
                if user.pk in digest_ids:
                    _digest_add(user, subject_template=subject_template, context=context, url=url)
                else:
                    notify(
                        user=user,
                        subject_template=subject_template,
                        body_template=body_template,
                        context=context,
                        url=url,
                    )

    transaction.on_commit(send, robust=True)


def _digest_add(user: Any, *, subject_template: str, context: dict[str, Any], url: str) -> None:
    language = preferred_language_for(user) or settings.LANGUAGE_CODE
    with translation.override(language):
        text = " ".join(render_to_string(subject_template, {"link": "", **context}).split())
    DigestItem.objects.create(user=user, text=text[:300], url=url)


def digests_send(*, day: datetime.date | None = None) -> int:
    """Send each person with lines waiting their daily digest: one message per person per day
    (running it again the same day sends nothing). Returns how many digests were sent."""
    day = day or timezone.localdate()
    sent = 0
    waiting = DigestItem.objects.filter(digest__isnull=True).values_list("user_id", flat=True).distinct()
    for user_id in sorted(set(waiting)):
        try:
            sent += _digest_send_one(user_id, day)
        except IntegrityError:
            continue  # another run sent this person's digest for the day at the same moment
    return sent


def _digest_send_one(user_id: int, day: datetime.date) -> int:
    """One person's digest for *day*: 1 if sent. The person's row is locked so that two runs at
    once take turns, and the second finds the day's digest made."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        if Digest.objects.filter(user_id=user_id, day=day).exists():
            return 0
        items = list(DigestItem.objects.select_for_update().filter(user=user, digest__isnull=True).order_by("pk"))
        if not items:
            return 0
        digest = Digest.objects.create(user=user, day=day)
        DigestItem.objects.filter(pk__in=[i.pk for i in items]).update(digest=digest)
        if not user.is_active:
            return 0
        notify(
            user=user,
            subject_template="discussions/email/digest_subject.txt",
            body_template="discussions/email/digest_body.txt",
            context={
                "items": [{"text": i.text, "url": absolute_url(i.url) if i.url else ""} for i in items],
                "count": len(items),
                "day": day,
            },
            url=reverse("discussions:follows"),
        )
    return 1


@task()
def digests_send_task() -> int:
    """The daily digest of what people follow (the scheduler's job, once a day)."""
    return digests_send()


# --- flags and moderation ------------------------------------------------------------------


def _tell_author(comment: Comment, *, subject_template: str, body_template: str, event: ModerationEvent) -> None:
    context = {
        "reason": FlagReason(event.reason).label if event.reason else "",
        "explanation": event.explanation,
        "subject_title": _thread_title(comment.thread, reader=comment.author),
        "excerpt": comment.body[:200],
    }
    author, url = comment.author, _comment_url(comment)
    transaction.on_commit(
        lambda: notify(
            user=author, subject_template=subject_template, body_template=body_template, context=context, url=url
        ),
        robust=True,
    )


def _thread_title(thread: Thread, *, reader: Any) -> str:
    """The thread's title as *reader* may read it: a topic whose opening post is hidden or removed
    shows its state instead, except to its starter and its agency's moderators."""
    if thread.title:
        return thread.title if policies.can_read_hidden_title(reader, thread) else thread.public_title
    subject = subjects.resolve(thread.kind, thread.key)
    return subject.title if subject else ""


@transaction.atomic
def comment_flag(*, actor: Any, comment: Comment, reason: str, note: str = "") -> Flag:
    """Report *comment* for *reason* (once per person). Enough reports hide it pending review."""
    _require_participant(actor)
    comment = _lock_comment(comment)
    if comment.author_id == actor.pk:
        raise ValidationError({"reason": _("You cannot report your own comment")})
    if reason not in FlagReason.values:
        raise ValidationError({"reason": _("Select why you are reporting this comment")})
    note = str(note or "").strip()
    if len(note) > 500:
        raise ValidationError({"note": _("Use %(max)d characters or fewer") % {"max": 500}})
    if comment.state not in (CommentState.VISIBLE, CommentState.PENDING):
        raise ValidationError({"reason": _("This comment is no longer shown")})
    if Flag.objects.filter(comment=comment, user=actor).exists():
        raise ValidationError({"reason": _("You have already reported this comment")})
    try:
        with transaction.atomic():
            flag = Flag.objects.create(comment=comment, user=actor, reason=reason, note=note)
    except IntegrityError as exc:
        raise ValidationError({"reason": _("You have already reported this comment")}) from exc
    comment.flag_count += 1
    fields = ["flag_count"]
    hidden_now = comment.state == CommentState.VISIBLE and comment.flag_count >= conf.flags_to_hide()
    if hidden_now:
        comment.state = CommentState.PENDING
        fields.append("state")
    comment.save(update_fields=fields)
    if hidden_now:
        _count_change(comment, CommentState.VISIBLE, CommentState.PENDING)
        reasons = Counter(comment.flags.filter(reviewed_at__isnull=True).values_list("reason", flat=True))
        event = ModerationEvent.objects.create(
            comment=comment, action=ModerationAction.AUTO_HIDDEN, reason=reasons.most_common(1)[0][0]
        )
        _tell_author(
            comment,
            subject_template="discussions/email/pending_subject.txt",
            body_template="discussions/email/pending_body.txt",
            event=event,
        )
    audit_record(
        actor=actor,
        action=AuditAction.COMMENT_FLAGGED,
        subject=comment,
        extra={"reason": reason, "flags": comment.flag_count, "hidden_pending_review": hidden_now},
    )
    return flag


def _lock_for_moderator(actor: Any, comment: Comment) -> Comment:
    comment = _lock_comment(comment)
    if not policies.can_moderate(actor, comment):
        raise PermissionDenied
    return comment


@transaction.atomic
def comment_hide(*, actor: Any, comment: Comment, reason: str, explanation: str = "") -> ModerationEvent:
    """Hide *comment* for *reason* (a moderator of its agency). Its author is told why."""
    comment = _lock_for_moderator(actor, comment)
    if reason not in FlagReason.values:
        raise ValidationError({"reason": _("Select why you are hiding this comment")})
    explanation = str(explanation or "").strip()
    if len(explanation) > 500:
        raise ValidationError({"explanation": _("Use %(max)d characters or fewer") % {"max": 500}})
    if comment.state not in (CommentState.VISIBLE, CommentState.PENDING):
        raise ValidationError({"reason": _("This comment cannot be hidden now")})
    was = comment.state
    comment.state = CommentState.HIDDEN
    comment.flag_count = 0
    comment.save(update_fields=["state", "flag_count"])
    _count_change(comment, was, comment.state)
    comment.flags.filter(reviewed_at__isnull=True).update(reviewed_at=timezone.now())
    if comment.thread.answer_id == comment.pk:
        Thread.objects.filter(pk=comment.thread_id).update(answer=None, answered_at=None)
    event = ModerationEvent.objects.create(
        comment=comment, action=ModerationAction.HIDDEN, reason=reason, explanation=explanation, moderator=actor
    )
    _tell_author(
        comment,
        subject_template="discussions/email/hidden_subject.txt",
        body_template="discussions/email/hidden_body.txt",
        event=event,
    )
    audit_record(
        actor=actor,
        action=AuditAction.COMMENT_HIDDEN,
        subject=comment,
        subject_user=comment.author,
        agency=comment.thread.agency,
        extra={"reason": reason, "was": was},
    )
    return event


@transaction.atomic
def comment_restore(*, actor: Any, comment: Comment, explanation: str) -> ModerationEvent | None:
    """Show *comment* again (or keep a shown one despite reports), clearing its reports; a
    moderator of its agency, with an explanation its author is told when it had been hidden."""
    comment = _lock_for_moderator(actor, comment)
    explanation = str(explanation or "").strip()
    if not explanation:
        raise ValidationError({"explanation": _("Explain your decision to the author")})
    if len(explanation) > 500:
        raise ValidationError({"explanation": _("Use %(max)d characters or fewer") % {"max": 500}})
    if comment.state == CommentState.DELETED:
        raise ValidationError({"explanation": _("The author has removed this comment")})
    was = comment.state
    if was == CommentState.VISIBLE and not comment.flag_count:
        raise ValidationError({"explanation": _("This comment is shown and has no reports to review")})
    comment.state = CommentState.VISIBLE
    comment.flag_count = 0
    comment.save(update_fields=["state", "flag_count"])
    _count_change(comment, was, comment.state)
    comment.flags.filter(reviewed_at__isnull=True).update(reviewed_at=timezone.now())
    event = None
    if was != CommentState.VISIBLE:
        event = ModerationEvent.objects.create(
            comment=comment, action=ModerationAction.RESTORED, explanation=explanation, moderator=actor
        )
        _tell_author(
            comment,
            subject_template="discussions/email/restored_subject.txt",
            body_template="discussions/email/restored_body.txt",
            event=event,
        )
    audit_record(
        actor=actor,
        action=AuditAction.COMMENT_RESTORED,
        subject=comment,
        subject_user=comment.author,
        agency=comment.thread.agency,
        extra={"was": was},
    )
    return event
