"""Services that agencies offer, defined as data, and their published versions."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecitizen.core.i18n import pick


class Category(models.Model):
    """A heading of the public catalogue ("Parking and roads"). Names per language."""

    slug = models.SlugField(unique=True)
    name = models.JSONField(_("name per language"), default=dict)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self, language: str | None = None) -> str:
        return pick(self.name, language)


class LifeEvent(models.Model):
    """A moment in life that needs several services: "moving house", "having a baby"."""

    slug = models.SlugField(unique=True)
    name = models.JSONField(_("name per language"), default=dict)
    description = models.JSONField(_("description per language"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]

    def __str__(self) -> str:
        return self.display_name()

    def display_name(self, language: str | None = None) -> str:
        return pick(self.name, language)


class IdentityRequirement(models.TextChoices):
    BASIC = "basic", _("Basic: a confirmed email address")
    VERIFIED = "verified", _("Verified identity")


class IssuedKind(models.TextChoices):
    PERMIT = "permit", _("Permit")
    LICENCE = "licence", _("Licence")
    CERTIFICATE = "certificate", _("Certificate")


class ServiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class Service(models.Model):
    """What an agency offers, as its admins are editing it now.

    Citizens never apply to this row: they apply to its latest
    :class:`ServiceVersion`, a frozen copy made on publishing, so editing a
    service never changes what an earlier application was asked.
    Texts are ``{language: text}``; ``form`` is a form definition (see
    :mod:`ecitizen.catalogue.formdef`); the fee is in minor units.
    """

    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="services")
    slug = models.SlugField(_("web address name"), max_length=80, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="services")
    life_events = models.ManyToManyField(LifeEvent, blank=True, related_name="services")
    title = models.JSONField(_("title per language"), default=dict)
    summary = models.JSONField(_("summary per language"), default=dict, blank=True)
    description = models.JSONField(_("description per language"), default=dict, blank=True)
    documents_required = models.JSONField(_("documents required per language"), default=dict, blank=True)
    identity_level = models.CharField(
        _("identity level required"),
        max_length=10,
        choices=IdentityRequirement.choices,
        default=IdentityRequirement.BASIC,
    )
    fee_amount = models.PositiveIntegerField(_("fee (minor units)"), default=0)
    fee_currency = models.CharField(
        _("currency"), max_length=3, default="GBP", validators=[RegexValidator(r"^[A-Z]{3}$")]
    )
    deadline_working_days = models.PositiveSmallIntegerField(
        _("decision within (working days)"), default=20, validators=[MinValueValidator(1)]
    )
    # Blank: approving completes the application and issues no document.
    issues = models.CharField(_("issued on approval"), max_length=12, choices=IssuedKind.choices, blank=True)
    document_name = models.JSONField(
        _("document name per language"),
        default=dict,
        blank=True,
        help_text=_("What the issued document is called, like “Resident parking permit”; the title if empty."),
    )
    document_fields = models.JSONField(
        _("answers shown on the document"),
        default=list,
        blank=True,
        help_text=_("Ids of the questions whose answers the document shows, for whoever checks it."),
    )
    validity_days = models.PositiveIntegerField(
        _("valid for (days)"), default=365, help_text=_("0 means the document does not expire.")
    )
    form = models.JSONField(_("form definition"), default=dict)
    status = models.CharField(max_length=10, choices=ServiceStatus.choices, default=ServiceStatus.DRAFT)
    current_version = models.ForeignKey(
        "ServiceVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status", "category"], name="service_status_category")]

    def __str__(self) -> str:
        return self.display_title()

    def display_title(self, language: str | None = None) -> str:
        return pick(self.title, language)

    def display_document_name(self, language: str | None = None) -> str:
        return pick(self.document_name, language) or pick(self.title, language)


class ServiceVersion(models.Model):
    """A published, never-changing copy of a service: what applicants were asked.

    ``snapshot`` holds every field citizens see (texts, fee, deadline, what is
    issued, the form); ``published_by`` is the agency admin who published it.
    """

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField()
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["service", "number"], name="service_version_unique")]
        ordering = ["service", "-number"]

    def __str__(self) -> str:
        return f"{self.service.slug} v{self.number}"

    def title(self, language: str | None = None) -> str:
        return pick(self.snapshot.get("title"), language)
