"""Problem reports: where they are, who answers them and what became of them.

An agency serves :class:`Area` polygons and handles report :class:`Category`
kinds; a :class:`Report` at a point is routed to the agency whose area holds
the point and which handles its category. Everything that happens to a report
is a :class:`ReportUpdate` (public or staff-only), so the report page's
history is the list of its updates.

Geometry needs no spatial database: reports keep a latitude, a longitude and
a grid cell (:mod:`ecitizen.reports.geo`), areas keep their bounding box, and
indexes on those narrow every search before Python finishes it exactly.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ecitizen.core.i18n import pick
from ecitizen.reports import geo

DESCRIPTION_MAX_LENGTH = 4000  # what Open311 GeoReport v2 allows for a request's description
TITLE_MAX_LENGTH = 120
UPDATE_MAX_LENGTH = 3000
MAX_PHOTOS = 3


def new_nonce() -> str:
    return uuid.uuid4().hex


class Area(models.Model):
    """A territory, as a GeoJSON MultiPolygon (``[longitude, latitude]`` positions).

    An area either belongs to an agency on the platform, which then answers
    reports there, or names a body that is *not* on the platform
    (``responsible_name``) so that citizens can be told whom to contact.
    """

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="report_areas", null=True, blank=True
    )
    name = models.JSONField(_("name per language"), default=dict)
    geometry = models.JSONField(_("shape (GeoJSON MultiPolygon)"))
    responsible_name = models.JSONField(_("responsible body, when not on this platform"), default=dict, blank=True)
    responsible_contact = models.CharField(_("how to contact them"), max_length=300, blank=True)
    min_lat = models.FloatField(editable=False)
    max_lat = models.FloatField(editable=False)
    min_lng = models.FloatField(editable=False)
    max_lng = models.FloatField(editable=False)
    size = models.FloatField(editable=False, help_text="Area in square degrees; the smaller wins when areas overlap.")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["min_lat", "max_lat", "min_lng", "max_lng"], name="area_bbox")]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self, language: str | None = None) -> str:
        return pick(self.name, language)

    def set_geometry(self, geometry: dict) -> None:
        """Store a validated MultiPolygon and derive the bounding box and size from it."""
        polygons = geo.from_geojson(geometry)
        box = geo.polygons_bbox(polygons)
        self.geometry = geometry
        self.min_lat, self.max_lat, self.min_lng, self.max_lng = box.min_lat, box.max_lat, box.min_lng, box.max_lng
        self.size = geo.polygons_area(polygons)

    def contains(self, lat: float, lng: float) -> bool:
        return geo.BBox(self.min_lng, self.min_lat, self.max_lng, self.max_lat).contains(lat, lng) and (
            geo.AreaShape(geo.from_geojson(self.geometry)).contains(lat, lng)
        )


code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]{0,49}$", _("Use lower-case letters, digits, hyphens and underscores only.")
)


class Category(models.Model):
    """A kind of problem an agency handles ("Pot-hole"), with its guidance and extra questions.

    ``code`` is the Open311 ``service_code``. Several agencies may handle the
    same code in their own areas (a city's roads and the national highways);
    a report is routed to one of them by where it is.

    ``questions`` is a list of ``{"code", "label": {lang: text}, "datatype":
    "string"|"number"|"text"|"singlevaluelist", "required": bool,
    "values": [{"key", "name": {lang: text}}], "hint": {lang: text},
    "pattern": str, "pattern_message": {lang: text}}``. A string or text
    question's ``pattern`` is a regular expression run with RE2 (linear time);
    the ``hint`` is shown as a sanitised subset of HTML.
    """

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="report_categories")
    code = models.CharField(_("code"), max_length=50, validators=[code_validator])
    name = models.JSONField(_("name per language"), default=dict)
    guidance = models.JSONField(_("guidance per language"), default=dict, blank=True)
    group = models.JSONField(_("group per language"), default=dict, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    questions = models.JSONField(_("extra questions"), default=list, blank=True)
    response_days = models.PositiveSmallIntegerField(
        _("expected response time in working days"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "code", "pk"]
        verbose_name_plural = _("categories")
        constraints = [models.UniqueConstraint(fields=["agency", "code"], name="report_category_code_per_agency")]
        indexes = [models.Index(fields=["code", "is_active"], name="report_category_code")]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self, language: str | None = None) -> str:
        return pick(self.name, language)


def question_pattern_message(question: dict, label: str) -> str:
    """What a reporter is told when an answer to a category *question* does not match its ``pattern``."""
    return pick(question.get("pattern_message")) or _("The answer to “%(question)s” is not in the right format") % {
        "question": label
    }


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    INVESTIGATING = "investigating", _("Investigating")
    ACTION_SCHEDULED = "action_scheduled", _("Action scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    FIXED = "fixed", _("Fixed")
    CLOSED_NOT_FIXED = "closed_not_fixed", _("Closed — not fixed")
    NOT_RESPONSIBLE = "not_responsible", _("Not our responsibility")
    DUPLICATE = "duplicate", _("Duplicate")


OPEN_STATUSES = frozenset({Status.OPEN, Status.INVESTIGATING, Status.ACTION_SCHEDULED, Status.IN_PROGRESS})
CLOSED_STATUSES = frozenset(set(Status) - OPEN_STATUSES)


def open311_status(status: str) -> str:
    """GeoReport v2 knows two states: ``open`` and ``closed``."""
    return "open" if status in OPEN_STATUSES else "closed"


class Source(models.TextChoices):
    WEB = "web", _("Website")
    OPEN311 = "open311", _("Open311 app")
    STAFF = "staff", _("Staff")


class ApiClient(models.Model):
    """A third-party app allowed to post Open311 requests. Only a hash of its key is kept."""

    name = models.CharField(_("app name"), max_length=120)
    contact_email = models.EmailField(_("contact email"))
    key_prefix = models.CharField(max_length=12, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Report(models.Model):
    """One problem at one place, reported once and answered by one agency at a time.

    A report made without signing in waits for its email address to be
    confirmed (``confirmed_at`` is empty until then) and is neither public nor
    in any queue before that. ``agency`` is who answers it now (forwarding
    changes it); ``due_at`` is when the category's response time runs out.
    ``service_code`` copies the category code so that the Open311 look-ups by
    code and date use one index.
    """

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="reports")
    service_code = models.CharField(max_length=50, editable=False)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="reports")
    area = models.ForeignKey(Area, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    latitude = models.FloatField(_("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(_("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)])
    cell = models.BigIntegerField(editable=False)
    address = models.CharField(_("address"), max_length=300, blank=True)
    address_id = models.CharField(max_length=20, blank=True)
    title = models.CharField(_("title"), max_length=TITLE_MAX_LENGTH)
    description = models.TextField(_("description"), validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)])
    answers = models.JSONField(_("answers to the category's questions"), default=dict, blank=True)

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="reports"
    )
    reporter_name = models.CharField(_("name"), max_length=150, blank=True)
    reporter_email = models.EmailField(_("email address"), blank=True)
    reporter_phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)
    name_hidden = models.BooleanField(_("hide my name on the public report"), default=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    api_client = models.ForeignKey(ApiClient, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    media_url = models.URLField(_("photo address given by the app"), max_length=500, blank=True)
    # The web draft's one-time "Send" token: a retry of the same draft (a double click, a crash
    # after the commit) finds this report instead of making a second one.
    submit_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    confirmed_at = models.DateTimeField(null=True, blank=True)
    is_public = models.BooleanField(default=False, help_text="Confirmed and not hidden by a moderator.")
    hidden_reason = models.CharField(_("reason for hiding"), max_length=300, blank=True)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="duplicates"
    )
    responsible_body = models.CharField(_("who is responsible"), max_length=300, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="assigned_reports"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(db_index=False)
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    # The agency's first public word on the report (an update or a change of status).
    first_response_at = models.DateTimeField(null=True, blank=True)
    reopened_at = models.DateTimeField(null=True, blank=True)
    questionnaire_sent_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # Open311 GET requests: one service code and a date window.
            models.Index(fields=["service_code", "created_at"], name="report_code_created"),
            models.Index(fields=["created_at"], name="report_created"),
            models.Index(fields=["updated_at"], name="report_updated"),
            # The public map: a box of latitude and longitude.
            models.Index(fields=["latitude", "longitude"], name="report_lat_lng"),
            # Nearby open reports of one kind (the duplicate check and radius alerts).
            models.Index(
                fields=["service_code", "cell"],
                name="report_open_code_cell",
                condition=Q(status__in=["open", "investigating", "action_scheduled", "in_progress"], is_public=True),
            ),
            models.Index(fields=["cell", "created_at"], name="report_cell_created"),
            # The staff queue.
            models.Index(fields=["agency", "status", "due_at"], name="report_queue"),
            models.Index(fields=["agency", "assignee", "due_at"], name="report_queue_assignee"),
            models.Index(fields=["reporter", "created_at"], name="report_by_reporter"),
            models.Index(fields=["questionnaire_sent_at", "created_at"], name="report_questionnaire"),
            # Analytics rolls up one day at a time by each of these moments (ecitizen.analytics).
            models.Index(fields=["closed_at"], name="report_closed"),
            models.Index(fields=["first_response_at"], name="report_first_response"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def save(self, *args, **kwargs):
        self.cell = geo.cell_of(self.latitude, self.longitude)
        self.service_code = self.category.code
        return super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def open311_status(self) -> str:
        return open311_status(self.status)

    @property
    def public_name(self) -> str:
        """The reporter's name as the public may see it ("" when hidden)."""
        return "" if self.name_hidden else self.reporter_name


class ReportArea(models.Model):
    """A report's point lies inside this area (every area, not only the one it was routed by).

    Kept so that filtering reports by district is an exact, indexed join
    instead of a polygon test over the table: written when a report is made
    (:func:`ecitizen.reports.area_links.link_new_report`) and rebuilt for an
    area whenever its shape changes (:func:`~ecitizen.reports.area_links.relink_area`).
    """

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="report_links")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="area_links")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["area", "report"], name="report_area_unique")]

    def __str__(self) -> str:
        return f"#{self.report_id} in area {self.area_id}"


class UpdateKind(models.TextChoices):
    COMMENT = "comment", _("Update")
    STATUS = "status", _("Status change")
    NOTE = "note", _("Staff note")
    REOPENED = "reopened", _("Reopened")
    QUESTIONNAIRE = "questionnaire", _("Questionnaire answer")
    FORWARDED = "forwarded", _("Passed to another agency")
    MERGED = "merged", _("Marked as a duplicate")
    ASSIGNED = "assigned", _("Assigned")


class ReportUpdate(models.Model):
    """Something that happened to a report: an update by the public or staff, a status change, a note.

    ``is_internal`` updates (staff notes, assignments) are never shown to the
    public nor in Open311. ``author_name`` is what the public sees: empty when
    the author asked to hide their name; staff updates show the agency.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=20, choices=UpdateKind.choices, default=UpdateKind.COMMENT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_name = models.CharField(max_length=150, blank=True)
    author_email = models.EmailField(blank=True)
    is_staff = models.BooleanField(default=False)
    is_internal = models.BooleanField(default=False)
    text = models.TextField(_("update"), blank=True, validators=[MaxLengthValidator(UPDATE_MAX_LENGTH)])
    old_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    new_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    fixed_answer = models.BooleanField(null=True, blank=True, help_text="The reporter's 'is it fixed?' answer.")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    is_public = models.BooleanField(default=True)
    hidden_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["report", "created_at"], name="report_update_by_report"),
            # Analytics counts reopenings and "is it fixed?" answers a day at a time.
            models.Index(fields=["kind", "created_at"], name="report_update_kind_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on #{self.report_id}"


class ReportPhoto(models.Model):
    """A photo of a report or an update, re-encoded from its pixels (no EXIF, no GPS) and kept privately.

    Photos are shown to the public with their report unless hidden; they are
    served through a view that checks the report is public. A photo uploaded
    while a report is being written has no report yet: ``draft_key`` ties it
    to the browser session that uploaded it.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos", null=True, blank=True)
    update = models.ForeignKey(ReportUpdate, on_delete=models.CASCADE, related_name="photos", null=True, blank=True)
    draft_key = models.CharField(max_length=64, blank=True, db_index=True)
    stored_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    is_public = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Photo {self.pk} of report #{self.report_id}"


class QuestionnaireAnswer(models.TextChoices):
    FIXED = "fixed", _("Yes, it has been fixed")
    NOT_FIXED = "not_fixed", _("No, it has not been fixed")


class Questionnaire(models.Model):
    """The "has it been fixed?" question sent to a reporter four weeks after their report.

    The emailed links carry a signature of this row's ``pk`` and ``nonce``;
    ``answered_at`` makes them single-use.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="questionnaires")
    email = models.EmailField()
    nonce = models.CharField(max_length=32, default=new_nonce)
    sent_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=10, choices=QuestionnaireAnswer.choices, blank=True)
    previous_status = models.CharField(max_length=20, choices=Status.choices)
    comment = models.TextField(blank=True, validators=[MaxLengthValidator(UPDATE_MAX_LENGTH)])

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        return f"Questionnaire {self.pk} for report #{self.report_id}"


class AlertKind(models.TextChoices):
    REPORT = "report", _("Updates to one report")
    RADIUS = "radius", _("New reports near a place")
    AREA = "area", _("New reports in an area")


class Alert(models.Model):
    """A subscription by email: to one report's updates, or to new reports near a place or in an area.

    Subscriptions made without signing in wait for the address to be
    confirmed. Every email carries a one-click unsubscribe link signed with
    ``token``.
    """

    kind = models.CharField(max_length=10, choices=AlertKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="report_alerts"
    )
    email = models.EmailField(_("email address"))
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts")
    area = models.ForeignKey(Area, on_delete=models.CASCADE, null=True, blank=True, related_name="alerts")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    radius_m = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(100), MaxValueValidator(10_000)]
    )
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["kind", "report"], name="alert_by_report"),
            models.Index(fields=["kind", "area"], name="alert_by_area"),
            models.Index(fields=["kind", "latitude", "longitude"], name="alert_by_place"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="report", report__isnull=False)
                    | Q(kind="area", area__isnull=False)
                    | Q(kind="radius", latitude__isnull=False, longitude__isnull=False, radius_m__isnull=False)
                ),
                name="alert_has_its_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.email}"

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None
