"""Trustees: dealing, confirming (a bad deal names its dealer), keys, partial decryptions; the group layer."""

from __future__ import annotations

import copy

import pysodium
import pytest

from ecitizen.voting.protocol import ballots, credentials, group, tally, trustees

from .conftest import make_setup


def test_the_keys_come_from_the_commitments_alone(setup):
    x = {j: group.scalar_from_hex(setup.shares[j]) for j in (1, 2, 3)}
    for j in (1, 2, 3):
        assert trustees.verification_key(setup.deals, j) == group.base(x[j]).hex()
        assert setup.election["trustees"][j - 1]["verification_key"] == group.base(x[j]).hex()
    # Any two shares interpolate the one private key behind the public key (which nobody computes).
    lam = trustees.lagrange_at_zero([1, 3])
    private = (lam[1] * x[1] + lam[3] * x[3]) % group.L
    assert group.base(private).hex() == trustees.public_key(setup.deals) == setup.election["public_key"]
    lam = trustees.lagrange_at_zero([2, 3])
    assert (lam[2] * x[2] + lam[3] * x[3]) % group.L == private


def test_a_deal_keeps_no_polynomial_and_seals_one_share_per_trustee(setup):
    deal = setup.deals[0]
    assert set(deal) == {"index", "commitments", "pok", "shares"}
    assert set(deal["shares"]) == {"1", "2", "3"}
    assert len(deal["commitments"]) == 2
    assert trustees.check_deal_public(setup.uuid, 2, deal)
    assert not trustees.check_deal_public(setup.uuid, 3, deal)  # the wrong number of commitments
    assert not trustees.check_deal_public("another-uuid", 2, deal)  # the proof names the election
    forged = copy.deepcopy(deal)
    forged["commitments"][0] = setup.deals[1]["commitments"][0]  # someone else's constant term
    assert not trustees.check_deal_public(setup.uuid, 2, forged)


def test_confirm_names_the_dealer_whose_share_is_wrong(setup):
    deals = copy.deepcopy(setup.deals)
    e_3 = bytes.fromhex(setup.sealing[3][1])
    deals[1]["shares"]["3"] = pysodium.crypto_box_seal(group.scalar_bytes(12345), e_3).hex()
    with pytest.raises(trustees.BadDeal) as caught:
        trustees.confirm(setup.uuid, 3, 2, deals, setup.sealing[3][0])
    assert caught.value.dealer == 2
    assert "does not match its commitments" in caught.value.why
    # Trustee 1's share from dealer 2 is untouched: trustee 1 confirms.
    assert trustees.confirm(setup.uuid, 1, 2, deals, setup.sealing[1][0])[0] == setup.shares[1]


def test_confirm_names_a_dealer_whose_share_does_not_open_or_whose_proof_fails(setup):
    deals = copy.deepcopy(setup.deals)
    deals[2]["shares"]["1"] = deals[2]["shares"]["2"]  # sealed to trustee 2, not 1
    with pytest.raises(trustees.BadDeal) as caught:
        trustees.confirm(setup.uuid, 1, 2, deals, setup.sealing[1][0])
    assert (caught.value.dealer, caught.value.why) == (3, "the share sealed to you does not open with your key")
    deals = copy.deepcopy(setup.deals)
    deals[0]["pok"]["s"] = deals[0]["pok"]["c"]
    with pytest.raises(trustees.BadDeal) as caught:
        trustees.confirm(setup.uuid, 2, 2, deals, setup.sealing[2][0])
    assert caught.value.dealer == 1


def test_confirm_accepts_the_deals_as_relayed_to_one_trustee(setup):
    relayed = [
        {"index": d["index"], "commitments": d["commitments"], "pok": d["pok"], "share": d["shares"]["2"]}
        for d in setup.deals
    ]
    x_2, y_2 = trustees.confirm(setup.uuid, 2, 2, relayed, setup.sealing[2][0])
    assert (x_2, y_2) == (setup.shares[2], trustees.verification_key(setup.deals, 2))
    with pytest.raises(ValueError):
        trustees.confirm(setup.uuid, 2, 2, relayed[:2] + relayed[:1], setup.sealing[2][0])


def test_one_of_one_and_three_of_three():
    for n, t in ((1, 1), (3, 3)):
        s = make_setup(n=n, threshold=t)
        ballot, _ = ballots.encrypt(s.election, s.election_hash, credentials.new_code(), [[1], [0, 1]])
        acc = tally.add(tally.empty(s.election), ballot)
        decryptions = [trustees.partial_decrypt(s.election_hash, j, s.shares[j], acc) for j in range(1, n + 1)]
        assert trustees.combine(s.election, acc, decryptions, 1) == (list(range(1, n + 1)), [[0, 1], [1, 1, 0, 0]])
        if t > 1:
            with pytest.raises(ValueError):
                trustees.combine(s.election, acc, decryptions[1:], 1)


def test_a_partial_decryption_is_checked_against_its_trustees_key(setup):
    acc = tally.empty(setup.election)  # nothing cast: every ciphertext is the identity
    ballot, _ = ballots.encrypt(setup.election, setup.election_hash, credentials.new_code(), [[0], [3]])
    tally.add(acc, ballot)
    y = {j: setup.election["trustees"][j - 1]["verification_key"] for j in (1, 2, 3)}
    decryption = trustees.partial_decrypt(setup.election_hash, 2, setup.shares[2], acc)
    assert trustees.check_partial(setup.election_hash, y[2], acc, decryption)
    assert not trustees.check_partial(setup.election_hash, y[1], acc, decryption)
    assert not trustees.check_partial("0" * 64, y[2], acc, decryption)
    spoiled = copy.deepcopy(decryption)
    spoiled["factors"][1][3]["d"] = spoiled["factors"][1][2]["d"]
    assert not trustees.check_partial(setup.election_hash, y[2], acc, spoiled)
    # A decryption proof on the empty tally's identity ciphertexts holds too.
    empty = tally.empty(setup.election)
    nothing = trustees.partial_decrypt(setup.election_hash, 1, setup.shares[1], empty)
    assert trustees.check_partial(setup.election_hash, y[1], empty, nothing)
    other = trustees.partial_decrypt(setup.election_hash, 3, setup.shares[3], empty)
    assert trustees.combine(setup.election, empty, [nothing, other], 0) == ([1, 3], [[0, 0], [0, 0, 0, 0]])


def test_the_group_layer_handles_zero_and_the_identity():
    p = group.base(7)
    assert group.base(0) == group.IDENTITY
    assert group.base(group.L) == group.IDENTITY
    assert group.mul(0, p) == group.IDENTITY
    assert group.mul(5, group.IDENTITY) == group.IDENTITY
    assert group.mul(3, p) == group.base(21)
    assert group.add(p, group.IDENTITY) == p
    assert group.sub(p, p) == group.IDENTITY
    assert group.total([]) == group.IDENTITY
    assert group.total([p, p, group.G]) == group.base(15)
    with pytest.raises(group.InvalidEncoding):
        group.mul(3, b"\xff" * 32)
    with pytest.raises(group.InvalidEncoding):
        group.mul(0, b"\xff" * 32)
    with pytest.raises(group.InvalidEncoding):
        group.point_from_hex("00" * 32)
    assert group.point_from_hex("00" * 32, identity=True) == group.IDENTITY
    with pytest.raises(group.InvalidEncoding):
        group.point_from_hex(p.hex().upper())
    assert group.scalar_from_hex(group.scalar_hex(group.L - 1)) == group.L - 1
    with pytest.raises(group.InvalidEncoding):
        group.scalar_from_hex(group.L.to_bytes(32, "little").hex())
    # G is the standard generator: its encoding is RFC 9496's.
    assert group.G.hex() == "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"
