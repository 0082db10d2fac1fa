"""Rollups of service delivery, filled by scheduled tasks and read by the dashboards.

Pages never aggregate the live tables over history: they add up these rows, a few per service
and day, and for the whole months of a long period the same figures added up per month. Every
rollup row is a pure function of the live tables for its day (or month), so a day can be
recomputed at any time and the result is the same; the hourly task recomputes the days that can
still change, and ``manage.py analytics_rebuild`` recomputes them all
(:mod:`ecitizen.analytics.rollups`).

Days and months are the deployment's (``TIME_ZONE``), as staff and the public read them.
Histograms are JSON objects ``{value: count}`` so medians and percentiles over any period are
exact: add the histograms of its days, then read the percentile off the sum.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecitizen.cases.models import Channel


class ServiceFigures(models.Model):
    """One service's applications, decisions and payments through one channel over a day or a
    month (the concrete tables below say which).

    * ``started``: applications begun (drafts created); ``submitted``: sent by the applicant;
      ``queued``: joined the agency's queue (sent, and the fee paid when there is one).
    * ``approved``, ``refused``: decided; ``decided_in_time``: of those, decided on or before
      their due date; ``decision_days``: histogram of working days from queue to decision;
      ``refusals``: ``{refusal category: count}``.
    * ``withdrawn``: withdrawn by the applicant; ``left_queue``: cases that left the queue
      (decided, or withdrawn after joining it). Backlog at the end of a day is the latest
      :class:`BacklogSnapshot` less the ``queued - left_queue`` of the days after it.
    * ``stopped_at``: of the drafts begun then, those never sent and untouched for
      ``ANALYTICS_DRAFT_STOPPED_AFTER_DAYS``, by the form page they were last saved on.
    * ``info_requests``: requests for more information sent on the service's cases.
    * ``payments``/``paid`` and ``refunds``/``refunded``: successful ones, in minor units of
      ``currency`` (the service's fee currency); a counter payment counts in the counter channel.

    ``agency`` is the service's agency (kept on the row so that an agency's rows are read by index).
    """

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("catalogue.Service", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    started = models.PositiveIntegerField(default=0)
    submitted = models.PositiveIntegerField(default=0)
    queued = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    decided_in_time = models.PositiveIntegerField(default=0)
    decision_days = models.JSONField(default=dict)
    refusals = models.JSONField(default=dict)
    withdrawn = models.PositiveIntegerField(default=0)
    left_queue = models.PositiveIntegerField(default=0)
    stopped_at = models.JSONField(default=dict)
    info_requests = models.PositiveIntegerField(default=0)
    payments = models.PositiveIntegerField(default=0)
    paid = models.BigIntegerField(default=0)
    refunds = models.PositiveIntegerField(default=0)
    refunded = models.BigIntegerField(default=0)
    currency = models.CharField(max_length=3, blank=True)

    class Meta:
        abstract = True


class ServiceDay(ServiceFigures):
    """A service's figures (:class:`ServiceFigures`) on one day, through one channel: the rows
    only where something happened."""

    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "day", "channel"], name="analytics_service_day_unique")
        ]
        indexes = [models.Index(fields=["agency", "day"], name="analytics_service_day_agency")]

    def __str__(self) -> str:
        return f"{self.service_id} {self.day} {self.channel}"


class ServiceMonth(ServiceFigures):
    """The :class:`ServiceDay` rows of one calendar month added up (``month`` is its first day):
    counts summed, histograms merged. A period of a year reads a dozen of these per service and
    channel instead of hundreds of days; the days at the edges of a period that are not a whole
    month are still read from :class:`ServiceDay`. Always recomputed from the day rows after
    them, so the two never disagree."""

    month = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["service", "month", "channel"], name="analytics_service_month_unique")
        ]
        indexes = [models.Index(fields=["agency", "month"], name="analytics_service_month_agency")]

    def __str__(self) -> str:
        return f"{self.service_id} {self.month} {self.channel}"


class ReportFigures(models.Model):
    """Problem reports of one category in one area (none: outside every area) over a day or a
    month (the concrete tables below say which).

    ``received``: reports made; ``responded``: reports that got the agency's first public word
    then, ``response_hours`` its histogram of hours since the report; ``closed``: reports
    closed, of which ``fixed``, with ``fix_days`` the histogram of days from report to fix;
    ``reopened``: reports reopened; ``fixed_yes``/``fixed_no``: answers to "is it fixed?".
    ``agency`` is the agency the reports are with now.
    """

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("reports.Category", on_delete=models.CASCADE, related_name="+")
    area = models.ForeignKey("reports.Area", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    received = models.PositiveIntegerField(default=0)
    responded = models.PositiveIntegerField(default=0)
    response_hours = models.JSONField(default=dict)
    closed = models.PositiveIntegerField(default=0)
    fixed = models.PositiveIntegerField(default=0)
    fix_days = models.JSONField(default=dict)
    reopened = models.PositiveIntegerField(default=0)
    fixed_yes = models.PositiveIntegerField(default=0)
    fixed_no = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class ReportDay(ReportFigures):
    """Problem reports' figures (:class:`ReportFigures`) of one category and area on one day."""

    day = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["agency", "day"], name="analytics_report_day_agency"),
            models.Index(fields=["day"], name="analytics_report_day"),
        ]

    def __str__(self) -> str:
        return f"{self.category_id}/{self.area_id} {self.day}"


class ReportMonth(ReportFigures):
    """The :class:`ReportDay` rows of one calendar month added up per agency, category and area
    (``month`` is its first day), for the same reason as :class:`ServiceMonth`."""

    month = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["agency", "month"], name="analytics_report_month_agency"),
            models.Index(fields=["month"], name="analytics_report_month"),
        ]

    def __str__(self) -> str:
        return f"{self.category_id}/{self.area_id} {self.month}"


class ReportCellMonth(models.Model):
    """How many reports of a category were made in one grid cell (``reports.geo``) in a month:
    the map of where reports cluster."""

    month = models.DateField()
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("reports.Category", on_delete=models.CASCADE, related_name="+")
    cell = models.BigIntegerField()
    latitude = models.FloatField(help_text="Mean latitude of the cell's reports.")
    longitude = models.FloatField(help_text="Mean longitude of the cell's reports.")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["agency", "month"], name="analytics_cell_agency_month")]

    def __str__(self) -> str:
        return f"{self.cell} {self.month}: {self.count}"


class SatisfactionMonth(models.Model):
    """Answers to the feedback question for one service (none: a payment or report) in a month.

    ``answers`` is ``{"1": n, …, "5": n}`` (5 is very satisfied); ``topic`` is the feedback kind.
    """

    month = models.DateField()
    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey("catalogue.Service", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(max_length=12)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.ONLINE)
    answers = models.JSONField(default=dict)

    class Meta:
        indexes = [
            models.Index(fields=["agency", "month"], name="analytics_satisfaction_agency"),
            models.Index(fields=["service", "month"], name="analytics_satisfaction_service"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.service_id} {self.month}"


class BacklogSnapshot(models.Model):
    """A service's open cases when the rollup last ran: how many, and how old (``ages``:
    ``{bucket: count}``, buckets of working days since they joined the queue)."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    service = models.OneToOneField("catalogue.Service", on_delete=models.CASCADE, related_name="+")
    open_count = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    ages = models.JSONField(default=dict)
    oldest_queued_at = models.DateTimeField(null=True, blank=True)
    taken_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.service_id}: {self.open_count}"


class WorkloadSnapshot(models.Model):
    """One caseworker's open cases in one agency when the rollup last ran (managers only)."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    open_count = models.PositiveIntegerField(default=0)
    overdue = models.PositiveIntegerField(default=0)
    ages = models.JSONField(default=dict)
    oldest_queued_at = models.DateTimeField(null=True, blank=True)
    taken_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "assignee"], name="analytics_workload_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.assignee_id}: {self.open_count}"


class RollupRun(models.Model):
    """One run of the rollups: which days it recomputed and how long it took. The next hourly run
    starts from the day the last one started on, so nothing between runs is missed."""

    class Kind(models.TextChoices):
        HOURLY = "hourly", _("Hourly")
        DAILY = "daily", _("Daily")
        REBUILD = "rebuild", _("Rebuild from scratch")

    kind = models.CharField(max_length=8, choices=Kind.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(null=True, blank=True)
    rows = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]
        get_latest_by = "started_at"

    def __str__(self) -> str:
        return f"{self.kind} {self.started_at:%Y-%m-%d %H:%M}"


class ChannelCost(models.Model):
    """What one transaction through one channel costs an agency, set by its admins: the basis of
    cost per transaction (minor units of ``currency``)."""

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    amount = models.PositiveIntegerField(_("cost per transaction (minor units)"), validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="GBP", validators=[RegexValidator(r"^[A-Z]{3}$")])
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "channel"], name="analytics_channel_cost_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.channel}: {self.amount} {self.currency}"


class Metric(models.TextChoices):
    MEDIAN_DECISION_DAYS = "median_days", _("Median decision time (working days, last 30 days)")
    P90_DECISION_DAYS = "p90_days", _("90th percentile decision time (working days, last 30 days)")
    BACKLOG = "backlog", _("Open cases")
    OVERDUE = "overdue", _("Open cases past their due date")


class AlertRule(models.Model):
    """Notify the agency's admins when a service (or the whole agency) crosses *threshold*.

    Checked after each hourly rollup. ``firing`` is set when the figure goes above the threshold
    and cleared when it comes back, so admins hear once per crossing, not every hour.
    """

    agency = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    service = models.ForeignKey(
        "catalogue.Service",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("service"),
    )
    metric = models.CharField(_("figure"), max_length=12, choices=Metric.choices)
    threshold = models.PositiveIntegerField(_("alert above"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    firing = models.BooleanField(default=False)
    last_value = models.FloatField(null=True, blank=True)
    fired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "service", "metric"], name="analytics_alert_unique")]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.service_id} {self.metric} > {self.threshold}"
