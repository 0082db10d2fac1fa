"""RFC 9162 Merkle trees over complete subtrees, and the C2SP tlog-tiles layout.

Pure Python, no Django: the log, the witness and ``python -m ecitizen.ledger.verify`` all use it.

Every hash the log stores is the hash of a *complete* subtree: ``(level, index)`` covers the
leaves ``[index * 2**level, (index + 1) * 2**level)``. Any tree head, inclusion proof or
consistency proof of RFC 9162 is built from such hashes, so a proof needs only a handful of
stored hashes; :func:`needed_for` lists them before anything is read, so a caller reads them in
one go.

Tiles (C2SP tlog-tiles, height 8): the tile at tile level ``L``, index ``N`` holds the level
``8 * L`` hashes ``N * 256 .. N * 256 + width - 1``; every hash of levels ``8L .. 8L + 7`` inside
it can be recomputed from them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable

HASH_SIZE = 32
TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT

Node = tuple[int, int]  # (level, index) of a complete subtree
HashReader = Callable[[list[Node]], dict[Node, bytes]]


class ProofError(ValueError):
    """A proof does not verify, or asks about a tree that cannot contain it."""


# SHA-256 already fed the leaf and node prefixes: copying one is cheaper than starting a new hash.
_LEAF = hashlib.sha256(b"\x00")
_NODE = hashlib.sha256(b"\x01")


def leaf_hash(data: bytes) -> bytes:
    h = _LEAF.copy()
    h.update(data)
    return h.digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    h = _NODE.copy()
    h.update(left)
    h.update(right)
    return h.digest()


EMPTY_ROOT = hashlib.sha256(b"").digest()


def _split(n: int) -> int:
    """The largest power of two smaller than *n* (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


# --- Building from complete subtrees ------------------------------------------------


def _range_nodes(lo: int, hi: int, out: list[Node]) -> None:
    """Append the complete subtrees whose hashes make MTH(D[lo:hi]), as RFC 9162 splits it."""
    n = hi - lo
    if n & (n - 1) == 0 and lo % n == 0:
        level = n.bit_length() - 1
        out.append((level, lo >> level))
        return
    k = _split(n)
    _range_nodes(lo, lo + k, out)
    _range_nodes(lo + k, hi, out)


def _range_hash(lo: int, hi: int, hashes: dict[Node, bytes]) -> bytes:
    n = hi - lo
    if n & (n - 1) == 0 and lo % n == 0:
        level = n.bit_length() - 1
        return hashes[(level, lo >> level)]
    k = _split(n)
    return node_hash(_range_hash(lo, lo + k, hashes), _range_hash(lo + k, hi, hashes))


def _inclusion_ranges(index: int, lo: int, hi: int, out: list[tuple[int, int]]) -> None:
    """RFC 9162 2.1.3.1 PATH(m, D[lo:hi]), as the ranges whose MTHs it lists, leaf first."""
    n = hi - lo
    if n <= 1:
        return
    k = _split(n)
    if index - lo < k:
        _inclusion_ranges(index, lo, lo + k, out)
        out.append((lo + k, hi))
    else:
        _inclusion_ranges(index, lo + k, hi, out)
        out.append((lo, lo + k))


def _consistency_ranges(m: int, lo: int, hi: int, whole: bool, out: list[tuple[int, int]]) -> None:
    """RFC 9162 2.1.4.1 SUBPROOF(m, D[lo:hi], b), as ranges."""
    n = hi - lo
    if m == n:
        if not whole:
            out.append((lo, hi))
        return
    k = _split(n)
    if m <= k:
        _consistency_ranges(m, lo, lo + k, whole, out)
        out.append((lo + k, hi))
    else:
        _consistency_ranges(m - k, lo + k, hi, False, out)
        out.append((lo, lo + k))


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    if not 0 <= index < size:
        raise ProofError(f"entry {index} is not in a tree of size {size}")
    out: list[tuple[int, int]] = []
    _inclusion_ranges(index, 0, size, out)
    return out


def consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    if not 0 <= old <= new:
        raise ProofError(f"a tree of size {old} cannot precede one of size {new}")
    out: list[tuple[int, int]] = []
    if 0 < old < new:
        _consistency_ranges(old, 0, new, True, out)
    return out


def needed_for(ranges: Iterable[tuple[int, int]]) -> list[Node]:
    """The complete subtrees whose hashes give the MTH of every range."""
    nodes: list[Node] = []
    for lo, hi in ranges:
        _range_nodes(lo, hi, nodes)
    return list(dict.fromkeys(nodes))


def hashes_of(ranges: list[tuple[int, int]], read: HashReader) -> list[bytes]:
    """The MTH of each range, reading every stored hash it needs in one call of *read*."""
    if not ranges:
        return []
    hashes = read(needed_for(ranges))
    return [_range_hash(lo, hi, hashes) for lo, hi in ranges]


def tree_hash(size: int, read: HashReader) -> bytes:
    if size == 0:
        return EMPTY_ROOT
    return hashes_of([(0, size)], read)[0]


def inclusion_proof(index: int, size: int, read: HashReader) -> list[bytes]:
    return hashes_of(inclusion_ranges(index, size), read)


def consistency_proof(old: int, new: int, read: HashReader) -> list[bytes]:
    return hashes_of(consistency_ranges(old, new), read)


def root_of(leaves: list[bytes]) -> bytes:
    """MTH of a list of leaf hashes held in memory (tests, small trees)."""
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    hashes: dict[Node, bytes] = {(0, i): h for i, h in enumerate(level)}
    height = 0
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        height += 1
        hashes.update({(height, i): h for i, h in enumerate(level)})
    return _range_hash(0, len(leaves), hashes)


# --- Verifying (RFC 9162 2.1.3.2 and 2.1.4.2) ----------------------------------------


def verify_inclusion(leaf: bytes, index: int, size: int, proof: list[bytes], root: bytes) -> None:
    """Raise ProofError unless *proof* shows the leaf hash *leaf* at *index* in the tree *root*."""
    if not 0 <= index < size:
        raise ProofError(f"entry {index} is not in a tree of size {size}")
    fn, sn = index, size - 1
    r = leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is too short")
    if r != root:
        raise ProofError("the inclusion proof does not lead to the tree's root")


def verify_consistency(old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]) -> None:
    """Raise ProofError unless *proof* shows the tree (old, old_root) is a prefix of (new, new_root)."""
    if not 0 <= old <= new:
        raise ProofError(f"a tree of size {old} cannot precede one of size {new}")
    if old == new:
        if proof:
            raise ProofError("a proof between equal sizes must be empty")
        if old_root != new_root:
            raise ProofError("two different roots for the same size: the log has forked")
        return
    if old == 0:
        if proof:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    path = list(proof)
    if old & (old - 1) == 0:  # the old tree is a complete subtree: its root starts the path
        path.insert(0, old_root)
    fn, sn = old - 1, new - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is too short")
    if fr != old_root:
        raise ProofError("the consistency proof does not lead to the earlier root: the log was rewritten")
    if sr != new_root:
        raise ProofError("the consistency proof does not lead to the later root")


# --- Tiles -------------------------------------------------------------------------------


def tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    """``tile/<L>/<N>[.p/<W>]``, with N written in groups of three digits (``x001/x234/067``)."""
    groups = []
    n = index
    while True:
        groups.append(f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    groups.reverse()
    path = "/".join([f"x{g}" for g in groups[:-1]] + [groups[-1]])
    suffix = f".p/{width}" if width < TILE_WIDTH else ""
    return f"tile/{level}/{path}{suffix}"


def parse_tile_index(groups: list[str]) -> int:
    """The tile index of the path segments after the level; ValueError if they are not canonical."""
    if not groups or len(groups) > 7:
        raise ValueError("bad tile index")
    value = 0
    for i, g in enumerate(groups):
        digits = g[1:] if i < len(groups) - 1 else g
        if (i < len(groups) - 1 and not g.startswith("x")) or len(digits) != 3 or not digits.isdigit():
            raise ValueError("bad tile index")
        value = value * 1000 + int(digits)
    if tile_path(0, value).split("/", 2)[2] != "/".join(groups):
        raise ValueError("tile index not in canonical form")
    return value


def tile_width(level: int, index: int, size: int) -> int:
    """How many hashes the tile (level, index) holds in a tree of *size* leaves (0: none yet)."""
    count = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, count - index * TILE_WIDTH))


def tile_of(node: Node) -> tuple[int, int]:
    """The tile (tile level, tile index) whose bottom row determines the node's hash."""
    level, index = node
    tl = level // TILE_HEIGHT
    first = index << (level - tl * TILE_HEIGHT)  # first level-8*tl hash under the node
    return tl, first // TILE_WIDTH


class TileRow(bytes):
    """A tile's bottom row, carrying in ``inner`` the hashes of the levels above it inside the tile.

    ``inner`` is :func:`tile_inner` of the row (or empty when not stored): with it, any node of the
    tile is read rather than computed.
    """

    inner: bytes = b""

    def __new__(cls, row: bytes, inner: bytes = b"") -> TileRow:
        self = super().__new__(cls, row)
        self.inner = inner
        return self


def tile_inner(row: bytes) -> bytes:
    """Levels 1 to 7 of a tile, level by level: the complete subtrees over 2, 4 … 128 of its hashes.

    A tile of width w holds w >> k hashes at level k; a partial tile only its complete subtrees.
    """
    out, level, pair = [], bytes(row), 2 * HASH_SIZE
    for _k in range(1, TILE_HEIGHT):
        count = len(level) // pair
        if not count:
            break
        hashes = []
        for i in range(count):
            h = _NODE.copy()
            h.update(level[i * pair : (i + 1) * pair])
            hashes.append(h.digest())
        level = b"".join(hashes)
        out.append(level)
    return b"".join(out)


def hash_in_tile(node: Node, tile_hashes: bytes) -> bytes:
    """A node's hash from its tile: read from the tile's stored inner levels when it carries them
    (a :class:`TileRow`), else computed from the bottom row (32 bytes per hash)."""
    level, index = node
    tl = level // TILE_HEIGHT
    k = level - tl * TILE_HEIGHT
    first = (index << k) % TILE_WIDTH
    inner = getattr(tile_hashes, "inner", b"")
    if k and inner:
        width = len(tile_hashes) // HASH_SIZE
        position = first >> k
        if position < width >> k:
            offset = (sum(width >> j for j in range(1, k)) + position) * HASH_SIZE
            value = inner[offset : offset + HASH_SIZE]
            if len(value) == HASH_SIZE:
                return value
    row = tile_hashes[first * HASH_SIZE : (first + (1 << k)) * HASH_SIZE]
    if len(row) != HASH_SIZE << k:
        raise ProofError(f"the tile does not hold node {node}")
    return row_root(row)


def row_root(row: bytes) -> bytes:
    """The hash of the complete subtree over a row of 2**k hashes (32 bytes each)."""
    n = len(row) // HASH_SIZE
    if not n or n & (n - 1) or len(row) % HASH_SIZE:
        raise ValueError("a row of 2**k hashes is needed")
    # Left and right children lie side by side in the row: hash each 64-byte pair as it stands.
    start, pair = _NODE.copy, 2 * HASH_SIZE
    while len(row) > HASH_SIZE:
        hashes = []
        for i in range(0, len(row), pair):
            h = start()
            h.update(row[i : i + pair])
            hashes.append(h.digest())
        row = b"".join(hashes)
    return bytes(row)


def tiles_reader(read_tiles: Callable[[list[tuple[int, int]]], dict[tuple[int, int], bytes]]) -> HashReader:
    """A HashReader over tiles: *read_tiles* returns the bottom-row bytes of each tile asked for."""

    def read(nodes: list[Node]) -> dict[Node, bytes]:
        wanted = list(dict.fromkeys(tile_of(n) for n in nodes))
        tiles = read_tiles(wanted)
        return {n: hash_in_tile(n, tiles.get(tile_of(n), b"")) for n in nodes}

    return read


def entry_bundle(entries: Iterable[bytes]) -> bytes:
    """A tlog-tiles entry bundle: each entry as a big-endian uint16 length, then its bytes."""
    out = bytearray()
    for data in entries:
        if len(data) > 0xFFFF:
            raise ValueError("an entry is longer than 65535 bytes")
        out += len(data).to_bytes(2, "big") + data
    return bytes(out)


def parse_entry_bundle(data: bytes) -> list[bytes]:
    entries, i = [], 0
    while i < len(data):
        if i + 2 > len(data):
            raise ValueError("truncated entry bundle")
        n = int.from_bytes(data[i : i + 2], "big")
        if i + 2 + n > len(data):
            raise ValueError("truncated entry bundle")
        entries.append(data[i + 2 : i + 2 + n])
        i += 2 + n
    return entries
