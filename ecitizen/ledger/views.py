"""The public log's pages for people: what it is, the latest checkpoint, looking an entry up.

No sign-in, GET only, read only, and nothing on them depends on who is looking. Entries are shown
as text, always escaped: their bytes are permanent and public, so whatever they hold is shown as
it is, never as markup. The machine-readable side (checkpoint, tiles, JSON) is protocol_views.
"""

from __future__ import annotations

import base64
import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ecitizen.core.ratelimits import rate_limited
from ecitizen.core.site import absolute_url
from ecitizen.ledger import merkle, note, selectors
from ecitizen.ledger.forms import LookupForm
from ecitizen.ledger.models import LogEntry, LogKey, SignedCheckpoint

# Larger indexes cannot be stored (BigIntegerField) and so are in no log.
MAX_INDEX = 1 << 62

KIND_LABELS = {
    "document.issued": _("Document issued"),
    "document.revoked": _("Document revoked"),
    "case.decided": _("Decision on an application"),
    "audit.checkpoint": _("Audit log checkpoint"),
    "log.key": _("New log signing key"),
}

# The names of the fields entries hold, in words; a field not named here is shown as its code.
FIELD_LABELS = {
    "kind": _("Kind of entry"),
    "key": _("Number or reference"),
    "time": _("Recorded at"),
    "agency": _("Agency"),
    "document_kind": _("Kind of document"),
    "valid_from": _("Valid from"),
    "valid_until": _("Valid until"),
    "token_sha256": _("Fingerprint of the document's code (SHA-256)"),
    "kid": _("Key that signed the document"),
    "revoked_on": _("Revoked on"),
    "outcome": _("Decision"),
    "service": _("Service"),
    "from_id": _("First audit log row"),
    "to_id": _("Last audit log row"),
    "count": _("Number of audit log rows"),
    "digest": _("Fingerprint of those rows (SHA-256)"),
    "vkey": _("Verifier key"),
    "retires": _("Keys it replaces"),
    "backfill": _("Recorded after the event"),
}

TIME_FIELDS = {"time"}
DATE_FIELDS = {"valid_from", "valid_until", "revoked_on"}
# Hashes, keys and numbers people copy: shown in a fixed-width font.
CODE_FIELDS = {"key", "token_sha256", "kid", "digest", "vkey", "retires"}

VALUE_LABELS = {
    ("outcome", "approved"): _("Approved"),
    ("outcome", "refused"): _("Refused"),
}


def kind_label(kind: str) -> str:
    """The kind of an entry in words, or its code when it is a kind this page does not know."""
    return str(KIND_LABELS.get(kind, kind))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _parse_time(text: Any) -> datetime.datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _parse_date(text: Any) -> datetime.date | None:
    if not isinstance(text, str) or len(text) != 10:
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    value: str
    time: datetime.datetime | None = None
    date: datetime.date | None = None
    code: bool = False


def entry_fields(text: str) -> list[Field]:
    """The fields of an entry's JSON in words: its kind, key and time, then the others by name."""
    try:
        obj = json.loads(text)
    except ValueError:
        return []
    if not isinstance(obj, dict):
        return []
    first = [name for name in ("kind", "key", "time") if name in obj]
    fields = []
    for name in first + [name for name in obj if name not in first]:
        value = obj[name]
        label = str(FIELD_LABELS.get(name, name))
        if name == "kind" and isinstance(value, str):
            fields.append(Field(name, label, kind_label(value)))
            continue
        if value is None:
            shown = str(_("Does not expire") if name == "valid_until" else _("None"))
        elif isinstance(value, bool):
            shown = str(_("Yes") if value else _("No"))
        elif isinstance(value, str):
            shown = str(VALUE_LABELS.get((name, value), value))
        else:
            shown = json.dumps(value, ensure_ascii=False, sort_keys=True)
        fields.append(
            Field(
                name,
                label,
                shown,
                time=_parse_time(value) if name in TIME_FIELDS else None,
                date=_parse_date(value) if name in DATE_FIELDS else None,
                code=name in CODE_FIELDS,
            )
        )
    return fields


@dataclass(frozen=True)
class Listed:
    """An entry in a list: in the log (with its index), or still waiting to be added."""

    index: int | None
    kind: str
    key: str
    time: datetime.datetime | None


def _listed(entry: LogEntry) -> Listed:
    recorded = None
    try:
        recorded = _parse_time(json.loads(entry.text).get("time"))
    except (ValueError, AttributeError):
        pass
    return Listed(entry.index, kind_label(entry.kind), entry.key, recorded or entry.queued_at)


def _waiting_for(key: str) -> list[Listed]:
    """Entries with this key recorded but not yet added to the tree (the worker adds them shortly)."""
    rows = selectors.pending_for(key)
    return [Listed(None, kind_label(kind), found_key, created_at) for kind, found_key, created_at in rows]


def _signers(checkpoint: SignedCheckpoint, keys: list[LogKey]) -> list[LogKey]:
    """The log keys whose signature on *checkpoint* verifies."""
    try:
        text, signatures = note.split_note(checkpoint.note)
    except note.NoteError:
        return []
    signers = []
    for key in keys:
        verifier = note.parse_vkey(key.vkey)
        if any(note.verify_signature(text, s, verifier) for s in signatures):
            signers.append(key)
    return signers


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    checkpoint = selectors.latest_checkpoint()
    context: dict[str, Any] = {
        "checkpoint": checkpoint,
        "witnesses": selectors.witnesses(),
        "form": LookupForm(),
        "log_url": absolute_url(reverse("ledger:home"), request),
        "origin": selectors.ledger_origin(),
    }
    if checkpoint is not None:
        signers = _signers(checkpoint, selectors.log_keys())
        context.update(
            root=_b64(bytes(checkpoint.root)),
            signers=signers,
            cosignatures=selectors.checkpoint_cosignatures(checkpoint),
            pin_key=signers[0].vkey if signers else "",
        )
    return render(request, "ledger/home.html", context)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = LookupForm(request.GET if "q" in request.GET else None)
    context: dict[str, Any] = {"form": form}
    if form.is_valid():
        # Looking up is cheap, but a script could walk every number: limited per address.
        limited = rate_limited(request, "ledger_search", "120/m/ip")
        if limited is not None:
            return limited
        query = form.cleaned_data["q"]
        found = selectors.entries_for(query)
        waiting = _waiting_for(query)
        if not found and not waiting and query.upper() != query:
            # Document numbers and references are in capitals; people often type them in lower case.
            found, waiting = selectors.entries_for(query.upper()), _waiting_for(query.upper())
            query = query.upper() if found or waiting else query
        context.update(
            query=query,
            entries=[_listed(e) for e in found],
            waiting=waiting,
            more=len(found) >= selectors.LOOKUP_LIMIT,
            limit=selectors.LOOKUP_LIMIT,
        )
    response = render(request, "ledger/search.html", context)
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def entry(request: HttpRequest, index: int) -> HttpResponse:
    found = selectors.entry_at(index) if index < MAX_INDEX else None
    if found is None:
        return render(request, "ledger/entry_missing.html", {"index": index}, status=404)
    checkpoint = selectors.latest_checkpoint()
    proof = None
    if checkpoint is not None and index < checkpoint.size:
        try:
            hashes = selectors.inclusion_proof(index, checkpoint.size)
        except merkle.ProofError:
            hashes = None
        if hashes is not None:
            proof = {
                "size": checkpoint.size,
                "root": _b64(bytes(checkpoint.root)),
                "signed_at": checkpoint.created_at,
                "hashes": [_b64(h) for h in hashes],
                "api_url": f"{reverse('ledger:api_entry', args=[index])}?size={checkpoint.size}",
            }
    context = {
        "entry": found,
        "kind": kind_label(found.kind),
        "fields": entry_fields(found.text),
        "leaf_hash": _b64(found.leaf_hash),
        "proof": proof,
        "checkpoint": checkpoint,
    }
    return render(request, "ledger/entry.html", context)
