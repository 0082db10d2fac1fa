"""The client, the witness and the verifier against a log in memory (tests/fakelog.py); no database."""

from __future__ import annotations

import base64
import datetime
import hashlib
import http.server
import io
import json
import os
import sqlite3
import stat
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ecitizen.ledger import auditdigest, client, merkle, note, verify, witness
from ecitizen.ledger.tests.fakelog import FakeLog, entry_json

URL = "https://gov.example/log"
NOW = 1_796_592_600.0  # 2026-12-06T21:30:00Z
VERIFY_NOW = datetime.datetime(2026, 12, 6, 22, 31, tzinfo=datetime.UTC).timestamp()  # the fake entries' time + 1 min


@pytest.fixture
def log():
    # given a log with two documents and a decided case
    fake = FakeLog()
    fake.add("document.issued", "D-0001", agency="city", token_sha256="ab" * 32)
    fake.add("case.decided", "APP-1", outcome="approved", agency="city")
    fake.add("document.issued", "D-0002", agency="city", token_sha256="cd" * 32)
    fake.add("document.revoked", "D-0001")
    fake.add("document.issued", "D-0003", agency="port", token_sha256="ef" * 32)
    fake.publish()
    return fake


@pytest.fixture
def log_client(log):
    return client.LogClient(log.fetch)


def run_verify(log, *args, now=VERIFY_NOW):
    out = io.StringIO()
    code = verify.main(["--log", URL, "--key", log.vkey, *args], fetch=log.fetch, out=out, now=lambda: now)
    return code, out.getvalue()


def grow(log, n, prefix="G"):
    for i in range(n):
        log.add("document.issued", f"{prefix}-{i}", agency="city", token_sha256="00" * 32)
    return log.publish()


# --- Client -----------------------------------------------------------------------------------


def test_client_reads_every_part_of_the_interface(log, log_client):
    cp = client.open_checkpoint(log_client.checkpoint_note(), [note.parse_vkey(log.vkey)])
    assert (cp.checkpoint.origin, cp.size, cp.root) == (log.origin, 5, log.root())
    assert log_client.tile(0, 0, 5) == b"".join(log.leaves)
    assert log_client.entry_bundle(0, 5) == log.entries
    answer = log_client.entry(2, 5)
    merkle.verify_inclusion(log.leaves[2], 2, 5, answer["proof"], log.root())
    merkle.verify_consistency(3, 5, log.root(3), log.root(), log_client.consistency(3, 5))
    assert [e.index for e in log_client.lookup(key="D-0001")] == [0, 3]
    assert log_client.keys()["log_keys"][0]["vkey"] == log.vkey
    with pytest.raises(client.LogNotFound):
        log_client.tile(0, 0, 6)
    with pytest.raises(client.LogRejected):
        log_client.consistency(5, 3)


def test_client_refuses_answers_of_the_wrong_shape():
    answers = {
        "/tile/0/000.p/2": b"x" * 63,
        "/tile/entries/000.p/2": merkle.entry_bundle([b"a"]),
        "/api/consistency?old=1&new=2": json.dumps({"old": 1, "new": 2, "proof": ["not base64"]}).encode(),
        "/api/lookup?kind=k": json.dumps({"entries": [{"index": "1"}]}).encode(),
        "/api/keys": b"[]",
    }
    c = client.LogClient(lambda method, path, body: (200, answers[path]))
    with pytest.raises(client.LogResponseError):
        c.tile(0, 0, 2)
    with pytest.raises(client.LogResponseError):
        c.entry_bundle(0, 2)
    with pytest.raises(client.LogResponseError):
        c.consistency(1, 2)
    with pytest.raises(client.LogResponseError):
        c.lookup(kind="k")
    with pytest.raises(client.LogResponseError):
        c.keys()
    big = client.LogClient(lambda method, path, body: (200, b"x" * (note.MAX_NOTE + 1)))
    with pytest.raises(client.LogResponseError):
        big.checkpoint_note()
    down = client.LogClient(lambda method, path, body: (503, b""))
    with pytest.raises(client.LogUnavailable):
        down.checkpoint_note()


def test_lookup_kind_follows_pages():
    fake = FakeLog()
    for i in range(230):
        fake.add("audit.checkpoint", f"audit:{i}-{i}")
        fake.add("document.issued", f"D-{i}")
    found = list(client.LogClient(fake.fetch).lookup_kind("audit.checkpoint"))
    assert [e.index for e in found] == list(range(0, 460, 2))


@pytest.mark.parametrize("proof_from", ["tiles", "api"])
def test_verify_entry_across_bundles(proof_from):
    fake = FakeLog()
    for i in range(300):
        fake.add("document.issued", f"D-{i}")
    fake.publish()
    c = client.LogClient(fake.fetch)
    cp = client.open_checkpoint(c.checkpoint_note(), [note.parse_vkey(fake.vkey)])
    for index in (0, 255, 256, 299):
        assert client.verify_entry(c, cp, index, proof_from=proof_from) == fake.entries[index]
    fake.serve_changed(257, entry_json("document.issued", "D-forged"))
    with pytest.raises(client.EntryChanged):
        client.verify_entry(c, cp, 257, proof_from=proof_from)


def test_verify_entry_never_trusts_the_api_leaf_hash(log, log_client):
    # the log serves changed bytes, and its API claims the old leaf hash and proof for them
    cp = client.open_checkpoint(log_client.checkpoint_note(), [note.parse_vkey(log.vkey)])
    log.serve_changed(2, entry_json("document.issued", "D-0002", agency="elsewhere"))
    assert log_client.entry(2, 5)["leaf_hash"]  # still the honest leaf hash
    with pytest.raises(client.EntryChanged):
        client.verify_entry(log_client, cp, 2, proof_from="api")


def test_urllib_transport_against_a_local_server(log):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status, body = log.fetch("GET", self.path.removeprefix("/log"), None)
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}/log"
        c = client.LogClient(base, timeout=5)
        assert c.checkpoint_note() == log.published[5].note().encode()
        with pytest.raises(client.LogNotFound):
            c.tile(0, 0, 9)
        small = client.LogClient(client.urllib_fetch(base, max_bytes=10))
        with pytest.raises(client.LogResponseError):
            small.checkpoint_note()
    finally:
        server.shutdown()
        server.server_close()
    with pytest.raises(client.LogUnavailable):
        client.LogClient(base, timeout=2).checkpoint_note()
    with pytest.raises(ValueError):
        client.urllib_fetch("file:///etc/passwd")


# --- Witness ----------------------------------------------------------------------------------


@pytest.fixture
def witness_db(tmp_path, log):
    path = str(tmp_path / "witness.sqlite3")
    out = io.StringIO()
    assert witness.main(["init", "--db", path, "--name", "witness.example.org"], out=out, now=lambda: NOW) == 0
    vkey = out.getvalue().strip().splitlines()[-1]
    log.register_witness(vkey)
    return path, vkey


def run_witness(log, db_path, *extra):
    out = io.StringIO()
    args = ["run", "--db", db_path, "--log", URL, "--log-key", log.vkey, "--once", *extra]
    code = witness.main(args, fetch=log.fetch, out=out, now=lambda: NOW)
    return code, out.getvalue()


def refusals(db_path):
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT reason, accepted_note, offered_note FROM refusal").fetchall()


def test_witness_init_keeps_its_key_private(witness_db):
    path, vkey = witness_db
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert note.parse_vkey(vkey).alg == note.ALG_COSIGNATURE_V1
    out = io.StringIO()
    assert witness.main(["show-key", "--db", path], out=out) == 0
    assert out.getvalue().strip() == vkey
    # a second init never replaces the key
    assert witness.main(["init", "--db", path, "--name", "other"], out=io.StringIO()) == 1
    assert witness.main(["show-key", "--db", path + ".missing"], out=io.StringIO()) == 1


def test_witness_trusts_on_first_use_then_cosigns_growth(log, witness_db):
    path, vkey = witness_db
    # when the witness sees the log for the first time
    code, out = run_witness(log, path)
    # then it trusts the checkpoint, says so, and its cosignature is served with it
    assert code == 0, out
    assert "trusting it on first use" in out and "cosigned and sent" in out
    assert list(log.published[5].cosignatures) == ["witness.example.org"]
    code, out = run_witness(log, path)
    assert code == 0 and "nothing new" in out
    # when the log grows
    grow(log, 4)
    code, out = run_witness(log, path)
    assert code == 0, out
    assert "grew from 5; consistency proof verified" in out
    assert "witness.example.org" in log.published[9].cosignatures
    # then the verifier counts the witness
    code, out = run_verify(log, "--witness-key", vkey, "--min-witnesses", "1")
    assert code == 0, out
    assert "cosigned by 1 known witness(es): witness.example.org" in out


def test_witness_sends_its_cosignature_again_when_the_log_did_not_keep_it(log, witness_db):
    path, _ = witness_db
    run_witness(log, path)
    log.published[5].cosignatures.clear()
    code, out = run_witness(log, path)
    assert code == 0 and "sending again" in out
    assert list(log.published[5].cosignatures) == ["witness.example.org"]


def test_witness_refuses_a_fork(log, witness_db):
    path, _ = witness_db
    run_witness(log, path)
    accepted_note = log.published[5].note()
    # when the log signs another tree of the same size
    log.rewrite(1, entry_json("case.decided", "APP-1", outcome="refused", agency="city"))
    log.publish()
    code, out = run_witness(log, path)
    # then the witness refuses, records both checkpoints, and cosigns nothing
    assert code == 2
    assert "REFUSED gov.example/log: forked" in out
    assert log.published[5].cosignatures == {}
    [(reason, accepted, offered)] = refusals(path)
    assert reason.startswith("forked")
    assert accepted.startswith(accepted_note.split("\n\n")[0])
    assert offered == log.published[5].note()
    # a second round refuses again without recording the same refusal twice
    code, out = run_witness(log, path)
    assert code == 2 and "as in the last round" in out
    assert len(refusals(path)) == 1


def test_witness_refuses_a_rewritten_log(log, witness_db):
    path, _ = witness_db
    run_witness(log, path)
    # when the log changes an old entry and grows on top of it
    log.rewrite(0, entry_json("document.issued", "D-0001", agency="city", token_sha256="99" * 32))
    grow(log, 3)
    code, out = run_witness(log, path)
    assert code == 2
    assert "rewritten: the log's proof from size 5 to 8 does not verify" in out
    assert log.published[8].cosignatures == {}
    assert refusals(path)[0][0].startswith("rewritten")


def test_witness_refuses_a_rollback_and_never_cosigns_older(log, witness_db):
    path, _ = witness_db
    grow(log, 3)
    run_witness(log, path)
    # when the log goes back to a smaller tree
    log.truncate(5)
    log.publish()
    log.published[5].cosignatures.clear()
    code, out = run_witness(log, path)
    assert code == 2
    assert "rolled back: size 5 is smaller than the accepted size 8" in out
    assert log.published[5].cosignatures == {}
    db = witness.WitnessDB(path)
    assert db.accepted(log.origin).size == 8
    with pytest.raises(witness.WitnessError):
        db.accept(log.origin, 5, log.root(), log.published[5].text, now=NOW)


def test_witness_refuses_a_checkpoint_signed_by_another_key(log, witness_db):
    path, _ = witness_db
    log.publish(signer=Ed25519PrivateKey.generate())
    code, out = run_witness(log, path)
    assert code == 2
    assert "bad signature" in out
    assert log.published[5].cosignatures == {}


def test_witness_reports_an_unreachable_log(log, witness_db):
    path, _ = witness_db

    def down(method, path_, body):
        raise client.LogUnavailable("connection refused")

    out = io.StringIO()
    args = ["run", "--db", path, "--log", URL, "--log-key", log.vkey, "--once"]
    assert witness.main(args, fetch=down, out=out, now=lambda: NOW) == 1
    assert "could not read the log's checkpoint" in out.getvalue()


def test_witness_run_loops_until_stopped(log, witness_db):
    path, _ = witness_db
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise KeyboardInterrupt

    out = io.StringIO()
    args = ["run", "--db", path, "--log", URL, "--log-key", log.vkey, "--interval", "7"]
    assert witness.main(args, fetch=log.fetch, out=out, now=lambda: NOW, sleep=sleep) == 0
    assert sleeps == [7.0, 7.0]
    assert "stopped" in out.getvalue()


def test_witness_usage_errors(log, witness_db):
    path, vkey = witness_db
    assert witness.main(["run", "--db", path], out=io.StringIO()) == 1
    out = io.StringIO()
    code = witness.main(["run", "--db", path, "--log", URL, "--log-key", vkey, "--once"], out=out, fetch=log.fetch)
    assert code == 1 and "not a witness key" in out.getvalue()


def another_key(log, origin="gov.example/log2"):
    """A second key of the same operator, named after another origin, and its verifier key."""
    key = Ed25519PrivateKey.generate()
    return key, note.vkey(origin, note.public_bytes(key))


@pytest.mark.parametrize("origin", ["gov.example/log2", "gov.example/log "])
def test_witness_refuses_a_rewritten_history_under_another_origin_signed_by_the_same_key(log, witness_db, origin):
    path, _ = witness_db
    assert run_witness(log, path)[0] == 0
    # when the log signs a rewritten tree with the same key, but names it another log
    log.origin = origin
    log.rewrite(1, entry_json("case.decided", "APP-1", outcome="refused", agency="city"))
    grow(log, 2)
    code, out = run_witness(log, path)
    # then the witness does not take it for a new log to trust on first use: it refuses it
    assert code == 2, out
    assert "REFUSED gov.example/log: bad signature" in out
    assert "signs only the checkpoints of the log it is named after" in out
    assert "trusting it on first use" not in out
    assert log.published[7].cosignatures == {}
    db = witness.WitnessDB(path)
    assert db.accepted(origin) is None and db.accepted("gov.example/log").size == 5
    # and a verifier that never saw the log before names it too
    code, out = run_verify(log)
    assert code == 1 and out.startswith("FAULT: bad signature: the latest checkpoint: the checkpoint is for the log")


def test_witness_watches_one_origin(log, witness_db):
    path, _ = witness_db
    assert run_witness(log, path)[0] == 0
    # the operator's second key, named after a second log, signs that log's checkpoints
    key2, vkey2 = another_key(log)
    log.origin = "gov.example/log2"
    log.truncate(2)
    log.publish(signer=key2, name="gov.example/log2")
    # a witness given both keys still watches the origin of the first
    code, out = run_witness(log, path, "--log-key", vkey2)
    assert code == 2, out
    assert "REFUSED gov.example/log: another log: the checkpoint is for 'gov.example/log2'" in out
    assert log.published[2].cosignatures == {}
    assert witness.WitnessDB(path).accepted("gov.example/log2") is None
    [(reason, accepted, offered)] = refusals(path)
    assert reason.startswith("another log") and "\n5\n" in accepted and "gov.example/log2\n2\n" in offered
    # --origin names the log to watch; it must be the name of a --log-key
    out = io.StringIO()
    args = ["run", "--db", path, "--log", URL, "--log-key", log.vkey, "--origin", "gov.example/log2", "--once"]
    assert witness.main(args, fetch=log.fetch, out=out, now=lambda: NOW) == 1
    assert "error: --origin 'gov.example/log2': no --log-key is named so" in out.getvalue()
    code, out = run_witness(log, path, "--log-key", vkey2, "--origin", "gov.example/log2")
    assert code == 0 and "first checkpoint seen from gov.example/log2" in out


def test_witness_refuses_a_size_it_cannot_store(log, witness_db):
    path, _ = witness_db
    text = note.Checkpoint(log.origin, 2**63, log.root()).text()
    log.serve(note.format_note(text, [note.sign(text, log.key_name, log.key)]))
    code, out = run_witness(log, path)
    assert code == 2, out
    assert "REFUSED gov.example/log: bad signature" in out and "size is not valid" in out


def test_witness_records_an_unforeseen_error_as_a_refusal(log, witness_db, monkeypatch):
    path, _ = witness_db
    assert run_witness(log, path)[0] == 0
    grow(log, 2)

    def overflow(*args):
        raise OverflowError("int too large")

    monkeypatch.setattr(merkle, "verify_consistency", overflow)
    code, out = run_witness(log, path)
    assert code == 2, out
    assert "REFUSED gov.example/log: could not check the checkpoint (OverflowError: int too large)" in out
    assert log.published[7].cosignatures == {}
    assert len(refusals(path)) == 1


def test_witness_checks_the_root_of_an_empty_tree(tmp_path):
    empty = FakeLog()
    path = str(tmp_path / "w.sqlite3")
    assert witness.main(["init", "--db", path, "--name", "w.example"], out=io.StringIO(), now=lambda: NOW) == 0
    empty.register_witness(witness.WitnessDB(path).vkey())
    # a checkpoint of the empty tree with a root that is not the empty tree's
    text = note.Checkpoint(empty.origin, 0, b"\x07" * 32).text()
    empty.serve(note.format_note(text, [note.sign(text, empty.key_name, empty.key)]))
    code, out = run_witness(empty, path)
    assert code == 2 and "bad root: a checkpoint of size 0" in out
    # one accepted before that check existed is not a prefix of anything
    witness.WitnessDB(path).accept(empty.origin, 0, b"\x07" * 32, text, now=NOW)
    grow(empty, 3)
    code, out = run_witness(empty, path)
    assert code == 2 and "rewritten: the accepted checkpoint of size 0" in out
    assert empty.published[3].cosignatures == {}


def test_witness_writes_utc_times():
    assert witness._utc(NOW) == "2026-12-06T21:30:00Z"
    assert witness._utc(NOW + 0.9) == "2026-12-06T21:30:00Z"


# --- Verifier -------------------------------------------------------------------------------------


def test_a_good_log_verifies(log, tmp_path):
    state = str(tmp_path / "state")
    code, out = run_verify(log, "--state", state, "--document", "D-0001", "--entry", "2")
    assert code == 0, out
    lines = out.splitlines()
    assert all(line.startswith("OK ") for line in lines), out
    assert "document D-0001: entry 0 (document.issued" in out
    assert "document D-0001: entry 3 (document.revoked" in out
    grow(log, 300)
    code, out = run_verify(log, "--state", state, "--entry", "301")
    assert code == 0, out
    assert "size 5 -> 305" in out
    # the new checkpoint is saved for the next run
    assert open(state).read() == log.published[305].note()
    code, out = run_verify(log, "--state", state)
    assert code == 0 and "size 305 -> 305" in out


def test_verifier_names_a_bad_signature(log):
    log.publish(signer=Ed25519PrivateKey.generate())
    code, out = run_verify(log)
    assert code == 1
    assert out.startswith("FAULT: bad signature: ")
    # a checkpoint whose text was changed after signing
    log.publish()
    forged = log.published[5].note().replace("\n5\n", "\n6\n", 1)
    log.serve(forged)
    code, out = run_verify(log)
    assert code == 1 and "FAULT: bad signature:" in out


def test_verifier_names_a_bad_witness_cosignature_and_too_few_witnesses(log, witness_db):
    path, vkey = witness_db
    code, out = run_verify(log, "--witness-key", vkey, "--min-witnesses", "1")
    assert code == 1 and "FAULT: too few witnesses:" in out
    run_witness(log, path)
    published = log.published[5]
    real = published.cosignatures["witness.example.org"]
    published.cosignatures["witness.example.org"] = note.Signature(
        real.name, real.hash, real.sig[:-1] + bytes([real.sig[-1] ^ 1])
    )
    code, out = run_verify(log, "--witness-key", vkey)
    assert code == 1
    assert "FAULT: bad signature: the cosignature of witness witness.example.org does not verify" in out


def test_verifier_names_a_changed_entry(log):
    log.serve_changed(2, entry_json("document.issued", "D-0002", agency="elsewhere", token_sha256="cd" * 32))
    code, out = run_verify(log, "--entry", "2")
    assert code == 1
    assert "FAULT: changed entry: entry 2: its bytes do not hash to the leaf" in out
    code, out = run_verify(log, "--document", "D-0002")
    assert code == 1 and "FAULT: changed entry: document D-0002:" in out


def test_verifier_names_an_entry_whose_key_was_swapped(log):
    # the lookup points at a real entry in the tree, but one about another document
    original = log.fetch

    def lying(method, path, body):
        if path.startswith("/api/lookup") and "D-0009" in path:
            data = log.entries[2].decode()
            return 200, json.dumps(
                {"entries": [{"index": 2, "kind": "document.issued", "key": "D-0009", "data": data}]}
            ).encode()
        return original(method, path, body)

    code = verify.main(
        ["--log", URL, "--key", log.vkey, "--document", "D-0009"], fetch=lying, out=(out := io.StringIO())
    )
    assert code == 1
    assert "FAULT: changed entry: document D-0009: entry 2 is about 'D-0002'" in out.getvalue()


def test_verifier_names_a_dropped_entry(log, tmp_path):
    state = str(tmp_path / "state")
    grow(log, 3)
    assert run_verify(log, "--state", state)[0] == 0
    # the log shrinks
    log.truncate(5)
    log.publish()
    code, out = run_verify(log, "--state", state)
    assert code == 1
    assert "FAULT: dropped entry: since the checkpoint saved in" in out and "shrank from 8 to 5" in out
    # the state file keeps the larger checkpoint
    assert "\n8\n" in open(state).read()
    # a document the lookup no longer finds
    log.hidden.add(2)
    code, out = run_verify(log, "--document", "D-0002")
    assert code == 1 and "FAULT: dropped entry: the log has no entry for document D-0002" in out


def test_verifier_names_a_forked_tree(log, tmp_path):
    state = str(tmp_path / "state")
    assert run_verify(log, "--state", state)[0] == 0
    # same size, another root
    log.rewrite(3, entry_json("document.issued", "D-0001", agency="city"))
    log.publish()
    code, out = run_verify(log, "--state", state)
    assert code == 1
    assert "FAULT: forked or rewritten log:" in out and "two different roots for size 5" in out
    saved = open(state).read()
    assert saved != log.published[5].note()  # the state keeps the checkpoint seen first
    # history rewritten under a larger tree
    grow(log, 2)
    code, out = run_verify(log, "--state", state)
    assert code == 1
    assert "FAULT: forked or rewritten log:" in out and "size 5 is not a prefix of size 7" in out


def test_verifier_names_a_state_of_another_origin_a_fork(log, tmp_path):
    state = str(tmp_path / "state")
    assert run_verify(log, "--state", state)[0] == 0
    saved = open(state).read()
    # the operator's other key, named after another origin, signs a tree without those entries
    key2, vkey2 = another_key(log)
    log.origin = "gov.example/log2"
    log.truncate(2)
    log.publish(signer=key2, name="gov.example/log2")
    code, out = run_verify(log, "--key", vkey2, "--state", state)
    assert code == 1, out
    assert "FAULT: forked or rewritten log: since the checkpoint saved in" in out
    assert "another log ('gov.example/log', now 'gov.example/log2')" in out
    assert open(state).read() == saved


def test_verifier_checks_the_root_of_a_saved_empty_tree(log, tmp_path):
    # a state file holding a checkpoint of size 0 whose root is not the empty tree's
    text = note.Checkpoint(log.origin, 0, b"\x07" * 32).text()
    state = tmp_path / "state"
    state.write_text(note.format_note(text, [note.sign(text, log.key_name, log.key)]))
    code, out = run_verify(log, "--state", str(state))
    assert code == 1
    assert "FAULT: forked or rewritten log:" in out and "size 0 does not hold the empty tree's root" in out
    c = client.LogClient(log.fetch)
    cp = client.open_checkpoint(c.checkpoint_note(), [note.parse_vkey(log.vkey)])
    client.check_consistency(c, note.Checkpoint(log.origin, 0, merkle.EMPTY_ROOT), cp)


def test_verifier_names_tiles_that_do_not_match_the_signed_root(log, tmp_path):
    state = str(tmp_path / "state")
    assert run_verify(log, "--state", state)[0] == 0
    grow(log, 2)
    # the log signs a root its tiles do not lead to
    text = note.Checkpoint(log.origin, 7, b"\x07" * 32).text()
    log.serve(note.format_note(text, [note.sign(text, log.key_name, log.key)]))
    code, out = run_verify(log, "--state", state, "--entry", "1")
    assert code == 1
    assert out.count("FAULT: tiles do not match the checkpoint:") == 2, out


# --- Audit export -----------------------------------------------------------------------------


def audit_row(i: int, **changes) -> dict:
    row = {
        "id": i,
        "created_at": f"2026-12-06T22:20:{i:02d}.000123Z",
        "actor_id": 7,
        "actor_email": "caseworker@agency-a.example",
        "agency_id": 1,
        "action": "case.decided",
        "subject_type": "cases.application",
        "subject_id": str(100 + i),
        "subject_user_id": None,
        "request_id": f"req-{i}",
        "ip": "192.0.2.1",
        "extra": {"outcome": "approved", "note": "Straße ✓"},
    }
    return {**row, **changes}


@pytest.fixture
def audited(log, tmp_path):
    """A log holding audit checkpoints over rows 1-4 and 5-7, and an export of rows 1-8."""
    rows = [audit_row(i) for i in range(1, 9)]
    for lo, hi in ((1, 4), (5, 7)):
        count, dig = auditdigest.digest_rows(r for r in rows if lo <= r["id"] <= hi)
        log.add("audit.checkpoint", f"audit:{lo}-{hi}", from_id=lo, to_id=hi, count=count, digest=dig)
    log.publish()

    def export(rows_):
        path = tmp_path / "audit.jsonl"
        path.write_bytes(b"".join(auditdigest.row_line(r) + b"\n" for r in rows_))
        return str(path)

    return rows, export


def test_audit_export_matches_its_checkpoints(log, audited):
    rows, export = audited
    code, out = run_verify(log, "--audit-export", export(reversed(rows)))
    assert code == 0, out
    assert "OK audit rows 1-4 (entry 5): 4 row(s), digest matches" in out
    assert "OK audit rows 5-7 (entry 6): 3 row(s), digest matches" in out
    assert "SKIP 1 exported row(s) from id 8 are not yet covered" in out


def test_audit_export_with_a_changed_row(log, audited):
    rows, export = audited
    rows[5] = audit_row(6, actor_email="someone-else@agency-a.example")
    code, out = run_verify(log, "--audit-export", export(rows))
    assert code == 1
    assert "FAULT: changed entry: audit rows 5-7 (entry 6): the digest of the export's 3 row(s) differs" in out
    assert "OK audit rows 1-4" in out


def test_audit_export_with_a_missing_row(log, audited):
    rows, export = audited
    del rows[1]
    code, out = run_verify(log, "--audit-export", export(rows))
    assert code == 1
    assert "FAULT: dropped entry: audit rows 1-4 (entry 5): the export holds 3 row(s), the checkpoint counted 4" in out


def test_audit_export_with_an_added_row(log, audited):
    rows, export = audited
    # rows 8, 9 and 11 were checkpointed; the export shows a row 10 that was not there then
    log.add("audit.checkpoint", "audit:8-11", from_id=8, to_id=11, **_count_digest([8, 9, 11]))
    log.publish()
    code, out = run_verify(log, "--audit-export", export([*rows, audit_row(9), audit_row(11)]))
    assert code == 0, out
    code, out = run_verify(log, "--audit-export", export([*rows, audit_row(9), audit_row(10), audit_row(11)]))
    assert code == 1
    assert (
        "FAULT: changed entry: audit rows 8-11 (entry 7): the export holds 4 row(s), "
        "the checkpoint counted 3: rows were added"
    ) in out


def _count_digest(ids):
    count, digest = auditdigest.digest_rows(audit_row(i) for i in ids)
    return {"count": count, "digest": digest}


def test_audit_checkpoint_missing_from_the_log(log, audited):
    rows, export = audited
    # the log hides the first checkpoint
    log.hidden.add(5)
    code, out = run_verify(log, "--audit-export", export(rows))
    assert code == 1
    assert "FAULT: dropped entry: no audit checkpoint in the log covers rows 1-4" in out
    # or one between two others
    log.hidden.clear()
    log.add("audit.checkpoint", "audit:9-9", from_id=9, to_id=9, **_count_digest([9]))
    log.publish()
    code, out = run_verify(log, "--audit-export", export([*rows, audit_row(9)]))
    assert code == 1
    assert "FAULT: dropped entry: no audit checkpoint in the log covers rows 8-8" in out
    assert "OK audit rows 9-9" in out


LATER = VERIFY_NOW + 30 * 60  # 22:31 + 30 min: row 8 (22:20:08) is 41 minutes old


def test_audit_rows_left_uncovered_past_the_grace_period_are_dropped(log, audited):
    rows, export = audited
    # row 8 is 41 minutes old and no audit checkpoint covers it
    code, out = run_verify(log, "--audit-export", export(rows), now=LATER)
    assert code == 1, out
    assert "FAULT: dropped entry: no audit checkpoint covers rows 8-8, older than 30 minutes" in out
    assert "OK audit rows 5-7" in out
    # a longer grace period
    code, out = run_verify(log, "--audit-export", export(rows), "--audit-grace", "60", now=LATER)
    assert code == 0, out
    assert (
        "SKIP 1 exported row(s) from id 8 are not yet covered by an audit checkpoint (younger than 60 minutes)" in out
    )
    code, out = run_verify(log, "--audit-export", export(rows), "--audit-grace", "-1")
    assert code == 2 and "--audit-grace must be 0 or more" in out


def test_a_hidden_latest_audit_checkpoint_is_found_after_the_grace_period(log, audited):
    rows, export = audited
    # the log hides its latest audit checkpoint (rows 5-7) from the lookup
    log.hidden.add(6)
    code, out = run_verify(log, "--audit-export", export(rows))
    assert code == 0 and "SKIP 4 exported row(s) from id 5" in out
    code, out = run_verify(log, "--audit-export", export(rows), now=LATER)
    assert code == 1, out
    assert "FAULT: dropped entry: no audit checkpoint covers rows 5-8, older than 30 minutes (4 row(s))" in out


def test_an_audit_checkpoint_outside_the_signed_tree_does_not_cover_old_rows(log, audited):
    rows, export = audited
    # the lookup shows a checkpoint over row 8 that no signed checkpoint holds
    log.add("audit.checkpoint", "audit:8-8", from_id=8, to_id=8, **_count_digest([8]))
    code, out = run_verify(log, "--audit-export", export(rows))
    assert code == 0, out
    assert "SKIP audit checkpoint audit:8-8 (entry 7) is newer than the latest checkpoint" in out
    code, out = run_verify(log, "--audit-export", export(rows), now=LATER)
    assert code == 1, out
    assert "FAULT: dropped entry: no audit checkpoint covers rows 8-8, older than 30 minutes" in out


def test_audit_export_that_is_not_an_export(log, audited, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": 1}\n')
    code, out = run_verify(log, "--audit-export", str(path))
    assert code == 2 and "ERROR:" in out and "line 1" in out


# --- Usage and network errors ----------------------------------------------------------------------


def test_verifier_usage_and_network_errors(log):
    assert verify.main([], out=io.StringIO()) == 2
    code, out = run_verify(log, "--witness-key", log.vkey)
    assert code == 2 and "is not a witness key" in out
    out = io.StringIO()
    assert verify.main(["--log", URL, "--key", "nonsense"], fetch=log.fetch, out=out) == 2

    def down(method, path, body):
        raise client.LogUnavailable("timed out")

    out = io.StringIO()
    assert verify.main(["--log", URL, "--key", log.vkey], fetch=down, out=out) == 2
    assert out.getvalue().startswith("ERROR: the log could not be read: timed out")
    empty = FakeLog()
    out = io.StringIO()
    assert verify.main(["--log", URL, "--key", empty.vkey], fetch=empty.fetch, out=out) == 2
    assert "no checkpoint at" in out.getvalue()


# --- The audit row's canonical form ---------------------------------------------------------------


def test_row_line_is_canonical_json():
    line = auditdigest.row_line(audit_row(3))
    assert line.startswith(b'{"action":"case.decided","actor_email":')
    assert "Straße ✓".encode() in line and b", " not in line and b'": ' not in line
    assert auditdigest.parse_line(line) == audit_row(3)
    assert auditdigest.digest([]) == hashlib.sha256(b"").hexdigest()
    assert auditdigest.digest([b"a", b"b"]) == hashlib.sha256(b"a\nb\n").hexdigest()
    with pytest.raises(auditdigest.AuditRowError):
        auditdigest.digest([b"a\nb"])


@pytest.mark.parametrize(
    "bad",
    [
        {"id": "1"},
        {"created_at": "2026-12-06T10:00:00Z"},
        {"actor_id": True},
        {"ip": 5},
        {"extra": []},
        {"surprise": 1},
    ],
)
def test_row_line_refuses_rows_not_in_the_canonical_form(bad):
    with pytest.raises(auditdigest.AuditRowError):
        auditdigest.row_line(audit_row(1, **bad))
    with pytest.raises(auditdigest.AuditRowError):
        auditdigest.row_line({k: v for k, v in audit_row(1).items() if k != "ip"})


def test_format_time():
    moment = datetime.datetime(2026, 12, 6, 23, 30, 0, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    assert auditdigest.format_time(moment) == "2026-12-06T22:30:00.000005Z"
    with pytest.raises(auditdigest.AuditRowError):
        auditdigest.format_time(datetime.datetime(2026, 12, 6))


def test_test_client_transport_prefixes_the_mount_point(log):
    class Response:
        def __init__(self, status, content):
            self.status_code, self.content = status, content

    class TestClient:
        def get(self, path):
            assert path.startswith("/log/")
            return Response(*log.fetch("GET", path.removeprefix("/log"), None))

        def post(self, path, data, content_type):
            assert content_type == "application/json"
            return Response(*log.fetch("POST", path.removeprefix("/log"), data))

    c = client.LogClient(client.django_client_fetch(TestClient()))
    assert c.checkpoint_note() == log.published[5].note().encode()
    assert [e.index for e in c.lookup(key="D-0002")] == [2]
    with pytest.raises(client.LogRejected):
        c.cosign(5, "— nobody AAAAAAA=")


def test_verifier_names_an_entry_the_log_no_longer_serves_and_skips_new_ones(log):
    def without_bundles(method, path, body):
        return (404, b"") if path.startswith("/tile/entries/") else log.fetch(method, path, body)

    out = io.StringIO()
    assert verify.main(["--log", URL, "--key", log.vkey, "--entry", "1"], fetch=without_bundles, out=out) == 1
    assert "FAULT: dropped entry: the log does not serve entry 1" in out.getvalue()
    # an entry integrated after the latest checkpoint cannot be proven yet: not a fault
    log.add("document.issued", "D-0004", agency="city")
    code, out = run_verify(log, "--document", "D-0004", "--entry", "5")
    assert code == 0, out
    assert "SKIP document D-0004: entry 5 is newer than the latest checkpoint" in out
    assert "SKIP entry 5 is not in the latest checkpoint (size 5)" in out


def test_verifier_names_a_document_entry_held_out_of_the_signed_tree(log):
    log.add("document.issued", "D-0004", agency="city")  # time 22:30, not in the checkpoint of size 5
    code, out = run_verify(log, "--document", "D-0004", now=VERIFY_NOW + 31 * 60)
    assert code == 1, out
    assert (
        "FAULT: dropped entry: document D-0004: entry 5 (time 2026-12-06T22:30:00Z) is not in the latest "
        "signed checkpoint (size 5) and is not from the last 30 minutes"
    ) in out
    # an entry without a readable time, or far in the future, is not given the benefit of the doubt
    log.add_raw(b'{"key":"D-0005","kind":"document.issued"}')
    log.add("document.issued", "D-0006", time="2027-01-01T00:00:00Z")
    for number in ("D-0005", "D-0006"):
        code, out = run_verify(log, "--document", number)
        assert code == 1 and f"FAULT: dropped entry: document {number}:" in out, out


# --- Note parsing limits --------------------------------------------------------------------------


def test_parse_checkpoint_refuses_sizes_beyond_a_signed_64_bit_integer():
    root = base64.b64encode(merkle.EMPTY_ROOT).decode()
    assert note.parse_checkpoint(f"o\n{2**63 - 1}\n{root}\n").size == 2**63 - 1
    for size in (2**63, 10**19, 99999999999999999999):
        with pytest.raises(note.NoteError):
            note.parse_checkpoint(f"o\n{size}\n{root}\n")


def test_split_note_limits_signatures_and_refuses_control_characters():
    key = Ed25519PrivateKey.generate()
    text = "gov.example/log\n1\n" + base64.b64encode(b"\0" * 32).decode() + "\n"
    line = note.sign(text, "gov.example/log", key).line()
    assert len(note.split_note(text + "\n" + line * 100)[1]) == 100
    with pytest.raises(note.NoteError, match="at most 100"):
        note.split_note(text + "\n" + line * 101)
    for bad in ("\x1b[2J", "\t", "\x00", "\x85", "\x7f"):
        with pytest.raises(note.NoteError, match="control character"):
            note.split_note(text.replace("log", "log" + bad, 1) + "\n" + line)
        with pytest.raises(note.NoteError, match="control character"):
            note.split_note(text + "\n" + line.replace(" ", bad + " ", 1))
    with pytest.raises(note.NoteError, match="too long"):
        note.split_note(text + "\n" + "x" * note.MAX_NOTE)
