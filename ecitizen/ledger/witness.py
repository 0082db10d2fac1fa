"""A witness of the public log: ``python -m ecitizen.ledger.witness``.

A separate process, run by someone other than the log's operator, with its own Ed25519 key and its
own SQLite file. Each round it reads the log's latest checkpoint, checks the log's signature, and
checks the log only grew since the checkpoint it last accepted (a consistency proof). Then it
cosigns the checkpoint (C2SP cosignature/v1) and sends the cosignature to the log, which serves it
with the checkpoint. A checkpoint that is smaller than the accepted one (rolled back), of the same
size with another root (forked), not consistent with it (rewritten), or for another log than the
one the witness watches is refused: recorded in the witness's file, printed, never cosigned. The
first checkpoint a witness sees is trusted on first use.

A run watches one log, named by its origin (``--origin``; by default the name of the first
``--log-key``: a log key is named after its log). The accepted checkpoint is stored under that name,
so a log cannot start a second history under another origin and have it trusted on first use.

Subcommands::

    init      --db FILE --name NAME    make the key; print the verifier key to give the log's operator
    show-key  --db FILE                print the verifier key again
    run       --db FILE --log URL --log-key VKEY [--log-key VKEY ...] [--origin ORIGIN]
              [--interval SECONDS] [--once]
    refusals  --db FILE                list the refusals recorded

Exit codes of ``run --once``: 0 accepted (or nothing new), 2 refused, 1 the log could not be read
(1 also for a usage error, so that 2 always means a refusal).
Pure Python and stdlib sqlite3; no Django.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sqlite3
import stat
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ecitizen.ledger import merkle, note
from ecitizen.ledger.client import BadSignature, Fetch, LogClient, LogError, open_checkpoint, witness_cosignatures

EXIT_OK, EXIT_ERROR, EXIT_REFUSED = 0, 1, 2
DEFAULT_INTERVAL = 60.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS witness_key (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    seed BLOB NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS accepted (
    origin TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    root BLOB NOT NULL,
    note TEXT NOT NULL,
    accepted_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refusal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    origin TEXT NOT NULL,
    reason TEXT NOT NULL,
    accepted_note TEXT,
    offered_note TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS cosigned (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    origin TEXT NOT NULL,
    size INTEGER NOT NULL,
    root BLOB NOT NULL,
    line TEXT NOT NULL
);
"""


class WitnessError(Exception):
    """A problem with the witness's own file or arguments."""


def _utc(ts: float) -> str:
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


@dataclass(frozen=True)
class Accepted:
    origin: str
    size: int
    root: bytes
    note: str


class WitnessDB:
    """The witness's SQLite file: its key, the checkpoint it accepted per log, refusals, cosignatures."""

    def __init__(self, path: str):
        if not os.path.exists(path):
            raise WitnessError(f"there is no witness file {path}: run 'init' first")
        self.path = path
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.executescript(SCHEMA)

    @classmethod
    def create(cls, path: str, name: str, *, now: float) -> WitnessDB:
        note.vkey(name, bytes(32), note.ALG_COSIGNATURE_V1)  # NoteError for a bad name
        if os.path.exists(path) and os.path.getsize(path) > 0:
            raise WitnessError(f"{path} exists already; a witness keeps its key (use 'show-key')")
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)
        db = cls(path)
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        db.conn.execute(
            "INSERT INTO witness_key (id, name, seed, created_at) VALUES (1, ?, ?, ?)", (name, seed, _utc(now))
        )
        return db

    def close(self) -> None:
        self.conn.close()

    def key(self) -> tuple[str, Ed25519PrivateKey]:
        row = self.conn.execute("SELECT name, seed FROM witness_key WHERE id = 1").fetchone()
        if row is None:
            raise WitnessError(f"{self.path} holds no witness key: run 'init' first")
        return row[0], Ed25519PrivateKey.from_private_bytes(row[1])

    def vkey(self) -> str:
        name, private = self.key()
        return note.vkey(name, note.public_bytes(private), note.ALG_COSIGNATURE_V1)

    def loose_permissions(self) -> bool:
        return bool(os.stat(self.path).st_mode & (stat.S_IRWXG | stat.S_IRWXO))

    def accepted(self, origin: str) -> Accepted | None:
        row = self.conn.execute("SELECT origin, size, root, note FROM accepted WHERE origin = ?", (origin,)).fetchone()
        return Accepted(row[0], row[1], bytes(row[2]), row[3]) if row else None

    def accept(self, origin: str, size: int, root: bytes, text: str, *, now: float) -> None:
        """Store a checkpoint as accepted, refusing (WitnessError) to step back from the stored one."""
        with self.conn:
            self.conn.execute("BEGIN IMMEDIATE")
            current = self.accepted(origin)
            if current is not None and (size < current.size or (size == current.size and root != current.root)):
                raise WitnessError("the checkpoint is older than, or forks from, the accepted one")
            self.conn.execute(
                "INSERT INTO accepted (origin, size, root, note, accepted_at) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (origin) DO UPDATE SET size = excluded.size, root = excluded.root, "
                "note = excluded.note, accepted_at = excluded.accepted_at",
                (origin, size, root, text, _utc(now)),
            )

    def refuse(self, origin: str, reason: str, accepted_note: str | None, offered_note: str, *, now: float) -> bool:
        """Record a refusal; False when the last one for this log was the same (not stored again)."""
        last = self.conn.execute(
            "SELECT reason, offered_note FROM refusal WHERE origin = ? ORDER BY id DESC LIMIT 1", (origin,)
        ).fetchone()
        if last == (reason, offered_note):
            return False
        self.conn.execute(
            "INSERT INTO refusal (at, origin, reason, accepted_note, offered_note) VALUES (?, ?, ?, ?, ?)",
            (_utc(now), origin, reason, accepted_note, offered_note),
        )
        return True

    def refusals(self) -> list[tuple[str, str, str, str | None, str]]:
        return self.conn.execute(
            "SELECT at, origin, reason, accepted_note, offered_note FROM refusal ORDER BY id"
        ).fetchall()

    def record_cosigned(self, origin: str, size: int, root: bytes, line: str, *, now: float) -> None:
        self.conn.execute(
            "INSERT INTO cosigned (at, origin, size, root, line) VALUES (?, ?, ?, ?, ?)",
            (_utc(now), origin, size, root, line),
        )


ACCEPTED, UNCHANGED, REFUSED, FAILED = "accepted", "unchanged", "refused", "failed"


@dataclass(frozen=True)
class Outcome:
    status: str  # ACCEPTED, UNCHANGED, REFUSED or FAILED
    message: str


class Witness:
    """One witness watching one log. :meth:`round` does one check; :meth:`run` repeats it."""

    def __init__(
        self,
        db: WitnessDB,
        client: LogClient,
        log_keys: list[note.Verifier],
        *,
        origin: str | None = None,
        now: Callable[[], float] = time.time,
        out: TextIO | None = None,
    ):
        self.db = db
        self.client = client
        self.log_keys = log_keys
        self.origin = origin if origin is not None else log_keys[0].name
        self.now = now
        self.out = out or sys.stdout
        self.name, self.private = db.key()
        self.verifier = note.parse_vkey(db.vkey())

    def say(self, message: str) -> None:
        self.out.write(f"{_utc(self.now())} {message}\n")
        self.out.flush()

    def _refuse(self, origin: str, reason: str, accepted: Accepted | None, offered: str) -> Outcome:
        new = self.db.refuse(origin, reason, accepted.note if accepted else None, offered, now=self.now())
        suffix = "" if new else " (as in the last round)"
        self.say(f"REFUSED {origin}: {reason}. Not cosigned; recorded in {self.db.path}{suffix}.")
        return Outcome(REFUSED, reason)

    def round(self) -> Outcome:
        try:
            raw = self.client.checkpoint_note()
        except LogError as exc:
            self.say(f"could not read the log's checkpoint: {exc}")
            return Outcome(FAILED, str(exc))
        offered = raw.decode("utf-8", "replace")
        try:
            return self._check(raw, offered)
        except (ValueError, OverflowError) as exc:  # a checkpoint nothing above foresaw: never cosign it
            reason = f"could not check the checkpoint ({type(exc).__name__}: {exc})"
            return self._refuse(self.origin, reason, self.db.accepted(self.origin), offered)

    def _check(self, raw: bytes, offered: str) -> Outcome:
        accepted = self.db.accepted(self.origin)
        try:
            cp = open_checkpoint(raw, self.log_keys)
        except BadSignature as exc:
            reason = f"bad signature: the checkpoint is not validly signed by the log's key ({exc})"
            return self._refuse(self.origin, reason, accepted, offered)
        origin, size, root = cp.checkpoint.origin, cp.size, cp.root
        if origin != self.origin:
            reason = f"another log: the checkpoint is for {origin!r}, this witness watches {self.origin!r}"
            return self._refuse(self.origin, reason, accepted, offered)
        what = f"{origin} size {size}"
        if size == 0 and root != merkle.EMPTY_ROOT:
            reason = "bad root: a checkpoint of size 0 must hold the empty tree's root"
            return self._refuse(origin, reason, accepted, offered)
        if accepted is None:
            self.say(f"first checkpoint seen from {origin}: trusting it on first use (size {size})")
            grew = "trusted on first use"
        elif size < accepted.size:
            reason = f"rolled back: size {size} is smaller than the accepted size {accepted.size}"
            return self._refuse(origin, reason, accepted, offered)
        elif size == accepted.size and root != accepted.root:
            reason = f"forked: size {size} with a root other than the one accepted for that size"
            return self._refuse(origin, reason, accepted, offered)
        elif size == accepted.size:
            good, _bad = witness_cosignatures(cp, [self.verifier])
            if good:
                self.say(f"{what}: nothing new (already cosigned)")
                return Outcome(UNCHANGED, "nothing new")
            grew = "same as accepted; cosignature not yet served, sending again"
        elif accepted.size == 0 and accepted.root != merkle.EMPTY_ROOT:
            reason = "rewritten: the accepted checkpoint of size 0 does not hold the empty tree's root"
            return self._refuse(origin, reason, accepted, offered)
        else:
            try:
                proof = self.client.consistency(accepted.size, size)
            except LogError as exc:
                self.say(f"{what}: could not get a consistency proof from {accepted.size}: {exc}")
                return Outcome(FAILED, str(exc))
            try:
                merkle.verify_consistency(accepted.size, size, accepted.root, root, proof)
            except merkle.ProofError as exc:
                reason = f"rewritten: the log's proof from size {accepted.size} to {size} does not verify ({exc})"
                return self._refuse(origin, reason, accepted, offered)
            grew = f"grew from {accepted.size}; consistency proof verified"
        try:
            self.db.accept(origin, size, root, cp.text, now=self.now())
        except WitnessError as exc:  # another round of this witness accepted a newer one meanwhile
            self.say(f"{what}: not cosigned: {exc}")
            return Outcome(FAILED, str(exc))
        timestamp = int(self.now())
        line = note.cosign(cp.text, self.name, self.private, timestamp).line()
        self.db.record_cosigned(origin, size, root, line.rstrip("\n"), now=self.now())
        try:
            self.client.cosign(size, line)
        except LogError as exc:
            self.say(f"ACCEPTED {what} ({grew}); cosigned, but could not send it: {exc}; will send again")
            return Outcome(ACCEPTED, f"not sent: {exc}")
        self.say(f"ACCEPTED {what} ({grew}); cosigned and sent")
        return Outcome(ACCEPTED, grew)

    def run(self, *, interval: float, once: bool, sleep: Callable[[float], None] = time.sleep) -> int:
        while True:
            outcome = self.round()
            if once:
                return {REFUSED: EXIT_REFUSED, FAILED: EXIT_ERROR}.get(outcome.status, EXIT_OK)
            sleep(interval)


# --- Command line -------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m ecitizen.ledger.witness", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="make the witness's key and file")
    init.add_argument("--db", required=True, help="the witness's SQLite file (created, mode 600)")
    init.add_argument("--name", required=True, help="the witness's name, e.g. witness.example.org")
    show = sub.add_parser("show-key", help="print the witness's verifier key")
    show.add_argument("--db", required=True)
    refusals = sub.add_parser("refusals", help="list the refusals recorded")
    refusals.add_argument("--db", required=True)
    run = sub.add_parser("run", help="watch a log and cosign its checkpoints")
    run.add_argument("--db", required=True)
    run.add_argument("--log", required=True, help="the log's address, e.g. https://example.gov/log")
    run.add_argument(
        "--log-key", action="append", required=True, help="the log's verifier key (repeat while it rotates)"
    )
    run.add_argument(
        "--origin",
        help="the log's origin (its checkpoints' first line); default: the name of the first --log-key",
    )
    run.add_argument("--interval", type=float, default=DEFAULT_INTERVAL, help="seconds between rounds (default 60)")
    run.add_argument("--once", action="store_true", help="one round, then exit (0 ok, 2 refused, 1 log unreadable)")
    return parser


def main(
    argv: list[str] | None = None,
    *,
    fetch: Fetch | None = None,
    out: TextIO | None = None,
    now: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    out = out or sys.stdout
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # a usage error is 1 here: 2 means "refused"
        return EXIT_OK if not exc.code else EXIT_ERROR
    try:
        if args.command == "init":
            db = WitnessDB.create(args.db, args.name, now=now())
            out.write(
                f"Witness key made and stored in {args.db} (readable by you only).\n"
                "Give this verifier key to the log's operator to register the witness:\n"
                f"{db.vkey()}\n"
            )
            return EXIT_OK
        db = WitnessDB(args.db)
        if args.command == "show-key":
            out.write(db.vkey() + "\n")
            return EXIT_OK
        if args.command == "refusals":
            for at, origin, reason, accepted_note, offered_note in db.refusals():
                earlier = accepted_note or "(none)\n"
                out.write(f"{at} {origin}: {reason}\n-- accepted:\n{earlier}-- offered:\n{offered_note}\n")
            return EXIT_OK
        try:
            log_keys = [note.parse_vkey(k) for k in args.log_key]
        except note.NoteError as exc:
            raise WitnessError(f"--log-key: {exc}") from exc
        if any(k.alg != note.ALG_ED25519 for k in log_keys):
            raise WitnessError("--log-key takes the log's note key (algorithm 1), not a witness key")
        origin = log_keys[0].name if args.origin is None else args.origin
        if not any(k.name == origin for k in log_keys):
            raise WitnessError(
                f"--origin {origin!r}: no --log-key is named so (a log key is named after its log's origin)"
            )
        if args.interval <= 0:
            raise WitnessError("--interval must be more than 0 seconds")
        client = LogClient(fetch) if fetch is not None else LogClient(args.log)
        witness = Witness(db, client, log_keys, origin=origin, now=now, out=out)
        if db.loose_permissions():
            witness.say(f"warning: {args.db} can be read by other users; run chmod 600 {args.db}")
        witness.say(f"witness {witness.name} watching {origin} at {args.log}")
        try:
            return witness.run(interval=args.interval, once=args.once, sleep=sleep)
        except KeyboardInterrupt:
            witness.say("stopped")
            return EXIT_OK
    except (WitnessError, note.NoteError, ValueError, OverflowError, sqlite3.Error) as exc:
        out.write(f"error: {exc}\n")
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
