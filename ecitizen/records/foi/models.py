"""Freedom-of-information requests: a question to an agency, asked and answered in public.

A :class:`FoiRequest` is asked by *requester* (signed in) of *agency*. It is public from the start
(unless the requester hides their name, only the name is hidden). Its :class:`FoiEvent` rows are
its public timeline; its :class:`FoiDocument` rows the documents the agency released, each
published as the redacted file staff uploaded, the original kept for staff only.

The clock (see ``clock.py``): ``due_on`` is the last local day to answer. While the agency waits
for the requester to clarify, the clock stops: ``days_left`` keeps the working days that were
left, and the reply sets a new ``due_on`` that many working days later.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

TITLE_MAX_LENGTH = 150
BODY_MAX_LENGTH = 5000
TEXT_MAX_LENGTH = 10_000
REASON_MAX_LENGTH = 1000


class Status(models.TextChoices):
    AWAITING = "awaiting", _("Awaiting response")
    CLARIFICATION = "clarification", _("Waiting for clarification")
    ANSWERED = "answered", _("Answered")
    PARTLY_REFUSED = "partly_refused", _("Partly refused")
    REFUSED = "refused", _("Refused")


OPEN_STATUSES = (Status.AWAITING, Status.CLARIFICATION)
CLOSED_STATUSES = (Status.ANSWERED, Status.PARTLY_REFUSED, Status.REFUSED)


class ReviewStatus(models.TextChoices):
    NONE = "", _("No review")
    REQUESTED = "requested", _("Internal review requested")
    UPHELD = "upheld", _("Review upheld the decision")
    CHANGED = "changed", _("Review changed the decision")


class FoiRequest(models.Model):
    """A request by *requester* to *agency*. Its public number is its primary key."""

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="foi_requests")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="foi_requests")
    title = models.CharField(_("summary"), max_length=TITLE_MAX_LENGTH)
    body = models.TextField(_("request"), max_length=BODY_MAX_LENGTH)
    hide_name = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.AWAITING, db_index=True)
    # The requester's form carries this key: sending the same form twice makes one request.
    create_token = models.UUIDField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    received_on = models.DateField()
    due_on = models.DateField(db_index=True)
    # Working days left when the clock was stopped for clarification (None while it runs).
    days_left = models.IntegerField(null=True, blank=True)
    extended_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True, max_length=REASON_MAX_LENGTH)
    answer = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    exemption = models.CharField(max_length=40, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminded_on = models.DateField(null=True, blank=True)
    review_status = models.CharField(max_length=10, choices=ReviewStatus.choices, blank=True, default="")
    review_reason = models.TextField(blank=True, max_length=REASON_MAX_LENGTH)
    review_due_on = models.DateField(null=True, blank=True)
    review_note = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        indexes = [models.Index(fields=["agency", "status", "due_on"], name="foi_queue")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("foi:detail", args=[self.pk])

    @property
    def number(self) -> int:
        return self.pk

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_refusal(self) -> bool:
        return self.status in (Status.REFUSED, Status.PARTLY_REFUSED)

    def is_overdue(self, today: datetime.date) -> bool:
        """Still waiting for the agency after its last day (the clock does not run in clarification)."""
        return self.status == Status.AWAITING and today > self.due_on

    @property
    def answered_late(self) -> bool:
        return self.closed_on is not None and self.closed_on > self.due_on


class EventKind(models.TextChoices):
    REQUESTED = "requested", _("Request sent")
    CLARIFICATION_ASKED = "clarification_asked", _("The agency asked for clarification")
    CLARIFIED = "clarified", _("The requester clarified the request")
    EXTENDED = "extended", _("The deadline was extended")
    ANSWERED = "answered", _("Answered")
    REFUSED = "refused", _("Refused")
    PARTLY_REFUSED = "partly_refused", _("Partly refused")
    DOCUMENT_ADDED = "document_added", _("Document released")
    REVIEW_REQUESTED = "review_requested", _("Internal review requested")
    REVIEW_DECIDED = "review_decided", _("Internal review finished")


class FoiEvent(models.Model):
    """One step of a request's public timeline; *text* is what was written (shown escaped)."""

    request = models.ForeignKey(FoiRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    by_agency = models.BooleanField(default=False)
    text = models.TextField(blank=True, max_length=TEXT_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} on request {self.request_id}"


class FoiDocument(models.Model):
    """A document released for *request*: ``public_name`` is the stored file everyone may read
    (the redacted version when there is one), ``original_name`` the unredacted original that only
    the agency's staff may read. Both live in private storage and are served by views that check."""

    request = models.ForeignKey(FoiRequest, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    public_name = models.CharField(max_length=300)
    original_name = models.CharField(max_length=300, blank=True)
    original_filename = models.CharField(max_length=200, blank=True)
    original_content_type = models.CharField(max_length=100, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Document {self.pk} of request {self.request_id}"

    @property
    def is_redacted(self) -> bool:
        return bool(self.original_name)
