"""The homomorphic tally: per question and option, the sum of the counted ballots' ciphertexts.

A tally is written as in the board, ``[[{"alpha": Σα, "beta": Σβ}, …], …]`` (hex; the identity,
64 zeros, when nothing was added). ``add`` and ``subtract`` take a ballot already checked.
"""

from __future__ import annotations

from . import group
from .election import parse


def empty(election) -> list[list[dict]]:
    zero = group.point_hex(group.IDENTITY)
    return [[{"alpha": zero, "beta": zero} for _ in q.options] for q in parse(election).questions]


def _combine(acc: list[list[dict]], ballot: dict, operation) -> list[list[dict]]:
    answers = ballot["answers"]
    if len(answers) != len(acc):
        raise ValueError("the ballot and the tally have different numbers of questions")
    for row, answer in zip(acc, answers, strict=True):
        if len(row) != len(answer["choices"]):
            raise ValueError("the ballot and the tally have different numbers of options")
        for cell, choice in zip(row, answer["choices"], strict=True):
            for key in ("alpha", "beta"):
                total = group.point_from_hex(cell[key], identity=True)
                cell[key] = group.point_hex(operation(total, group.point_from_hex(choice[key])))
    return acc


def add(acc: list[list[dict]], ballot: dict) -> list[list[dict]]:
    """Add a ballot's ciphertexts to the tally (in place; the tally is returned too)."""
    return _combine(acc, ballot, group.add)


def subtract(acc: list[list[dict]], ballot: dict) -> list[list[dict]]:
    """Take a replaced ballot's ciphertexts out of the tally (in place; returned too)."""
    return _combine(acc, ballot, group.sub)


def parse_tally(tally, election) -> list[list[tuple[bytes, bytes]]]:
    """The tally's ciphertexts as bytes; raises ValueError when its shape is not the election's."""
    questions = parse(election).questions
    if not isinstance(tally, list) or len(tally) != len(questions):
        raise ValueError("the tally must have one list per question")
    result = []
    for question, row in zip(questions, tally, strict=True):
        if not isinstance(row, list) or len(row) != len(question.options):
            raise ValueError(f"question {question.id}: the tally must have one ciphertext per option")
        cells = []
        for cell in row:
            if not isinstance(cell, dict) or cell.keys() != {"alpha", "beta"}:
                raise ValueError(f"question {question.id}: a tally ciphertext is {{'alpha', 'beta'}}")
            cells.append(
                (group.point_from_hex(cell["alpha"], identity=True), group.point_from_hex(cell["beta"], identity=True))
            )
        result.append(cells)
    return result


def write(cts: list[list[tuple[bytes, bytes]]]) -> list[list[dict]]:
    return [[{"alpha": a.hex(), "beta": b.hex()} for a, b in row] for row in cts]
