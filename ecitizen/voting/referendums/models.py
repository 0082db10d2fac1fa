"""Referendums: residents answer one or more questions by secret ballot, and anyone can check the
count (docs/voting-protocol.md).

A :class:`Referendum` has :class:`Question`\\ s with :class:`Option`\\ s, texts in every language
(``{language: text}``), an electorate rule (minimum age and residence from the registers, an identity
level) and ``n`` :class:`Trustee`\\ s of whom any ``threshold`` can decrypt the result. Before it
opens, the returning officer and a second person sign the setup off (:class:`SignOff`); at opening
the electorate is frozen into :class:`ElectorateEntry` rows (the marked register: who may vote and
by which channel they voted, never how) and the credential step hands each online voter a
credential code by email, keeping only the :class:`PublicCredential`\\ s. Encrypted ballots signed by
credentials are the :class:`BoardBallot`\\ s of the public ballot board; the last ballot of a
credential counts. Paper ballots handed out at a service counter are marked in the register and,
after the close, typed in twice by two staff members as :class:`PaperSheet` entries with no link
to the voter. After the close the tally is decrypted by the trustees, the returning officer and a
second person sign the result off, and it is published with the board.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    """Where a referendum is; the voting window itself is read from the dates (``phase``)."""

    DRAFT = "draft", _("Being set up")
    KEYS = "keys", _("Trustees are making the election key")
    READY = "ready", _("Ready to open")
    OPEN = "open", _("Open")  # electorate frozen, credentials sent; voting between opens_at and closes_at
    COUNTING = "counting", _("Counting")  # tally summed, waiting for the trustees' decryptions
    RESULT = "result", _("Result waiting for sign-off")
    PUBLISHED = "published", _("Result published")


class Referendum(models.Model):
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="referendums")
    uuid = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    title = models.JSONField(_("title per language"), default=dict)
    description = models.JSONField(_("explanation per language"), default=dict, blank=True)
    opens_at = models.DateTimeField(_("voting opens"))
    closes_at = models.DateTimeField(_("voting closes"))
    # Who may vote
    min_age = models.PositiveSmallIntegerField(_("minimum age"), default=16)
    residents_only = models.BooleanField(_("only residents of the agency's area"), default=True)
    districts = models.ManyToManyField("reports.Area", blank=True, related_name="+", verbose_name=_("districts"))
    identity_level = models.CharField(_("identity needed to vote online"), max_length=12, default="verified")
    paper_voting = models.BooleanField(_("paper ballots at service counters"), default=True)
    assisted_voting = models.BooleanField(_("assisted voting without JavaScript"), default=True)
    # Trustees
    trustee_count = models.PositiveSmallIntegerField(_("number of trustees"), default=3)
    threshold = models.PositiveSmallIntegerField(_("trustees needed to decrypt"), default=2)
    returning_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("returning officer")
    )
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.DRAFT)
    # Frozen at opening (docs/voting-protocol.md section 2)
    election = models.JSONField(default=dict, blank=True)
    election_hash = models.CharField(max_length=64, blank=True)
    public_key = models.CharField(max_length=64, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    electorate_size = models.PositiveIntegerField(null=True, blank=True)
    credentials_issued = models.PositiveIntegerField(null=True, blank=True)
    # After the close
    tally = models.JSONField(default=list, blank=True)  # [[{"alpha","beta"}]] of the counted ballots
    counted_ballots = models.PositiveIntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)  # {"trustees_used","online","paper","totals"}
    turnout = models.JSONField(default=dict, blank=True)  # {"voted", "eligible", "districts": [...]}
    published_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opens_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")), name="referendum_closes_after_open"
            ),
            models.CheckConstraint(
                condition=Q(threshold__gte=1, threshold__lte=models.F("trustee_count")),
                name="referendum_threshold_within_trustees",
            ),
        ]

    def __str__(self) -> str:
        from ecitizen.core.i18n import pick

        return pick(self.title)

    def get_absolute_url(self) -> str:
        return reverse("referendums:detail", args=[self.pk])

    def is_voting_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.stage == Stage.OPEN and self.opens_at <= now < self.closes_at


class Question(models.Model):
    referendum = models.ForeignKey(Referendum, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.JSONField(_("question per language"), default=dict)
    min_choices = models.PositiveSmallIntegerField(_("fewest options a voter marks"), default=1)
    max_choices = models.PositiveSmallIntegerField(_("most options a voter marks"), default=1)

    class Meta:
        ordering = ["referendum", "position"]
        constraints = [
            models.UniqueConstraint(fields=["referendum", "position"], name="referendum_question_position_unique"),
            models.CheckConstraint(condition=Q(max_choices__gte=models.F("min_choices")), name="question_min_le_max"),
        ]

    def __str__(self) -> str:
        from ecitizen.core.i18n import pick

        return pick(self.text)


class Option(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="options")
    position = models.PositiveSmallIntegerField()
    label = models.JSONField(_("option per language"), default=dict)

    class Meta:
        ordering = ["question", "position"]
        constraints = [
            models.UniqueConstraint(fields=["question", "position"], name="referendum_option_position_unique"),
        ]

    def __str__(self) -> str:
        from ecitizen.core.i18n import pick

        return pick(self.label)


class SignOffStage(models.TextChoices):
    SETUP = "setup", _("Setup")
    RESULT = "result", _("Result")


class SignOff(models.Model):
    """The returning officer's and a second person's signature on the setup or on the result, over
    what they saw (``digest``: the SHA-256 of the canonical JSON of the setup or of the result)."""

    referendum = models.ForeignKey(Referendum, on_delete=models.CASCADE, related_name="sign_offs")
    stage = models.CharField(max_length=8, choices=SignOffStage.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    as_returning_officer = models.BooleanField(default=False)
    digest = models.CharField(max_length=64)
    signed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["referendum", "stage", "user"], name="referendum_signoff_once_per_person"),
        ]

    def __str__(self) -> str:
        return f"{self.stage} signed by {self.user_id}"


class Trustee(models.Model):
    """One of the ``trustee_count`` trustees (staff with MFA) and the public messages of the key
    generation and of the decryption (docs/voting-protocol.md section 3)."""

    referendum = models.ForeignKey(Referendum, on_delete=models.CASCADE, related_name="trustees")
    index = models.PositiveSmallIntegerField()  # 1..n
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sealing_key = models.CharField(max_length=64, blank=True)
    deal = models.JSONField(default=dict, blank=True)  # {"index","commitments","pok","shares": {j: sealed}}
    verification_key = models.CharField(max_length=64, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    decryption = models.JSONField(default=dict, blank=True)  # {"trustee": j, "factors": [[{"d","c","s"}]]}
    decrypted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["referendum", "index"]
        constraints = [
            models.UniqueConstraint(fields=["referendum", "index"], name="referendum_trustee_index_unique"),
            models.UniqueConstraint(fields=["referendum", "user"], name="referendum_trustee_user_unique"),
        ]

    def __str__(self) -> str:
        return f"trustee {self.index}"


class Channel(models.TextChoices):
    ONLINE = "online", _("Online, encrypted in the browser")
    ASSISTED = "assisted", _("Online, assisted (encrypted by the server)")
    PAPER = "paper", _("Paper, at a service counter")


class ElectorateEntry(models.Model):
    """One eligible person, frozen at opening: the marked register. It says whether and by which
    channel the person voted, never how, and holds no link to their credential or ballot."""

    referendum = models.ForeignKey(Referendum, on_delete=models.CASCADE, related_name="electorate")
    voter_key = models.CharField(max_length=80)  # eligibility.voter_key_for: one person, one entry
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    district = models.ForeignKey("reports.Area", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    credential_sent = models.BooleanField(default=False)
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    # Set for the channels that end voting (assisted and paper), with who recorded it at a counter.
    final_at = models.DateTimeField(null=True, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referendum", "voter_key"], name="referendum_electorate_once"),
        ]
        indexes = [models.Index(fields=["referendum", "user"], name="referendum_electorate_user")]

    def __str__(self) -> str:
        return f"elector {self.pk}"


class PublicCredential(models.Model):
    """A credential's public key (docs/voting-protocol.md section 4): which voter it belongs to is
    recorded nowhere."""

    referendum = models.ForeignKey(Referendum, on_delete=models.CASCADE, related_name="credentials")
    credential = models.CharField(max_length=64)

    class Meta:
        ordering = ["referendum", "credential"]
        constraints = [
            models.UniqueConstraint(fields=["referendum", "credential"], name="referendum_credential_unique"),
        ]

    def __str__(self) -> str:
        return self.credential


class BoardBallot(models.Model):
    """A ballot on the public board, numbered in the order it was accepted. ``ballot`` is the JSON
    text exactly as it was checked; ``replaced_by`` is the number of the same credential's next
    ballot."""

    referendum = models.ForeignKey(Referendum, on_delete=models.CASCADE, related_name="board")
    n = models.PositiveIntegerField()
    credential = models.CharField(max_length=64)
    ballot = models.TextField()
    hash = models.CharField(max_length=64)
    tracker = models.CharField(max_length=24)  # stored without its dashes (20 characters)
    replaced_by = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["referendum", "n"]
        constraints = [
            models.UniqueConstraint(fields=["referendum", "n"], name="referendum_board_number_unique"),
            models.UniqueConstraint(fields=["referendum", "hash"], name="referendum_board_hash_unique"),
        ]
        indexes = [
            models.Index(fields=["referendum", "credential"], name="referendum_board_credential"),
            models.Index(fields=["referendum", "tracker"], name="referendum_board_tracker"),
        ]

    def __str__(self) -> str:
        return f"ballot {self.n}"


class SheetState(models.TextChoices):
    WAITING = "waiting", _("Waiting for the second entry")
    CONFIRMED = "confirmed", _("Confirmed")
    MISMATCH = "mismatch", _("The two entries differ")


class PaperSheet(models.Model):
    """A paper ballot from a counter's ballot box, typed in after the close by two staff members;
    it counts once the second entry matches the first. Nothing links it to the voter."""

    referendum = models.ForeignKey(Referendum, on_delete=models.CASCADE, related_name="paper_sheets")
    sheet_number = models.CharField(_("ballot paper number"), max_length=30)
    choices = models.JSONField(default=list)  # per question, the option positions marked
    spoilt = models.BooleanField(_("spoilt (not counted)"), default=False)
    state = models.CharField(max_length=10, choices=SheetState.choices, default=SheetState.WAITING)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["referendum", "sheet_number"]
        constraints = [
            models.UniqueConstraint(fields=["referendum", "sheet_number"], name="referendum_sheet_number_unique"),
        ]

    def __str__(self) -> str:
        return self.sheet_number
