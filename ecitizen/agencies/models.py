"""Agencies (the tenant) and the staff who work for them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Agency(models.Model):
    """A public body that offers services and works cases. ``code`` prefixes its references."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    code = models.CharField(
        _("reference code"),
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^[A-Z]{2,6}$", _("Use 2 to 6 capital letters."))],
        help_text=_("Prefix of the agency's references, e.g. CC for CC-2026-000123."),
    )
    email = models.EmailField(_("contact email"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    AGENCY_ADMIN = "agency_admin", _("Agency admin")
    MODERATOR = "moderator", _("Moderator")
    AUDITOR = "auditor", _("Auditor")


class Membership(models.Model):
    """*user* works for *agency* in *role*. One row per role held."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "agency", "role"], name="membership_unique_role"),
        ]
        ordering = ["agency__name", "role"]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}, {self.agency}"
