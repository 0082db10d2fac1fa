"""The election record (docs/voting-protocol.md, section 2), read and checked once."""

from __future__ import annotations

from dataclasses import dataclass

from . import group


class ElectionInvalid(ValueError):
    """The election record is not one docs/voting-protocol.md describes."""


@dataclass(frozen=True)
class Question:
    id: str
    options: tuple[str, ...]
    min: int
    max: int


@dataclass(frozen=True)
class Election:
    uuid: str
    questions: tuple[Question, ...]
    threshold: int
    trustees: dict[int, bytes]  # index -> verification key Y_j
    public_key: bytes
    record: dict

    @property
    def max_options(self) -> int:
        return max(len(q.options) for q in self.questions)


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _text(value, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ElectionInvalid(f"{what} must be a non-empty string")
    return value


def parse(record) -> Election:
    """Check an election record and return it parsed; raises ElectionInvalid."""
    if isinstance(record, Election):
        return record
    if not isinstance(record, dict):
        raise ElectionInvalid("the election is not an object")
    uuid = _text(record.get("uuid"), "uuid")
    if "|" in uuid:
        raise ElectionInvalid("uuid must not contain '|' (it is an item of hashes)")
    raw_questions = record.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise ElectionInvalid("questions must be a non-empty list")
    questions = []
    for number, q in enumerate(raw_questions, start=1):
        if not isinstance(q, dict):
            raise ElectionInvalid(f"question {number} is not an object")
        qid = _text(q.get("id"), f"question {number}: id")
        options = q.get("options")
        if not isinstance(options, list) or not options or not all(isinstance(o, dict) for o in options):
            raise ElectionInvalid(f"question {qid}: options must be a non-empty list of objects")
        ids = tuple(_text(o.get("id"), f"question {qid}: option id") for o in options)
        if len(set(ids)) != len(ids):
            raise ElectionInvalid(f"question {qid}: option ids repeat")
        low, high = q.get("min"), q.get("max")
        if not (is_int(low) and is_int(high) and 0 <= low <= high <= len(ids)):
            raise ElectionInvalid(f"question {qid}: min and max must be integers with 0 ≤ min ≤ max ≤ options")
        questions.append(Question(qid, ids, low, high))
    if len({q.id for q in questions}) != len(questions):
        raise ElectionInvalid("question ids repeat")
    trustees_raw = record.get("trustees")
    if not isinstance(trustees_raw, list) or not trustees_raw:
        raise ElectionInvalid("trustees must be a non-empty list")
    trustees: dict[int, bytes] = {}
    for position, trustee in enumerate(trustees_raw, start=1):
        if not isinstance(trustee, dict) or trustee.get("index") != position or not is_int(trustee.get("index")):
            raise ElectionInvalid(f"trustee {position}: index must be {position} (trustees are numbered 1…n in order)")
        try:
            trustees[position] = group.point_from_hex(trustee.get("verification_key"))
        except group.InvalidEncoding as exc:
            raise ElectionInvalid(f"trustee {position}: verification_key: {exc}") from None
    threshold = record.get("threshold")
    if not is_int(threshold) or not 1 <= threshold <= len(trustees):
        raise ElectionInvalid("threshold must be an integer from 1 to the number of trustees")
    try:
        public_key = group.point_from_hex(record.get("public_key"))
    except group.InvalidEncoding as exc:
        raise ElectionInvalid(f"public_key: {exc}") from None
    return Election(uuid, tuple(questions), threshold, trustees, public_key, record)
