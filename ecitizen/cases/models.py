"""Applications citizens make to services, and everything that happens to them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.encoding import force_str
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_PAYMENT = "awaiting_payment", _("Waiting for payment")
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    INFO_REQUESTED = "info_requested", _("More information needed")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


_STATUS_LABELS = dict(Status.choices)

OPEN_STATUSES = (Status.SUBMITTED, Status.IN_REVIEW, Status.INFO_REQUESTED)
FINAL_STATUSES = (Status.APPROVED, Status.REFUSED, Status.WITHDRAWN)


class Channel(models.TextChoices):
    """How an application was made: the citizen online, staff at a counter, or a trusted helper."""

    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At a counter, with staff")
    HELPER = "helper", _("Through a trusted helper")


class RefusalCategory(models.TextChoices):
    """Why an application was refused, in a few kinds that can be counted (the reason itself is
    the caseworker's own words, for the applicant)."""

    NOT_ELIGIBLE = "not_eligible", _("Not eligible")
    EVIDENCE_MISSING = "evidence_missing", _("Evidence missing or not acceptable")
    NO_RESPONSE = "no_response", _("No answer to a request for information")
    DUPLICATE = "duplicate", _("Duplicate application")
    OTHER = "other", _("Another reason")


class Application(models.Model):
    """One citizen's application to one published version of a service.

    ``agency`` is copied from the service so that queues and permission checks
    need no join. ``answers`` follow the version's form definition. ``version``
    counts changes: a write that names a stale version is refused, so two
    caseworkers acting at once cannot overwrite each other. ``start_token``
    makes "start an application" idempotent; ``reference`` is given on submit.
    """

    reference = models.CharField(max_length=20, unique=True, null=True, blank=True)
    citizen = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="applications")
    service_version = models.ForeignKey(
        "catalogue.ServiceVersion", on_delete=models.PROTECT, related_name="applications"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    answers = models.JSONField(default=dict, blank=True)
    declaration_accepted = models.BooleanField(default=False)
    start_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    refusal_category = models.CharField(max_length=20, choices=RefusalCategory.choices, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    # The last form page the applicant saved: where a draft that is never sent stopped.
    last_page_id = models.CharField(max_length=40, blank=True)
    # When the case joined the agency's queue (submitted, and its fee paid if it has one): its
    # decision clock starts here. ``withdrawn_at``: when the applicant withdrew it.
    queued_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_cases"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["citizen", "-updated_at"], name="app_citizen_updated"),
            # The queue filtered by status, and by status and assignee: in the queue's order (due
            # date, then id), so its page and its capped count read the index alone, in order.
            models.Index(fields=["agency", "status", "due_date", "id"], name="app_queue_status"),
            models.Index(fields=["agency", "due_date", "id"], name="app_queue_by_due"),
            # The queue as it opens (open cases, soonest due first): the list reads 25 entries in
            # order and the capped count reads at most 1,001 entries from the index alone.
            models.Index(
                fields=["agency", "due_date", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="app_open_queue_by_due",
            ),
            models.Index(fields=["agency", "assignee", "status", "due_date", "id"], name="app_queue_assignee_status"),
            # The open queue of one person ("me", "nobody"), as the queue opens filtered by assignee.
            models.Index(
                fields=["agency", "assignee", "due_date", "id"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="app_open_queue_assignee",
            ),
            models.Index(fields=["agency", "service_version", "status", "due_date"], name="app_queue_service"),
            # Analytics rolls up one day at a time by each of these moments (ecitizen.analytics).
            models.Index(fields=["created_at"], name="app_created"),
            models.Index(fields=["submitted_at"], name="app_submitted"),
            models.Index(fields=["queued_at"], name="app_queued"),
            models.Index(fields=["decided_at"], name="app_decided"),
            models.Index(fields=["withdrawn_at"], name="app_withdrawn"),
        ]

    def __str__(self) -> str:
        return self.reference or f"draft {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def get_status_display(self) -> str:
        # As Django's own, but one label lookup: Django's hashes every choice's lazy label (a
        # translation each) to find one, which lists of applications did once a row.
        return force_str(_STATUS_LABELS.get(self.status, self.status))


class EventKind(models.TextChoices):
    SUBMITTED = "submitted", _("Application submitted")
    PAYMENT_RECEIVED = "payment_received", _("Payment received")
    IN_REVIEW = "in_review", _("Review started")
    ASSIGNED = "assigned", _("Assigned to a caseworker")
    INFO_REQUESTED = "info_requested", _("More information requested")
    INFO_PROVIDED = "info_provided", _("Information provided")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    DOCUMENT_ISSUED = "document_issued", _("Document issued")
    DOCUMENT_REVOKED = "document_revoked", _("Document revoked")
    WITHDRAWN = "withdrawn", _("Withdrawn")


_EVENT_LABELS = dict(EventKind.choices)


class ApplicationEvent(models.Model):
    """A step in an application's timeline. Citizens see the events marked visible."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message = models.TextField(blank=True)
    visible_to_citizen = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["application", "created_at"], name="event_app_time")]

    def __str__(self) -> str:
        return f"{self.application} {self.kind}"

    def get_kind_display(self) -> str:
        # One label lookup, as Application.get_status_display.
        return force_str(_EVENT_LABELS.get(self.kind, self.kind))


class InternalNote(models.Model):
    """A caseworker's note on a case. Never shown to the citizen."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Note on {self.application}"


class InformationRequest(models.Model):
    """A caseworker's question to the applicant and, once given, the answer."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="info_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    response = models.TextField(blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["created_at"], name="info_request_created")]

    def __str__(self) -> str:
        return f"Request on {self.application}"


class Upload(models.Model):
    """A file a citizen uploaded: checked by content, stored under a generated name.

    ``question_id`` is the form question it answers, or empty for a file sent
    with an answer to an information request (``info_request``).
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="uploads")
    application = models.ForeignKey(
        Application, null=True, blank=True, on_delete=models.CASCADE, related_name="uploads"
    )
    info_request = models.ForeignKey(
        InformationRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="uploads"
    )
    question_id = models.CharField(max_length=40, blank=True)
    stored_name = models.CharField(max_length=100, unique=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.original_name


class ReferenceCounter(models.Model):
    """The last reference number given by an agency in a year (CC-2026-000123)."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="reference_counter_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.year}: {self.last_number}"
