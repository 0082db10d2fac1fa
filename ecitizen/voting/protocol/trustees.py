"""Trustees: the k-of-n election key, partial decryptions and their combination
(docs/voting-protocol.md, sections 3 and 6).

Plain functions on JSON-shaped values, so that the trustee's command-line tool
(``python -m ecitizen.voting.trustee``), the platform and the tests share them.
"""

from __future__ import annotations

import re

import pysodium as _na

from . import group
from .election import is_int, parse
from .hashing import election_hash, hash_to_scalar
from .tally import parse_tally

L = group.L


class BadDeal(Exception):
    """A dealer's message fails a check; ``dealer`` is its trustee index."""

    def __init__(self, dealer: int, why: str):
        super().__init__(f"trustee {dealer}: {why}")
        self.dealer = dealer
        self.why = why


# Sealing keys (libsodium sealed boxes, X25519).


def new_sealing_keypair() -> tuple[str, str]:
    """(secret, public) sealing keys, hex."""
    public, secret = _na.crypto_box_keypair()
    return secret.hex(), public.hex()


def sealing_public_key(secret_hex: str) -> str:
    return _na.crypto_scalarmult_curve25519_base(bytes.fromhex(secret_hex)).hex()


def _hex_bytes(text, size: int, what: str) -> bytes:
    if not isinstance(text, str) or not re.fullmatch(f"[0-9a-f]{{{2 * size}}}", text):
        raise ValueError(f"{what} must be {2 * size} lower-case hex digits")
    return bytes.fromhex(text)


def _check_uuid(uuid) -> None:
    """The election's uuid is an item of the proofs' hashes: a non-empty string without ``|``."""
    if not isinstance(uuid, str) or not uuid or "|" in uuid:
        raise ValueError("the uuid must be a non-empty string without '|'")


# Dealing.


def _pok_challenge(uuid: str, index: int, c0_hex: str, a_hex: str) -> int:
    return hash_to_scalar("ecitizen-vote/pok", uuid, index, c0_hex, a_hex)


def deal(uuid: str, index: int, threshold: int, sealing_keys: dict[int, str]) -> dict:
    """Trustee ``index``'s deal: commitments to a random polynomial of degree threshold − 1, a proof
    of knowledge of its constant term, and its value at every trustee j sealed to j's key.

    The polynomial is forgotten when this returns (it is not part of the result).
    """
    _check_uuid(uuid)
    if not isinstance(sealing_keys, dict) or not all(is_int(j) for j in sealing_keys):
        raise ValueError("the sealing keys are given by trustee index (an integer)")
    keys = {j: _hex_bytes(e, 32, f"sealing key of trustee {j}") for j, e in sealing_keys.items()}
    n = len(keys)
    if sorted(keys) != list(range(1, n + 1)):
        raise ValueError("trustees are numbered 1…n")
    if not is_int(index) or index not in keys:
        raise ValueError("the dealer's index is not one of the trustees'")
    if not is_int(threshold) or not 1 <= threshold <= n:
        raise ValueError("the threshold must be from 1 to the number of trustees")
    coefficients = [group.random_scalar() for _ in range(threshold)]
    commitments = [group.point_hex(group.base(a)) for a in coefficients]
    w = group.random_scalar()
    c = _pok_challenge(uuid, index, commitments[0], group.point_hex(group.base(w)))
    pok = {"c": group.scalar_hex(c), "s": group.scalar_hex(w + c * coefficients[0])}
    shares = {}
    for j, key in sorted(keys.items()):
        value = sum(a * pow(j, power, L) for power, a in enumerate(coefficients)) % L
        try:
            shares[str(j)] = _na.crypto_box_seal(group.scalar_bytes(value), key).hex()
        except ValueError:  # libsodium refuses a key of small order (all-zero shared secret)
            raise ValueError(f"the sealing key of trustee {j} is not usable (it is of small order)") from None
    del coefficients, w
    return {"index": index, "commitments": commitments, "pok": pok, "shares": shares}


def _commitments(uuid: str, threshold: int, deal: dict) -> list[bytes] | None:
    """The deal's commitments as points when its public part holds, else None."""
    try:
        index = deal["index"]
        raw = deal["commitments"]
        pok = deal["pok"]
        if not is_int(index) or index < 1 or not isinstance(raw, list) or len(raw) != threshold:
            return None
        if not isinstance(pok, dict) or pok.keys() != {"c", "s"}:
            return None
        points = [group.point_from_hex(x) for x in raw]
        c, s = group.scalar_from_hex(pok["c"]), group.scalar_from_hex(pok["s"])
    except (KeyError, TypeError, ValueError):
        return None
    a = group.sub(group.base(s), group.mul(c, points[0]))
    if c != _pok_challenge(uuid, index, raw[0], group.point_hex(a)):
        return None
    return points


def check_deal_public(uuid: str, threshold: int, deal: dict) -> bool:
    """The deal's proof of knowledge holds and it has ``threshold`` valid commitments."""
    return _commitments(uuid, threshold, deal) is not None


def _at(points: list[bytes], j: int) -> bytes:
    """Σ_l j^l·C_l."""
    return group.total(group.mul(pow(j, power, L), point) for power, point in enumerate(points))


def confirm(
    uuid: str,
    index: int,
    threshold: int,
    deals: list[dict],
    sealing_secret_hex: str,
    *,
    own_commitments: list[str] | None = None,
    trustee_count: int | None = None,
) -> tuple[str, str]:
    """Trustee ``index`` opens and checks the shares dealt to it; returns (x_j, Y_j) in hex.

    Each deal is ``{"index", "commitments", "pok", "share"}`` (the share sealed to this trustee) or
    a whole deal with ``"shares"``. Raises BadDeal naming the first dealer whose deal fails.

    ``own_commitments`` are the commitments of the deal this trustee made: sealed boxes are
    anonymous and a proof of knowledge names only an index, so whoever relays the deals could
    deal in every trustee's name (and know the whole key) unless each trustee checks that the
    deal under their own index is theirs. ``trustee_count`` is the number of trustees of the setup
    (so that no trustee's deal is left out).
    """
    _check_uuid(uuid)
    secret = _hex_bytes(sealing_secret_hex, 32, "the sealing secret key")
    public = _na.crypto_scalarmult_curve25519_base(secret)
    if not isinstance(deals, list):
        raise ValueError("the deals must be a list")
    indexes = sorted(d.get("index") for d in deals if isinstance(d, dict) and is_int(d.get("index")))
    if len(indexes) != len(deals) or indexes != list(range(1, len(deals) + 1)):
        raise ValueError("there must be one deal from each trustee 1…n")
    if trustee_count is not None and len(deals) != trustee_count:
        raise ValueError(f"{len(deals)} deals, not one from each of the {trustee_count} trustees of your setup")
    if not is_int(index) or index not in indexes:
        raise ValueError("this trustee's index is not among the dealers'")
    if not is_int(threshold) or not 1 <= threshold <= len(deals):
        raise ValueError("the threshold must be from 1 to the number of trustees")
    x = 0
    for d in sorted(deals, key=lambda d: d["index"]):
        dealer = d["index"]
        points = _commitments(uuid, threshold, d)
        if points is None:
            raise BadDeal(dealer, "its proof of knowledge or its commitments do not hold")
        if dealer == index and own_commitments is not None and d["commitments"] != own_commitments:
            raise BadDeal(
                dealer,
                "it is not the deal you made: someone else dealt in your name (or the platform has a deal.json"
                " you made before your last one)",
            )
        sealed = d.get("share")
        if sealed is None and isinstance(d.get("shares"), dict):
            sealed = d["shares"].get(str(index))
        try:
            opened = _na.crypto_box_seal_open(bytes.fromhex(sealed), public, secret)
        except (TypeError, ValueError):
            raise BadDeal(dealer, "the share sealed to you does not open with your key") from None
        share = int.from_bytes(opened, "little")
        if len(opened) != 32 or share >= L:
            raise BadDeal(dealer, "the share sealed to you is not a scalar")
        if group.base(share) != _at(points, index):
            raise BadDeal(dealer, "the share sealed to you does not match its commitments")
        x = (x + share) % L
    return group.scalar_hex(x), group.point_hex(group.base(x))


def public_key(deals: list[dict]) -> str:
    """``Y = Σ_i C_i0``."""
    return group.point_hex(group.total(group.point_from_hex(d["commitments"][0]) for d in deals))


def verification_key(deals: list[dict], j: int) -> str:
    """``Y_j = Σ_i Σ_l j^l·C_il``."""
    points = (_at([group.point_from_hex(c) for c in d["commitments"]], j) for d in deals)
    return group.point_hex(group.total(points))


# Partial decryption.


def _decrypt_challenge(h: str, j: int, alpha: bytes, d: bytes, a: bytes, b: bytes) -> int:
    return hash_to_scalar("ecitizen-vote/decrypt", h, j, alpha.hex(), d.hex(), a.hex(), b.hex())


def _alphas(tally_cts) -> list[list[bytes]]:
    if not isinstance(tally_cts, list) or not all(isinstance(row, list) for row in tally_cts):
        raise ValueError("the tally must be a list of lists of ciphertexts")
    return [[group.point_from_hex(cell["alpha"], identity=True) for cell in row] for row in tally_cts]


def partial_decrypt(election_hash: str, j: int, x_j_hex: str, tally_cts) -> dict:
    """Trustee j's decryption factors ``D = x_j·α`` of every tally ciphertext, with their proofs."""
    x = group.scalar_from_hex(x_j_hex)
    factors = []
    for row in _alphas(tally_cts):
        out = []
        for alpha in row:
            d = group.mul(x, alpha)
            w = group.random_scalar()
            c = _decrypt_challenge(election_hash, j, alpha, d, group.base(w), group.mul(w, alpha))
            out.append({"d": d.hex(), "c": group.scalar_hex(c), "s": group.scalar_hex(w + c * x)})
        factors.append(out)
    return {"trustee": j, "factors": factors}


def _where(questions, q: int, k: int | None = None) -> str:
    """ "question q1, option o2" when the election's questions are known, else by position from 1."""
    if questions is None:
        return f"question {q + 1}" + ("" if k is None else f", option {k + 1}")
    return f"question {questions[q].id}" + ("" if k is None else f", option {questions[q].options[k]}")


def decryption_factors(
    election_hash: str, y_j: bytes, alphas: list[list[bytes]], decryption, questions=None
) -> list[list[bytes]]:
    """The factors D of a decryption whose proofs all hold; raises ValueError naming the first that does not.

    ``questions`` (the parsed election's) names questions and options in the message.
    """
    if not isinstance(decryption, dict) or decryption.keys() != {"trustee", "factors"}:
        raise ValueError("a decryption is {'trustee', 'factors'}")
    j, factors = decryption["trustee"], decryption["factors"]
    if not is_int(j):
        raise ValueError("the trustee must be an integer")
    if not isinstance(factors, list) or len(factors) != len(alphas):
        raise ValueError("one list of factors per question")
    result = []
    for q, (row, out) in enumerate(zip(alphas, factors, strict=True)):
        if not isinstance(out, list) or len(out) != len(row):
            raise ValueError(f"{_where(questions, q)}: one factor per option")
        ds = []
        for k, (alpha, factor) in enumerate(zip(row, out, strict=True)):
            where = _where(questions, q, k)
            if not isinstance(factor, dict) or factor.keys() != {"d", "c", "s"}:
                raise ValueError(f"{where}: a factor is {{'d', 'c', 's'}}")
            try:
                d = group.point_from_hex(factor["d"], identity=True)
                c, s = group.scalar_from_hex(factor["c"]), group.scalar_from_hex(factor["s"])
            except group.InvalidEncoding as exc:
                raise ValueError(f"{where}: {exc}") from None
            a = group.sub(group.base(s), group.mul(c, y_j))
            b = group.sub(group.mul(s, alpha), group.mul(c, d))
            if c != _decrypt_challenge(election_hash, j, alpha, d, a, b):
                raise ValueError(f"{where}: the proof does not hold")
            ds.append(d)
        result.append(ds)
    return result


def check_partial(election_hash: str, y_j: str, tally_cts, decryption: dict) -> bool:
    """Every proof of the decryption holds against the trustee's verification key ``Y_j``."""
    try:
        decryption_factors(election_hash, group.point_from_hex(y_j), _alphas(tally_cts), decryption)
    except (ValueError, TypeError, KeyError):
        return False
    return True


# Combination.


def lagrange_at_zero(used: list[int]) -> dict[int, int]:
    """``λ_j = Π_{m∈S, m≠j} m·(m − j)^(−1) mod ℓ`` for each j in S."""
    result = {}
    for j in used:
        value = 1
        for m in used:
            if m != j:
                value = value * m * pow(m - j, -1, L) % L
        result[j] = value
    return result


class DiscreteLog:
    """Finds k with k·G = M for k = 0, 1, 2, … up to a bound (a table grown as needed)."""

    def __init__(self):
        self._table = {group.IDENTITY: 0}
        self._last = group.IDENTITY
        self._k = 0

    def find(self, point: bytes, bound: int) -> int | None:
        found = self._table.get(point)
        if found is not None:
            return found if found <= bound else None
        while self._k < bound:
            self._k += 1
            self._last = group.add(self._last, group.G)
            self._table[self._last] = self._k
            if self._last == point:
                return self._k
        return None


def combine_factors(
    cts: list[list[tuple[bytes, bytes]]], factors: dict[int, list[list[bytes]]], max_count: int, questions=None
) -> list[list[int]]:
    """The counts from ``t`` trustees' factors; raises ValueError when a count is above max_count."""
    lambdas = lagrange_at_zero(sorted(factors))
    log = DiscreteLog()
    counts = []
    for q, row in enumerate(cts):
        out = []
        for k, (_alpha, beta) in enumerate(row):
            x_alpha = group.total(group.mul(lam, factors[j][q][k]) for j, lam in lambdas.items())
            found = log.find(group.sub(beta, x_alpha), max_count)
            if found is None:
                raise ValueError(f"{_where(questions, q, k)}: no count from 0 to {max_count} decrypts")
            out.append(found)
        counts.append(out)
    return counts


def combine(election, tally_cts, decryptions: list[dict], max_count: int) -> tuple[list[int], list[list[int]]]:
    """Combine the first ``t`` (by trustee index) partial decryptions whose proofs hold.

    Returns ``(trustees_used, counts)``; raises ValueError when fewer than ``t`` hold or a count is
    not found from 0 to ``max_count``.
    """
    parsed = parse(election)
    h_cts = parse_tally(tally_cts, parsed)
    alphas = [[alpha for alpha, _ in row] for row in h_cts]
    h = election_hash(parsed.record)

    def trustee(decryption) -> int:
        j = decryption.get("trustee") if isinstance(decryption, dict) else None
        return j if is_int(j) else 0

    valid: dict[int, list[list[bytes]]] = {}
    for decryption in sorted(decryptions, key=trustee):
        j = trustee(decryption)
        if j in valid or j not in parsed.trustees or len(valid) == parsed.threshold:
            continue
        try:
            valid[j] = decryption_factors(h, parsed.trustees[j], alphas, decryption, parsed.questions)
        except (ValueError, TypeError, KeyError):
            continue
    if len(valid) < parsed.threshold:
        raise ValueError(f"{len(valid)} valid partial decryptions; {parsed.threshold} are needed")
    return sorted(valid), combine_factors(h_cts, valid, max_count, parsed.questions)
