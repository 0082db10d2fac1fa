"""Open311 API keys: issued to registered apps by platform admins, kept only as a hash.

A key is ``o311_`` followed by 43 URL-safe characters (256 random bits). The
database keeps its first 12 characters (``key_prefix``, so admins can tell
keys apart and rate limits have a stable name) and the SHA-256 of the whole
key. A stolen database therefore yields no usable key, and a key is checked
by looking up its hash: the time the look-up takes depends on the hash, not
on how many characters of a stored key a guess got right.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.reports.models import ApiClient

KEY_PREFIX = "o311_"
PREFIX_LENGTH = 12
KEY_MAX_LENGTH = 100
LAST_USED_GRANULARITY = datetime.timedelta(minutes=1)


def key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def _new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def _check_platform_admin(actor: Any) -> None:
    """Keys are the platform's to manage: a superuser, or the system itself (no actor)."""
    if actor is not None and not getattr(actor, "is_superuser", False):
        raise PermissionDenied


@transaction.atomic
def api_client_issue(*, actor: Any, name: str, contact_email: str) -> tuple[ApiClient, str]:
    """Register an app and return it with its raw key, which is shown once and never stored."""
    _check_platform_admin(actor)
    name = (name or "").strip()
    contact_email = (contact_email or "").strip()
    errors: dict[str, str] = {}
    if not name:
        errors["name"] = _("Enter the name of the app")
    elif len(name) > 120:
        errors["name"] = _("The name must be 120 characters or fewer")
    try:
        validate_email(contact_email)
    except ValidationError:
        errors["contact_email"] = _("Enter the developer's email address, like name@example.com")
    if errors:
        raise ValidationError(errors)
    raw_key = _new_key()
    while ApiClient.objects.filter(key_prefix=raw_key[:PREFIX_LENGTH]).exists():
        raw_key = _new_key()
    client = ApiClient.objects.create(
        name=name,
        contact_email=contact_email,
        key_prefix=raw_key[:PREFIX_LENGTH],
        key_hash=key_hash(raw_key),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.OPEN311_CLIENT_ISSUED,
        subject=client,
        extra={"name": name, "key_prefix": client.key_prefix},
    )
    return client, raw_key


@transaction.atomic
def api_client_revoke(*, actor: Any, client: ApiClient) -> ApiClient:
    """Stop a key working at once. Revoking a revoked key changes nothing and records nothing."""
    _check_platform_admin(actor)
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if not client.is_active:
        return client
    client.is_active = False
    client.revoked_at = timezone.now()
    client.save(update_fields=["is_active", "revoked_at"])
    audit_record(
        actor=actor,
        action=AuditAction.OPEN311_CLIENT_REVOKED,
        subject=client,
        extra={"name": client.name, "key_prefix": client.key_prefix},
    )
    return client


def api_client_authenticate(raw_key: str | None) -> ApiClient | None:
    """The active app holding *raw_key*, or None. Notes when the key was last used (at most once a minute)."""
    raw_key = (raw_key or "").strip()
    if not raw_key.startswith(KEY_PREFIX) or len(raw_key) > KEY_MAX_LENGTH:
        return None
    digest = key_hash(raw_key)
    client = ApiClient.objects.filter(key_hash=digest, is_active=True).first()
    if client is None or not hmac.compare_digest(client.key_hash, digest):
        return None
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at >= LAST_USED_GRANULARITY:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now
    return client
