"""Petitions: what citizens ask of an agency, who supports it and who signed it.

A :class:`Petition` is started by a verified citizen, supported by the people they name
(:class:`Sponsor`), moderated by the responsible agency, then open for :class:`Signature`\\ s
until it closes. Its count is never a ``COUNT(*)``: signing adds one to a
:class:`SignatureCount` row (one of several "shards" per petition and district, so that
signers do not queue on one row), and readers sum those rows.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TITLE_MAX_LENGTH = 120
ACTION_MAX_LENGTH = 500
BACKGROUND_MAX_LENGTH = 2000
RESPONSE_MAX_LENGTH = 10_000
NOTE_MAX_LENGTH = 1000
# A response email is tried this many times in all; after that it has given up (see
# services.response_emails_send).
RESPONSE_EMAIL_MAX_ATTEMPTS = 10


def new_token() -> str:
    return uuid.uuid4().hex


class Status(models.TextChoices):
    SPONSORS = "sponsors", _("Gathering supporters")
    MODERATION = "moderation", _("Waiting for moderation")
    OPEN = "open", _("Open")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed")


PUBLIC_STATUSES = (Status.OPEN, Status.CLOSED)


class RejectionReason(models.TextChoices):
    DUPLICATE = "duplicate", _("There is already a petition about the same thing")
    NOT_RESPONSIBLE = "not_responsible", _("It is not something the agency is responsible for")
    OFFENSIVE = "offensive", _("It is offensive, abusive or defamatory")
    UNCLEAR = "unclear", _("It is not clear what the petition asks for")
    INDIVIDUAL_CASE = "individual_case", _("It is about an individual case, not a public matter")
    PERSONAL_DATA = "personal_data", _("It names or identifies private individuals")
    ADVERTISING = "advertising", _("It advertises a product, service or campaign")
    NONSENSE = "nonsense", _("It is a joke or nonsense")


class Petition(models.Model):
    """A petition to *agency*, started by *author*. Its public number is its primary key."""

    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="petitions")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="petitions")
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    action = models.TextField(_("what the petition asks for"), max_length=ACTION_MAX_LENGTH)
    background = models.TextField(_("why"), max_length=BACKGROUND_MAX_LENGTH)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SPONSORS, db_index=True)
    # The author's form carries this key: sending the same form twice makes one petition.
    create_token = models.UUIDField(unique=True)
    rejection_reason = models.CharField(max_length=20, choices=RejectionReason.choices, blank=True)
    rejection_note = models.TextField(blank=True, max_length=NOTE_MAX_LENGTH)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    # The instant it stops taking signatures: the start of the local day (settings.TIME_ZONE) after
    # its last day, so that it is open to the end of that day (pages show ``closes_on``).
    closes_at = models.DateTimeField(null=True, blank=True, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # When the count reached each threshold. Until the agency has responded (for the response) or a
    # debate is scheduled (for the debate), a count that falls back below the threshold (signatures
    # removed or withdrawn) clears the mark and notes when in ``*_cleared_at``.
    response_threshold_at = models.DateTimeField(null=True, blank=True)
    debate_threshold_at = models.DateTimeField(null=True, blank=True)
    response_threshold_cleared_at = models.DateTimeField(null=True, blank=True)
    debate_threshold_cleared_at = models.DateTimeField(null=True, blank=True)
    response = models.TextField(blank=True, max_length=RESPONSE_MAX_LENGTH)
    responded_at = models.DateTimeField(null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Signers told of the response: every signature up to this id (the mailing task resumes here),
    # and when the mailing reached its last batch (until then the sweep takes up a lost mailing).
    response_mailed_to = models.BigIntegerField(default=0)
    response_mailed_at = models.DateTimeField(null=True, blank=True)
    debate_date = models.DateField(null=True, blank=True)
    debate_place = models.CharField(max_length=300, blank=True)
    debate_scheduled_at = models.DateTimeField(null=True, blank=True)
    final_count = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("petitions:detail", args=[self.pk])

    @property
    def number(self) -> int:
        return self.pk

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    @property
    def closes_on(self) -> datetime.date | None:
        """The last local day (deployment's time zone) it takes signatures: what pages show as its
        closing date. ``closes_at`` is the instant that day ends."""
        if self.closes_at is None:
            return None
        instant = self.closes_at - datetime.timedelta(microseconds=1)
        return timezone.localtime(instant, timezone.get_default_timezone()).date()

    def threshold_fell_back(self, kind: str) -> bool:
        """Whether the count fell back below the *kind* ("response" or "debate") threshold after
        reaching it, and has not reached it again since."""
        cleared = getattr(self, f"{kind}_threshold_cleared_at")
        reached = getattr(self, f"{kind}_threshold_at")
        return cleared is not None and (reached is None or reached < cleared)


class Sponsor(models.Model):
    """Someone the author named to support the petition before it is moderated: *email* is where
    the link went; *user* the account that confirmed it."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="sponsors")
    email = models.EmailField()
    token = models.CharField(max_length=32, unique=True, default=new_token)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["petition", "email"], name="petition_sponsor_once_per_email"),
            models.UniqueConstraint(
                fields=["petition", "user"], condition=Q(user__isnull=False), name="petition_sponsor_once_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"Supporter {self.pk} of petition {self.petition_id}"


class SignatureState(models.TextChoices):
    PENDING = "pending", _("Waiting for email confirmation")
    COUNTED = "counted", _("Counted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REMOVED = "removed", _("Removed by a moderator")


# A signature in one of these states stops the same person (account or address) signing again.
ACTIVE_STATES = (SignatureState.PENDING, SignatureState.COUNTED)


class FlagReason(models.TextChoices):
    DISPOSABLE = "disposable", _("Disposable email address")
    BURST_IP = "burst_ip", _("Many signatures from one network address in a few minutes")
    BURST_DOMAIN = "burst_domain", _("Many signatures from one email domain in a few minutes")


class RemovalReason(models.TextChoices):
    FAKE = "fake", _("Fake or invented signer")
    AUTOMATED = "automated", _("Signed by an automated program")
    DUPLICATE = "duplicate", _("The same person signed more than once")
    DISPOSABLE = "disposable", _("Disposable email address that could not be trusted")
    OTHER = "other", _("Against the petition rules")


class Signature(models.Model):
    """One person's signature: by their account (*user*), or by an email address they confirmed.

    *email* is always set (the account's address for an account's signature), in lower case, so
    that one address cannot sign twice either way. The partial unique constraints make a second
    active signature impossible even when two requests race.
    """

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="signatures")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=120)
    email = models.EmailField()
    email_domain = models.CharField(max_length=254)
    postcode = models.CharField(max_length=12, blank=True)
    district = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=10, choices=SignatureState.choices)
    token = models.CharField(max_length=32, unique=True, default=new_token)
    ip = models.GenericIPAddressField(null=True, blank=True)
    language = models.CharField(max_length=10, blank=True)  # for emails to a signer without an account
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Whether it replaced an earlier signature by email of the same address (then that row's state
    # is this row's: there is only one).
    replaced_email = models.BooleanField(default=False)
    flag = models.CharField(max_length=12, choices=FlagReason.choices, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    removal_reason = models.CharField(max_length=12, choices=RemovalReason.choices, blank=True)
    review_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "email"],
                condition=Q(state__in=["pending", "counted"]),
                name="petition_signature_once_per_email",
            ),
            models.UniqueConstraint(
                fields=["petition", "user"],
                condition=Q(state__in=["pending", "counted"], user__isnull=False),
                name="petition_signature_once_per_user",
            ),
        ]
        indexes = [
            models.Index(fields=["petition", "ip", "created_at"], name="petition_sig_ip_recent"),
            models.Index(fields=["petition", "email_domain", "created_at"], name="petition_sig_domain_recent"),
            models.Index(fields=["petition", "state", "removal_reason"], name="petition_sig_state"),
            models.Index(
                fields=["petition", "flag"],
                condition=Q(reviewed_at__isnull=True) & ~Q(flag=""),
                name="petition_sig_to_review",
            ),
        ]

    def __str__(self) -> str:
        return f"Signature {self.pk} of petition {self.petition_id}"


class SignatureCount(models.Model):
    """Part of a petition's count: the counted signatures from *district* ("" when unknown) that
    were added to this *shard*. A petition's count is the sum of its rows."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="counts")
    shard = models.PositiveSmallIntegerField()
    district = models.CharField(max_length=100, blank=True)
    signatures = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["petition", "shard", "district"], name="petition_count_cell"),
        ]

    def __str__(self) -> str:
        return f"Count {self.petition_id}/{self.shard}/{self.district}"


class ResponseEmail(models.Model):
    """The agency's response, waiting to be emailed to one signer without an account (those with an
    account are told in their inbox). Written in the same transaction that moves the petition's
    ``response_mailed_to`` past the signature, and marked ``sent_at`` once the email has gone: a
    crash or a mail server that refuses leaves it here, to be sent again."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="response_emails")
    signature = models.OneToOneField(Signature, on_delete=models.CASCADE, related_name="response_email")
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(sent_at__isnull=True), name="petition_response_email_due"
            ),
        ]

    def __str__(self) -> str:
        return f"Response email {self.pk} of petition {self.petition_id}"
