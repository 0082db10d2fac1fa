"""Ballots: encryption, range proofs, the credential's signature, the ballot hash and tracker,
and the audit of an opened ballot (docs/voting-protocol.md, section 5).
"""

from __future__ import annotations

import hashlib
from collections.abc import Container
from dataclasses import dataclass

from . import credentials as _credentials
from . import group, hashing
from .election import Election, ElectionInvalid, is_int, parse
from .hashing import hash_to_scalar, tracker_of_digest

L = group.L
REJECTION_CODES = ("malformed", "wrong_election", "unknown_credential", "bad_proof", "bad_signature")

_BALLOT_KEYS = frozenset({"election_hash", "credential", "answers", "signature"})
_ANSWER_KEYS = frozenset({"choices", "overall_proof"})
_CHOICE_KEYS = frozenset({"alpha", "beta", "proof"})
_SIGNATURE_KEYS = frozenset({"c", "s"})


class BallotRejected(Exception):
    """A ballot that must not be accepted; ``code`` is one of REJECTION_CODES."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class BallotCheck:
    hash: str
    tracker: str
    credential: str


def _malformed(detail: str) -> BallotRejected:
    return BallotRejected("malformed", detail)


def _object(value, keys: frozenset, what: str) -> dict:
    if not isinstance(value, dict) or value.keys() != keys:
        raise _malformed(f"{what} must be an object with exactly the keys {', '.join(sorted(keys))}")
    return value


def _scalar(text, what: str) -> int:
    try:
        return group.scalar_from_hex(text)
    except group.InvalidEncoding as exc:
        raise _malformed(f"{what}: {exc}") from None


def _point(text, what: str) -> bytes:
    try:
        return group.point_from_hex(text)
    except group.InvalidEncoding as exc:
        raise _malformed(f"{what}: {exc}") from None


def _pairs(value, count: int, what: str) -> list[tuple[int, int]]:
    if not isinstance(value, list) or len(value) != count:
        raise _malformed(f"{what} must be a list of {count} pairs")
    pairs = []
    for pair in value:
        if not isinstance(pair, list) or len(pair) != 2:
            raise _malformed(f"{what} must be a list of [c, s] pairs")
        pairs.append((_scalar(pair[0], what), _scalar(pair[1], what)))
    return pairs


def _body_items(ballot) -> tuple[str, str, list[str], str, str]:
    """(h, P, body, c, s) as written in the ballot, with only the shape checked."""
    ballot = _object(ballot, _BALLOT_KEYS, "the ballot")
    answers = ballot["answers"]
    if not isinstance(answers, list):
        raise _malformed("answers must be a list")
    body: list[str] = []
    for answer in answers:
        answer = _object(answer, _ANSWER_KEYS, "an answer")
        if not isinstance(answer["choices"], list) or not isinstance(answer["overall_proof"], list):
            raise _malformed("choices and overall_proof must be lists")
        for choice in answer["choices"]:
            choice = _object(choice, _CHOICE_KEYS, "a choice")
            proof = choice["proof"]
            if not isinstance(proof, list) or len(proof) != 2 or not all(_is_pair(p) for p in proof):
                raise _malformed("a choice's proof must be two [c, s] pairs")
            body += [choice["alpha"], choice["beta"], proof[0][0], proof[0][1], proof[1][0], proof[1][1]]
        for pair in answer["overall_proof"]:
            if not _is_pair(pair):
                raise _malformed("an overall proof must be a list of [c, s] pairs")
            body += [pair[0], pair[1]]
    signature = _object(ballot["signature"], _SIGNATURE_KEYS, "the signature")
    texts = [ballot["election_hash"], ballot["credential"], *body, signature["c"], signature["s"]]
    if not all(isinstance(t, str) for t in texts):
        raise _malformed("hashes, points and scalars must be strings")
    return ballot["election_hash"], ballot["credential"], body, signature["c"], signature["s"]


def _is_pair(value) -> bool:
    return isinstance(value, list) and len(value) == 2


def _hash_and_tracker(h: str, credential: str, body: list[str], c: str, s: str) -> tuple[str, str]:
    digest = hashlib.sha256("|".join(["ecitizen-vote/ballot", h, credential, *body, c, s]).encode("utf-8")).digest()
    return digest.hex(), tracker_of_digest(digest)


def hash_and_tracker(ballot: dict) -> tuple[str, str]:
    """The ballot hash (hex SHA-256) and its tracker (``XXXX-XXXX-XXXX-XXXX-XXXX``)."""
    return _hash_and_tracker(*_body_items(ballot))


class _Context:
    """What checking or making ballots of one election needs, computed once."""

    def __init__(self, election, election_hash: str):
        try:
            self.election: Election = parse(election)
        except ElectionInvalid as exc:
            raise ValueError(f"invalid election: {exc}") from None
        if not isinstance(election_hash, str):
            raise ValueError("the election hash must be a string")
        try:
            own_hash = hashing.election_hash(self.election.record)
        except ValueError as exc:
            raise ValueError(f"invalid election: {exc}") from None
        if election_hash != own_hash:
            # The proofs name the public key only through the election hash: the two go together.
            raise ValueError("the election hash is not the hash of the election record")
        self.h = election_hash
        self.Y = self.election.public_key
        # v·G for every v a range proof may name.
        self.vG = [group.IDENTITY, group.G]
        while len(self.vG) <= self.election.max_options:
            self.vG.append(group.add(self.vG[-1], group.G))

    # The range proof of section 5, for the values lo…hi.
    def range_holds(self, credential: str, alpha: bytes, beta: bytes, pairs, lo: int) -> bool:
        Y, vG = self.Y, self.vG
        items = [self.h, credential, alpha.hex(), beta.hex()]
        c_total = 0
        for v, (c, s) in enumerate(pairs, start=lo):
            a = group.sub(group.base(s), group.mul(c, alpha))
            shifted = beta if v == 0 else group.sub(beta, vG[v])
            b = group.sub(group.mul(s, Y), group.mul(c, shifted))
            items.append(a.hex())
            items.append(b.hex())
            c_total += c
        return c_total % L == hash_to_scalar("ecitizen-vote/range", *items)

    def range_prove(self, credential: str, alpha: bytes, beta: bytes, m: int, r: int, lo: int, hi: int) -> list:
        if not lo <= m <= hi:
            raise ValueError(f"{m} is outside {lo} to {hi}: it cannot be proved")
        Y, vG = self.Y, self.vG
        items = [self.h, credential, alpha.hex(), beta.hex()]
        pairs: list = []
        w = group.random_scalar()
        for v in range(lo, hi + 1):
            if v == m:
                a, b = group.base(w), group.mul(w, Y)
                pairs.append(None)
            else:
                c, s = group.random_scalar(), group.random_scalar()
                shifted = beta if v == 0 else group.sub(beta, vG[v])
                a = group.sub(group.base(s), group.mul(c, alpha))
                b = group.sub(group.mul(s, Y), group.mul(c, shifted))
                pairs.append((c, s))
            items.append(a.hex())
            items.append(b.hex())
        challenge = hash_to_scalar("ecitizen-vote/range", *items)
        c_m = (challenge - sum(p[0] for p in pairs if p is not None)) % L
        pairs[m - lo] = (c_m, (w + c_m * r) % L)
        return [[group.scalar_hex(c), group.scalar_hex(s)] for c, s in pairs]

    def _check_shape(self, ballot) -> None:
        """The ballot's keys, its election hash and its lengths, before anything else is read (so
        that a ballot of a million choices costs no more than one of the right size)."""
        ballot = _object(ballot, _BALLOT_KEYS, "the ballot")
        if not isinstance(ballot["election_hash"], str):
            raise _malformed("the election hash must be a string")
        if ballot["election_hash"] != self.h:
            raise BallotRejected("wrong_election", "the ballot's election_hash is another election's")
        questions = self.election.questions
        answers = ballot["answers"]
        if not isinstance(answers, list) or len(answers) != len(questions):
            raise _malformed(f"answers must be a list of {len(questions)} answers, one per question")
        for question, answer in zip(questions, answers, strict=True):
            answer = _object(answer, _ANSWER_KEYS, "an answer")
            choices, overall = answer["choices"], answer["overall_proof"]
            if not isinstance(choices, list) or len(choices) != len(question.options):
                raise _malformed(f"question {question.id}: choices must be a list of {len(question.options)} choices")
            if not isinstance(overall, list) or len(overall) != question.max - question.min + 1:
                pairs = question.max - question.min + 1
                raise _malformed(f"question {question.id}: overall_proof must be a list of {pairs} pairs")

    def check(self, ballot, credentials: Container[str] | None = None):
        """Check one ballot; returns (BallotCheck, ciphertexts as bytes per question and option)."""
        election = self.election
        self._check_shape(ballot)
        h, credential, body, c_text, s_text = _body_items(ballot)
        answers = ballot["answers"]
        point = _point(credential, "credential")
        parsed = []
        for question, answer in zip(election.questions, answers, strict=True):
            choices = answer["choices"]
            if len(choices) != len(question.options):
                raise _malformed(f"question {question.id}: {len(choices)} choices for {len(question.options)} options")
            cts = []
            for option, choice in zip(question.options, choices, strict=True):
                where = f"question {question.id}, option {option}"
                cts.append(
                    (
                        _point(choice["alpha"], where),
                        _point(choice["beta"], where),
                        _pairs(choice["proof"], 2, where),
                    )
                )
            overall = _pairs(answer["overall_proof"], question.max - question.min + 1, f"question {question.id}")
            parsed.append((question, cts, overall))
        c, s = _scalar(c_text, "signature"), _scalar(s_text, "signature")
        if credentials is not None and credential not in credentials:
            raise BallotRejected("unknown_credential", "the credential is not on the list")
        commitment = group.sub(group.base(s), group.mul(c, point))
        if c != hash_to_scalar("ecitizen-vote/sign", h, credential, commitment.hex(), *body):
            raise BallotRejected("bad_signature", "the credential's signature does not hold")
        ciphertexts = []
        for question, cts, overall in parsed:
            for option, (alpha, beta, proof) in zip(question.options, cts, strict=True):
                if not self.range_holds(credential, alpha, beta, proof, 0):
                    raise BallotRejected("bad_proof", f"question {question.id}, option {option}")
            sum_alpha = group.total(ct[0] for ct in cts)
            sum_beta = group.total(ct[1] for ct in cts)
            if not self.range_holds(credential, sum_alpha, sum_beta, overall, question.min):
                marks = f"marks {question.min} to {question.max}"
                raise BallotRejected("bad_proof", f"question {question.id}: overall proof ({marks})")
            ciphertexts.append([(alpha, beta) for alpha, beta, _ in cts])
        ballot_hash, tracker = _hash_and_tracker(h, credential, body, c_text, s_text)
        return BallotCheck(ballot_hash, tracker, credential), ciphertexts


class Checker(_Context):
    """Checks many ballots of one election (the context is computed once)."""


def check(election: dict, election_hash: str, ballot: dict, credentials: Container[str] | None = None) -> BallotCheck:
    """Check a ballot as the platform does before accepting it; raises BallotRejected.

    ``credentials`` is the list (any container) of public credentials, or None not to check it.
    """
    return Checker(election, election_hash).check(ballot, credentials)[0]


def _selections(election: Election, selections) -> list[set[int]]:
    if not isinstance(selections, list | tuple) or len(selections) != len(election.questions):
        raise ValueError("one selection per question")
    marked = []
    for question, chosen in zip(election.questions, selections, strict=True):
        if not isinstance(chosen, list | tuple | set | frozenset) or not all(is_int(k) for k in chosen):
            raise ValueError(f"question {question.id}: a selection is a list of option indexes")
        indexes = list(chosen)
        chosen = set(indexes)
        if len(chosen) != len(indexes) or not all(0 <= k < len(question.options) for k in chosen):
            raise ValueError(f"question {question.id}: option indexes must be distinct and exist")
        if not question.min <= len(chosen) <= question.max:
            raise ValueError(f"question {question.id}: mark from {question.min} to {question.max} options")
        marked.append(chosen)
    return marked


def encrypt(election: dict, election_hash: str, code: str, selections: list[list[int]]) -> tuple[dict, list]:
    """Encrypt a voter's selections (per question, the indexes of the marked options).

    Returns ``(ballot, opening)``, the opening being ``[[{"m": 0|1, "r": r}, …], …]``. Raises
    ValueError for a selection the question does not allow (too few or too many marks) or a code
    that is not a credential code.
    """
    context = Checker(election, election_hash)
    parsed = context.election
    marked = _selections(parsed, selections)
    secret = _credentials.secret(parsed.uuid, code)
    credential = group.point_hex(group.base(secret))
    answers, opening, body = [], [], []
    for question, chosen in zip(parsed.questions, marked, strict=True):
        choices, opened, alphas, betas = [], [], [], []
        for k in range(len(question.options)):
            m = 1 if k in chosen else 0
            r = group.random_scalar()
            alpha = group.base(r)
            beta = group.mul(r, context.Y)
            if m:
                beta = group.add(beta, group.G)
            proof = context.range_prove(credential, alpha, beta, m, r, 0, 1)
            choices.append({"alpha": alpha.hex(), "beta": beta.hex(), "proof": proof})
            opened.append({"m": m, "r": group.scalar_hex(r)})
            alphas.append(alpha)
            betas.append(beta)
            body += [alpha.hex(), beta.hex(), proof[0][0], proof[0][1], proof[1][0], proof[1][1]]
        r_sum = sum(group.scalar_from_hex(o["r"]) for o in opened) % L
        overall = context.range_prove(
            credential, group.total(alphas), group.total(betas), len(chosen), r_sum, question.min, question.max
        )
        body += [x for pair in overall for x in pair]
        answers.append({"choices": choices, "overall_proof": overall})
        opening.append(opened)
    w = group.random_scalar()
    c = hash_to_scalar("ecitizen-vote/sign", election_hash, credential, group.base(w).hex(), *body)
    signature = {"c": group.scalar_hex(c), "s": group.scalar_hex(w + c * secret)}
    ballot = {"election_hash": election_hash, "credential": credential, "answers": answers, "signature": signature}
    return ballot, opening


def check_audit(election: dict, election_hash: str, ballot: dict, opening) -> list[str]:
    """The faults of an audited ballot: its proofs and signature, and every opening re-encrypted."""
    faults = []
    try:
        context = Checker(election, election_hash)
    except ValueError as exc:
        return [str(exc)]
    try:
        context.check(ballot, None)
    except BallotRejected as exc:
        faults.append(f"the ballot is rejected: {exc}")
    questions = context.election.questions
    if not isinstance(opening, list) or len(opening) != len(questions):
        return faults + ["the opening must have one list per question"]
    answers = ballot.get("answers") if isinstance(ballot, dict) else None
    for number, (question, opened) in enumerate(zip(questions, opening, strict=True)):
        if not isinstance(opened, list) or len(opened) != len(question.options):
            faults.append(f"question {question.id}: the opening must have one entry per option")
            continue
        marks = 0
        for k, (option, entry) in enumerate(zip(question.options, opened, strict=True)):
            where = f"question {question.id}, option {option}"
            if not isinstance(entry, dict) or entry.keys() != {"m", "r"}:
                faults.append(f"{where}: the opening must be {{'m': 0 or 1, 'r': scalar}}")
                continue
            if not is_int(entry["m"]) or entry["m"] not in (0, 1):
                faults.append(f"{where}: m must be the integer 0 or 1")
                continue
            try:
                r = group.scalar_from_hex(entry["r"])
                choice = answers[number]["choices"][k]
                alpha, beta = group.point_from_hex(choice["alpha"]), group.point_from_hex(choice["beta"])
            except (group.InvalidEncoding, TypeError, KeyError, IndexError):
                faults.append(f"{where}: the opening or the ciphertext cannot be read")
                continue
            expected_beta = group.add(group.base(entry["m"]), group.mul(r, context.Y))
            if group.base(r) != alpha or expected_beta != beta:
                faults.append(f"{where}: the opening does not re-encrypt to the ballot's ciphertext")
            marks += entry["m"]
        if not question.min <= marks <= question.max:
            faults.append(f"question {question.id}: {marks} marks, outside {question.min} to {question.max}")
    return faults
