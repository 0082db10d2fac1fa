"""Writes of the documents app: issuing and revoking documents, and signing keys."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ecitizen.accounts.selectors import profile_for
from ecitizen.agencies.conflicts import ensure_no_conflict
from ecitizen.agencies.selectors import agencies_where
from ecitizen.catalogue.formdef import DefinitionError, FormDefinition, display_answer
from ecitizen.catalogue.models import IssuedKind
from ecitizen.catalogue.selectors import DOCUMENT_FIELD_TYPES
from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.core.singletons import first_made_once
from ecitizen.core.site import site_url
from ecitizen.documents import jws
from ecitizen.documents.models import IssuedDocument, SigningKey
from ecitizen.documents.policies import REVOKE_ROLES, document_policy
from ecitizen.documents.selectors import LOG_ISSUED, LOG_REVOKED, token_sha256
from ecitizen.ledger.backfill import Act, backfill
from ecitizen.ledger.services import ledger_record

REASON_MAX_LENGTH = 1000


# --- Signing keys ---------------------------------------------------------------


def _new_key() -> SigningKey:
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return SigningKey(
        kid=f"{timezone.now():%Y%m%d}-{secrets.token_hex(4)}",
        private_key=jws.b64url_encode(seed),
        public_key=jws.b64url_encode(public),
    )


def signing_key_current() -> SigningKey:
    """The active signing key; the first one is created (and audited) on first use.

    Safe under concurrency: if two requests create the first key at once, the
    database keeps one (a partial unique index) and both use it.
    """
    return first_made_once(SigningKey.objects.filter(is_active=True), _make_first_key)


def _make_first_key() -> SigningKey:
    key = _new_key()
    key.save()
    audit_record(actor=None, action=AuditAction.SIGNING_KEY_CREATED, subject=key, extra={"kid": key.kid})
    return key


@transaction.atomic
def signing_key_rotate(*, actor: Any | None) -> SigningKey:
    """Make a new active signing key and retire the old one.

    The retired key signs nothing more but stays in the JWKS, so every
    document it signed still verifies. Returns the new key.
    """
    now = timezone.now()
    retired = list(SigningKey.objects.select_for_update().filter(is_active=True).values_list("kid", flat=True))
    SigningKey.objects.filter(is_active=True).update(is_active=False, retired_at=now)
    key = _new_key()
    key.save()
    audit_record(
        actor=actor, action=AuditAction.SIGNING_KEY_ROTATED, subject=key, extra={"kid": key.kid, "retired": retired}
    )
    return key


# --- Issuing --------------------------------------------------------------------


def _epoch(day: datetime.date) -> int:
    """The first second of *day* in the deployment's timezone, as a Unix time."""
    midnight = datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_default_timezone())
    return int(midnight.timestamp())


def document_claims(document: IssuedDocument) -> dict[str, Any]:
    """The JWT claims that the document's token signs.

    ``nbf`` is the start of the first valid day and ``exp`` the start of the
    day after the last one, both in the deployment's timezone; a document
    that does not expire has no ``exp``.
    """
    claims: dict[str, Any] = {
        "iss": site_url(),
        "sub": document.number,
        "ref": document.reference,
        "kind": document.kind,
        "name": document.holder_name,
        "iat": int(document.issued_at.timestamp()),
        "nbf": _epoch(document.valid_from),
    }
    if document.valid_until is not None:
        claims["exp"] = _epoch(document.valid_until + datetime.timedelta(days=1))
    # The document's name in the default language, so an offline verifier sees what the document
    # is for; cut short so the token (and the QR code holding it) stays small. The answers shown
    # for checking (an address, a registration) are not in the token: it travels in QR codes and
    # ?t= links that end up in logs, and the verify page reads them from the stored document.
    # (Documents issued before this claim existed carry none.)
    title = _short(document.display_title(settings.LANGUAGE_CODE), CLAIM_TITLE_MAX)
    if title:
        claims["title"] = title
    return claims


# The QR code must stay easy to scan.
CLAIM_TITLE_MAX = 100


def _short(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _texts(value: Any) -> dict[str, str]:
    """Per-language texts from a snapshot value that may also be a plain string."""
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items() if v}
    if isinstance(value, str) and value:
        return {settings.LANGUAGE_CODE: value}
    return {}


def checker_fields(snapshot: dict[str, Any], answers: dict[str, Any]) -> list[dict[str, Any]]:
    """The answers the service chose to show on its document, each in every language.

    Only questions the applicant was shown and answered; each item is
    ``{"id", "label": {language: text}, "value": {language: text}}``.
    """
    wanted = [qid for qid in snapshot.get("document_fields") or [] if isinstance(qid, str)]
    if not wanted:
        return []
    try:
        definition = FormDefinition.parse(snapshot.get("form"))
    except DefinitionError:
        return []
    shown = definition.visible_answers(answers or {})
    questions = {q.id: q for q in definition.questions}
    languages = [code for code, _name in settings.LANGUAGES]
    items = []
    for qid in wanted:
        question = questions.get(qid)
        if question is None or question.type not in DOCUMENT_FIELD_TYPES or qid not in shown:
            continue
        values = {}
        for language in languages:
            with translation.override(language):
                text = display_answer(question, shown[qid], language)
            if text:
                values[language] = text
        if values:
            items.append({"id": qid, "label": _texts(question.label), "value": values})
    return items


def document_will_issue(application: Any) -> IssuedDocument | None:
    """The document approving *application* would issue now, unsaved and unsigned (None if its
    service issues none): what a caseworker confirms before approving."""
    snapshot = application.service_version.snapshot or {}
    kind = snapshot.get("issues")
    if kind not in IssuedKind.values:
        return None
    valid_from = timezone.localdate()
    validity_days = int(snapshot.get("validity_days") or 0)
    holder = application.citizen
    return IssuedDocument(
        application=application,
        holder=holder,
        holder_name=profile_for(holder).full_name or holder.email,
        agency_id=application.agency_id,
        kind=kind,
        title=_texts(snapshot.get("document_name")) or _texts(snapshot.get("title")),
        what_is_permitted=_texts(snapshot.get("what_is_permitted") or snapshot.get("summary")),
        fields=checker_fields(snapshot, application.answers),
        reference=application.reference,
        number=application.reference,
        valid_from=valid_from,
        valid_until=valid_from + datetime.timedelta(days=validity_days - 1) if validity_days > 0 else None,
    )


def _check_may_issue(actor: Any | None, application: Any) -> None:
    from ecitizen.cases.models import Status

    if actor is not None and not agencies_where(actor, *REVOKE_ROLES).filter(pk=application.agency_id).exists():
        raise PermissionDenied
    if actor is not None:  # never to oneself or a declared relative (raises ConflictOfInterest)
        ensure_no_conflict(staff=actor, citizen=application.citizen, agency=application.agency_id)
    if application.status != Status.APPROVED:
        raise ValidationError(_("A document can be issued only for an approved application."))
    if not application.reference:
        raise ValidationError(_("The application has no reference."))


@transaction.atomic
def document_issue(*, actor: Any | None, application: Any) -> IssuedDocument:
    """Issue the document an approved *application* earns, signed with the active key.

    Idempotent: if the application already has a document, that document is
    returned and nothing is written. Otherwise it creates the document, a
    citizen-visible ``DOCUMENT_ISSUED`` event on the application and one
    audit row, all in the caller's transaction.

    *actor* is the caseworker or agency admin whose decision issues it (or
    None for the system). Call it after the application's status is set to
    approved. Raises PermissionDenied if *actor* is not a caseworker or
    agency admin of the application's agency (``ConflictOfInterest``, a
    PermissionDenied, if it is their own or a declared relative's application),
    ValidationError if the application is not approved or its service issues nothing.
    """
    from ecitizen.cases.models import ApplicationEvent, EventKind

    existing = IssuedDocument.objects.filter(application_id=application.pk).first()
    if existing is not None:
        return existing
    _check_may_issue(actor, application)
    document = document_will_issue(application)
    if document is None:
        raise ValidationError(_("This service does not issue a document."))
    document.issued_at = timezone.now()
    document.issued_by = actor
    holder, kind = document.holder, document.kind
    key = signing_key_current()
    document.kid = key.kid
    document.token = jws.sign(document_claims(document), private_key=key.private(), kid=key.kid)
    try:
        with transaction.atomic():
            document.save()
    except IntegrityError:
        # Issued concurrently by another request: theirs is the document.
        return IssuedDocument.objects.get(application_id=application.pk)
    ApplicationEvent.objects.create(
        application=application, kind=EventKind.DOCUMENT_ISSUED, actor=actor, visible_to_citizen=True
    )
    audit_record(
        actor=actor,
        action=AuditAction.DOCUMENT_ISSUED,
        subject=document,
        subject_user=holder,
        agency=application.agency,
        extra={"number": document.number, "kind": kind, "kid": key.kid},
    )
    ledger_record(
        kind=LOG_ISSUED,
        key=document.number,
        body=_issued_entry(document, application.agency.slug),
        at=document.issued_at,
    )
    return document


def _issued_entry(document: IssuedDocument, agency_slug: str) -> dict[str, Any]:
    """The public log's record of an issued document: never the holder, nor the answers it shows."""
    return {
        "document_kind": document.kind,
        "agency": agency_slug,
        "valid_from": document.valid_from.isoformat(),
        "valid_until": document.valid_until.isoformat() if document.valid_until else None,
        "token_sha256": token_sha256(document.token),
        "kid": document.kid,
    }


def _revoked_entry(document: IssuedDocument) -> dict[str, Any]:
    """The public log's record of a revocation: the day only; the reason is staff's text, kept out."""
    return {"revoked_on": timezone.localdate(document.revoked_at).isoformat()}


# --- Revoking -------------------------------------------------------------------


@transaction.atomic
def document_revoke(*, actor: Any, document: IssuedDocument, reason: str) -> IssuedDocument:
    """Revoke *document* for *reason*; from now on it verifies as revoked.

    Only caseworkers and agency admins of the issuing agency may revoke
    (PermissionDenied otherwise). The reason is required (ValidationError)
    and is shown to the holder and to anyone who checks the document.
    Idempotent: revoking a revoked document changes nothing and returns it.
    Writes a citizen-visible ``DOCUMENT_REVOKED`` event and one audit row.
    """
    from ecitizen.cases.models import ApplicationEvent, EventKind

    if not document_policy.can_for(actor, "revoke", document):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Enter the reason for revoking the document.")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("The reason must be %(max)d characters or fewer.") % {"max": REASON_MAX_LENGTH}}
        )
    locked = IssuedDocument.objects.select_for_update().get(pk=document.pk)
    if locked.revoked_at is not None:
        return locked
    locked.revoked_at = timezone.now()
    locked.revoked_by = actor
    locked.revoke_reason = reason
    locked.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    ApplicationEvent.objects.create(
        application_id=locked.application_id,
        kind=EventKind.DOCUMENT_REVOKED,
        actor=actor,
        message=reason,
        visible_to_citizen=True,
    )
    audit_record(
        actor=actor,
        action=AuditAction.DOCUMENT_REVOKED,
        subject=locked,
        subject_user=locked.holder,
        agency=locked.agency,
        extra={"number": locked.number, "reason": reason},
    )
    ledger_record(kind=LOG_REVOKED, key=locked.number, body=_revoked_entry(locked), at=locked.revoked_at)
    return locked


# --- The public log ----------------------------------------------------------------


def _issued_acts(after: int, limit: int) -> list[Act]:
    documents = list(
        IssuedDocument.objects.select_for_update(of=("self",))
        .filter(pk__gt=after)
        .order_by("pk")
        .only("pk", "number", "kind", "valid_from", "valid_until", "token", "kid", "issued_at", "agency__slug")
        .select_related("agency")[:limit]
    )
    return [Act(d.pk, d.number, _issued_entry(d, d.agency.slug), d.issued_at) for d in documents]


def _revoked_acts(after: int, limit: int) -> list[Act]:
    documents = list(
        IssuedDocument.objects.select_for_update(of=("self",))
        .filter(pk__gt=after, revoked_at__isnull=False)
        .order_by("pk")
        .only("pk", "number", "revoked_at")[:limit]
    )
    return [Act(d.pk, d.number, _revoked_entry(d), d.revoked_at) for d in documents]


def documents_backfill_ledger() -> dict[str, int]:
    """Record in the public log the documents issued and revoked before it existed (or while it
    was not recording), once each: ``manage.py ledger_backfill``. Returns how many entries of each
    kind it queued; running it again queues none."""
    return {
        LOG_ISSUED: backfill(kind=LOG_ISSUED, acts=_issued_acts),
        LOG_REVOKED: backfill(kind=LOG_REVOKED, acts=_revoked_acts),
    }
