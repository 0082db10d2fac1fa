"""Hostile input and attacks on the protocol: each test here is a way to cheat or to crash it.

Ballots copied to another credential, proofs with scalars out of range, points with non-canonical
encodings, boards mutated at random, files built to crash the verifier or the trustee's tool, and
a platform that swaps a trustee's deal for its own.
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import random
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ecitizen.voting import trustee, verify
from ecitizen.voting.protocol import ballots, board, credentials, group, hashing, tally, trustees
from ecitizen.voting.protocol.hashing import hash_to_scalar

from .conftest import make_election, make_setup

ROOT = Path(__file__).resolve().parents[4]
UUID = "0b7e5d4c-0000-4000-8000-00000000000b"


def top_bit(hex_point: str) -> str:
    """The same 32 bytes with bit 255 set: a non-canonical encoding that libsodium 1.0.18 decodes."""
    raw = bytearray.fromhex(hex_point)
    raw[31] |= 0x80
    return raw.hex()


def rejected(setup, ballot, credential_list=None) -> ballots.BallotRejected:
    with pytest.raises(ballots.BallotRejected) as caught:
        ballots.check(setup.election, setup.election_hash, ballot, credential_list)
    return caught.value


def body_of(ballot: dict) -> list[str]:
    items = []
    for answer in ballot["answers"]:
        for choice in answer["choices"]:
            (c0, s0), (c1, s1) = choice["proof"]
            items += [choice["alpha"], choice["beta"], c0, s0, c1, s1]
        items += [x for pair in answer["overall_proof"] for x in pair]
    return items


def sign(uuid: str, ballot: dict, code: str) -> dict:
    secret = credentials.secret(uuid, code)
    w = group.random_scalar()
    c = hash_to_scalar(
        "ecitizen-vote/sign", ballot["election_hash"], ballot["credential"], group.base(w).hex(), *body_of(ballot)
    )
    ballot["signature"] = {"c": group.scalar_hex(c), "s": group.scalar_hex(w + c * secret)}
    return ballot


# --- the group: encodings ----------------------------------------------------------------------


def test_a_point_with_its_top_bit_set_is_not_a_point():
    # libsodium 1.0.18 ignores bit 255 when it decodes: 32 zero bytes with the top bit set would be
    # an identity that passes for another point, and every point would have two encodings.
    for point in (group.IDENTITY.hex(), group.G.hex(), group.base(12345).hex()):
        with pytest.raises(group.InvalidEncoding):
            group.point_from_hex(top_bit(point))
        with pytest.raises(group.InvalidEncoding):
            group.point_from_hex(top_bit(point), identity=True)
        assert not group.is_valid_point(bytes.fromhex(top_bit(point)))


def test_hex_that_is_not_exactly_64_lower_case_ascii_digits_is_refused():
    g = group.G.hex()
    for text in (g + "\n", " " + g[1:], g[:-1] + "\uff10", g.replace("e", "\u0435", 1), g[:62], g + "00", g.upper()):
        with pytest.raises(group.InvalidEncoding):
            group.point_from_hex(text)
        with pytest.raises(group.InvalidEncoding):
            group.scalar_from_hex(text)


def test_non_canonical_field_elements_are_not_points():
    p = 2**255 - 19
    for value in (p, p + 2, 1, 2**255 - 1):  # s ≥ p, or negative (odd)
        with pytest.raises(group.InvalidEncoding):
            group.point_from_hex(value.to_bytes(32, "little").hex(), identity=True)


# --- ballots ------------------------------------------------------------------------------------


def test_a_ballot_copied_to_another_credential_and_re_signed_is_refused(setup):
    # Voter B copies voter A's ciphertexts and proofs under B's own credential and signs them: the
    # range proofs name A's credential, so they fail (B cannot make new ones without A's r).
    a_code, b_code = credentials.new_code(), credentials.new_code()
    ballot, _ = ballots.encrypt(setup.election, setup.election_hash, a_code, [[0], [1, 2]])
    copied = copy.deepcopy(ballot)
    copied["credential"] = credentials.public_credential(setup.uuid, b_code)
    fault = rejected(setup, sign(setup.uuid, copied, b_code))
    assert (fault.code, fault.detail) == ("bad_proof", "question q1, option yes")


def test_a_ballot_copied_to_another_election_is_refused(setup, other_setup):
    code = credentials.new_code()
    ballot, _ = ballots.encrypt(other_setup.election, other_setup.election_hash, code, [[0], [1]])
    ballot["election_hash"] = setup.election_hash
    assert rejected(setup, sign(other_setup.uuid, ballot, code)).code == "bad_proof"


def test_range_proof_challenges_are_reduced_and_must_sum_to_the_hash(setup):
    code = credentials.new_code()
    ballot, _ = ballots.encrypt(setup.election, setup.election_hash, code, [[0], [1]])
    proof = ballot["answers"][0]["choices"][0]["proof"]
    c0, c1 = (group.scalar_from_hex(pair[0]) for pair in proof)
    # c0 + ℓ fits in 64 hex digits and is the same scalar mod ℓ: it is refused as not reduced.
    spoiled = copy.deepcopy(ballot)
    spoiled["answers"][0]["choices"][0]["proof"][0][0] = (c0 + group.L).to_bytes(32, "little").hex()
    assert rejected(setup, sign(setup.uuid, spoiled, code)).code == "malformed"
    # The same sum split otherwise (c0 + 1, c1 − 1): the commitments change, the proof fails.
    spoiled = copy.deepcopy(ballot)
    spoiled["answers"][0]["choices"][0]["proof"][0][0] = group.scalar_hex(c0 + 1)
    spoiled["answers"][0]["choices"][0]["proof"][1][0] = group.scalar_hex(c1 - 1)
    assert rejected(setup, sign(setup.uuid, spoiled, code)).code == "bad_proof"
    # The two pairs swapped (a proof for 1 where the ballot proved 0, and the other way round).
    spoiled = copy.deepcopy(ballot)
    spoiled["answers"][0]["choices"][0]["proof"].reverse()
    assert rejected(setup, sign(setup.uuid, spoiled, code)).code == "bad_proof"


def test_a_ballot_with_a_non_canonical_point_is_malformed(setup):
    code = credentials.new_code()
    ballot, _ = ballots.encrypt(setup.election, setup.election_hash, code, [[0], [1]])
    for path in (("credential",), ("answers", 0, "choices", 1, "alpha"), ("answers", 1, "choices", 0, "beta")):
        spoiled = copy.deepcopy(ballot)
        parent = spoiled
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = top_bit(parent[path[-1]])
        assert rejected(setup, sign(setup.uuid, spoiled, code)).code == "malformed", path
    # The identity smuggled in with its top bit set, as a choice's α (r = 0: the vote in clear).
    spoiled = copy.deepcopy(ballot)
    spoiled["answers"][0]["choices"][0]["alpha"] = top_bit(group.IDENTITY.hex())
    assert rejected(setup, sign(setup.uuid, spoiled, code)).code == "malformed"


def test_a_checker_refuses_an_election_hash_that_is_not_its_elections(setup, other_setup):
    # The proofs bind the public key only through the election hash: the two must go together.
    with pytest.raises(ValueError, match="election hash"):
        ballots.Checker(setup.election, other_setup.election_hash)
    with pytest.raises(ValueError, match="election hash"):
        ballots.encrypt(setup.election, other_setup.election_hash, credentials.new_code(), [[0], []])
    with pytest.raises(ValueError, match="election hash"):
        ballots.check(setup.election, other_setup.election_hash, {})


def test_a_ballot_with_a_million_choices_is_refused_before_it_is_read(setup):
    good, _ = ballots.encrypt(setup.election, setup.election_hash, credentials.new_code(), [[0], [1]])
    checker = ballots.Checker(setup.election, setup.election_hash)
    choices = copy.deepcopy(good)
    choices["answers"][1]["choices"] = [good["answers"][1]["choices"][0]] * 1_000_000
    pairs = copy.deepcopy(good)
    pairs["answers"][1]["overall_proof"] = [good["answers"][1]["overall_proof"][0]] * 1_000_000
    for ballot in (choices, pairs):
        started = time.perf_counter()
        with pytest.raises(ballots.BallotRejected) as caught:
            checker.check(ballot)
        assert caught.value.code == "malformed"
        assert time.perf_counter() - started < 0.05


def test_an_audit_with_marks_that_are_not_integers_is_a_fault_not_a_crash(setup):
    ballot, opening = ballots.encrypt(setup.election, setup.election_hash, credentials.new_code(), [[1], [0]])
    for value in (1.0, 0.0, True, "1", None, [1]):
        spoiled = copy.deepcopy(opening)
        spoiled[0][1]["m"] = value
        faults = ballots.check_audit(setup.election, setup.election_hash, ballot, spoiled)
        assert any("m must be" in f or "opening must be" in f for f in faults), value


def test_the_randomness_is_fresh_for_every_ciphertext_and_proof(setup):
    ballot, opening = ballots.encrypt(setup.election, setup.election_hash, credentials.new_code(), [[0], [1, 2]])
    rs = [entry["r"] for row in opening for entry in row]
    assert len(set(rs)) == len(rs) == 6
    assert all(0 < group.scalar_from_hex(r) < group.L for r in rs)
    scalars = [x for x in body_of(ballot) if x not in {c["alpha"] for a in ballot["answers"] for c in a["choices"]}]
    assert len(set(scalars)) == len(scalars)  # no c, s (nor β) repeats: no w reused
    again, _ = ballots.encrypt(setup.election, setup.election_hash, credentials.new_code(), [[0], [1, 2]])
    assert not set(body_of(ballot)) & set(body_of(again))


# --- canonical JSON -----------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1.5, 1.0, float("nan"), float("inf"), 2**53, -(2**53), {"a": [0.5]}])
def test_canonical_json_holds_only_what_the_booth_can_write(value):
    # The booth's JavaScript writes integers only (of at most 53 bits); Python must not hash
    # anything else, or the two would disagree on an election's hash.
    with pytest.raises(ValueError):
        hashing.canonical_json(value)


def test_canonical_json_still_holds_integers_strings_and_unicode():
    value = {"b": [2**53 - 1, -(2**53 - 1), 0], "a": "é\x7f\u2028", "c": None, "d": True}
    assert (
        hashing.canonical_json(value)
        == '{"a":"\\u00e9\\u007f\\u2028","b":[9007199254740991,-9007199254740991,0],"c":null,"d":true}'
    )


# --- the board verifier ---------------------------------------------------------------------------


def faults_of(data) -> list[str]:
    report = board.verify(data)
    assert report.ok == (not report.faults)
    return report.faults


@pytest.mark.parametrize("used", [[[1], 3], [{}, 3], [1, 1.0], [True, 3], [1, 4], [0, 3], ["1", "3"], [1.0, 3.0]])
def test_trustees_used_that_are_not_trustees_are_faults(a_board, used):
    a_board["result"]["trustees_used"] = used
    faults = faults_of(a_board)
    assert any("trustees_used" in f for f in faults), faults


def test_an_election_with_a_number_json_cannot_hash_is_a_fault(a_board):
    for value in (float("nan"), float("inf"), 0.5):
        spoiled = copy.deepcopy(a_board)
        spoiled["election"]["title"]["en"] = value
        faults = faults_of(spoiled)
        assert faults[0].startswith("the election record cannot be hashed"), faults


def test_a_replaced_by_that_is_not_an_integer_is_caught(a_board):
    a_board["ballots"][0]["replaced_by"] = 4.0
    assert faults_of(a_board) == ["ballot 1: replaced_by is 4.0, not 4"]


def test_a_ballot_posted_twice_is_caught(a_board):
    # The platform replays ballot 7 as ballot 8 (it counts once all the same, replacing 7).
    entry = copy.deepcopy(a_board["ballots"][6])
    a_board["ballots"][6]["replaced_by"] = 8
    a_board["ballots"].append({**entry, "n": 8})
    assert faults_of(a_board) == ["ballot 8: the same hash as ballot 7"]


def test_reordered_ballots_are_caught(a_board):
    entries = a_board["ballots"]
    entries[1], entries[6] = entries[6], entries[1]
    faults = faults_of(a_board)
    assert "ballot 2: it is numbered 7 (and 1 more of this kind)" in faults


def test_a_credential_listed_twice_under_two_encodings_is_caught(votes, a_board):
    listed = a_board["electorate"]["credentials"]
    listed.append(top_bit(votes.credentials[0]))
    listed.sort()
    faults = faults_of(a_board)
    assert any(f.startswith("credential") and "not a valid point" in f for f in faults), faults


def test_a_board_with_members_the_protocol_does_not_define_is_caught(a_board):
    a_board["winner"] = "yes"  # covered by no check: a reader could take it for the result
    assert faults_of(a_board) == ["the board has members section 6 does not define: 'winner'"]


def test_a_board_during_voting_verifies_without_a_tally_and_gives_the_sum(good_board):
    during = {k: v for k, v in good_board.items() if k not in ("tally", "decryptions", "paper", "result")}
    report = board.verify(during)
    assert report.faults == []
    assert report.lines[-1].startswith("Tally and result: not on the board yet")
    assert report.tally == good_board["tally"]
    partly = {**during, "tally": good_board["tally"]}  # some of the count's members, not all
    assert any(f.startswith("decryptions must be a list") for f in faults_of(partly))


def test_paper_counts_beyond_what_the_paper_ballots_allow_are_caught(a_board):
    # paper: 2 ballots; q1 takes exactly 1 mark, q2 from 0 to 2 of 4.
    spoiled = copy.deepcopy(a_board)
    spoiled["paper"]["counts"][0] = [2, 1]  # 3 marks from 2 ballots of one mark each
    spoiled["result"]["totals"][0] = [5, 2]
    assert faults_of(spoiled) == ["question q1: 3 paper marks from 2 paper ballots of 1 to 1 mark(s) each"]
    spoiled = copy.deepcopy(a_board)
    spoiled["paper"]["counts"][0] = [0, 1]  # 1 mark from 2 ballots that each need one
    spoiled["result"]["totals"][0] = [3, 2]
    assert faults_of(spoiled) == ["question q1: 1 paper marks from 2 paper ballots of 1 to 1 mark(s) each"]
    spoiled = copy.deepcopy(a_board)
    spoiled["paper"]["counts"][1] = [0, 0, 3, 1]
    spoiled["result"]["totals"][1] = [1, 2, 4, 3]
    assert "question q2, option p3: 3 paper marks from 2 paper ballots" in faults_of(spoiled)
    spoiled = copy.deepcopy(a_board)
    spoiled["paper"]["counts"][1][2] = -1
    assert any(f.startswith("paper") for f in faults_of(spoiled))
    spoiled = copy.deepcopy(a_board)
    spoiled["paper"]["ballots"] = 1.5
    assert any(f.startswith("paper") for f in faults_of(spoiled))


def test_paper_is_checked_even_when_the_online_result_fails(a_board):
    a_board["result"]["trustees_used"] = [1]
    a_board["paper"]["counts"][1][2] = 5
    faults = faults_of(a_board)
    assert "trustees_used must list 2 distinct trustees" in faults
    assert "question q2, option p3: 5 paper marks from 2 paper ballots" in faults


def _mutations(good: dict, rng: random.Random, count: int):
    """Boards made from ``good`` by one to three random changes anywhere in it."""

    def paths(node, prefix=()):
        yield prefix
        if isinstance(node, dict):
            for key, value in node.items():
                yield from paths(value, (*prefix, key))
        elif isinstance(node, list):
            for key, value in enumerate(node):
                yield from paths(value, (*prefix, key))

    every = [p for p in paths(good) if p]
    values = [None, True, 0, 1, -1, 1.0, 0.5, 2**70, "", "x", "|", "é", [], {}, [[]], [None], {"a": 1}, [1, 2]]
    values += ["00" * 32, "ff" * 32, group.L.to_bytes(32, "little").hex(), group.G.hex().upper()]
    values += [top_bit(group.G.hex()), top_bit(group.IDENTITY.hex())]
    made = 0
    while made < count:
        spoiled = copy.deepcopy(good)
        for _ in range(rng.choice((1, 1, 2, 3))):
            path = rng.choice(every)
            parent = spoiled
            try:
                for key in path[:-1]:
                    parent = parent[key]
                roll = rng.random()
                if roll < 0.6:
                    parent[path[-1]] = copy.deepcopy(rng.choice(values))
                elif roll < 0.75:
                    source = good
                    for key in rng.choice(every):
                        source = source[key]
                    parent[path[-1]] = copy.deepcopy(source)
                elif roll < 0.85:
                    del parent[path[-1]]
                elif isinstance(parent, dict):
                    parent["extra"] = 1
                else:
                    parent.append(copy.deepcopy(parent[path[-1]]))
            except (KeyError, IndexError, TypeError, AttributeError):
                continue
        if spoiled != good:
            made += 1
            yield spoiled


@pytest.fixture(scope="module")
def small_board(setup) -> dict:
    codes = [credentials.new_code() for _ in range(2)]
    cast = [
        ballots.encrypt(setup.election, setup.election_hash, codes[v], m)[0]
        for v, m in ((0, [[1], [0]]), (1, [[0], []]))
    ]
    public = [credentials.public_credential(setup.uuid, code) for code in codes]
    kwargs = {"election": setup.election, "deals": setup.deals, "credentials": public, "electorate_size": 3}
    before = board.assemble(**kwargs, ballots=cast)
    decryptions = [trustees.partial_decrypt(setup.election_hash, j, setup.shares[j], before["tally"]) for j in (2, 3)]
    data = board.assemble(
        **kwargs, ballots=cast, decryptions=decryptions, paper={"ballots": 1, "counts": [[1, 0], [0, 1, 0, 0]]}
    )
    assert board.verify(data).ok
    return data


def test_a_board_mutated_at_random_gives_faults_never_a_crash(small_board):
    rng = random.Random(20260314)
    for spoiled in _mutations(small_board, rng, 250):
        report = board.verify(spoiled)  # raises nothing
        if report.ok:
            # Only changes that keep the board's meaning may pass: the decryptions in another order.
            assert spoiled["decryptions"] != small_board["decryptions"]
            spoiled["decryptions"].sort(key=lambda d: d["trustee"])
            assert spoiled == small_board


def test_the_command_line_verifier_exits_1_or_2_on_a_mutated_board(small_board, tmp_path, capsys):
    rng = random.Random(7)
    path = tmp_path / "board.json"
    for spoiled in _mutations(small_board, rng, 40):
        path.write_text(json.dumps(spoiled))
        status = verify.main([str(path), "--workers", "1"])
        out, err = capsys.readouterr()
        assert status in (0, 1, 2)
        assert "Traceback" not in out + err
        if status == 0:
            assert spoiled["decryptions"] != small_board["decryptions"]


def run_verifier(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ecitizen.voting.verify", str(path), "--workers", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_json_bombs_and_numbers_json_does_not_have_exit_2_without_a_traceback(tmp_path, small_board):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    nan = tmp_path / "nan.json"
    nan.write_text(json.dumps(small_board).replace('"min": 1', '"min": NaN', 1))
    huge = tmp_path / "huge.json"
    huge.write_text('{"format": "ecitizen-referendum-board/1", "n": 1' + "0" * 5000 + "}")
    for path in (deep, nan, huge):
        done = run_verifier(path)
        assert done.returncode == 2, (path, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
    audit = tmp_path / "audit.json"
    audit.write_text("{" * 100_000)
    done = subprocess.run(
        [sys.executable, "-m", "ecitizen.voting.verify", "--audit", str(audit)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_an_audit_file_with_a_float_mark_exits_1(setup, tmp_path, capsys):
    ballot, opening = ballots.encrypt(setup.election, setup.election_hash, credentials.new_code(), [[1], [0]])
    opening[0][1]["m"] = 1.0
    path = tmp_path / "audit.json"
    path.write_text(json.dumps({"election": setup.election, "ballot": ballot, "opening": opening}))
    assert verify.main(["--audit", str(path)]) == 1
    assert "m must be" in capsys.readouterr().out


# --- trustees -----------------------------------------------------------------------------------


def test_lagrange_coefficients_interpolate_any_t_subset():
    rng = random.Random(5)
    for n, t in ((5, 3), (4, 4), (6, 1), (7, 4)):
        coefficients = [rng.randrange(group.L) for _ in range(t)]
        share = {j: sum(a * j**k for k, a in enumerate(coefficients)) % group.L for j in range(1, n + 1)}
        for subset in itertools.combinations(range(1, n + 1), t):
            lam = trustees.lagrange_at_zero(list(subset))
            assert sum(lam[j] * share[j] for j in subset) % group.L == coefficients[0]
        if t > 1:  # t − 1 shares do not give the secret
            subset = list(range(1, t))
            lam = trustees.lagrange_at_zero(subset)
            assert sum(lam[j] * share[j] for j in subset) % group.L != coefficients[0]


def test_the_count_search_stops_at_its_bound():
    log = trustees.DiscreteLog()
    assert log.find(group.base(10**9), 1000) is None  # a huge count is not searched for
    assert len(log._table) == 1001
    assert log.find(group.base(7), 1000) == 7
    assert log.find(group.base(7), 5) is None  # found in the table, but above this bound


def test_a_proof_of_knowledge_is_bound_to_its_trustee_index(setup):
    moved = {**setup.deals[0], "index": 2}
    assert not trustees.check_deal_public(setup.uuid, 2, moved)


def test_a_deal_with_more_commitments_than_the_threshold_is_refused(setup):
    # A polynomial of a higher degree would need more trustees than t to decrypt.
    pairs = {j: trustees.new_sealing_keypair() for j in (1, 2, 3)}
    higher = trustees.deal(setup.uuid, 1, 3, {j: p[1] for j, p in pairs.items()})
    assert not trustees.check_deal_public(setup.uuid, 2, higher)
    deals = [higher] + [trustees.deal(setup.uuid, i, 2, {j: p[1] for j, p in pairs.items()}) for i in (2, 3)]
    with pytest.raises(trustees.BadDeal) as caught:
        trustees.confirm(setup.uuid, 2, 2, deals, pairs[2][0])
    assert caught.value.dealer == 1


def test_a_uuid_with_a_bar_is_refused_in_deals(setup):
    pairs = {j: trustees.new_sealing_keypair() for j in (1, 2)}
    with pytest.raises(ValueError):
        trustees.deal("a|b", 1, 1, {j: p[1] for j, p in pairs.items()})


def write(path: Path, value) -> str:
    path.write_text(json.dumps(value))
    return str(path)


def read(path) -> dict:
    return json.loads(Path(path).read_text())


class Ceremony:
    """Three trustees who registered and dealt through the command-line tool."""

    def __init__(self, tmp_path: Path):
        self.dir = tmp_path
        self.keys = {j: tmp_path / f"key{j}.json" for j in (1, 2, 3)}
        for j, key in self.keys.items():
            assert trustee.main(["register", "--key", str(key), "--index", str(j)]) == 0
        listed = [{"index": j, "sealing_key": read(self.keys[j])["sealing_key"]} for j in (1, 2, 3)]
        self.deals = {}
        for j in (1, 2, 3):
            setup = write(tmp_path / f"setup{j}.json", {"uuid": UUID, "threshold": 2, "trustees": listed, "index": j})
            out = tmp_path / f"deal{j}.json"
            assert trustee.main(["deal", "--key", str(self.keys[j]), "--setup", setup, "--out", str(out)]) == 0
            self.deals[j] = read(out)
        self.sealing = {j: e["sealing_key"] for j, e in zip((1, 2, 3), listed, strict=True)}

    def relayed(self, j: int, deals: dict | None = None) -> dict:
        deals = deals or self.deals
        return {
            "uuid": UUID,
            "threshold": 2,
            "index": j,
            "deals": [
                {"index": i, "commitments": d["commitments"], "pok": d["pok"], "share": d["shares"][str(j)]}
                for i, d in sorted(deals.items())
            ],
        }

    def confirm(self, j: int, deals_file: dict) -> int:
        path = write(self.dir / f"deals{j}.json", deals_file)
        return trustee.main(["confirm", "--key", str(self.keys[j]), "--deals", path, "--out", str(self.dir / "c.json")])


def test_the_platform_cannot_swap_a_trustees_own_deal_for_its_own(tmp_path, capsys):
    # Sealed boxes are anonymous and a proof of knowledge names only an index: a platform that
    # relays the deals could deal in every trustee's name (and so know the whole key) unless
    # each trustee checks that the deal under their own index is the one they made.
    ceremony = Ceremony(tmp_path)
    capsys.readouterr()
    forged = dict(ceremony.deals)
    forged[2] = trustees.deal(UUID, 2, 2, ceremony.sealing)  # the platform's own deal, as trustee 2
    # The other trustees cannot tell (the deal holds) ...
    assert ceremony.confirm(1, ceremony.relayed(1, forged)) == 0
    # ... but trustee 2 can: it is not the deal they made.
    assert ceremony.confirm(2, ceremony.relayed(2, forged)) == 1
    assert "BAD DEAL from trustee 2: it is not the deal you made" in capsys.readouterr().err
    assert "share" not in read(ceremony.keys[2])


def test_confirm_refuses_deals_for_another_threshold_or_number_of_trustees(tmp_path, capsys):
    ceremony = Ceremony(tmp_path)
    relayed = ceremony.relayed(1)
    assert ceremony.confirm(1, {**relayed, "threshold": 3}) == 1
    # Trustee 3 left out: trustees 1 and 2 alone would hold the key.
    assert ceremony.confirm(1, {**relayed, "deals": relayed["deals"][:2]}) == 1
    assert "each of the 3 trustees of your setup" in capsys.readouterr().err
    assert "share" not in read(ceremony.keys[1])
    assert ceremony.confirm(1, relayed) == 0


def test_the_share_is_written_nowhere_but_the_key_file(tmp_path, capsys):
    ceremony = Ceremony(tmp_path)
    os.chmod(ceremony.keys[1], 0o644)  # loosened by hand: confirm writes it back private
    assert ceremony.confirm(1, ceremony.relayed(1)) == 0
    out, err = capsys.readouterr()
    share = read(ceremony.keys[1])["share"]
    assert stat.S_IMODE(ceremony.keys[1].stat().st_mode) == 0o600
    public = "".join(p.read_text() for p in tmp_path.iterdir() if p != ceremony.keys[1])
    assert share not in public + out + err
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("key")) == [
        "key1.json",
        "key2.json",
        "key3.json",
    ]


def test_the_key_file_is_never_overwritten_by_an_output(tmp_path, capsys):
    ceremony = Ceremony(tmp_path)
    before = ceremony.keys[1].read_text()
    path = write(tmp_path / "deals1.json", ceremony.relayed(1))
    assert (
        trustee.main(["confirm", "--key", str(ceremony.keys[1]), "--deals", path, "--out", str(ceremony.keys[1])]) == 2
    )
    assert "is your key file" in capsys.readouterr().err
    assert ceremony.keys[1].read_text() == before


def test_decrypt_without_a_board_warns_and_with_another_board_refuses(tmp_path, capsys):
    ceremony = Ceremony(tmp_path)
    for j in (1, 2, 3):
        assert ceremony.confirm(j, ceremony.relayed(j)) == 0
    verification = {j: read(ceremony.keys[j])["verification_key"] for j in (1, 2, 3)}
    election = make_election(UUID, verification, read(ceremony.keys[1])["public_key"])
    h = hashing.election_hash(election)
    cast = [ballots.encrypt(election, h, credentials.new_code(), [[0], [1]])[0]]
    public = [b["credential"] for b in cast]
    deals = list(ceremony.deals.values())
    own = board.assemble(election=election, deals=deals, credentials=public, electorate_size=1, ballots=cast)
    request = write(tmp_path / "tally.json", {"election_hash": h, "index": 1, "tally": own["tally"]})
    out = str(tmp_path / "d.json")
    capsys.readouterr()
    assert trustee.main(["decrypt", "--key", str(ceremony.keys[1]), "--tally", request, "--out", out]) == 0
    assert "WARNING" in capsys.readouterr().err
    # A board of the same uuid and a key made by others: refused, whatever its tally.
    others = make_setup(uuid=UUID)
    other_h = others.election_hash
    their_ballot = ballots.encrypt(others.election, other_h, credentials.new_code(), [[0], [1]])[0]
    theirs = board.assemble(
        election=others.election,
        deals=others.deals,
        credentials=[their_ballot["credential"]],
        electorate_size=1,
        ballots=[their_ballot],
    )
    # The board as the platform shows it while counting (no tally yet): the tool computes the sum.
    partial = {k: v for k, v in own.items() if k not in ("tally", "decryptions", "paper", "result")}
    path = write(tmp_path / "partial.json", partial)
    request = write(tmp_path / "tally.json", {"election_hash": h, "index": 1, "tally": own["tally"]})
    args = ["decrypt", "--key", str(ceremony.keys[1]), "--tally", request, "--out", str(tmp_path / "d1.json")]
    assert trustee.main([*args, "--board", path]) == 0
    out = capsys.readouterr().out
    assert "It holds 1 ballots (1 counted) and its SHA-256 is" in out
    path = write(tmp_path / "theirs.json", theirs)
    request = write(tmp_path / "t2.json", {"election_hash": other_h, "index": 1, "tally": theirs["tally"]})
    args = ["decrypt", "--key", str(ceremony.keys[1]), "--tally", request, "--out", str(tmp_path / "d2.json")]
    assert trustee.main([*args, "--board", path]) == 1
    assert "is not the board of the election whose key you confirmed" in capsys.readouterr().err
    assert not (tmp_path / "d2.json").exists()


HOSTILE_SETUPS = [
    {"uuid": None},
    {"uuid": 5},
    {"uuid": "a|b"},
    {"index": [1]},
    {"index": "1"},
    {"index": True},
    {"threshold": 1.0},
    {"threshold": "2"},
    {"trustees": {"a": 1}},
    {"trustees": [{"index": "1", "sealing_key": "x"}]},
    {"trustees": None},
]


@pytest.mark.parametrize("change", HOSTILE_SETUPS)
def test_the_trustee_tool_refuses_a_hostile_setup_without_a_traceback(tmp_path, capsys, change):
    key = tmp_path / "key.json"
    assert trustee.main(["register", "--key", str(key)]) == 0
    e = read(key)["sealing_key"]
    other = trustees.new_sealing_keypair()[1]
    setup = {
        "uuid": UUID,
        "threshold": 2,
        "index": 1,
        "trustees": [{"index": 1, "sealing_key": e}, {"index": 2, "sealing_key": other}],
    }
    path = write(tmp_path / "setup.json", {**setup, **change})
    assert trustee.main(["deal", "--key", str(key), "--setup", path, "--out", str(tmp_path / "d.json")]) in (1, 2)
    assert "error:" in capsys.readouterr().err


def test_the_trustee_tool_refuses_a_low_order_sealing_key_with_a_message(tmp_path, capsys):
    key = tmp_path / "key.json"
    assert trustee.main(["register", "--key", str(key)]) == 0
    listed = [{"index": 1, "sealing_key": read(key)["sealing_key"]}, {"index": 2, "sealing_key": "00" * 32}]
    path = write(tmp_path / "setup.json", {"uuid": UUID, "threshold": 2, "index": 1, "trustees": listed})
    assert trustee.main(["deal", "--key", str(key), "--setup", path, "--out", str(tmp_path / "d.json")]) == 1
    assert "trustee 2" in capsys.readouterr().err


def test_the_trustee_tool_survives_mutated_deals_and_tallies(tmp_path, capsys):
    ceremony = Ceremony(tmp_path)
    good = ceremony.relayed(1)
    rng = random.Random(11)
    for spoiled in _mutations(good, rng, 60):
        status = ceremony.confirm(1, spoiled)
        assert status in (0, 1, 2)
        if status == 0:  # only the same deals could be confirmed
            assert [d["share"] for d in spoiled["deals"]] == [d["share"] for d in good["deals"]]
    capsys.readouterr()
    assert ceremony.confirm(1, good) == 0
    empty = tally.empty(make_election(UUID, {j: group.G.hex() for j in (1, 2, 3)}, group.G.hex()))
    request = {"election_hash": "0" * 64, "index": 1, "tally": empty}
    for spoiled in _mutations(request, rng, 30):
        path = write(tmp_path / "tally.json", spoiled)
        args = ["decrypt", "--key", str(ceremony.keys[1]), "--tally", path, "--out", str(tmp_path / "d.json")]
        assert trustee.main(args) in (0, 1, 2)
    assert "Traceback" not in "".join(capsys.readouterr())
