"""Issued documents (permits, licences, certificates) and the keys that sign them."""

from __future__ import annotations

import datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecitizen.catalogue.models import IssuedKind
from ecitizen.core.fields import EncryptedTextField
from ecitizen.core.i18n import pick
from ecitizen.documents import jws


class SigningKey(models.Model):
    """An Ed25519 key pair that signs issued documents.

    Exactly one key is active (``is_active``, no ``retired_at``) and signs new
    documents; retired keys stay published in the JWKS so the documents they
    signed keep verifying. ``private_key`` is the raw 32-byte seed, base64url,
    encrypted at rest with the core keyring; ``public_key`` is the raw public
    key, base64url -- exactly the JWK's ``x``.
    """

    kid = models.CharField(max_length=40, unique=True)
    private_key = EncryptedTextField()
    public_key = models.CharField(max_length=64)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="signing_key_one_active"),
            models.CheckConstraint(
                condition=Q(is_active=True, retired_at__isnull=True) | Q(is_active=False, retired_at__isnull=False),
                name="signing_key_active_not_retired",
            ),
        ]

    def __str__(self) -> str:
        return self.kid

    def private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(jws.b64url_decode(self.private_key))

    def jwk(self) -> dict[str, str]:
        return jws.public_jwk(jws.b64url_decode(self.public_key), kid=self.kid)


class DocumentStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    INVALID = "invalid", _("Not valid")


class IssuedDocument(models.Model):
    """The permit, licence or certificate issued when an application is approved.

    ``application`` is the approved application it was issued for (one
    document per application); ``holder`` the citizen it was issued to and
    ``holder_name`` their name as printed; ``agency`` the issuing agency
    (copied from the application for scoping). ``title`` and
    ``what_is_permitted`` are ``{language: text}`` copied from the service
    version the citizen applied to: ``title`` is the service's document name
    ("Resident parking permit"), or its title when it has none. ``fields``
    are the answers the agency chose to print for whoever checks the document
    (a vehicle registration, an address), each ``{"id", "label", "value"}``
    with ``label`` and ``value`` as ``{language: text}``. ``number`` is the document's public
    identifier (the application reference), ``token`` the compact JWS that
    proves it, signed by the key ``kid``. ``issued_by`` is the staff member
    whose approval issued it (empty for the system), ``revoked_by`` the staff
    member who revoked it. ``valid_until`` is the last day of validity,
    inclusive; empty means it does not expire.
    """

    application = models.OneToOneField("cases.Application", on_delete=models.PROTECT, related_name="issued_document")
    holder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="documents")
    holder_name = models.CharField(_("holder"), max_length=300)
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=12, choices=IssuedKind.choices)
    title = models.JSONField(_("title per language"), default=dict)
    what_is_permitted = models.JSONField(_("what is permitted per language"), default=dict, blank=True)
    fields = models.JSONField(_("answers shown for checking"), default=list, blank=True)
    reference = models.CharField(_("application reference"), max_length=20)
    number = models.CharField(_("document number"), max_length=40, unique=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token = models.TextField()
    kid = models.CharField(max_length=40)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["holder", "-issued_at"], name="document_holder_issued")]

    def __str__(self) -> str:
        return self.number

    def display_title(self, language: str | None = None) -> str:
        return pick(self.title, language)

    def display_permitted(self, language: str | None = None) -> str:
        return pick(self.what_is_permitted, language)

    def display_fields(self, language: str | None = None) -> list[tuple[str, str]]:
        """The answers shown for checking, as (label, value) in *language* (default: the active one)."""
        return [
            (pick(item.get("label"), language), pick(item.get("value"), language))
            for item in self.fields or []
            if isinstance(item, dict)
        ]

    def status_on(self, day: datetime.date) -> DocumentStatus:
        """Revoked, expired or valid on *day* (a date in the deployment's timezone)."""
        if self.revoked_at is not None:
            return DocumentStatus.REVOKED
        if self.valid_until is not None and day > self.valid_until:
            return DocumentStatus.EXPIRED
        if day < self.valid_from:
            return DocumentStatus.INVALID
        return DocumentStatus.VALID

    @property
    def status(self) -> DocumentStatus:
        return self.status_on(timezone.localdate())
