"""Ballots: encryption, range proofs, the signature, hash and tracker, and the audit."""

from __future__ import annotations

import base64
import copy
import hashlib
import re

import pytest

from ecitizen.voting.protocol import ballots, credentials, group, hashing, tally, trustees
from ecitizen.voting.protocol.hashing import hash_to_scalar

TRACKER = re.compile(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){4}\Z")


def rejected(setup, ballot, credential_list=None, election=None, election_hash=None) -> str:
    with pytest.raises(ballots.BallotRejected) as caught:
        ballots.check(election or setup.election, election_hash or setup.election_hash, ballot, credential_list)
    assert caught.value.code in ballots.REJECTION_CODES
    return caught.value.code


def body_of(ballot: dict) -> list[str]:
    items = []
    for answer in ballot["answers"]:
        for choice in answer["choices"]:
            (c0, s0), (c1, s1) = choice["proof"]
            items += [choice["alpha"], choice["beta"], c0, s0, c1, s1]
        items += [x for pair in answer["overall_proof"] for x in pair]
    return items


def sign(setup, ballot: dict, code: str) -> dict:
    """Sign a ballot (as the browser does) with the credential code, after a test changed it."""
    secret = credentials.secret(setup.uuid, code)
    w = group.random_scalar()
    c = hash_to_scalar(
        "ecitizen-vote/sign", ballot["election_hash"], ballot["credential"], group.base(w).hex(), *body_of(ballot)
    )
    ballot["signature"] = {"c": group.scalar_hex(c), "s": group.scalar_hex(w + c * secret)}
    return ballot


def hand_made(setup, code: str, marks: list[list[int]], claimed: list[int]) -> dict:
    """A ballot encrypting ``marks`` (any integers) whose overall proofs claim ``claimed`` marks."""
    context = ballots.Checker(setup.election, setup.election_hash)
    credential = credentials.public_credential(setup.uuid, code)
    answers = []
    for question, row, claim in zip(context.election.questions, marks, claimed, strict=True):
        choices, alphas, betas, rs = [], [], [], []
        for m in row:
            r = group.random_scalar()
            alpha, beta = group.base(r), group.add(group.base(m), group.mul(r, context.Y))
            proof = context.range_prove(credential, alpha, beta, min(m, 1), r, 0, 1)
            choices.append({"alpha": alpha.hex(), "beta": beta.hex(), "proof": proof})
            alphas.append(alpha)
            betas.append(beta)
            rs.append(r)
        overall = context.range_prove(
            credential, group.total(alphas), group.total(betas), claim, sum(rs), question.min, question.max
        )
        answers.append({"choices": choices, "overall_proof": overall})
    ballot = {"election_hash": setup.election_hash, "credential": credential, "answers": answers, "signature": {}}
    return sign(setup, ballot, code)


def test_a_ballot_round_trip_with_three_trustees_any_two_decrypt(setup):
    selections = [([0], [0, 3]), ([1], [3]), ([0], []), ([0], [1, 3])]
    acc = tally.empty(setup.election)
    for q1, q2 in selections:
        ballot, _ = ballots.encrypt(setup.election, setup.election_hash, credentials.new_code(), [q1, q2])
        ballots.check(setup.election, setup.election_hash, ballot)
        tally.add(acc, ballot)
    expected = [[3, 1], [1, 1, 0, 3]]
    decryptions = {j: trustees.partial_decrypt(setup.election_hash, j, setup.shares[j], acc) for j in (1, 2, 3)}
    for pair in ((1, 2), (1, 3), (2, 3)):
        used, counts = trustees.combine(setup.election, acc, [decryptions[j] for j in pair], max_count=4)
        assert used == list(pair)
        assert counts == expected
    # One trustee cannot decrypt: combine refuses, and the lone factor does not give the counts.
    with pytest.raises(ValueError, match="needed"):
        trustees.combine(setup.election, acc, [decryptions[2]], max_count=4)
    cts = [[(bytes.fromhex(c["alpha"]), bytes.fromhex(c["beta"])) for c in row] for row in acc]
    alphas = [[a for a, _ in row] for row in cts]
    y_2 = bytes.fromhex(setup.election["trustees"][1]["verification_key"])
    lone = trustees.decryption_factors(setup.election_hash, y_2, alphas, decryptions[2])
    with pytest.raises(ValueError, match="no count"):
        trustees.combine_factors(cts, {2: lone}, max_count=1000)


def test_subtracting_a_replaced_ballot_takes_it_out_of_the_tally(setup):
    first, _ = ballots.encrypt(setup.election, setup.election_hash, credentials.new_code(), [[0], [1]])
    second, _ = ballots.encrypt(setup.election, setup.election_hash, credentials.new_code(), [[1], [2, 3]])
    acc = tally.add(tally.add(tally.empty(setup.election), first), second)
    assert tally.subtract(acc, first) == tally.add(tally.empty(setup.election), second)


def test_range_proofs_cover_min_to_max(setup):
    for q2 in ([], [2], [0, 3]):  # q2 allows 0, 1 or 2 marks of 4
        ballot, _ = ballots.encrypt(setup.election, setup.election_hash, credentials.new_code(), [[1], q2])
        assert len(ballot["answers"][1]["overall_proof"]) == 3  # v = 0, 1, 2
        assert len(ballot["answers"][0]["overall_proof"]) == 1  # q1: exactly 1
        ballots.check(setup.election, setup.election_hash, ballot)


@pytest.mark.parametrize(
    "selections", [[[0, 1], []], [[], []], [[0], [0, 1, 2]], [[0], [4]], [[0], [1, 1]], [[0]], [[True], []]]
)
def test_encrypt_refuses_what_the_question_does_not_allow(setup, selections):
    with pytest.raises(ValueError):
        ballots.encrypt(setup.election, setup.election_hash, credentials.new_code(), selections)


def test_encrypt_refuses_a_code_that_is_not_a_credential_code(setup):
    with pytest.raises(ValueError):
        ballots.encrypt(setup.election, setup.election_hash, "ABCD-EFGH", [[0], []])


def test_a_hand_made_over_vote_is_unprovable(setup):
    code = credentials.new_code()
    honest = hand_made(setup, code, [[1, 0], [1, 1, 0, 0]], [1, 2])
    ballots.check(setup.election, setup.election_hash, honest)  # the test's ballot maker is right
    # Three marks where at most two are allowed: the overall proof claims 2 and fails.
    assert rejected(setup, hand_made(setup, code, [[1, 0], [1, 1, 1, 0]], [1, 2])) == "bad_proof"
    # Both options of a yes/no question.
    assert rejected(setup, hand_made(setup, code, [[1, 1], [0, 0, 0, 0]], [1, 0])) == "bad_proof"
    # One choice encrypting 2 (its own proof claims 1).
    assert rejected(setup, hand_made(setup, code, [[0, 1], [2, 0, 0, 0]], [1, 2])) == "bad_proof"
    # A negative mark to make room: −1 then 1, 1, 1 sums to 2, but the choice's proof fails.
    assert rejected(setup, hand_made(setup, code, [[1, 0], [group.L - 1, 1, 1, 1]], [1, 2])) == "bad_proof"


def test_a_ballot_for_another_election_is_refused(setup, other_setup):
    code = credentials.new_code()
    ballot, _ = ballots.encrypt(other_setup.election, other_setup.election_hash, code, [[0], []])
    assert rejected(setup, ballot) == "wrong_election"
    # Even relabelled with this election's hash, its proofs and signature name the other one.
    ballot["election_hash"] = setup.election_hash
    assert rejected(setup, ballot) == "bad_signature"
    assert rejected(setup, sign(other_setup, ballot, code)) == "bad_proof"


def test_an_unknown_credential_is_refused(setup):
    code = credentials.new_code()
    ballot, _ = ballots.encrypt(setup.election, setup.election_hash, code, [[0], []])
    listed = {credentials.public_credential(setup.uuid, credentials.new_code()) for _ in range(3)}
    assert rejected(setup, ballot, listed) == "unknown_credential"
    listed.add(credentials.public_credential(setup.uuid, code))
    assert ballots.check(setup.election, setup.election_hash, ballot, listed).credential == ballot["credential"]


def test_a_tampered_alpha_is_refused(setup):
    code = credentials.new_code()
    ballot, _ = ballots.encrypt(setup.election, setup.election_hash, code, [[0], [1]])
    other = ballots.encrypt(setup.election, setup.election_hash, code, [[1], [2]])[0]
    ballot["answers"][0]["choices"][0]["alpha"] = other["answers"][0]["choices"][0]["alpha"]
    assert rejected(setup, ballot) == "bad_signature"
    with pytest.raises(ballots.BallotRejected) as caught:
        ballots.check(setup.election, setup.election_hash, sign(setup, ballot, code))
    assert caught.value.code == "bad_proof"
    assert caught.value.detail == "question q1, option yes"


def test_a_tampered_signature_is_refused(setup):
    code = credentials.new_code()
    ballot, _ = ballots.encrypt(setup.election, setup.election_hash, code, [[0], [1]])
    good = copy.deepcopy(ballot)
    ballot["signature"]["s"] = group.scalar_hex(group.scalar_from_hex(ballot["signature"]["s"]) + 1)
    assert rejected(setup, ballot) == "bad_signature"
    # Signed by another credential's code.
    assert rejected(setup, sign(setup, copy.deepcopy(good), credentials.new_code())) == "bad_signature"
    ballots.check(setup.election, setup.election_hash, good)


@pytest.mark.parametrize(
    "spoil",
    [
        lambda b: b.update(extra=1),
        lambda b: b.pop("signature"),
        lambda b: b["answers"].pop(),
        lambda b: b["answers"][1]["choices"].pop(),
        lambda b: b["answers"][0]["choices"][0].update(alpha=b["answers"][0]["choices"][0]["alpha"].upper()),
        lambda b: b["answers"][0]["choices"][0].update(beta="00" * 32),  # the identity
        lambda b: b["answers"][0]["choices"][0].update(beta="ff" * 32),  # not a point
        lambda b: b["signature"].update(s=group.L.to_bytes(32, "little").hex()),  # not reduced
        lambda b: b["answers"][1]["overall_proof"].pop(),
        lambda b: b.update(credential=None),
        lambda b: b.update(answers="x"),
    ],
)
def test_a_malformed_ballot_is_refused(setup, spoil):
    ballot, _ = ballots.encrypt(setup.election, setup.election_hash, credentials.new_code(), [[0], [1]])
    spoil(ballot)
    assert rejected(setup, ballot) == "malformed"


def test_the_hash_and_tracker_follow_the_spec(setup):
    ballot, _ = ballots.encrypt(setup.election, setup.election_hash, credentials.new_code(), [[0], [1, 2]])
    checked = ballots.check(setup.election, setup.election_hash, ballot)
    text = "|".join(
        ["ecitizen-vote/ballot", ballot["election_hash"], ballot["credential"], *body_of(ballot)]
        + [ballot["signature"]["c"], ballot["signature"]["s"]]
    )
    digest = hashlib.sha256(text.encode()).digest()
    assert checked.hash == digest.hex()
    assert TRACKER.match(checked.tracker)
    assert checked.tracker.replace("-", "") == base64.b32encode(digest).decode()[:20]
    assert ballots.hash_and_tracker(ballot) == (checked.hash, checked.tracker)
    assert checked.credential == ballot["credential"]


def test_hashing_to_a_scalar_and_the_election_hash_follow_the_spec():
    digest = hashlib.sha512("ecitizen-vote/x|ab|12|é".encode()).digest()
    assert hash_to_scalar("ecitizen-vote/x", "ab", 12, "é") == int.from_bytes(digest, "little") % group.L
    election = {"b": [1, "é"], "a": {"z": None, "y": True}}
    assert hashing.canonical_json(election) == '{"a":{"y":true,"z":null},"b":[1,"\\u00e9"]}'
    assert hashing.election_hash(election) == hashlib.sha256(hashing.canonical_json(election).encode()).hexdigest()


def test_credential_codes():
    code = credentials.new_code()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){5}", code)
    assert credentials.normalise_code(f" {code.lower()} ") == code.replace("-", "")
    assert credentials.normalise_code(code.replace("-", " ")) == code.replace("-", "")
    assert credentials.normalise_code(code.replace("-", "\u2013")) == code.replace("-", "")  # an en dash
    assert credentials.normalise_code(code[:-1]) is None
    assert credentials.normalise_code("0" + code.replace("-", "")[1:]) is None  # 0 is not base-32
    assert credentials.normalise_code(code + "A") is None
    uuid = "u-1"
    expected = group.base(hash_to_scalar("ecitizen-vote/credential", uuid, code.replace("-", ""))).hex()
    assert credentials.public_credential(uuid, code) == expected
    assert credentials.public_credential(uuid, code.lower().replace("-", "")) == expected
    assert credentials.public_credential("u-2", code) != expected


def test_an_audit_checks_the_opening(setup):
    ballot, opening = ballots.encrypt(setup.election, setup.election_hash, credentials.new_code(), [[1], [0, 2]])
    assert ballots.check_audit(setup.election, setup.election_hash, ballot, opening) == []
    assert [[o["m"] for o in row] for row in opening] == [[0, 1], [1, 0, 1, 0]]
    lying = copy.deepcopy(opening)
    lying[0][0]["m"], lying[0][1]["m"] = 1, 0  # claims "yes" where the ballot says "no"
    faults = ballots.check_audit(setup.election, setup.election_hash, ballot, lying)
    assert faults == [
        "question q1, option yes: the opening does not re-encrypt to the ballot's ciphertext",
        "question q1, option no: the opening does not re-encrypt to the ballot's ciphertext",
    ]
    wrong_r = copy.deepcopy(opening)
    wrong_r[1][3]["r"] = opening[1][2]["r"]
    assert ballots.check_audit(setup.election, setup.election_hash, ballot, wrong_r) == [
        "question q2, option p4: the opening does not re-encrypt to the ballot's ciphertext"
    ]
    assert ballots.check_audit(setup.election, setup.election_hash, ballot, opening[:1]) == [
        "the opening must have one list per question"
    ]
    other = copy.deepcopy(ballot)
    other["signature"]["c"] = other["signature"]["s"]
    assert ballots.check_audit(setup.election, setup.election_hash, other, opening)[0].startswith(
        "the ballot is rejected: bad_signature"
    )
