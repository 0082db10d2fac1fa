"""Writing to the public log: recording entries, integrating them into the tree, signing checkpoints.

Who calls what:

* The services that issue documents, decide cases and publish results call :func:`ledger_record`
  inside their own transaction. It writes an outbox row only, so an entry exists exactly when the
  act does, and a page view never waits for the tree.
* The task worker runs :func:`ledger_integrate` after such a commit (and the scheduler every
  minute, as a sweep). It builds the new tiles and root with no lock held, then commits them with
  a compare-and-set on the tree size, so two integrators never interleave and a slow one retries.
* :func:`ledger_checkpoint` signs the current tree (the scheduler every minute, and on demand).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from ecitizen.core.audit import audit_record
from ecitizen.core.models import AuditAction
from ecitizen.core.singletons import first_made_once
from ecitizen.ledger import merkle, note
from ecitizen.ledger.models import (
    Cosignature,
    LogEntry,
    LogKey,
    LogState,
    LogTile,
    PendingEntry,
    SignedCheckpoint,
    Witness,
)
from ecitizen.ledger.selectors import ledger_origin, read_tiles

MAX_ENTRY_BYTES = 0xFFFF
INTEGRATE_BATCH = 10_000
# How far in the future a witness's cosignature time may be (clocks drift).
COSIGNATURE_CLOCK_SKEW = datetime.timedelta(minutes=10)


def canonical_json(obj: dict[str, Any]) -> bytes:
    """The one byte form of an entry: sorted keys, no spaces, UTF-8."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def utc_text(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


# --- Recording ----------------------------------------------------------------------------


def entry_data(*, kind: str, key: str, body: dict[str, Any], at: datetime.datetime | None = None) -> bytes:
    """The bytes of an entry: ``{"kind", "key", "time", **body}`` as canonical JSON."""
    data = canonical_json({**body, "kind": kind, "key": key, "time": utc_text(at or timezone.now())})
    if len(data) > MAX_ENTRY_BYTES:
        raise ValueError(f"the log entry for {key} is over 64 KiB")
    return data


def ledger_record(*, kind: str, key: str, body: dict[str, Any], at: datetime.datetime | None = None) -> PendingEntry:
    """Queue an entry for the public log, in the caller's transaction.

    *body* must hold no personal data: the log is public and can never be changed. *key* is what
    people look the entry up by (a document number, an application reference); *at* is when the
    act happened (default: now).
    """
    entry = PendingEntry.objects.create(kind=kind, key=key, data=entry_data(kind=kind, key=key, body=body, at=at))
    integrate_after_commit()
    return entry


def ledger_record_many(entries: list[tuple[str, str, dict[str, Any], datetime.datetime | None]]) -> int:
    """Queue many entries ``(kind, key, body, at)`` at once, in the caller's transaction (imports, backfills)."""
    rows = [PendingEntry(kind=k, key=key, data=entry_data(kind=k, key=key, body=b, at=at)) for k, key, b, at in entries]
    PendingEntry.objects.bulk_create(rows)
    if rows:
        integrate_after_commit()
    return len(rows)


def integrate_after_commit() -> None:
    """Queue one integration when the current transaction commits, however many entries it recorded."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(func is _integrate_soon for _ids, func, _robust in connection.run_on_commit):
        return
    transaction.on_commit(_integrate_soon, robust=True)


def _integrate_soon() -> None:
    integrate_task.enqueue()


# --- Integrating ----------------------------------------------------------------------------


def _grow(size: int, leaves: list[bytes]) -> tuple[dict[tuple[int, int], bytes], bytes]:
    """The tiles that change when *leaves* are appended to a tree of *size*, and the new root.

    Reads the partial tile at the right edge of each level; computes everything else.
    """
    new_size = size + len(leaves)
    changed: dict[tuple[int, int], bytes] = {}
    row = leaves  # the new hashes of the current tile level's bottom row
    level = 0
    while row:
        shift = merkle.TILE_HEIGHT * level
        first = size >> shift  # index of the first new hash on this row
        tile = first // merkle.TILE_WIDTH
        existing = b""
        if first % merkle.TILE_WIDTH:
            existing = read_tiles([(level, tile)]).get((level, tile), b"")
            want = (first % merkle.TILE_WIDTH) * merkle.HASH_SIZE
            if len(existing) < want:
                raise LogDamaged(f"tile {level}/{tile} holds {len(existing)} bytes, the tree needs {want}")
            existing = existing[:want]
        data = existing + b"".join(row)
        completed = []  # roots of the tiles this append fills, the next level's new hashes
        start = tile
        for offset in range(0, len(data), merkle.TILE_WIDTH * merkle.HASH_SIZE):
            chunk = data[offset : offset + merkle.TILE_WIDTH * merkle.HASH_SIZE]
            changed[(level, start)] = chunk
            if len(chunk) == merkle.TILE_WIDTH * merkle.HASH_SIZE:
                completed.append(merkle.row_root(chunk))
            start += 1
        row = completed
        level += 1

    def read(wanted: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        found = {t: changed[t] for t in wanted if t in changed}
        missing = [t for t in wanted if t not in changed]
        if missing:
            found.update(read_tiles(missing))
        return found

    return changed, merkle.tree_hash(new_size, merkle.tiles_reader(read))


class LogDamaged(Exception):
    """The stored tree does not agree with itself or with what the log has signed: stop, do not sign."""


def _check_not_behind(size: int) -> None:
    """Refuse to go on from a tree smaller than one the log already signed.

    That happens when the database was restored from a backup taken before the last checkpoint:
    new entries would take positions already published, which every witness refuses as a fork.
    """
    signed = SignedCheckpoint.objects.order_by("-size").values_list("size", flat=True).first()
    if signed is not None and size < signed:
        raise LogDamaged(
            f"the tree has {size} entries but the log signed {signed}: was the database restored from a backup?"
        )


class _Raced(Exception):
    pass


def _integrate_batch(limit: int) -> int:
    """Integrate up to *limit* pending entries, the oldest first; raises _Raced if the tree moved.

    The entries are read and hashed, and the tiles and root computed, with no lock held. The one
    short transaction then moves the tree size by compare-and-set and moves the rows from the outbox
    to the log inside the database (``INSERT … SELECT``, then ``DELETE``, over the batch's id range),
    so no entry travels back to Python and no row costs a Python object. The id range can hold a row
    committed after the read (ids are taken before commit): the row counts then differ from the
    batch's and the whole transaction is undone and retried.
    """
    state, _created = LogState.objects.get_or_create(pk=1)
    _check_not_behind(state.size)
    pending_table = connection.ops.quote_name(PendingEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, data FROM {pending_table} ORDER BY id LIMIT %s", [limit])  # noqa: S608
        pending = cursor.fetchall()
    if not pending:
        return 0
    leaves = [merkle.leaf_hash(bytes(data)) for _id, data in pending]
    changed, root = _grow(state.size, leaves)  # CPU and reads: no lock held
    changed_rows = {tile: (data, merkle.tile_inner(data)) for tile, data in changed.items()}
    first_id, last_id, count = pending[0][0], pending[-1][0], len(pending)
    now = timezone.now()
    q = connection.ops.quote_name
    with transaction.atomic():
        moved = LogState.objects.filter(pk=1, size=state.size).update(
            size=state.size + count, root=root, updated_at=now
        )
        if not moved:
            raise _Raced
        with connection.cursor() as cursor:
            # Each entry's index follows its outbox id, the order its leaf hash was taken in. (The
            # SQL holds only table and column names, quoted; every value is a parameter.)
            cursor.execute(
                f"INSERT INTO {q(LogEntry._meta.db_table)} ({q('index')}, {q('kind')}, {q('key')}, {q('data')}, "  # noqa: S608
                f"{q('queued_at')}, {q('integrated_at')}) "
                f"SELECT %s + ROW_NUMBER() OVER (ORDER BY {q('id')}) - 1, {q('kind')}, {q('key')}, {q('data')}, "
                f"{q('created_at')}, %s FROM {pending_table} WHERE {q('id')} >= %s AND {q('id')} <= %s",
                [state.size, connection.ops.adapt_datetimefield_value(now), first_id, last_id],
            )
            if cursor.rowcount != count:
                raise _Raced  # rolls back the size change too
            cursor.execute(
                f"DELETE FROM {pending_table} WHERE {q('id')} >= %s AND {q('id')} <= %s",  # noqa: S608
                [first_id, last_id],
            )
            if cursor.rowcount != count:
                raise _Raced
        LogTile.objects.bulk_create(
            [
                LogTile(level=level, index=index, hashes=data, inner=inner)
                for (level, index), (data, inner) in changed_rows.items()
            ],
            update_conflicts=True,
            unique_fields=["level", "index"],
            update_fields=["hashes", "inner"],
        )
    return count


def ledger_integrate(*, limit: int = INTEGRATE_BATCH) -> int:
    """Give every pending entry its place in the log; returns how many were added.

    Safe to run in several workers at once: each batch is committed only if the tree is still the
    size it was built on, otherwise it is built again on the new size.
    """
    total, races = 0, 0
    while True:
        try:
            added = _integrate_batch(limit)
        except _Raced:
            races += 1
            if races > 20:
                raise
            continue
        total += added
        if added < limit:
            return total


# --- Keys and checkpoints -------------------------------------------------------------------


def _new_key() -> LogKey:
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return LogKey(name=ledger_origin(), private_key=seed.hex(), public_key=note.public_bytes(private))


def _private(key: LogKey) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(key.private_key))


def ledger_key_current() -> LogKey:
    """The active checkpoint key; the first is made (and audited) on first use."""
    return first_made_once(LogKey.objects.filter(is_active=True), _make_first_key)


def _make_first_key() -> LogKey:
    key = _new_key()
    key.save()
    audit_record(actor=None, action=AuditAction.LEDGER_KEY_CREATED, subject=key, extra={"vkey": key.vkey})
    return key


@transaction.atomic
def ledger_key_rotate(*, actor: Any | None) -> LogKey:
    """A new active checkpoint key. The old one keeps co-signing for ``LEDGER_KEY_OVERLAP``."""
    now = timezone.now()
    old = list(LogKey.objects.select_for_update().filter(is_active=True))
    LogKey.objects.filter(pk__in=[k.pk for k in old]).update(is_active=False, retired_at=now)
    key = _new_key()
    key.save()
    ledger_record(kind="log.key", key=key.name, body={"vkey": key.vkey, "retires": [k.vkey for k in old]})
    audit_record(
        actor=actor,
        action=AuditAction.LEDGER_KEY_ROTATED,
        subject=key,
        extra={"vkey": key.vkey, "retired": [k.vkey for k in old]},
    )
    return key


def _signing_keys() -> list[LogKey]:
    active = ledger_key_current()
    since = timezone.now() - settings.LEDGER_KEY_OVERLAP
    overlap = LogKey.objects.filter(is_active=False, retired_at__gte=since).exclude(pk=active.pk)
    return [active, *overlap]


def ledger_checkpoint() -> SignedCheckpoint:
    """Sign the tree as it is now, unless its size is already signed; returns that checkpoint.

    The scheduler calls it every minute; an operator can call it any time
    (``manage.py ledger_checkpoint``).
    """
    state, _created = LogState.objects.get_or_create(pk=1)
    existing = SignedCheckpoint.objects.filter(size=state.size).first()
    if existing is not None:
        return existing
    _check_not_behind(state.size)
    body = note.Checkpoint(ledger_origin(), state.size, bytes(state.root)).text()
    signatures = [note.sign(body, key.name, _private(key)) for key in _signing_keys()]
    try:
        with transaction.atomic():
            return SignedCheckpoint.objects.create(
                size=state.size, root=bytes(state.root), text=body, note=note.format_note(body, signatures)
            )
    except IntegrityError:
        return SignedCheckpoint.objects.get(size=state.size)


# --- Witnesses -----------------------------------------------------------------------------------


def ledger_cosign(*, size: int, line: str, now: Callable[[], datetime.datetime] = timezone.now) -> Cosignature:
    """Keep a registered witness's cosignature of the checkpoint of *size*.

    Raises SignedCheckpoint.DoesNotExist for an unknown size, ValidationError when the line is not
    a cosignature by an active witness over that checkpoint.
    """
    checkpoint = SignedCheckpoint.objects.get(size=size)
    try:
        _text, (signature,) = note.split_note(checkpoint.text + "\n" + line.strip() + "\n")
    except (note.NoteError, ValueError) as exc:
        raise ValidationError(_("The cosignature is not one signature line.")) from exc
    witness = Witness.objects.filter(name=signature.name, is_active=True).first()
    if witness is None:
        raise ValidationError(_("No active witness has this name."))
    signed = note.verify_cosignature(checkpoint.text, signature, witness.verifier())
    if signed is None:
        raise ValidationError(_("The cosignature does not verify with the witness's key."))
    try:
        signed_at = datetime.datetime.fromtimestamp(signed, tz=datetime.UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValidationError(_("The cosignature's time is not a possible time.")) from exc
    if signed_at > now() + COSIGNATURE_CLOCK_SKEW:
        raise ValidationError(_("The cosignature's time is in the future."))
    cosignature, created = Cosignature.objects.get_or_create(
        checkpoint=checkpoint, witness=witness, defaults={"line": signature.line().strip(), "signed_at": signed_at}
    )
    if not created and signed_at > cosignature.signed_at:
        cosignature.line, cosignature.signed_at = signature.line().strip(), signed_at
        cosignature.save(update_fields=["line", "signed_at"])
    return cosignature


# --- Background tasks -----------------------------------------------------------------------------


@task()
def integrate_task() -> int:
    """Give pending entries their place in the log (queued after each commit that records one)."""
    return ledger_integrate()


@task()
def checkpoint_task() -> int:
    """Integrate what is pending and sign the tree: the scheduler's job every minute."""
    ledger_integrate()
    return ledger_checkpoint().size
