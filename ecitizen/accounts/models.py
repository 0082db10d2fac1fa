"""People who use the platform, and what the platform knows about them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from ecitizen.core.addresses import address_complete
from ecitizen.core.fields import EncryptedTextField


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """An account, identified by email. ``is_staff`` marks platform admins (Django admin);
    agency staff are users with an agency Membership."""

    username = None
    first_name = None
    last_name = None
    email = models.EmailField(_("email address"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    def __str__(self) -> str:
        return self.email

    def get_full_name(self) -> str:
        """The name in the profile ("" when none); AbstractUser's version reads the removed first/last names."""
        profile = getattr(self, "profile", None)  # None when the user has no profile
        return profile.full_name if profile is not None else ""

    def get_short_name(self) -> str:
        profile = getattr(self, "profile", None)  # None when the user has no profile
        return profile.given_name if profile is not None else ""


class IdentityLevel(models.TextChoices):
    NONE = "none", _("Not confirmed")
    BASIC = "basic", _("Basic (email confirmed)")
    # Documents seen at a counter for a person the population register does not know: more
    # than basic, less than verified (no register link, so no register-linked tax bills).
    DOCUMENT = "document", _("Documents checked (not in the register)")
    VERIFIED = "verified", _("Verified")


class VerificationMethod(models.TextChoices):
    REGISTER = "register", _("Matched against the population register")
    IN_PERSON = "in_person", _("Documents checked in person and matched against the population register")
    DOCUMENT_ONLY = "document_only", _("Documents checked in person only (not in the population register)")


class Profile(models.Model):
    """Personal details of one user. ``national_id`` is encrypted at rest and
    looked up through ``national_id_index`` (a blind index).

    ``verified_by`` is the staff member who checked documents in person, and
    ``verified_by_agency`` the agency they acted for; both are empty for a
    verification against the population register.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    given_name = models.CharField(_("given name"), max_length=150, blank=True)
    family_name = models.CharField(_("family name"), max_length=150, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    address_line_1 = models.CharField(_("address line 1"), max_length=200, blank=True)
    address_line_2 = models.CharField(_("address line 2"), max_length=200, blank=True)
    town = models.CharField(_("town or city"), max_length=100, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    phone = models.CharField(_("phone number"), max_length=32, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    national_id = EncryptedTextField(_("national ID number"), blank=True)
    national_id_index = models.CharField(max_length=64, blank=True, db_index=True)

    identity_verified = models.BooleanField(default=False)
    verified_at = models.DateTimeField(null=True, blank=True)
    verification_method = models.CharField(max_length=16, choices=VerificationMethod.choices, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    verified_by_agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # A national ID is bound to one account at a time (verified, or checked on documents only).
            models.UniqueConstraint(
                fields=["national_id_index"],
                condition=models.Q(identity_verified=True) | models.Q(verification_method="document_only"),
                name="profile_national_id_bound_once",
            ),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)

    @property
    def address(self) -> dict[str, str]:
        """The postal address in the shape service forms use: ``line1``, ``line2``, ``town``, ``postcode``."""
        return {
            "line1": self.address_line_1,
            "line2": self.address_line_2,
            "town": self.town,
            "postcode": self.postcode,
        }

    @property
    def address_text(self) -> str:
        return ", ".join(part for part in self.address.values() if part)

    @property
    def address_complete(self) -> bool:
        """Whether a letter can reach the address (a first line, a town and a postcode)."""
        return address_complete(self.address)
