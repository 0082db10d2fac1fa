"""The board verifier: a good board passes; each way of spoiling one is caught and named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ecitizen.voting.protocol import board, credentials, group, trustees

from .conftest import EXPECTED_ONLINE, make_setup

ROOT = Path(__file__).resolve().parents[4]


def faults_of(data: dict, workers: int = 1) -> list[str]:
    report = board.verify(data, workers=workers)
    assert report.ok == (not report.faults)
    return report.faults


def run_verifier(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ecitizen.voting.verify", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_assembled_board_holds_the_right_result(good_board):
    assert [e["replaced_by"] for e in good_board["ballots"]] == [4, None, 5, None, 6, None, None]
    assert good_board["result"] == {
        "trustees_used": [1, 3],
        "online": EXPECTED_ONLINE,
        "totals": [[4, 2], [1, 2, 3, 3]],
    }


def test_a_good_board_verifies(good_board):
    report = board.verify(good_board)
    assert report.faults == []
    text = "\n".join(report.lines)
    assert "7 on the board, 7 with every proof, signature, hash and tracker holding; 4 counted, 3 replaced" in text
    assert "Trustees: 3, threshold 2" in text
    assert "6 eligible voters, 5 credentials" in text
    assert "p4 Project 4: online 2 + paper 1 = 3" in text


def test_a_good_board_verifies_in_parallel(good_board, monkeypatch):
    monkeypatch.setattr(board, "MIN_PARALLEL", 1)
    assert board.verify(good_board, workers=2).lines == board.verify(good_board).lines


def test_the_command_line_verifier(good_board, tmp_path):
    path = tmp_path / "board.json"
    path.write_text(json.dumps(good_board))
    done = run_verifier(str(path), "--workers", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Every check holds" in done.stdout
    assert "4 counted, 3 replaced" in done.stdout

    good_board = json.loads(path.read_text())
    good_board["result"]["totals"][0][0] += 1
    path.write_text(json.dumps(good_board))
    done = run_verifier(str(path))
    assert done.returncode == 1
    assert "FAULT: question q1, option yes: the total is 5, not online 3 + paper 1 = 4" in done.stdout
    assert "Result: the published figures, which do not all hold (2 paper ballots):" in done.stdout
    assert "Every check holds" not in done.stdout

    path.write_text("{not json")
    done = run_verifier(str(path))
    assert done.returncode == 2
    assert "not valid JSON" in done.stderr
    assert run_verifier(str(tmp_path / "missing.json")).returncode == 2
    path.write_text("[]")
    assert run_verifier(str(path)).returncode == 2


def test_a_changed_ballot_is_caught(a_board):
    choice = a_board["ballots"][3]["ballot"]["answers"][1]["choices"][0]
    choice["alpha"], choice["beta"] = choice["beta"], choice["alpha"]
    faults = faults_of(a_board)
    assert "ballot 4: the credential's signature does not hold" in faults
    assert any(f.startswith("the tally is not the sum of the counted ballots") for f in faults)


def test_a_changed_hash_or_tracker_is_caught(a_board):
    a_board["ballots"][0]["hash"] = a_board["ballots"][1]["hash"]
    a_board["ballots"][2]["tracker"] = "AAAA-AAAA-AAAA-AAAA-AAAA"
    faults = faults_of(a_board)
    assert "ballot 1: its hash is not the hash of the ballot" in faults
    assert "ballot 2: the same hash as ballot 1" in faults
    assert any(f.startswith("ballot 3: its tracker is not the ballot's") for f in faults)


def test_a_dropped_ballot_is_caught(a_board):
    a_board["ballots"].pop()  # the last ballot, counted: numbering and replacements still hold
    assert faults_of(a_board) == [
        "the tally is not the sum of the counted ballots' ciphertexts (6 ciphertexts differ, first question q1, option"
        " yes)"
    ]


def test_a_dropped_replaced_ballot_breaks_the_numbering_and_the_replacements(a_board):
    del a_board["ballots"][0]
    faults = faults_of(a_board)
    assert "ballot 1: it is numbered 2 (and 5 more of this kind)" in faults
    assert "ballot 2: replaced_by is 5, not 4 (and 1 more of this kind)" in faults


def test_a_wrong_total_or_online_count_is_caught(a_board):
    a_board["result"]["online"][1][2] = 2
    a_board["result"]["totals"][1][2] = 4
    assert faults_of(a_board) == ["question q2, option p3: the online count is 2; the decryption gives 1"]
    a_board["result"]["totals"][1][0] = 2
    assert "question q2, option p1: the total is 2, not online 1 + paper 0 = 1" in faults_of(a_board)


def test_a_bad_partial_decryption_is_caught(a_board):
    factor = a_board["decryptions"][0]["factors"][1][1]
    factor["d"] = a_board["decryptions"][0]["factors"][1][0]["d"]
    faults = faults_of(a_board)
    assert "trustee 3: its partial decryption fails: question q2, option p2: the proof does not hold" in faults
    assert "trustees_used names trustee 3, who has no valid partial decryption" in faults


def test_a_right_looking_decryption_that_does_not_combine_is_caught(setup, a_board):
    # Trustee 1 "decrypts" with trustee 2's share and trustee 2's proof: its proofs fail against Y_1.
    a_board["decryptions"][1] = trustees.partial_decrypt(setup.election_hash, 1, setup.shares[2], a_board["tally"])
    assert any(f.startswith("trustee 1: its partial decryption fails") for f in faults_of(a_board))


def test_too_few_trustees_used_is_caught(a_board):
    a_board["result"]["trustees_used"] = [1]
    assert faults_of(a_board) == ["trustees_used must list 2 distinct trustees"]
    a_board["result"]["trustees_used"] = [1, 1]
    assert faults_of(a_board) == ["trustees_used must list 2 distinct trustees"]


def test_a_replaced_ballot_counted_is_caught(setup, votes, good_board):
    # The platform counted ballot 1 (voter 0's first ballot) instead of ballot 4, which replaced it.
    counted = [votes.ballots[i] for i in (0, 1, 5, 6)]
    wrong_tally = board.counted_tally(setup.election, counted)
    decryptions = [trustees.partial_decrypt(setup.election_hash, j, setup.shares[j], wrong_tally) for j in (1, 2)]
    used, online = trustees.combine(setup.election, wrong_tally, decryptions, 4)
    spoiled = json.loads(json.dumps(good_board))
    spoiled["tally"] = wrong_tally
    spoiled["decryptions"] = decryptions
    spoiled["result"]["trustees_used"] = used
    spoiled["result"]["online"] = online
    spoiled["result"]["totals"] = [
        [a + b for a, b in zip(r, p, strict=True)] for r, p in zip(online, spoiled["paper"]["counts"], strict=True)
    ]
    assert faults_of(spoiled) == [
        "the tally is not the sum of the counted ballots' ciphertexts (6 ciphertexts differ, first question q1, option"
        " yes)"
    ]


def test_a_wrong_replaced_by_is_caught(a_board):
    a_board["ballots"][0]["replaced_by"] = 5  # ballot 1 (voter 0) is replaced by 4, not by 5 (voter 2)
    assert faults_of(a_board) == ["ballot 1: replaced_by is 5, not 4"]
    a_board["ballots"][0]["replaced_by"] = None  # a replaced ballot shown as counted
    assert faults_of(a_board) == ["ballot 1: replaced_by is None, not 4"]
    a_board["ballots"][0]["replaced_by"] = 4
    a_board["ballots"][6]["replaced_by"] = 7
    assert faults_of(a_board) == ["ballot 7: replaced_by is 7, not null"]


def test_a_credential_not_on_the_list_is_caught(votes, a_board):
    listed = a_board["electorate"]["credentials"]
    listed.remove(votes.credentials[3])  # voter 3 cast ballot 7
    assert faults_of(a_board) == ["ballot 7: its credential is not on the list"]


def test_a_bad_electorate_is_caught(setup, a_board):
    listed = a_board["electorate"]["credentials"]
    listed.append(credentials.public_credential(setup.uuid, credentials.new_code()))
    listed.sort()
    a_board["electorate"]["size"] = 5
    assert faults_of(a_board) == ["6 credentials for an electorate of 5"]
    listed.reverse()
    assert "the credentials are not sorted, or one is listed twice" in faults_of(a_board)


def test_a_bad_election_hash_is_caught(a_board):
    a_board["election_hash"] = "0" * 64
    assert faults_of(a_board) == [
        f"election_hash is '{'0' * 64}'; the election record hashes to {board.election_hash(a_board['election'])}"
    ]


def test_a_changed_election_record_is_caught(a_board):
    a_board["election"]["title"]["en"] = "Another referendum"  # the hash no longer matches, nor do the ballots'
    faults = faults_of(a_board)
    assert faults[0].startswith("election_hash is")
    assert "ballot 1: made for another election (and 6 more of this kind)" in faults
    assert any(f.startswith("trustee 3: its partial decryption fails") for f in faults)
    # The record changed after the vote, its hash updated to match: the ballots still name the old one.
    a_board["election"]["questions"][1]["max"] = 3
    a_board["election_hash"] = board.election_hash(a_board["election"])
    faults = faults_of(a_board)
    assert faults[0] == "ballot 1: made for another election (and 6 more of this kind)"
    assert any(f.startswith("trustee 3: its partial decryption fails") for f in faults)


def test_a_proof_of_knowledge_for_another_election_is_caught(other_setup, a_board):
    a_board["trustees"][1]["pok"] = other_setup.deals[1]["pok"]
    assert faults_of(a_board) == ["trustee 2: its proof of knowledge or its 2 commitments fail"]


def test_a_public_key_not_from_the_trustees_is_caught(setup, a_board):
    others = make_setup(uuid=setup.uuid)  # the same election, other trustees' deals
    a_board["trustees"] = [{k: d[k] for k in ("index", "commitments", "pok")} for d in others.deals]
    faults = faults_of(a_board)
    assert "public_key is not the sum of the trustees' first commitments" in faults
    assert "trustee 1: verification_key is not the one its commitments give (and 2 more of this kind)" in faults


def test_faults_are_counted_by_kind(a_board):
    for entry in a_board["ballots"]:
        entry["tracker"] = "AAAA-AAAA-AAAA-AAAA-AAAA"
    faults = faults_of(a_board)
    assert len(faults) == 1
    assert faults[0].endswith("(and 6 more of this kind)")


def test_a_board_before_decryption(setup, votes):
    data = board.assemble(
        election=setup.election,
        deals=setup.deals,
        credentials=votes.credentials,
        electorate_size=5,
        ballots=votes.ballots,
    )
    report = board.verify(data)
    assert report.ok
    assert report.lines[-1] == "Result: not published yet."


@pytest.mark.parametrize("missing", ["tally", "ballots", "electorate", "trustees", "decryptions"])
def test_a_board_missing_a_part_fails_without_crashing(a_board, missing):
    del a_board[missing]
    assert faults_of(a_board)


def test_an_identity_point_in_a_ballot_is_malformed(a_board):
    a_board["ballots"][6]["ballot"]["answers"][0]["choices"][0]["alpha"] = group.IDENTITY.hex()
    faults = faults_of(a_board)
    assert faults[0] == "ballot 7: malformed: question q1, option yes: point: the identity is not allowed here"


PATHS = [
    ("format",),
    ("election", "questions"),
    ("election", "trustees", 0),
    ("trustees", 1, "commitments"),
    ("electorate", "credentials", 0),
    ("ballots", 2),
    ("ballots", 2, "ballot", "answers", 0),
    ("ballots", 2, "n"),
    ("tally", 1, 0),
    ("decryptions", 0, "factors", 0),
    ("paper", "counts"),
    ("result", "online", 0),
]


def test_any_value_in_any_place_gives_faults_never_a_crash(good_board):
    for path in PATHS:
        for value in (None, "x", -1, True, [], {}, [[1]]):
            spoiled = json.loads(json.dumps(good_board))
            parent = spoiled
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = value
            assert faults_of(spoiled), (path, value)
