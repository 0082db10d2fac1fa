"""Agencies (the tenant) and the staff who work for them."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecitizen.core.i18n import pick


class Agency(models.Model):
    """A public body that offers services and works cases. ``code`` prefixes its references."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    # The name in the other languages, {language: name}; the default language's is ``name``.
    name_translations = models.JSONField(_("name in other languages"), blank=True, default=dict)
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
    relatives_are_conflicts = models.BooleanField(
        _("relatives are conflicts of interest"),
        default=True,
        help_text=_(
            "Staff may not decide, take payment for, refund or verify the identity of the relatives they declared."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("agencies")

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """The name in the reader's language (the active one), else the default ``name``."""
        return pick({settings.LANGUAGE_CODE: self.name, **(self.name_translations or {})})

    def name_in(self, language: str) -> str:
        """The name in *language* (an email or PDF for someone else), else the default ``name``."""
        return pick({settings.LANGUAGE_CODE: self.name, **(self.name_translations or {})}, language)


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


class Relationship(models.TextChoices):
    PARTNER = "partner", _("Spouse or partner")
    PARENT = "parent", _("Parent")
    CHILD = "child", _("Child")
    SIBLING = "sibling", _("Brother or sister")
    OTHER_FAMILY = "other_family", _("Other family member")
    HOUSEHOLD = "household", _("Lives in the same household")
    CLOSE_ASSOCIATE = "close_associate", _("Close friend or business associate")


class StaffRelative(models.Model):
    """*staff* declared that the account *relative* belongs to someone close to them.

    Where the agency counts relatives as conflicts (``Agency.relatives_are_conflicts``), the
    staff member may not act on that person's affairs, and neither may the relative (if they
    are staff) on the staff member's: the relation counts both ways. See ``conflicts.py``.
    """

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="declared_relatives")
    relative = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    relationship = models.CharField(_("relationship"), max_length=20, choices=Relationship.choices)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "relative"], name="staff_relative_unique"),
            models.CheckConstraint(condition=~models.Q(staff=models.F("relative")), name="staff_relative_not_self"),
        ]
        ordering = ["staff_id", "created_at"]
        verbose_name = _("staff member's relative")
        verbose_name_plural = _("staff members' relatives")

    def __str__(self) -> str:
        return f"{self.staff} — {self.get_relationship_display()}: {self.relative}"


class ReviewReason(models.TextChoices):
    BOUND_ELSEWHERE = "bound_elsewhere", _("The national ID is already bound to another account")
    DECEASED = "deceased", _("The population register records this person as deceased")


class IdentityReview(models.Model):
    """A refused identity check that a person must look at.

    Opened when someone tried to bind a national ID already bound to another account (which
    may mean that account was bound wrongly, locking the real person out) or the ID of a
    deceased person. Agency admins and auditors of *agency* see it, platform auditors see
    every one (those without an agency come from citizens' own register checks); an agency
    admin closes it with an outcome. Opening and closing are audited.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(_("reason"), max_length=32, choices=ReviewReason.choices)
    agency = models.ForeignKey(Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", help_text="The account being verified."
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The account the national ID is already bound to, if any.",
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("identity check for review")
        verbose_name_plural = _("identity checks for review")

    def __str__(self) -> str:
        return f"{self.get_reason_display()} — {self.account}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
