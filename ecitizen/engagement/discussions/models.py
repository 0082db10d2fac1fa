"""Discussions: the models.

A :class:`Thread` holds the comments about one subject, named by its kind and key in the
subject registry (``subjects.py``): a consultation, a petition, or a topic that a citizen
started on one of an agency's :class:`Board`. The thread row is made by the first post.
A :class:`Follow` is keyed by kind and key too, so one can follow a subject (or a board)
before anyone has commented on it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

TITLE_MAX_LENGTH = 150
BODY_MAX_LENGTH = 5000
NAME_MAX_LENGTH = 40


class Board(models.Model):
    """A topic board that *agency* opens; citizens start topics (threads) on it while it is open."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="discussion_boards")
    slug = models.SlugField(_("web address"), max_length=60, unique=True)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    description = models.TextField(_("description"), max_length=2000)
    is_open = models.BooleanField(_("open for new topics and comments"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Thread(models.Model):
    """The comments about one subject (*kind*, *key*). A topic on a board has kind ``topic``,
    its own id as key, a *title*, its *board* and its *starter*; the others take their title
    from the subject's app. *agency* is the subject's agency (whose staff answer officially
    and whose moderators moderate), copied from the registry when the thread is made."""

    kind = models.CharField(max_length=20)
    key = models.CharField(max_length=80)
    board = models.ForeignKey(Board, on_delete=models.PROTECT, null=True, blank=True, related_name="topics")
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH, blank=True)
    starter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_question = models.BooleanField(_("this is a question"), default=False)
    answer = models.ForeignKey("Comment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    answered_at = models.DateTimeField(null=True, blank=True)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    comment_count = models.PositiveIntegerField(default=0)  # comments the public sees
    created_at = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="discussions_thread_subject")]
        indexes = [models.Index(fields=["board", "-last_activity_at"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"

    @property
    def is_answered(self) -> bool:
        return self.answer_id is not None

    @property
    def opening_state(self) -> str:
        """The state of a topic's opening post (its first top-level comment); "visible" for the
        threads of other subjects. The selectors annotate it (``opening_post_state``) so that
        reading it costs no query; otherwise each read asks the database."""
        if self.kind != "topic" or self.pk is None:
            return CommentState.VISIBLE
        if "opening_post_state" in self.__dict__:
            return self.__dict__["opening_post_state"] or CommentState.VISIBLE
        first = self.comments.filter(parent__isnull=True).order_by("created_at", "pk")
        return first.values_list("state", flat=True).first() or CommentState.VISIBLE

    @property
    def title_is_shown(self) -> bool:
        """A topic's title is part of its opening post: hidden or removed with it."""
        return self.opening_state == CommentState.VISIBLE

    @property
    def public_title(self) -> str:
        """The title everyone may read: a topic whose opening post is hidden pending review,
        hidden by a moderator or removed by its author shows that state instead of its title
        (its author and the moderators see the title on the topic's page)."""
        if self.title_is_shown:
            return self.title
        return str(CommentState(self.opening_state).label)


class CommentState(models.TextChoices):
    VISIBLE = "visible", _("Shown")
    PENDING = "pending", _("Hidden pending review")
    HIDDEN = "hidden", _("Hidden by a moderator")
    DELETED = "deleted", _("Removed by the author")


class Comment(models.Model):
    """One post in a thread; *parent* is the comment it replies to. *author_name* is the name
    shown, fixed when it was posted. An official comment is shown under its *agency*'s name."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies")
    depth = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_name = models.CharField(max_length=NAME_MAX_LENGTH)
    body = models.TextField(max_length=BODY_MAX_LENGTH)
    official_agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    state = models.CharField(max_length=10, choices=CommentState.choices, default=CommentState.VISIBLE)
    flag_count = models.PositiveIntegerField(default=0)  # flags not yet reviewed
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["thread", "created_at"]), models.Index(fields=["state", "flag_count"])]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def is_official(self) -> bool:
        return self.official_agency_id is not None

    @property
    def is_shown(self) -> bool:
        return self.state == CommentState.VISIBLE


class CommentRevision(models.Model):
    """The text *comment* had before an edit (one row per edit, oldest first)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    created_at = models.DateTimeField()  # when this text was written

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"revision of #{self.comment_id}"


class FlagReason(models.TextChoices):
    ABUSE = "abuse", _("Abusive, threatening or hateful")
    SPAM = "spam", _("Spam or advertising")
    PERSONAL = "personal", _("Shares someone's personal information")
    OFF_TOPIC = "off_topic", _("Off topic")
    ILLEGAL = "illegal", _("Breaks the law")
    OTHER = "other", _("Something else")


class Flag(models.Model):
    """*user* reported *comment* (once per person). *reviewed_at* is set when a moderator decides."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=FlagReason.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="discussions_flag_once")]

    def __str__(self) -> str:
        return f"flag {self.reason} on #{self.comment_id}"


class ModerationAction(models.TextChoices):
    AUTO_HIDDEN = "auto_hidden", _("Hidden pending review after reports")
    HIDDEN = "hidden", _("Hidden by a moderator")
    RESTORED = "restored", _("Restored by a moderator")


class ModerationEvent(models.Model):
    """The public moderation log: what happened to *comment*, when and why (never its text)."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="moderation_events")
    action = models.CharField(max_length=20, choices=ModerationAction.choices)
    reason = models.CharField(max_length=20, choices=FlagReason.choices, blank=True)
    explanation = models.CharField(max_length=500, blank=True)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} #{self.comment_id}"


class Participant(models.Model):
    """How *user* takes part: the name shown with their comments and how they hear of activity."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    display_name = models.CharField(_("name shown with your comments"), max_length=NAME_MAX_LENGTH, blank=True)
    daily_digest = models.BooleanField(_("one email a day"), default=False)

    def __str__(self) -> str:
        return self.display_name or f"participant {self.user_id}"


class Follow(models.Model):
    """*user* follows subject (*kind*, *key*). *seen_at*: when they last opened it (for 'new')."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    key = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "kind", "key"], name="discussions_follow_once")]
        indexes = [models.Index(fields=["kind", "key"])]

    def __str__(self) -> str:
        return f"{self.kind}:{self.key}"


class Digest(models.Model):
    """The daily digest sent to *user* on *day*: one per person per day."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="discussions_digest_daily")]

    def __str__(self) -> str:
        return f"digest {self.day.isoformat()}"


class DigestItem(models.Model):
    """One line waiting for *user*'s next digest, written in their language when it happened."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, null=True, blank=True, related_name="items")

    class Meta:
        indexes = [models.Index(fields=["digest", "user"])]

    def __str__(self) -> str:
        return self.text
