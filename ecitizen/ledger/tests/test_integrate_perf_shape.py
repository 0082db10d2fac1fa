"""The fast paths of integrating and proving keep the log's meaning.

Integration moves outbox rows to the log inside the database over the batch's id range, proofs read
tiles with raw SQL and keep subtree hashes in cached full tiles, and the tile hashing works on rows
of bytes: each must give what the plain RFC 9162 definitions give.
"""

from __future__ import annotations

import hashlib
import os

import pytest

from ecitizen.ledger import merkle, selectors, services
from ecitizen.ledger.models import LogEntry, LogState, PendingEntry

pytestmark = pytest.mark.django_db


def _record(n: int, start: int = 0) -> list[bytes]:
    return [
        bytes(services.ledger_record(kind="test.entry", key=f"K{i}", body={"n": i}).data)
        for i in range(start, start + n)
    ]


def _plain_root(hashes: list[bytes]) -> bytes:
    """RFC 9162 MTH over leaf hashes, written straight from the definition."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1 << ((len(hashes) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _plain_root(hashes[:k]) + _plain_root(hashes[k:])).digest()


def test_tile_hashing_is_plain_rfc_9162():
    row = [os.urandom(32) for _ in range(256)]
    assert merkle.leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    assert merkle.node_hash(row[0], row[1]) == hashlib.sha256(b"\x01" + row[0] + row[1]).digest()
    for k in range(9):
        assert merkle.row_root(b"".join(row[: 1 << k])) == _plain_root(row[: 1 << k])
    tile = b"".join(row)
    for level, index in [(0, 5), (3, 7), (7, 1), (8, 0), (12, 1)]:  # level 8+ sits in a tile one level up
        k = level % merkle.TILE_HEIGHT
        first = (index << k) % merkle.TILE_WIDTH
        assert merkle.hash_in_tile((level, index), tile) == _plain_root(row[first : first + (1 << k)])
    with pytest.raises(merkle.ProofError):
        merkle.hash_in_tile((7, 1), tile[:-32])
    with pytest.raises(ValueError):
        merkle.row_root(b"".join(row[:3]))


def test_entries_keep_their_fields_and_take_indexes_in_outbox_order_across_id_gaps():
    datas = _record(30)
    PendingEntry.objects.filter(id__in=PendingEntry.objects.order_by("id").values_list("id", flat=True)[10:13]).delete()
    del datas[10:13]
    queued = dict(PendingEntry.objects.values_list("data", "created_at"))
    assert services.ledger_integrate(limit=8) == 27
    entries = list(LogEntry.objects.order_by("index"))
    assert [e.index for e in entries] == list(range(27))
    assert [bytes(e.data) for e in entries] == datas
    assert [e.key for e in entries] == [f"K{i}" for i in list(range(10)) + list(range(13, 30))]
    assert {e.kind for e in entries} == {"test.entry"}
    assert all(e.queued_at == queued[bytes(e.data)] for e in entries)
    state = LogState.objects.get()
    assert (state.size, bytes(state.root)) == (27, _plain_root([merkle.leaf_hash(d) for d in datas]))
    assert not PendingEntry.objects.exists()


def test_a_row_committed_late_inside_the_batch_range_is_not_lost(monkeypatch):
    """An outbox id is taken before its transaction commits, so a batch's id range can gain a row
    after the batch was read: that attempt must be undone whole and the batch read again."""
    datas = _record(6)
    late = PendingEntry.objects.order_by("id")[3]
    late_fields = {
        "id": late.id,
        "kind": late.kind,
        "key": late.key,
        "data": bytes(late.data),
        "created_at": late.created_at,
    }
    late.delete()  # not yet committed when the integrator reads the outbox
    grow, attempts = services._grow, []

    def grow_then_commit_late_row(size, leaves):
        attempts.append(len(leaves))
        if len(attempts) == 1:
            PendingEntry.objects.create(**late_fields)  # commits while the tree is being computed
        return grow(size, leaves)

    monkeypatch.setattr(services, "_grow", grow_then_commit_late_row)
    assert services.ledger_integrate() == 6
    assert attempts == [5, 6]  # the first attempt was undone and made again with the late row
    assert [bytes(d) for d in LogEntry.objects.order_by("index").values_list("data", flat=True)] == datas
    state = LogState.objects.get()
    assert (state.size, bytes(state.root)) == (6, _plain_root([merkle.leaf_hash(d) for d in datas]))
    assert not PendingEntry.objects.exists()


def test_a_batch_built_on_a_tree_that_moved_is_built_again(monkeypatch):
    datas = _record(3)
    grow, integrate, attempts = services._grow, services._integrate_batch, []

    def grow_while_another_worker_integrates(size, leaves):
        attempts.append(size)
        if len(attempts) == 1:
            assert integrate(100) == 3  # another worker takes the same rows first
        return grow(size, leaves)

    monkeypatch.setattr(services, "_grow", grow_while_another_worker_integrates)
    assert services.ledger_integrate() == 0  # the other worker added them
    assert attempts == [0, 0]  # ours, then the other worker's; ours was refused by the compare-and-set
    assert [bytes(d) for d in LogEntry.objects.order_by("index").values_list("data", flat=True)] == datas
    state = LogState.objects.get()
    assert (state.size, bytes(state.root)) == (3, _plain_root([merkle.leaf_hash(d) for d in datas]))


def test_proofs_need_a_tree_the_log_has_even_when_they_read_no_tile():
    with pytest.raises(merkle.ProofError):
        selectors.inclusion_proof(0, 1)  # an empty proof, from an empty log
    _record(3)
    services.ledger_integrate()
    assert selectors.inclusion_proof(0, 1) == []
    assert selectors.consistency_proof(3, 3) == []
    with pytest.raises(merkle.ProofError):
        selectors.consistency_proof(5, 5)
    with pytest.raises(merkle.ProofError):
        selectors.consistency_proof(2, 4)


@pytest.mark.django_db(transaction=True)  # committed: the cache keeps only what cannot roll back
def test_proofs_from_cached_tiles_are_the_proofs_from_the_database():
    datas = _record(256 * 3 + 40)
    services.ledger_integrate()
    leaves = [merkle.leaf_hash(d) for d in datas]
    size = len(leaves)
    root = _plain_root(leaves)
    cold = {i: selectors.inclusion_proof(i, size) for i in (0, 17, 255, 256, 600, size - 1)}
    for i, proof in cold.items():
        selectors._FULL_TILES.clear()
        assert selectors.inclusion_proof(i, size) == proof
        merkle.verify_inclusion(leaves[i], i, size, proof, root)
    for _ in range(2):  # warm: the full tiles and the subtree hashes they keep
        for i, proof in cold.items():
            assert selectors.inclusion_proof(i, size) == proof
    memo = selectors._FULL_TILES.nodes  # the larger subtree hashes, from full and partial tiles
    assert memo and all(level % merkle.TILE_HEIGHT >= 4 for level, _i in memo)
    assert any(index * (1 << level) >= 768 for level, index in memo)  # some from the partial tile
    for (level, index), value in memo.items():
        assert value == _plain_root(leaves[index << level : (index + 1) << level])
    selectors._FULL_TILES.clear()
    assert not memo
    for old in (1, 200, 256, 513, size - 1):
        proof = selectors.consistency_proof(old, size)
        merkle.verify_consistency(old, size, _plain_root(leaves[:old]), root, proof)
        selectors._FULL_TILES.clear()
        assert selectors.consistency_proof(old, size) == proof
    assert selectors.tile_bytes(0, 0, 256) == b"".join(leaves[:256])
    assert selectors.tile_bytes(0, 3, 40) == b"".join(leaves[768:])
    assert selectors.tile_bytes(0, 3, 41) is None


def test_nothing_read_inside_an_open_transaction_is_cached():
    """Inside a transaction that may still roll back, full tiles and subtree hashes are not kept."""
    datas = _record(256 * 2)
    services.ledger_integrate()
    selectors._FULL_TILES.clear()
    selectors.inclusion_proof(3, len(datas))
    assert not selectors._FULL_TILES and not selectors._FULL_TILES.nodes
