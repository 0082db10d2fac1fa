"""Verify a referendum's public ballot board, or an audited ballot (docs/voting-protocol.md).

    python -m ecitizen.voting.verify BOARD.json [--workers N]
    python -m ecitizen.voting.verify --audit AUDIT.json

Prints what it checked, with figures, and exits 0; prints the first fault of each kind and exits 1;
exits 2 when the file cannot be read as JSON of the expected shape. Needs neither Django nor a
database: only the standard library and libsodium (through pysodium).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from ecitizen.voting.protocol import ballots, board, hashing

EXIT_OK, EXIT_FAULTS, EXIT_UNREADABLE = 0, 1, 2
MAX_WORKERS = 64


class Unreadable(Exception):
    pass


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def load_json(path: str, error=ValueError) -> object:
    """The JSON in a file; raises ``error`` with a message when it cannot be read or is not JSON
    (NaN and Infinity, which Python's json module would accept, are not; nor is nesting too deep)."""
    try:
        with open(path, "rb") as handle:
            return json.load(handle, parse_constant=_no_constant)
    except OSError as exc:
        raise error(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise error(f"{path} is not valid JSON: {exc}") from None
    except RecursionError:
        raise error(f"{path} is nested too deeply to be read") from None


def _load(path: str) -> object:
    return load_json(path, Unreadable)


def _label(texts) -> str:
    if isinstance(texts, dict) and texts:
        return str(texts.get("en") or next(iter(texts.values())))
    return ""


def verify_board(path: str, workers: int, out) -> int:
    data = _load(path)
    if not isinstance(data, dict) or data.get("format") != board.FORMAT:
        raise Unreadable(f"{path} is not a referendum board (its format is not {board.FORMAT})")
    started = time.perf_counter()
    report = board.verify(data, workers=workers)
    seconds = time.perf_counter() - started
    print(f"Board {path}", file=out)
    for line in report.lines:
        print(f"  {line}", file=out)
    if report.ok:
        print(f"Every check holds ({seconds:.1f} s, {workers} worker(s)).", file=out)
        return EXIT_OK
    for fault in report.faults:
        print(f"FAULT: {fault}", file=out)
    print(f"The board does not verify: {len(report.faults)} kind(s) of fault.", file=out)
    return EXIT_FAULTS


def verify_audit(path: str, out) -> int:
    data = _load(path)
    if not isinstance(data, dict) or not {"election", "ballot", "opening"} <= data.keys():
        raise Unreadable(f"{path} is not an audited ballot ({{'election', 'ballot', 'opening'}})")
    election, ballot, opening = data["election"], data["ballot"], data["opening"]
    if not isinstance(election, dict):
        raise Unreadable(f"{path}: the election is not an object")
    try:
        h = hashing.election_hash(election)
    except ValueError as exc:
        print(f"FAULT: the election record cannot be hashed: {exc}", file=out)
        return EXIT_FAULTS
    print(f"Audited ballot {path}", file=out)
    print(f"  Election {election.get('uuid')}, hash {h}", file=out)
    try:
        _, tracker = ballots.hash_and_tracker(ballot)
        print(f"  Ballot tracker {tracker}", file=out)
    except ballots.BallotRejected:
        pass
    faults = ballots.check_audit(election, h, ballot, opening)
    if not faults:
        for question, opened in zip(election["questions"], opening, strict=True):
            marked = [
                _label(o.get("label")) or o["id"] for o, e in zip(question["options"], opened, strict=True) if e["m"]
            ]
            print(
                f"  {question['id']} {_label(question.get('text'))}: {', '.join(marked) or '(nothing marked)'}",
                file=out,
            )
        print("The ballot's proofs and signature hold, and every opening re-encrypts to its ciphertexts.", file=out)
        print("This audited ballot was not cast: it is not on the board.", file=out)
        return EXIT_OK
    for fault in faults:
        print(f"FAULT: {fault}", file=out)
    print(f"The audited ballot does not verify: {len(faults)} fault(s).", file=out)
    return EXIT_FAULTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ecitizen.voting.verify",
        description="Verify a referendum's ballot board, or an audited ballot (docs/voting-protocol.md).",
    )
    parser.add_argument("board", nargs="?", help="the board's JSON file")
    parser.add_argument("--audit", metavar="AUDIT.json", help="check an audited ballot instead")
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes checking ballots (default: the CPU count)"
    )
    args = parser.parse_args(argv)
    if (args.board is None) == (args.audit is None):
        parser.error("give either a board file or --audit AUDIT.json")
    try:
        if args.audit:
            return verify_audit(args.audit, sys.stdout)
        return verify_board(args.board, max(1, min(args.workers, MAX_WORKERS)), sys.stdout)
    except Unreadable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except (RecursionError, MemoryError) as exc:
        print(f"error: the file is too large or too deeply nested to check ({type(exc).__name__})", file=sys.stderr)
        return EXIT_UNREADABLE


if __name__ == "__main__":
    sys.exit(main())
