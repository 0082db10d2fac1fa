"""The log's Django side: recording, integrating into tiles, checkpoints, proofs over HTTP, witnesses."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import transaction

from ecitizen.ledger import merkle, note, selectors, services
from ecitizen.ledger.models import LogEntry, LogState, LogTile, PendingEntry, Witness

pytestmark = pytest.mark.django_db


def record(n: int, start: int = 0) -> list[bytes]:
    datas = []
    for i in range(start, start + n):
        entry = services.ledger_record(kind="test.entry", key=f"K{i}", body={"n": i})
        datas.append(bytes(entry.data))
    return datas


def test_entries_are_canonical_json_with_kind_key_and_time():
    entry = services.ledger_record(kind="document.issued", key="AB-1", body={"agency": "roads", "é": 1})
    data = bytes(entry.data)
    assert data.startswith(b'{"agency":"roads","key":"AB-1","kind":"document.issued","time":"')
    assert json.loads(data)["é"] == 1
    with pytest.raises(ValueError):
        services.ledger_record(kind="x", key="y", body={"big": "a" * 70000})


@pytest.mark.parametrize("batches", [[1], [5, 1, 300], [256, 256, 1], [70, 700, 90]])
def test_integrating_in_any_batches_gives_the_rfc_9162_root(batches):
    datas = []
    for n in batches:
        datas += record(n, start=len(datas))
        assert services.ledger_integrate(limit=97) == n
    state = LogState.objects.get()
    assert state.size == len(datas)
    assert bytes(state.root) == merkle.root_of([merkle.leaf_hash(d) for d in datas])
    assert list(LogEntry.objects.values_list("index", flat=True)) == list(range(len(datas)))
    assert not PendingEntry.objects.exists()
    # Every full tile is exactly 256 hashes and never more.
    assert all(t.width <= merkle.TILE_WIDTH for t in LogTile.objects.all())


def test_proofs_from_tiles_verify_and_match_an_in_memory_tree():
    datas = record(600)
    services.ledger_integrate()
    leaves = [merkle.leaf_hash(d) for d in datas]
    for size in (1, 2, 255, 256, 257, 511, 600):
        root = merkle.root_of(leaves[:size])
        for index in {0, size // 2, size - 1}:
            merkle.verify_inclusion(leaves[index], index, size, selectors.inclusion_proof(index, size), root)
        for old in {1, size // 3, size - 1}:
            if 0 < old <= size:
                proof = selectors.consistency_proof(old, size)
                merkle.verify_consistency(old, size, merkle.root_of(leaves[:old]), root, proof)


def test_a_proof_for_a_tree_the_log_does_not_have_is_refused():
    record(3)
    services.ledger_integrate()
    with pytest.raises(merkle.ProofError):
        selectors.inclusion_proof(0, 4)


def test_checkpoint_is_a_signed_note_over_the_current_tree(client, settings):
    settings.LEDGER_ORIGIN = "example.gov/log"
    datas = record(10)
    services.ledger_integrate()
    checkpoint = services.ledger_checkpoint()
    assert services.ledger_checkpoint().pk == checkpoint.pk  # unchanged tree: no second checkpoint
    key = services.ledger_key_current()
    response = client.get("/log/checkpoint")
    assert response.status_code == 200
    text, _signatures = note.open_note(response.content, [note.parse_vkey(key.vkey)])
    parsed = note.parse_checkpoint(text)
    assert (parsed.origin, parsed.size) == ("example.gov/log", 10)
    assert parsed.root == merkle.root_of([merkle.leaf_hash(d) for d in datas])
    with pytest.raises(note.NoteError):  # another key did not sign it
        other = Ed25519PrivateKey.generate()
        note.open_note(response.content, [note.parse_vkey(note.vkey("example.gov/log", note.public_bytes(other)))])


def test_rotated_key_signs_next_checkpoints_with_the_old_one_during_the_overlap(settings):
    record(1)
    services.ledger_integrate()
    old = services.ledger_key_current()
    services.ledger_checkpoint()
    new = services.ledger_key_rotate(actor=None)
    services.ledger_integrate()  # the rotation is itself an entry
    checkpoint = services.ledger_checkpoint()
    for key in (old, new):
        note.open_note(checkpoint.note, [note.parse_vkey(key.vkey)])
    assert LogEntry.objects.filter(kind="log.key", data__contains=new.vkey.encode()).exists() or any(
        new.vkey in e.text for e in LogEntry.objects.filter(kind="log.key")
    )


def test_tiles_and_api_over_http(client):
    datas = record(300)
    services.ledger_integrate()
    services.ledger_checkpoint()
    full = client.get("/log/tile/0/000")
    assert full.status_code == 200 and len(full.content) == 256 * 32
    assert full["Cache-Control"] == "public, max-age=31536000, immutable"
    partial = client.get("/log/tile/0/001.p/44")
    assert partial.content == b"".join(merkle.leaf_hash(d) for d in datas[256:300])
    assert client.get("/log/tile/0/001.p/45").status_code == 404
    assert client.get("/log/tile/0/001").status_code == 404
    assert client.get("/log/tile/0/x000/001").status_code == 404  # not canonical
    assert client.get("/log/tile/1/000.p/1").content == merkle.row_root(full.content)
    bundle = client.get("/log/tile/entries/001.p/44")
    assert merkle.parse_entry_bundle(bundle.content) == datas[256:300]

    body = client.get("/log/api/entries/299").json()
    assert body["size"] == 300 and body["data"].encode() == datas[299]
    root = merkle.root_of([merkle.leaf_hash(d) for d in datas])
    proof = [base64.b64decode(h) for h in body["proof"]]
    merkle.verify_inclusion(merkle.leaf_hash(datas[299]), 299, 300, proof, root)
    assert client.get("/log/api/entries/300").status_code == 404
    assert client.get("/log/api/entries/1?size=abc").status_code == 400
    assert client.get("/log/api/entries/1?size=999").status_code == 404
    cons = client.get("/log/api/consistency?old=100&new=300").json()
    merkle.verify_consistency(
        100,
        300,
        merkle.root_of([merkle.leaf_hash(d) for d in datas[:100]]),
        root,
        [base64.b64decode(h) for h in cons["proof"]],
    )
    assert client.get("/log/api/consistency?old=5&new=4").status_code == 400
    found = client.get("/log/api/lookup?key=K7").json()["entries"]
    assert [e["index"] for e in found] == [7]
    assert client.get("/log/api/lookup").status_code == 400
    assert len(client.get("/log/api/lookup?kind=test.entry&after=250").json()["entries"]) == 49


def _witness(name="w1.example"):
    private = Ed25519PrivateKey.generate()
    witness = Witness.objects.create(
        name=name, vkey=note.vkey(name, note.public_bytes(private), note.ALG_COSIGNATURE_V1)
    )
    witness.full_clean()
    return witness, private


def test_a_registered_witness_cosignature_is_published_and_a_bad_one_refused(client):
    record(2)
    services.ledger_integrate()
    checkpoint = services.ledger_checkpoint()
    witness, private = _witness()
    line = note.cosign(checkpoint.text, witness.name, private, 1_700_000_000).line().strip()
    response = client.post("/log/api/cosign", {"size": 2, "signature": line}, content_type="application/json")
    assert response.status_code == 200, response.content
    served = client.get("/log/checkpoint").content.decode()
    assert served.endswith(line + "\n")
    _text, signatures = note.split_note(served)
    assert note.verify_cosignature(checkpoint.text, signatures[-1], witness.verifier()) == 1_700_000_000

    stranger = Ed25519PrivateKey.generate()  # right name, wrong key
    forged = note.cosign(checkpoint.text, witness.name, stranger, 1_700_000_001).line().strip()
    response = client.post("/log/api/cosign", {"size": 2, "signature": forged}, content_type="application/json")
    assert response.status_code == 400
    other = note.cosign("other/log\n2\n" + checkpoint.text.split("\n")[2] + "\n", witness.name, private, 5)
    response = client.post(
        "/log/api/cosign", {"size": 2, "signature": other.line().strip()}, content_type="application/json"
    )
    assert response.status_code == 400  # a cosignature over another checkpoint
    assert (
        client.post("/log/api/cosign", {"size": 9, "signature": line}, content_type="application/json").status_code
        == 404
    )
    assert client.post("/log/api/cosign", "nonsense", content_type="application/json").status_code == 400


def test_witness_key_is_checked_when_registered():
    from django.core.exceptions import ValidationError

    private = Ed25519PrivateKey.generate()
    with pytest.raises(ValidationError):
        Witness(name="w", vkey=note.vkey("w", note.public_bytes(private))).full_clean()  # a note key, not a witness key
    with pytest.raises(ValidationError):
        Witness(name="x", vkey=note.vkey("w", note.public_bytes(private), note.ALG_COSIGNATURE_V1)).full_clean()


def test_recording_integrates_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            services.ledger_record(kind="test.entry", key="A", body={})
        assert selectors.tree_size() == 0  # inside the transaction nothing was integrated
    assert selectors.tree_size() == 1


@pytest.mark.parametrize("size", ["\u0661\u0662", "\u00b2", "012", "-1", "1 "])
def test_a_checkpoint_size_is_ascii_digits_only(size):
    with pytest.raises(note.NoteError):
        note.parse_checkpoint(f"o\n{size}\n{base64.b64encode(bytes(32)).decode()}\n")


def test_api_numbers_are_ascii_digits_only(client):
    record(3)
    services.ledger_integrate()
    services.ledger_checkpoint()
    assert client.get("/log/api/entries/0?size=\u0662").status_code == 400
    assert client.get("/log/api/consistency?old=\u0661&new=2").status_code == 400


def test_one_integration_is_queued_per_transaction_however_many_entries(
    django_capture_on_commit_callbacks, monkeypatch
):
    for _transaction in range(2):
        # The test's own transaction never commits: a new marker for each transaction tested.
        def integrate_soon():
            pass

        monkeypatch.setattr(services, "_integrate_soon", integrate_soon)
        with django_capture_on_commit_callbacks() as callbacks:
            with transaction.atomic():
                for i in range(3):
                    services.ledger_record(kind="test.entry", key=f"K{i}", body={})
                services.ledger_record_many([("test.entry", "M", {}, None), ("test.entry", "N", {}, None)])
        assert callbacks == [integrate_soon]


def test_a_log_restored_behind_its_last_checkpoint_refuses_to_move():
    record(4)
    services.ledger_integrate()
    services.ledger_checkpoint()
    LogState.objects.filter(pk=1).update(size=2)  # what a restored backup looks like
    record(1, start=4)
    with pytest.raises(services.LogDamaged):
        services.ledger_integrate()
    with pytest.raises(services.LogDamaged):
        services.ledger_checkpoint()


def test_a_stored_tile_shorter_than_the_tree_is_damage_not_a_wrong_root():
    record(3)
    services.ledger_integrate()
    LogTile.objects.filter(level=0, index=0).update(hashes=bytes(64))
    record(1, start=3)
    with pytest.raises(services.LogDamaged):
        services.ledger_integrate()


def test_bad_input_to_the_protocol_endpoints_is_a_4xx(client):
    record(2)
    services.ledger_integrate()
    checkpoint = services.ledger_checkpoint()
    assert client.get("/log/tile/0/x999/x999/x999/x999/x999/x999/999").status_code == 404
    assert client.get("/log/tile/entries/x999/x999/x999/x999/x999/x999/999").status_code == 404
    assert client.get("/log/api/lookup?key=%00").status_code == 400
    witness, private = _witness()
    huge = note.cosign(checkpoint.text, witness.name, private, 0)
    huge = note.Signature(huge.name, huge.hash, (2**63).to_bytes(8, "big") + huge.sig[8:])
    response = client.post(
        "/log/api/cosign", {"size": 2, "signature": huge.line().strip()}, content_type="application/json"
    )
    assert response.status_code == 400


def test_two_audit_checkpoints_at_once_cover_each_row_once(settings, monkeypatch):
    from ecitizen.core.audit import audit_record
    from ecitizen.core.models import AuditAction
    from ecitizen.ledger import audit

    settings.LEDGER_AUDIT_SETTLE = __import__("datetime").timedelta(0)
    audit_record(actor=None, action=AuditAction.LANGUAGE_CHANGED)
    covered = iter([0, 1])  # another run covers the rows while this one hashes them
    monkeypatch.setattr(audit, "_last_covered", lambda: next(covered))
    assert audit.audit_checkpoint_record() is None
    assert not PendingEntry.objects.filter(kind="audit.checkpoint").exists()


@pytest.mark.parametrize("width", [1, 2, 3, 7, 8, 100, 255, 256])
def test_a_tiles_stored_inner_levels_give_every_node_without_computing(width):
    row = b"".join(merkle.leaf_hash(bytes([i % 256, i // 256])) for i in range(width))
    stored = merkle.TileRow(row, merkle.tile_inner(row))
    for k in range(merkle.TILE_HEIGHT):
        for position in range(width >> k):
            node = (k, position)
            assert merkle.hash_in_tile(node, stored) == merkle.hash_in_tile(node, row)
    if width >= 2:  # the stored value is the one used: a wrong one shows
        bad = merkle.TileRow(row, bytes(len(stored.inner)))
        assert merkle.hash_in_tile((1, 0), bad) == bytes(32)


def test_integrated_tiles_carry_their_inner_levels():
    record(300)
    services.ledger_integrate()
    for tile in LogTile.objects.all():
        assert bytes(tile.inner) == merkle.tile_inner(bytes(tile.hashes))
