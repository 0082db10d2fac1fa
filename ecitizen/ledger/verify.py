"""Check the public log from outside: ``python -m ecitizen.ledger.verify``.

    python -m ecitizen.ledger.verify --log https://example.gov/log --key VKEY [--key VKEY ...]
        [--witness-key VKEY ...] [--min-witnesses N] [--state FILE]
        [--document NUMBER ...] [--entry INDEX ...] [--audit-export FILE.jsonl] [--audit-grace MINUTES]

Checks, one output line each ("OK ...", "FAULT: <fault>: ...", "SKIP ..." for what cannot be checked
yet, "ERROR: ..." when the log cannot be read):

* the latest checkpoint is signed by one of the log keys given, one named after the checkpoint's
  origin (a log key signs only its own log's checkpoints), and cosigned by at least
  ``--min-witnesses`` of the witnesses given;
* with ``--state``: it is consistent with the checkpoint saved there by the last run (then saved);
* ``--entry`` / ``--document``: the entry (the document's entries, found by number) is in the tree,
  its leaf hash computed from the entry bundle's bytes and proven with hash tiles;
* ``--audit-export``: every ``audit.checkpoint`` entry's count and digest match the export's rows,
  and every row older than ``--audit-grace`` minutes (default 30) is covered by one of them.

What is not in the latest checkpoint yet (a document's entry, audit rows) is skipped only while it is
younger than the grace period; older, the log is holding it back, and that is a fault.

Exit status: 0 every check passed, 1 a fault was found, 2 a usage error or the log could not be read.
Pure Python; no Django, no database.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import datetime
import enum
import os
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from ecitizen.ledger import auditdigest, note
from ecitizen.ledger.client import (
    BadSignature,
    CheckFailed,
    EntryChanged,
    EntryMissing,
    Fetch,
    Forked,
    LogClient,
    LogError,
    LogNotFound,
    Shrunk,
    SignedCheckpoint,
    TreeMismatch,
    check_consistency,
    open_checkpoint,
    parse_entry,
    verify_entry,
    witness_cosignatures,
)

EXIT_OK, EXIT_FAULT, EXIT_ERROR = 0, 1, 2
DEFAULT_GRACE_MINUTES = 30.0


class Fault(enum.StrEnum):
    BAD_SIGNATURE = "bad signature"
    TOO_FEW_WITNESSES = "too few witnesses"
    FORKED = "forked or rewritten log"
    DROPPED = "dropped entry"
    CHANGED = "changed entry"
    BAD_TILES = "tiles do not match the checkpoint"


FAULT_OF: dict[type[CheckFailed], Fault] = {
    BadSignature: Fault.BAD_SIGNATURE,
    Forked: Fault.FORKED,
    Shrunk: Fault.DROPPED,
    EntryMissing: Fault.DROPPED,
    EntryChanged: Fault.CHANGED,
    TreeMismatch: Fault.BAD_TILES,
}


class UsageError(Exception):
    pass


class Report:
    """The output lines, and whether any check found a fault or could not run."""

    def __init__(self, out: TextIO):
        self.out = out
        self.faults: list[Fault] = []
        self.errors = 0

    def _line(self, text: str) -> None:
        self.out.write(text.replace("\n", " ") + "\n")

    def ok(self, text: str) -> None:
        self._line(f"OK {text}")

    def skip(self, text: str) -> None:
        self._line(f"SKIP {text}")

    def fault(self, fault: Fault, text: str) -> None:
        self.faults.append(fault)
        self._line(f"FAULT: {fault}: {text}")

    def failed(self, exc: CheckFailed, context: str = "") -> None:
        fault = next(f for cls, f in FAULT_OF.items() if isinstance(exc, cls))
        self.fault(fault, f"{context}{exc}")

    def error(self, text: str) -> None:
        self.errors += 1
        self._line(f"ERROR: {text}")

    def exit_code(self) -> int:
        if self.faults:
            return EXIT_FAULT
        return EXIT_ERROR if self.errors else EXIT_OK


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _timestamp(value: object) -> float | None:
    """Unix time of an ISO-8601 UTC time ("2026-12-06T22:30:00Z"), or None if it is not one."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.timestamp() if moment.tzinfo is not None else None


class Grace:
    """How long something may be missing from the signed tree before that is a fault."""

    def __init__(self, minutes: float, now: float):
        self.minutes = minutes
        self.now = now

    def young(self, at: float | None) -> bool:
        """Whether time *at* lies within the grace period of now (a time far ahead is not young)."""
        return at is not None and abs(self.now - at) <= self.minutes * 60

    def __str__(self) -> str:
        return f"{self.minutes:g} minutes"


# --- The checks ----------------------------------------------------------------------------------


def check_witnesses(report: Report, cp: SignedCheckpoint, witnesses: list[note.Verifier], minimum: int) -> None:
    good, bad = witness_cosignatures(cp, witnesses)
    for name in bad:
        report.fault(Fault.BAD_SIGNATURE, f"the cosignature of witness {name} does not verify")
    if len(good) < minimum:
        report.fault(
            Fault.TOO_FEW_WITNESSES,
            f"{len(good)} of the known witnesses cosigned (need {minimum}): {', '.join(good) or 'none'}",
        )
    elif witnesses or minimum:
        report.ok(f"cosigned by {len(good)} known witness(es): {', '.join(good) or 'none'} (need {minimum})")


def _load_state(path: str) -> note.Checkpoint | None:
    if not os.path.exists(path):
        return None
    try:
        with open(path, "rb") as f:
            text, _ = note.split_note(f.read(note.MAX_NOTE + 1))
        return note.parse_checkpoint(text)
    except (OSError, note.NoteError) as exc:
        raise UsageError(f"--state {path}: not a saved checkpoint ({exc})") from exc


def _save_state(path: str, cp: SignedCheckpoint) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(cp.note)
    os.replace(tmp, path)


def check_state(report: Report, client: LogClient, cp: SignedCheckpoint, path: str) -> None:
    old = _load_state(path)
    if old is None:
        _save_state(path, cp)
        report.ok(f"no earlier checkpoint in {path}; saved this one (size {cp.size}) for the next run")
        return
    try:
        check_consistency(client, old, cp)
    except CheckFailed as exc:
        report.failed(exc, f"since the checkpoint saved in {path}: ")
        return
    _save_state(path, cp)
    report.ok(f"consistent with the checkpoint saved in {path}: size {old.size} -> {cp.size}; saved the new one")


def _describe(data: bytes) -> str:
    try:
        obj = parse_entry(data)
        return f"{obj.get('kind')} {obj.get('key')}"
    except EntryChanged:
        return "(not JSON)"


def check_entry(report: Report, client: LogClient, cp: SignedCheckpoint, index: int) -> None:
    if index >= cp.size:
        report.skip(f"entry {index} is not in the latest checkpoint (size {cp.size}); try again later")
        return
    try:
        data = verify_entry(client, cp, index)
    except CheckFailed as exc:
        report.failed(exc)
        return
    report.ok(f"entry {index} ({_describe(data)}) is in the tree of size {cp.size}")


def check_document(report: Report, client: LogClient, cp: SignedCheckpoint, number: str, grace: Grace) -> None:
    found = client.lookup(key=number)
    if not found:
        report.fault(
            Fault.DROPPED,
            f"the log has no entry for document {number} (if it was issued in the last minutes, try again later)",
        )
        return
    for item in found:
        if item.index >= cp.size:
            try:
                at = parse_entry(item.data.encode()).get("time")
            except EntryChanged:
                at = None
            if grace.young(_timestamp(at)):
                report.skip(
                    f"document {number}: entry {item.index} is newer than the latest checkpoint; try again later"
                )
            else:
                report.fault(
                    Fault.DROPPED,
                    f"document {number}: entry {item.index} (time {at}) is not in the latest signed checkpoint "
                    f"(size {cp.size}) and is not from the last {grace}: the log holds it back",
                )
            continue
        try:
            data = verify_entry(client, cp, item.index)
            obj = parse_entry(data)
            if obj.get("key") != number:
                raise EntryChanged(f"entry {item.index} is about {obj.get('key')!r}, not document {number}")
            if item.data.encode() != data:
                raise EntryChanged(f"entry {item.index}: the lookup's data differs from the entry in the tree")
        except CheckFailed as exc:
            report.failed(exc, f"document {number}: ")
            continue
        report.ok(f"document {number}: entry {item.index} ({obj.get('kind')}, {obj.get('time')}) is in the log")


def load_export(path: str) -> dict[int, bytes]:
    """The export's rows by id, each as its canonical line; UsageError if the file is not an export."""
    return {i: line for i, (line, _at) in read_export(path).items()}


def read_export(path: str) -> dict[int, tuple[bytes, float]]:
    """The export's rows by id, each as (its canonical line, its created_at as Unix time)."""
    rows: dict[int, tuple[bytes, float]] = {}
    try:
        with open(path, "rb") as f:
            for number, raw in enumerate(f, 1):
                line = raw.rstrip(b"\r\n")
                if not line.strip():
                    continue
                try:
                    row = auditdigest.parse_line(line)
                except auditdigest.AuditRowError as exc:
                    raise UsageError(f"{path} line {number}: {exc}") from exc
                if row["id"] in rows:
                    raise UsageError(f"{path} line {number}: audit row {row['id']} appears twice")
                at = _timestamp(row["created_at"])
                if at is None:
                    raise UsageError(f"{path} line {number}: created_at is not a UTC time")
                rows[row["id"]] = (auditdigest.row_line(row), at)
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
    return rows


def _checkpoint_body(obj: dict[str, Any]) -> tuple[int, int, int, str]:
    try:
        from_id, to_id, count, digest = obj["from_id"], obj["to_id"], obj["count"], obj["digest"]
    except KeyError as exc:
        raise EntryChanged(f"the audit checkpoint has no {exc.args[0]}") from exc
    if not all(isinstance(v, int) for v in (from_id, to_id, count)) or not isinstance(digest, str):
        raise EntryChanged("the audit checkpoint's fields have the wrong types")
    return from_id, to_id, count, digest


def check_audit(report: Report, client: LogClient, cp: SignedCheckpoint, path: str, grace: Grace) -> None:
    rows = read_export(path)
    ids = sorted(rows)
    report.ok(f"read {len(rows)} audit row(s) from {path}")
    covered_to: int | None = None
    seen = 0
    for item in client.lookup_kind(auditdigest.CHECKPOINT_KIND):
        if item.index >= cp.size:
            # Not provable yet: its rows count as not covered, and the grace period decides.
            report.skip(f"audit checkpoint {item.key} (entry {item.index}) is newer than the latest checkpoint")
            continue
        seen += 1
        try:
            data = verify_entry(client, cp, item.index)
            if item.data.encode() != data:
                raise EntryChanged(f"entry {item.index}: the lookup's data differs from the entry in the tree")
            obj = parse_entry(data)
            if obj.get("kind") != auditdigest.CHECKPOINT_KIND:
                raise EntryChanged(f"entry {item.index} is a {obj.get('kind')!r}, not an audit checkpoint")
            from_id, to_id, count, digest = _checkpoint_body(obj)
        except CheckFailed as exc:
            report.failed(exc, "audit checkpoint: ")
            continue
        name = f"audit rows {from_id}-{to_id} (entry {item.index})"
        expected = 1 if covered_to is None else covered_to + 1  # checkpoints cover ids 1.. without gaps
        if from_id != expected:
            report.fault(
                Fault.DROPPED,
                f"no audit checkpoint in the log covers rows {expected}-{from_id - 1}: a checkpoint entry is missing",
            )
        covered_to = to_id if covered_to is None else max(covered_to, to_id)
        lines = [rows[i][0] for i in ids[bisect.bisect_left(ids, from_id) : bisect.bisect_right(ids, to_id)]]
        if len(lines) < count:
            report.fault(
                Fault.DROPPED,
                f"{name}: the export holds {len(lines)} row(s), the checkpoint counted {count}: rows were removed",
            )
        elif len(lines) > count:
            report.fault(
                Fault.CHANGED,
                f"{name}: the export holds {len(lines)} row(s), the checkpoint counted {count}: rows were added",
            )
        elif auditdigest.digest(lines) != digest:
            report.fault(Fault.CHANGED, f"{name}: the digest of the export's {count} row(s) differs: a row was changed")
        else:
            report.ok(f"{name}: {count} row(s), digest matches")
    if not seen:
        report.skip("the log holds no audit checkpoint yet")
    uncovered = [i for i in ids if covered_to is None or i > covered_to]
    old = [i for i in uncovered if not grace.young(rows[i][1])]
    newer = [i for i in uncovered if grace.young(rows[i][1])]
    if old:
        report.fault(
            Fault.DROPPED,
            f"no audit checkpoint covers rows {old[0]}-{old[-1]}, older than {grace} ({len(old)} row(s)): "
            "an audit checkpoint is missing from the log or hidden from its lookup",
        )
    if newer:
        report.skip(
            f"{len(newer)} exported row(s) from id {newer[0]} are not yet covered by an audit checkpoint "
            f"(younger than {grace}); try again later"
        )


# --- Command line -------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ecitizen.ledger.verify", description="Check the public log.")
    parser.add_argument("--log", required=True, help="the log's address, e.g. https://example.gov/log")
    parser.add_argument("--key", action="append", required=True, help="a log verifier key (repeat for old keys)")
    parser.add_argument("--witness-key", action="append", default=[], help="a witness's verifier key")
    parser.add_argument("--min-witnesses", type=int, default=0, help="cosignatures needed from those witnesses")
    parser.add_argument("--state", help="file keeping the last checkpoint seen, to check the log only grows")
    parser.add_argument("--document", action="append", default=[], help="a document number to find and prove")
    parser.add_argument("--entry", action="append", default=[], type=int, help="an entry index to prove")
    parser.add_argument("--audit-export", help="an audit export (JSON Lines) to check against the audit checkpoints")
    parser.add_argument(
        "--audit-grace",
        type=float,
        default=DEFAULT_GRACE_MINUTES,
        metavar="MINUTES",
        help="how long audit rows and entries may wait for the signed tree before that is a fault (default 30)",
    )
    parser.add_argument("--timeout", type=float, default=15.0, help="seconds to wait for each answer")
    return parser


def _keys(values: list[str], alg: int, option: str) -> list[note.Verifier]:
    keys = []
    for value in values:
        try:
            key = note.parse_vkey(value)
        except note.NoteError as exc:
            raise UsageError(f"{option} {value!r}: {exc}") from exc
        if key.alg != alg:
            raise UsageError(f"{option} {value!r} is not a {'log' if alg == note.ALG_ED25519 else 'witness'} key")
        keys.append(key)
    return keys


def run(args: argparse.Namespace, client: LogClient, report: Report, *, now: float) -> None:
    log_keys = _keys(args.key, note.ALG_ED25519, "--key")
    witnesses = _keys(args.witness_key, note.ALG_COSIGNATURE_V1, "--witness-key")
    if args.min_witnesses < 0:
        raise UsageError("--min-witnesses must be 0 or more")
    if not 0 <= args.audit_grace < float("inf"):
        raise UsageError("--audit-grace must be 0 or more minutes")
    grace = Grace(args.audit_grace, now)
    try:
        raw = client.checkpoint_note()
    except LogNotFound as exc:
        raise LogError(f"no checkpoint at {args.log}/checkpoint: is --log the log's address? ({exc})") from exc
    try:
        cp = open_checkpoint(raw, log_keys)
    except BadSignature as exc:
        report.failed(exc, "the latest checkpoint: ")
        return
    signers = ", ".join(s.name for s in cp.signatures if any(s.hash == k.hash for k in log_keys))
    report.ok(f"checkpoint of {cp.checkpoint.origin}: size {cp.size}, root {_b64(cp.root)}, signed by {signers}")
    check_witnesses(report, cp, witnesses, args.min_witnesses)
    checks: list[Callable[[], None]] = []
    if args.state:
        checks.append(lambda: check_state(report, client, cp, args.state))
    checks += [lambda i=i: check_entry(report, client, cp, i) for i in args.entry]
    checks += [lambda n=n: check_document(report, client, cp, n, grace) for n in args.document]
    if args.audit_export:
        checks.append(lambda: check_audit(report, client, cp, args.audit_export, grace))
    for check in checks:
        try:
            check()
        except LogError as exc:
            report.error(f"the log could not be read: {exc}")


def main(
    argv: list[str] | None = None,
    *,
    fetch: Fetch | None = None,
    out: TextIO | None = None,
    now: Callable[[], float] = time.time,
) -> int:
    """Run the checks; *fetch* replaces the network and *now* the clock (tests)."""
    out = out or sys.stdout
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return EXIT_OK if not exc.code else EXIT_ERROR
    report = Report(out)
    try:
        client = LogClient(fetch) if fetch is not None else LogClient(args.log, timeout=args.timeout)
        run(args, client, report, now=now())
    except (UsageError, ValueError) as exc:
        report.error(str(exc))
        return EXIT_ERROR if not report.faults else EXIT_FAULT
    except LogError as exc:
        report.error(f"the log could not be read: {exc}")
    return report.exit_code()


if __name__ == "__main__":
    sys.exit(main())
