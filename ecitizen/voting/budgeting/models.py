"""Participatory budgeting: a :class:`Process` splits an amount of money into one or more
:class:`Budget`\\ s (the whole area, or one per district), residents propose :class:`Project`\\ s,
staff review them, eligible residents cast one :class:`Ballot` each (online, or on paper entered
twice by two staff members as :class:`PaperEntry` rows), and a :class:`Tally` per budget records
which projects the chosen rule funds and why (:class:`ProjectResult`). Funded projects get
:class:`Milestone`\\ s that residents can follow.

Money is in whole units of the deployment's currency (``settings.BUDGETING_CURRENCY``): costs and
budgets are integers, as in the Pabulib format, so that every rule is computed exactly.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecitizen.cases.uploads import private_storage

TITLE_MAX_LENGTH = 120
DESCRIPTION_MAX_LENGTH = 5000
REASON_MAX_LENGTH = 2000


def new_token() -> uuid.UUID:
    return uuid.uuid4()


class Phase(models.TextChoices):
    """Where a process stands. Computed from its dates and what staff have done
    (:meth:`Process.phase`), never stored."""

    DRAFT = "draft", _("Not yet published")
    UPCOMING = "upcoming", _("Starting soon")
    IDEAS = "ideas", _("Collecting ideas")
    REVIEW = "review", _("Reviewing ideas")
    VOTING = "voting", _("Voting")
    COUNTING = "counting", _("Counting the votes")
    RESULTS = "results", _("Results")
    IMPLEMENTATION = "implementation", _("Building the projects")


class BallotStyle(models.TextChoices):
    APPROVAL = "approval", _("Choose up to a number of projects")
    KNAPSACK = "knapsack", _("Choose projects whose total cost fits the budget")
    CUMULATIVE = "cumulative", _("Share out points between projects")


class Rule(models.TextChoices):
    GREEDY = "greedy", _("Most votes first, while the money lasts")
    MES = "mes", _("Method of Equal Shares")


class Process(models.Model):
    """One participatory budget: its phases' dates, who may vote, how and by what rule.

    The phases follow one another: ideas from ``ideas_open_at`` to ``ideas_close_at``, then staff
    review until ``voting_open_at``, voting until ``voting_close_at``, then counting until staff
    publish the results (``results_published_at``), then implementation once staff start it.
    """

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="budget_processes")
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    summary = models.CharField(_("summary"), max_length=300)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    ideas_open_at = models.DateTimeField(_("ideas open"))
    ideas_close_at = models.DateTimeField(_("ideas close"))
    voting_open_at = models.DateTimeField(_("voting opens"))
    voting_close_at = models.DateTimeField(_("voting closes"))
    # How people vote, and the counting rule: fixed once voting opens (services refuse a change).
    ballot_style = models.CharField(
        _("ballot"), max_length=12, choices=BallotStyle.choices, default=BallotStyle.APPROVAL
    )
    max_choices = models.PositiveSmallIntegerField(
        _("most projects a voter may choose (approval)"), null=True, blank=True
    )
    points = models.PositiveSmallIntegerField(_("points each voter shares out (cumulative)"), null=True, blank=True)
    max_points_per_project = models.PositiveSmallIntegerField(
        _("most points on one project (cumulative)"), null=True, blank=True
    )
    rule = models.CharField(_("counting rule"), max_length=12, choices=Rule.choices, default=Rule.MES)
    # Who may vote.
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    residents_only = models.BooleanField(_("only residents of the area or district"), default=True)
    identity_level = models.CharField(_("identity needed to vote"), max_length=12, default="verified")
    paper_voting = models.BooleanField(_("paper ballots at service counters"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    results_published_at = models.DateTimeField(null=True, blank=True)
    results_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    implementation_started_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-voting_close_at", "-pk"]
        verbose_name = _("participatory budget")
        constraints = [
            models.CheckConstraint(
                condition=Q(ideas_open_at__lte=models.F("ideas_close_at"))
                & Q(ideas_close_at__lte=models.F("voting_open_at"))
                & Q(voting_open_at__lt=models.F("voting_close_at")),
                name="budgeting_process_phases_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("budgeting:process", args=[self.pk])

    def phase(self, now=None) -> Phase:
        now = now or timezone.now()
        if self.published_at is None:
            return Phase.DRAFT
        if self.implementation_started_at is not None:
            return Phase.IMPLEMENTATION
        if self.results_published_at is not None:
            return Phase.RESULTS
        if now < self.ideas_open_at:
            return Phase.UPCOMING
        if now < self.ideas_close_at:
            return Phase.IDEAS
        if now < self.voting_open_at:
            return Phase.REVIEW
        if now < self.voting_close_at:
            return Phase.VOTING
        return Phase.COUNTING


class Budget(models.Model):
    """The money of one process for the whole area (``area`` empty) or for one district (a
    problem-report :class:`~ecitizen.reports.models.Area`). A process has either one budget
    without an area or one per district."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="budgets")
    area = models.ForeignKey("reports.Area", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    amount = models.PositiveBigIntegerField(_("amount"))

    class Meta:
        ordering = ["process", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["process", "area"], name="budgeting_budget_one_per_area"),
            models.UniqueConstraint(
                fields=["process"], condition=Q(area__isnull=True), name="budgeting_budget_one_whole_area"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.process} / {self.area_id or '-'}"


class ProjectStatus(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for review")
    ACCEPTED = "accepted", _("On the ballot")
    REJECTED = "rejected", _("Not on the ballot")
    MERGED = "merged", _("Merged into another project")
    WITHDRAWN = "withdrawn", _("Withdrawn by its author")


class Project(models.Model):
    """An idea a resident (or staff) proposes for one budget; once accepted, a project on the
    ballot with the official cost staff set. Its public number is its primary key."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="projects")
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="projects")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="budget_ideas"
    )
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH)
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    location_text = models.CharField(_("where"), max_length=200, blank=True)
    estimated_cost = models.PositiveBigIntegerField(_("estimated cost"))
    official_cost = models.PositiveBigIntegerField(_("official cost"), null=True, blank=True)
    status = models.CharField(max_length=12, choices=ProjectStatus.choices, default=ProjectStatus.PROPOSED)
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="merged")
    # Public reason for a rejection (shown on the idea's page and sent to its author).
    review_note = models.TextField(_("reason"), max_length=REASON_MAX_LENGTH, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Kept equal to the number of Support rows by the services that add and remove them.
    support_count = models.PositiveIntegerField(default=0)
    # Sending the same proposal form twice makes one idea.
    create_token = models.UUIDField(unique=True, default=new_token)
    # Implementation, once funded.
    progress = models.PositiveSmallIntegerField(_("progress (per cent)"), default=0)
    spent = models.PositiveBigIntegerField(_("spent so far"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["process", "status"], name="budgeting_project_status")]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="budgeting_progress_at_most_100"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("budgeting:project", args=[self.pk])

    @property
    def cost(self) -> int:
        """What the project costs on the ballot: the official cost once set, else the estimate."""
        return self.official_cost if self.official_cost is not None else self.estimated_cost


class ProjectPhoto(models.Model):
    """A photo of an idea (by its author) or of a funded project's work (by staff, optionally
    for one milestone). Stored without its metadata (see services)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="photos")
    milestone = models.ForeignKey("Milestone", on_delete=models.CASCADE, null=True, blank=True, related_name="photos")
    # Kept privately and served by budgeting's photo view, which checks the project is viewable
    # (a withdrawn idea's photos are not public).
    image = models.ImageField(upload_to="budgeting/%Y/%m/", storage=private_storage)
    alt_text = models.CharField(_("description of the photo"), max_length=200)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"photo {self.pk} of project {self.project_id}"


class Support(models.Model):
    """A resident supports an idea during the ideas phase (it helps staff see what people want;
    it is not a vote)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="budgeting_support_once")]

    def __str__(self) -> str:
        return f"support of {self.user_id} for project {self.project_id}"


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    PAPER = "paper", _("Paper, at a service counter")


class Ballot(models.Model):
    """The one ballot a person has in a process: the last one they cast counts, so casting again
    replaces its choices and adds one to ``version``.

    ``voter_key`` says who the person is across channels: the blind index of their national
    identity number when it is known (a verified account, or a paper ballot entered with the
    number from the voter's document), otherwise ``"user:<id>"``. One row per process and key is
    what makes one person one vote, online and on paper alike.
    """

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="ballots")
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="ballots")
    voter_key = models.CharField(max_length=80)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="budget_ballots"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    version = models.PositiveIntegerField(default=1)
    cast_at = models.DateTimeField(default=timezone.now)
    first_cast_at = models.DateTimeField(default=timezone.now)
    # The token of the ballot form the last cast came from: sending the same form twice (a double
    # click, a retry) casts once.
    cast_token = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["process", "voter_key"], name="budgeting_one_ballot_per_voter"),
        ]
        indexes = [models.Index(fields=["budget"], name="budgeting_ballot_budget")]

    def __str__(self) -> str:
        return f"ballot {self.pk} in process {self.process_id} (version {self.version})"


class BallotChoice(models.Model):
    """One project on a ballot, with its points (1 for approval and knapsack ballots)."""

    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="choices")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+")
    points = models.PositiveSmallIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "project"], name="budgeting_choice_once"),
            models.CheckConstraint(condition=Q(points__gte=1), name="budgeting_choice_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.points} on project {self.project_id}"


class PaperEntryState(models.TextChoices):
    WAITING = "waiting", _("Waiting for the second entry")
    CONFIRMED = "confirmed", _("Confirmed by a second person")
    MISMATCH = "mismatch", _("The two entries did not agree")
    DISCARDED = "discarded", _("Discarded")


class PaperEntry(models.Model):
    """A paper ballot as one staff member typed it. A ballot counts only when a second staff
    member types the same voter and the same choices without seeing the first entry; then
    ``confirmed_by`` is set and the :class:`Ballot` is written."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="paper_entries")
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="+")
    # Printed on the paper ballot, so the second person can find the first entry.
    sheet_number = models.CharField(_("ballot paper number"), max_length=30)
    voter_key = models.CharField(max_length=80)
    choices = models.JSONField(default=dict)  # {project id (as text): points}
    state = models.CharField(max_length=10, choices=PaperEntryState.choices, default=PaperEntryState.WAITING)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    ballot = models.OneToOneField(Ballot, on_delete=models.SET_NULL, null=True, blank=True, related_name="paper")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["process", "sheet_number"],
                condition=Q(state__in=["waiting", "confirmed"]),
                name="budgeting_paper_sheet_once",
            ),
        ]

    def __str__(self) -> str:
        return f"paper ballot {self.sheet_number} ({self.state})"


class Tally(models.Model):
    """The count of one budget's ballots by the process's rule. Counting again (a late paper
    ballot, a correction before publishing) replaces it."""

    budget = models.OneToOneField(Budget, on_delete=models.CASCADE, related_name="tally")
    rule = models.CharField(max_length=12, choices=Rule.choices)
    ballots = models.PositiveIntegerField(default=0)
    spent = models.PositiveBigIntegerField(default=0)
    # The Pabulib file the count was made from, hashed (SHA-256 hex), so a re-count of the export
    # can be checked to be the same input.
    input_sha256 = models.CharField(max_length=64, blank=True)
    # Facts about the whole count from the engine (e.g. what each voter's share was under MES).
    details = models.JSONField(default=dict, blank=True)
    counted_at = models.DateTimeField(default=timezone.now)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return f"tally of budget {self.budget_id} by {self.rule}"


class ProjectResult(models.Model):
    """One project in a tally: its votes, whether it is funded, in what order, and the facts the
    results page uses to explain why (``explanation``: for MES, what its supporters paid; for
    greedy, the money left when its turn came)."""

    tally = models.ForeignKey(Tally, on_delete=models.CASCADE, related_name="results")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="results")
    votes = models.PositiveIntegerField(default=0)
    funded = models.BooleanField(default=False)
    order = models.PositiveIntegerField(null=True, blank=True)
    explanation = models.JSONField(default=dict)

    class Meta:
        ordering = ["tally", "order", "-votes", "project"]
        constraints = [models.UniqueConstraint(fields=["tally", "project"], name="budgeting_result_once")]

    def __str__(self) -> str:
        return f"project {self.project_id}: {self.votes} votes"


class Milestone(models.Model):
    """A step in building a funded project: planned for a date, done when staff say so."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX_LENGTH, blank=True)
    planned_for = models.DateField(_("planned for"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    # Sending the same "add a milestone" form twice makes one milestone.
    create_token = models.UUIDField(unique=True, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["project", "planned_for", "pk"]

    def __str__(self) -> str:
        return self.title


class Follow(models.Model):
    """A resident follows a funded project and is told of its milestones."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="budgeting_follow_once")]

    def __str__(self) -> str:
        return f"{self.user_id} follows project {self.project_id}"
