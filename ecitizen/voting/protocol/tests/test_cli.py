"""The trustee's tool and the audit verifier, run as a trustee and a voter would; and no Django in either."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
from pathlib import Path

import pysodium

from ecitizen.voting import trustee, verify
from ecitizen.voting.protocol import ballots, board, credentials, group, hashing, tally, trustees

from .conftest import make_election

ROOT = Path(__file__).resolve().parents[4]
UUID = "0b7e5d4c-0000-4000-8000-00000000000a"


def write(path: Path, value) -> str:
    path.write_text(json.dumps(value))
    return str(path)


def read(path: Path):
    return json.loads(path.read_text())


def test_three_trustees_make_a_key_and_two_decrypt(tmp_path, capsys):
    keys = {j: tmp_path / f"key{j}.json" for j in (1, 2, 3)}
    registrations = {}
    for j, key in keys.items():
        assert trustee.main(["register", "--key", str(key), "--out", str(tmp_path / f"reg{j}.json")]) == 0
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
        registrations[j] = read(tmp_path / f"reg{j}.json")
        assert set(registrations[j]) == {"sealing_key"}
    assert trustee.main(["register", "--key", str(keys[1])]) == 2  # never overwrites a key
    listed = [{"index": j, "sealing_key": registrations[j]["sealing_key"]} for j in (1, 2, 3)]
    for j in (1, 2, 3):
        setup = write(tmp_path / f"setup{j}.json", {"uuid": UUID, "threshold": 2, "trustees": listed, "index": j})
        assert (
            trustee.main(["deal", "--key", str(keys[j]), "--setup", setup, "--out", str(tmp_path / f"deal{j}.json")])
            == 0
        )
    deals = [read(tmp_path / f"deal{i}.json") for i in (1, 2, 3)]
    assert all(trustees.check_deal_public(UUID, 2, d) for d in deals)
    # Trustee 2's setup with trustee 1's key: refused.
    setup = write(tmp_path / "wrong.json", {"uuid": UUID, "threshold": 2, "trustees": listed, "index": 2})
    assert trustee.main(["deal", "--key", str(keys[1]), "--setup", setup, "--out", str(tmp_path / "x.json")]) == 1

    verification = {}
    for j in (1, 2, 3):
        relayed = [
            {"index": d["index"], "commitments": d["commitments"], "pok": d["pok"], "share": d["shares"][str(j)]}
            for d in deals
        ]
        path = write(tmp_path / f"deals{j}.json", {"uuid": UUID, "threshold": 2, "index": j, "deals": relayed})
        out = tmp_path / f"confirm{j}.json"
        assert trustee.main(["confirm", "--key", str(keys[j]), "--deals", path, "--out", str(out)]) == 0
        verification[j] = read(out)["verification_key"]
        assert read(out) == {"index": j, "verification_key": trustees.verification_key(deals, j)}
        assert stat.S_IMODE(keys[j].stat().st_mode) == 0o600
        assert "share" in read(keys[j])

    election = make_election(UUID, verification, trustees.public_key(deals))
    h = hashing.election_hash(election)
    codes = [credentials.new_code() for _ in range(3)]
    cast = [ballots.encrypt(election, h, code, [[k % 2], [k]])[0] for k, code in enumerate(codes)]
    public = [credentials.public_credential(UUID, code) for code in codes]
    before = board.assemble(election=election, deals=deals, credentials=public, electorate_size=3, ballots=cast)
    board_path = write(tmp_path / "board.json", before)

    decryptions = []
    for j in (2, 3):
        request = write(tmp_path / f"tally{j}.json", {"election_hash": h, "index": j, "tally": before["tally"]})
        out = tmp_path / f"decryption{j}.json"
        args = ["decrypt", "--key", str(keys[j]), "--tally", request, "--out", str(out), "--board", board_path]
        assert trustee.main(args) == 0
        decryptions.append(read(out))
    # A trustee asked to decrypt one ballot's ciphertexts instead of the board's tally refuses.
    single = tally.add(tally.empty(election), cast[0])
    request = write(tmp_path / "single.json", {"election_hash": h, "index": 1, "tally": single})
    args = ["decrypt", "--key", str(keys[1]), "--tally", request, "--out", str(tmp_path / "d1.json")]
    assert trustee.main([*args, "--board", board_path]) == 1
    assert "not the sum of the counted ballots of" in capsys.readouterr().err
    assert not (tmp_path / "d1.json").exists()

    final = board.assemble(
        election=election, deals=deals, credentials=public, electorate_size=3, ballots=cast, decryptions=decryptions
    )
    assert final["result"]["online"] == [[2, 1], [1, 1, 1, 0]]
    assert board.verify(final).ok


def test_confirm_names_a_bad_dealer(tmp_path, capsys):
    pairs = {j: trustees.new_sealing_keypair() for j in (1, 2)}
    deals = [trustees.deal(UUID, i, 2, {j: p[1] for j, p in pairs.items()}) for i in (1, 2)]
    deals[0]["shares"]["2"] = pysodium.crypto_box_seal(group.scalar_bytes(7), bytes.fromhex(pairs[2][1])).hex()
    key = write(
        tmp_path / "key.json",
        {
            "format": trustee.KEY_FORMAT,
            "sealing_secret": pairs[2][0],
            "sealing_key": pairs[2][1],
            **{"index": 2, "uuid": UUID, "threshold": 2, "trustees": 2, "commitments": deals[1]["commitments"]},
        },
    )
    path = write(tmp_path / "deals.json", {"uuid": UUID, "threshold": 2, "index": 2, "deals": deals})
    assert trustee.main(["confirm", "--key", key, "--deals", path, "--out", str(tmp_path / "c.json")]) == 1
    assert "BAD DEAL from trustee 1: the share sealed to you does not match its commitments" in capsys.readouterr().err
    assert "share" not in read(tmp_path / "key.json")


def test_the_audit_verifier(setup, tmp_path, capsys):
    ballot, opening = ballots.encrypt(setup.election, setup.election_hash, credentials.new_code(), [[1], [0, 3]])
    good = write(tmp_path / "audit.json", {"election": setup.election, "ballot": ballot, "opening": opening})
    assert verify.main(["--audit", good]) == 0
    out = capsys.readouterr().out
    assert "q1 Should the park open at night?: No" in out
    assert "q2 Which two projects?: Project 1, Project 4" in out
    assert f"Ballot tracker {ballots.hash_and_tracker(ballot)[1]}" in out
    opening[1][0], opening[1][1] = opening[1][1], opening[1][0]
    bad = write(tmp_path / "bad.json", {"election": setup.election, "ballot": ballot, "opening": opening})
    assert verify.main(["--audit", bad]) == 1
    assert "FAULT: question q2, option p1: the opening does not re-encrypt" in capsys.readouterr().out
    assert verify.main(["--audit", write(tmp_path / "no.json", {"ballot": ballot})]) == 2


def test_the_verifier_and_the_trustee_tool_import_no_django():
    code = (
        "import sys, ecitizen.voting.verify, ecitizen.voting.trustee\n"
        "from ecitizen.voting.protocol import ballots, board, credentials, election, group, hashing, tally, trustees\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'django', 'config'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
    sources = [*(ROOT / "ecitizen/voting/protocol").glob("*.py"), *(ROOT / "ecitizen/voting").glob("[vt]*.py")]
    assert len(sources) >= 10
    for path in sources:
        assert not re.search(r"^\s*(from|import)\s+(django|config)\b", path.read_text(), re.MULTILINE), path


def test_the_trustee_tool_runs_as_a_module(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "ecitizen.voting.trustee", "register", "--key", str(tmp_path / "k.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sealing_key"] == read(tmp_path / "k.json")["sealing_key"]
