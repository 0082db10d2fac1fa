"""Reading the public log: checkpoints, tiles, entries and proofs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection

from ecitizen.ledger import merkle
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

LOOKUP_LIMIT = 100


class _TileCache(dict):
    """Full tiles (about 8 KiB each), and in ``nodes`` the hashes of larger subtrees once computed.

    Neither ever changes: a full tile is final, and so is the hash of any complete subtree the log
    holds, whether its tile is full or not. Only subtrees at least 2**4 hashes wide inside their
    tile are kept (the smaller cost at most 7 hashes to compute again). ``clear()`` empties both.
    """

    def __init__(self) -> None:
        super().__init__()
        self.nodes: dict[merkle.Node, bytes] = {}

    def clear(self) -> None:
        super().clear()
        self.nodes.clear()


# Each process keeps what it has read and computed.
_FULL_TILES: _TileCache = _TileCache()
_FULL_TILES_MAX = 4096
_NODES_MAX = 1 << 16  # about 8 MiB
_MEMO_FROM = 4
_lock = threading.Lock()


def ledger_origin() -> str:
    """The log's name, the first line of every checkpoint: ``LEDGER_ORIGIN``, or ``<SITE_URL's host>/log``.

    It names the log for as long as the log lives: set it once in production and never change it.
    """
    return settings.LEDGER_ORIGIN or f"{urlsplit(settings.SITE_URL).hostname or 'localhost'}/log"


def _fetch_tiles(missing: list[tuple[int, int]], *, with_size: bool) -> tuple[dict[tuple[int, int], bytes], int]:
    """Read tiles from the database in one query, and the tree size too when asked (else -1).

    Raw SQL (names quoted, values as parameters): building an ORM query of a dozen OR'd conditions
    costs more than running it. On PostgreSQL the query goes through a binary cursor of the same
    connection: bound on the server, and the tiles come back as bytes rather than hex text.
    """
    q = connection.ops.quote_name
    parts, params = [], []
    if missing:
        where = " OR ".join([f"({q('level')} = %s AND {q('index')} = %s)"] * len(missing))
        table = q(LogTile._meta.db_table)
        columns = f"{q('level')}, {q('index')}, {q('hashes')}, {q('inner')}"
        parts.append(f"SELECT {columns} FROM {table} WHERE {where}")  # noqa: S608
        params += [value for tile in missing for value in tile]
    if with_size:
        state = q(LogState._meta.db_table)
        parts.append(f"SELECT -1, {q('size')}, NULL, NULL FROM {state} WHERE {q('id')} = 1")  # noqa: S608
    found: dict[tuple[int, int], bytes] = {}
    size = -1 if not with_size else 0
    if not parts:
        return found, size
    sql = " UNION ALL ".join(parts)
    if connection.vendor == "postgresql":
        import psycopg  # the PostgreSQL driver Django uses here

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            rows = cursor.execute(sql, params, binary=True).fetchall()
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
    for level, index, hashes, inner in rows:
        if level == -1:
            size = index
            continue
        data = merkle.TileRow(bytes(hashes), bytes(inner or b""))
        # Only what a committed transaction wrote is kept: inside an open one it could still roll back.
        if len(data) == merkle.TILE_WIDTH * merkle.HASH_SIZE and not connection.in_atomic_block:
            with _lock:
                if len(_FULL_TILES) >= _FULL_TILES_MAX:
                    _FULL_TILES.clear()
                _FULL_TILES[(level, index)] = data
        found[(level, index)] = data
    return found, size


def _read_tiles(wanted: list[tuple[int, int]], *, with_size: bool) -> tuple[dict[tuple[int, int], bytes], int]:
    cached = ((t, _FULL_TILES.get(t)) for t in wanted)  # .get(): another thread may clear it meanwhile
    found = {t: data for t, data in cached if data is not None}
    fetched, size = _fetch_tiles([t for t in wanted if t not in found], with_size=with_size)
    found.update(fetched)
    return found, size


def read_tiles(wanted: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    """The bottom-row bytes of each (tile level, index) asked for that exists, in one query."""
    return _read_tiles(wanted, with_size=False)[0]


def tree_size() -> int:
    state = LogState.objects.filter(pk=1).values_list("size", flat=True).first()
    return state or 0


def latest_checkpoint() -> SignedCheckpoint | None:
    return SignedCheckpoint.objects.order_by("-size").first()


def checkpoint_note(checkpoint: SignedCheckpoint) -> str:
    """The signed note as served: the log's signatures, then every witness's cosignature."""
    lines = Cosignature.objects.filter(checkpoint=checkpoint, witness__is_active=True).values_list("line", flat=True)
    return checkpoint.note + "".join(f"{line}\n" for line in lines)


def checkpoint_cosignatures(checkpoint: SignedCheckpoint) -> list[Cosignature]:
    """The cosignatures published with *checkpoint*: those of witnesses still registered as active."""
    cosignatures = Cosignature.objects.filter(checkpoint=checkpoint, witness__is_active=True)
    return list(cosignatures.select_related("witness"))


def log_keys() -> list[LogKey]:
    return list(LogKey.objects.order_by("-created_at"))


def witnesses() -> list[Witness]:
    return list(Witness.objects.filter(is_active=True).order_by("name"))


def entry_at(index: int) -> LogEntry | None:
    return LogEntry.objects.filter(index=index).first()


def entry_data_at(index: int) -> bytes | None:
    data = LogEntry.objects.filter(index=index).values_list("data", flat=True).first()
    return bytes(data) if data is not None else None


def entries_for(key: str = "", *, kind: str = "", after: int = -1, limit: int = LOOKUP_LIMIT) -> list[LogEntry]:
    """Entries with this key (and/or kind), oldest first, after index *after*."""
    entries = LogEntry.objects.filter(index__gt=after)
    if key:
        entries = entries.filter(key=key)
    if kind:
        entries = entries.filter(kind=kind)
    return list(entries.order_by("index")[:limit])


def _hash_reader(read: Callable[[list[tuple[int, int]]], dict[tuple[int, int], bytes]]) -> merkle.HashReader:
    """``merkle.tiles_reader``, taking the larger subtree hashes from the cache and keeping new ones.

    *read* is called once, for the tiles of the hashes not in the cache (maybe none).
    """
    memo = _FULL_TILES.nodes

    def hashes(nodes: list[merkle.Node]) -> dict[merkle.Node, bytes]:
        cached = ((n, memo.get(n)) for n in nodes)
        found = {n: value for n, value in cached if value is not None}
        rest = [n for n in nodes if n not in found]
        keep = not connection.in_atomic_block
        tiles = read(list(dict.fromkeys(merkle.tile_of(n) for n in rest)))
        for node in rest:
            value = found[node] = merkle.hash_in_tile(node, tiles.get(merkle.tile_of(node), b""))
            if keep and node[0] % merkle.TILE_HEIGHT >= _MEMO_FROM:
                with _lock:
                    if len(memo) >= _NODES_MAX:
                        memo.clear()
                    memo[node] = value
        return found

    return hashes


def _proof_at(size: int, build: Callable[[merkle.HashReader], list[bytes]]) -> list[bytes]:
    """*build* a proof over the tiles, checking in the same query that the log has a tree of *size*."""
    checked = []

    def read(wanted: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        tiles, current = _read_tiles(wanted, with_size=True)
        checked.append(current)
        if size > current:
            raise merkle.ProofError(f"the log has no tree of size {size} yet")
        return tiles

    proof = build(_hash_reader(read))
    if not checked and size > tree_size():  # an empty proof reads no tile
        raise merkle.ProofError(f"the log has no tree of size {size} yet")
    return proof


def pending_for(key: str, *, limit: int = LOOKUP_LIMIT) -> list[tuple[str, str, object]]:
    """(kind, key, recorded at) of entries with this key waiting to be added to the tree."""
    rows = PendingEntry.objects.filter(key=key).order_by("id").values_list("kind", "key", "created_at")
    return list(rows[:limit])


def inclusion_proof(index: int, size: int) -> list[bytes]:
    """RFC 9162 inclusion proof of entry *index* in the tree of *size* (ProofError if impossible)."""
    return _proof_at(size, lambda read: merkle.inclusion_proof(index, size, read))


def consistency_proof(old: int, new: int) -> list[bytes]:
    return _proof_at(new, lambda read: merkle.consistency_proof(old, new, read))


def tile_bytes(level: int, index: int, width: int) -> bytes | None:
    """A hash tile of *width* hashes, or None when the log does not hold that many yet."""
    data = read_tiles([(level, index)]).get((level, index))
    if data is None or len(data) < width * merkle.HASH_SIZE:
        return None
    return data[: width * merkle.HASH_SIZE]


def entry_bundle(index: int, width: int) -> bytes | None:
    first = index * merkle.TILE_WIDTH
    rows = list(
        LogEntry.objects.filter(index__gte=first, index__lt=first + width)
        .order_by("index")
        .values_list("data", flat=True)
    )
    if len(rows) != width:
        return None
    return merkle.entry_bundle(bytes(d) for d in rows)
