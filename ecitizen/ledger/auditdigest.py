"""The canonical form of an audit row, and the digest the log's ``audit.checkpoint`` entries carry.

Pure Python, no Django. The platform writes its audit export (``manage.py export_audit_log``)
with :func:`row_line`, one row per line, and records every so often a log entry
``{"kind": "audit.checkpoint", "key": "audit:<from_id>-<to_id>", "from_id", "to_id", "count",
"digest"}`` where ``digest`` is :func:`digest` over the lines of the rows with
``from_id <= id <= to_id`` in id order. An auditor holding the export recomputes the digest
(``python -m ecitizen.ledger.verify --audit-export``): a row changed, added or removed after its
checkpoint shows as a mismatch.

A row is a plain dict with exactly the keys of :data:`FIELDS`:

* ``id`` — int; ``actor_id``, ``agency_id``, ``subject_user_id`` — int or None;
* ``created_at`` — ISO-8601 UTC with microseconds and "Z" (:func:`format_time` writes it);
* ``actor_email``, ``action``, ``subject_type``, ``subject_id``, ``request_id`` — strings;
* ``ip`` — string or None; ``extra`` — a JSON object (dict).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Iterable
from typing import Any

FIELDS = (
    "id",
    "created_at",
    "actor_id",
    "actor_email",
    "agency_id",
    "action",
    "subject_type",
    "subject_id",
    "subject_user_id",
    "request_id",
    "ip",
    "extra",
)
_INT_OR_NONE = ("actor_id", "agency_id", "subject_user_id")
_STRINGS = ("actor_email", "action", "subject_type", "subject_id", "request_id")
TIME_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
CHECKPOINT_KIND = "audit.checkpoint"


class AuditRowError(ValueError):
    """A row that is not in the canonical form (a missing or extra field, a wrong type)."""


def format_time(moment: datetime.datetime) -> str:
    """``created_at`` as the canonical form writes it: UTC, microseconds, "Z"."""
    if moment.tzinfo is None:
        raise AuditRowError("created_at must be an aware datetime")
    return moment.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def canonical(row: dict[str, Any]) -> dict[str, Any]:
    """The row, checked: exactly the keys of FIELDS with values of the documented types."""
    keys = set(row)
    if keys != set(FIELDS):
        missing, extra = sorted(set(FIELDS) - keys), sorted(keys - set(FIELDS))
        raise AuditRowError(f"an audit row has the fields {FIELDS}; missing {missing}, unexpected {extra}")
    if not _is_int(row["id"]):
        raise AuditRowError("id must be an integer")
    if not isinstance(row["created_at"], str) or not TIME_FORMAT.match(row["created_at"]):
        raise AuditRowError("created_at must be UTC with microseconds, like 2026-12-06T22:30:00.000000Z")
    for name in _INT_OR_NONE:
        if row[name] is not None and not _is_int(row[name]):
            raise AuditRowError(f"{name} must be an integer or null")
    for name in _STRINGS:
        if not isinstance(row[name], str):
            raise AuditRowError(f"{name} must be a string")
    if row["ip"] is not None and not isinstance(row["ip"], str):
        raise AuditRowError("ip must be a string or null")
    if not isinstance(row["extra"], dict):
        raise AuditRowError("extra must be a JSON object")
    return {name: row[name] for name in FIELDS}


def row_line(row: dict[str, Any]) -> bytes:
    """One row as one line of canonical JSON (UTF-8, sorted keys, compact), without the newline."""
    return json.dumps(canonical(row), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def parse_line(line: bytes | str) -> dict[str, Any]:
    """A row read back from one line of an export; AuditRowError if it is not a canonical row."""
    try:
        row = json.loads(line)
    except (ValueError, UnicodeDecodeError) as exc:
        raise AuditRowError("the line is not JSON") from exc
    if not isinstance(row, dict):
        raise AuditRowError("the line is not a JSON object")
    return canonical(row)


def digest(lines: Iterable[bytes]) -> str:
    """Hex SHA-256 over *lines* (already in id order), each followed by a newline."""
    h = hashlib.sha256()
    for line in lines:
        if b"\n" in line:
            raise AuditRowError("a canonical line holds no newline")
        h.update(line + b"\n")
    return h.hexdigest()


def digest_rows(rows: Iterable[dict[str, Any]]) -> tuple[int, str]:
    """(count, digest) of *rows*, put in id order first."""
    ordered = sorted(rows, key=lambda r: r["id"])
    return len(ordered), digest(row_line(r) for r in ordered)


def checkpoint_key(from_id: int, to_id: int) -> str:
    return f"audit:{from_id}-{to_id}"
