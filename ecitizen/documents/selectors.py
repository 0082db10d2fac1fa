"""Reads of the documents app: a citizen's documents, the JWKS, and verification."""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, QuerySet
from django.urls import reverse
from django.utils import timezone

from ecitizen.documents import jws
from ecitizen.documents.models import DocumentStatus, IssuedDocument, SigningKey
from ecitizen.ledger.models import LogEntry
from ecitizen.ledger.selectors import entries_for, pending_for

# The kinds of the public log's entries about documents (ecitizen.ledger); the key is the number.
LOG_ISSUED = "document.issued"
LOG_REVOKED = "document.revoked"


def documents_for_citizen(user: Any) -> QuerySet[IssuedDocument]:
    """The documents issued to *user*, newest first."""
    if not user.is_authenticated:
        return IssuedDocument.objects.none()
    return IssuedDocument.objects.filter(holder=user).select_related("agency")


def documents_expiring_for_citizen(
    user: Any, *, today: datetime.date | None = None, within_days: int = 60, expired_days: int = 30, limit: int = 10
) -> list[IssuedDocument]:
    """*user*'s documents that are not revoked and run out within *within_days* of *today*, or ran
    out in the last *expired_days*: soonest first, at most *limit*. Each carries ``service_slug``,
    the service that issued it (where to renew). One query."""
    if not user.is_authenticated:
        return []
    today = today or timezone.localdate()
    return list(
        IssuedDocument.objects.filter(
            holder=user,
            revoked_at__isnull=True,
            valid_until__isnull=False,
            valid_until__gte=today - datetime.timedelta(days=expired_days),
            valid_until__lte=today + datetime.timedelta(days=within_days),
        )
        .annotate(service_slug=F("application__service_version__service__slug"))
        .select_related("agency")
        .order_by("valid_until", "id")[:limit]
    )


def signing_jwks() -> dict[str, list[dict[str, str]]]:
    """Every signing key's public half as a JWK Set: the active one and the retired ones."""
    keys = SigningKey.objects.only("kid", "public_key").order_by("-created_at", "-id")
    return {"keys": [key.jwk() for key in keys]}


@dataclass(frozen=True)
class VerifyResult:
    """What checking a document found.

    ``status`` is valid, expired, revoked or invalid; ``document`` the record
    (None when invalid); ``claims`` what the token signed ({} when checked by
    number or when the token is invalid); ``by_number`` whether the check was
    made with a document number only, which proves less than a token and so
    shows less about the holder.
    """

    status: DocumentStatus
    document: IssuedDocument | None = None
    claims: dict[str, Any] = field(default_factory=dict)
    by_number: bool = False

    @property
    def is_valid(self) -> bool:
        return self.status == DocumentStatus.VALID


INVALID = VerifyResult(status=DocumentStatus.INVALID)


def _day(epoch: Any) -> datetime.date | None:
    if not isinstance(epoch, int | float):
        return None
    return datetime.datetime.fromtimestamp(epoch, tz=timezone.get_default_timezone()).date()


def claimed_validity(claims: dict[str, Any]) -> tuple[datetime.date | None, datetime.date | None]:
    """The first and last valid days a token's ``nbf``/``exp`` claims state."""
    exp = claims.get("exp")
    return _day(claims.get("nbf")), _day(exp - 1) if isinstance(exp, int | float) else None


def document_verify(token: str, *, now: datetime.datetime | None = None) -> VerifyResult:
    """Check a document's token: its signature (against the public JWKS only),
    its issuer, that it is the token on record, revocation and dates.

    Never raises for bad input and never writes.
    """
    now = now or timezone.now()
    try:
        claims = jws.verify(token, jwks=signing_jwks())
    except jws.InvalidToken:
        return INVALID
    # The issuer is the site address the document was issued at; it is not
    # compared with today's SITE_URL, so moving the site (or fixing SITE_URL)
    # keeps every document valid. What proves the token is ours is the check
    # below that it is the very token on record.
    if not isinstance(claims.get("iss"), str) or not isinstance(claims.get("sub"), str):
        return INVALID
    document = IssuedDocument.objects.filter(number=claims["sub"]).select_related("agency").first()
    # A signature alone is not enough: the token must be the one issued, so a
    # token minted with a leaked retired key for an existing number fails.
    if document is None or document.token != token:
        return INVALID
    if document.revoked_at is not None:
        return VerifyResult(status=DocumentStatus.REVOKED, document=document, claims=claims)
    stamp = now.timestamp()
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if isinstance(exp, int | float) and stamp >= exp:
        return VerifyResult(status=DocumentStatus.EXPIRED, document=document, claims=claims)
    if isinstance(nbf, int | float) and stamp < nbf:
        return INVALID
    return VerifyResult(status=DocumentStatus.VALID, document=document, claims=claims)


def normalise_number(text: str) -> str:
    return "".join(text.split()).upper()


def document_verify_number(number: str, *, now: datetime.datetime | None = None) -> VerifyResult:
    """Check a document by its number alone: revocation and dates from the record."""
    document = IssuedDocument.objects.filter(number=normalise_number(number)).select_related("agency").first()
    if document is None:
        return INVALID
    day = timezone.localdate(now or timezone.now())
    status = document.status_on(day)
    if status == DocumentStatus.INVALID:
        return INVALID
    return VerifyResult(status=status, document=document, by_number=True)


# --- The public log ------------------------------------------------------------------


def token_sha256(token: str) -> str:
    """What the public log records of a document's signed code: its SHA-256, hex. Whoever holds
    the document can compute it and match the entry; the entry alone reveals nothing of it."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def log_entry_url(index: int) -> str:
    """The public page of the log's entry *index*, with its proof."""
    return reverse("ledger:entry", args=[index])


@dataclass(frozen=True)
class LogRecord:
    """Where one act on a document stands in the public log: ``entry`` once it is in the log,
    else ``pending`` while it waits to be added; neither means the log does not have it."""

    entry: LogEntry | None = None
    pending: bool = False

    @property
    def url(self) -> str:
        return log_entry_url(self.entry.index) if self.entry is not None else ""

    @property
    def missing(self) -> bool:
        return self.entry is None and not self.pending


@dataclass(frozen=True)
class DocumentLog:
    """A document's issue (and revocation, if revoked) in the public log. ``token_matches`` is
    False when the issue entry records another code than the one on record (None: no entry)."""

    issued: LogRecord
    revoked: LogRecord | None = None
    token_matches: bool | None = None


def _log_record(number: str, kind: str, pending: set[str]) -> LogRecord:
    entries = entries_for(number, kind=kind, limit=1)
    if entries:
        return LogRecord(entry=entries[0])
    return LogRecord(pending=kind in pending)


def document_log(document: IssuedDocument) -> DocumentLog:
    """Whether *document*'s issue, and its revocation, are in the public log, waiting, or absent.

    Reads the waiting entries first, then the log: an entry moves from one to the other in one
    transaction, so read in this order it is always seen in at least one of them.
    """
    kinds = [LOG_ISSUED] + ([LOG_REVOKED] if document.revoked_at is not None else [])
    pending = {kind for kind, _key, _at in pending_for(document.number) if kind in kinds}
    issued = _log_record(document.number, LOG_ISSUED, pending)
    matches = None
    if issued.entry is not None:
        try:
            recorded = json.loads(issued.entry.text).get("token_sha256")
        except (ValueError, AttributeError):
            recorded = None
        matches = recorded == token_sha256(document.token)
    revoked = _log_record(document.number, LOG_REVOKED, pending) if document.revoked_at is not None else None
    return DocumentLog(issued=issued, revoked=revoked, token_matches=matches)
