"""The trustee's tool, run on the trustee's own computer (docs/voting-protocol.md, section 3).

    python -m ecitizen.voting.trustee register --key KEY.json [--index I] [--out REGISTRATION.json]
    python -m ecitizen.voting.trustee deal     --key KEY.json --setup SETUP.json --out DEAL.json
    python -m ecitizen.voting.trustee confirm  --key KEY.json --deals DEALS.json --out CONFIRM.json
    python -m ecitizen.voting.trustee decrypt  --key KEY.json --tally TALLY.json --out DECRYPTION.json
                                               [--board BOARD.json]

KEY.json holds the trustee's secrets (the sealing key, then the share x_j of the election key)
and what the later steps check the platform's files against (the setup, the commitments of the
trustee's own deal, the keys confirmed): it is written readable by its owner only, replaced whole,
and never leaves this computer. Every other file is public and is exchanged through the platform.
Give decrypt the board (downloaded from the public page): without it, the tool cannot know that
it decrypts the sum of the counted ballots and not one ballot. Exit status: 0 done, 1 a check
failed (a bad deal, a tally that is not the board's), 2 a file cannot be read or written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import stat
import sys
import tempfile

from ecitizen.voting.protocol import board as _board
from ecitizen.voting.protocol import trustees
from ecitizen.voting.protocol.election import is_int

KEY_FORMAT = "ecitizen-trustee-key/1"


class Failure(Exception):
    def __init__(self, message: str, status: int = 2):
        super().__init__(message)
        self.status = status


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _read(path: str) -> dict:
    try:
        with open(path, "rb") as handle:
            data = json.load(handle, parse_constant=_no_constant)
    except OSError as exc:
        raise Failure(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise Failure(f"{path} is not valid JSON: {exc}") from None
    except RecursionError:
        raise Failure(f"{path} is nested too deeply to be read") from None
    if not isinstance(data, dict):
        raise Failure(f"{path} is not a JSON object")
    return data


def _write(path: str, value: dict, *, private: bool = False, replace: bool = True) -> None:
    """Write JSON; a private file is readable and writable by its owner only (0600).

    A file that is replaced (the key file, as it gains the share) is written to a temporary file
    beside it and renamed over it, so that a failure half-way never leaves half a key.
    """
    text = json.dumps(value, indent=2, sort_keys=True) + "\n"
    mode = 0o600 if private else 0o644
    try:
        if not replace:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(text)
            return
        folder = os.path.dirname(os.path.abspath(path))
        descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".trustee-", suffix=".tmp")  # mode 0600
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            if not private:
                os.chmod(temporary, mode)
            os.replace(temporary, path)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise
    except FileExistsError:
        raise Failure(f"{path} exists already: it is not overwritten") from None
    except OSError as exc:
        raise Failure(f"cannot write {path}: {exc.strerror or exc}") from None


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.exists(a) and os.path.exists(b) and os.path.samefile(a, b)
    except OSError:
        return os.path.abspath(a) == os.path.abspath(b)


def _key(path: str) -> dict:
    key = _read(path)
    if key.get("format") != KEY_FORMAT or not isinstance(key.get("sealing_secret"), str):
        raise Failure(f"{path} is not a trustee key file")
    try:
        loose = os.name == "posix" and stat.S_IMODE(os.stat(path).st_mode) & 0o077
    except OSError:
        loose = False
    if loose:
        print(f"WARNING: {path} can be read by others than you: run chmod 600 {path}", file=sys.stderr)
    return key


_UUID = re.compile(r"[^|]+\Z")
_HASH = re.compile(r"[0-9a-f]{64}\Z")


def _checked(path: str, **fields) -> None:
    """Refuse a file whose fields are not what they must be (``uuid``, ``index``, ``threshold``)."""
    for name, value in fields.items():
        if name == "uuid" and not (isinstance(value, str) and _UUID.match(value)):
            raise Failure(f"{path}: uuid must be a non-empty string without '|'", 1)
        if name in ("index", "threshold") and not (is_int(value) and value >= 1):
            raise Failure(f"{path}: {name} must be a whole number from 1", 1)
        if name == "election_hash" and not (isinstance(value, str) and _HASH.match(value)):
            raise Failure(f"{path}: election_hash must be 64 lower-case hex digits", 1)


def _field(data: dict, name: str, path: str):
    if name not in data:
        raise Failure(f"{path} has no {name!r}")
    return data[name]


def register(args) -> int:
    secret, public = trustees.new_sealing_keypair()
    key = {"format": KEY_FORMAT, "sealing_secret": secret, "sealing_key": public, "index": args.index}
    _write(args.key, key, private=True, replace=False)
    registration = {"sealing_key": public}
    if args.index is not None:
        registration["index"] = args.index
    if args.out:
        _write(args.out, registration)
    print(json.dumps(registration, sort_keys=True))
    print(
        f"Your private key is in {args.key} (readable by you only). Keep it: you need it to decrypt.", file=sys.stderr
    )
    return 0


def deal(args) -> int:
    key = _key(args.key)
    setup = _read(args.setup)
    uuid, threshold, index = (_field(setup, name, args.setup) for name in ("uuid", "threshold", "index"))
    _checked(args.setup, uuid=uuid, threshold=threshold, index=index)
    listed = _field(setup, "trustees", args.setup)
    if not isinstance(listed, list) or not all(
        isinstance(t, dict) and is_int(t.get("index")) and isinstance(t.get("sealing_key"), str) for t in listed
    ):
        raise Failure(f"{args.setup}: trustees must be a list of {{'index', 'sealing_key'}}", 1)
    sealing_keys = {t["index"]: t["sealing_key"] for t in listed}
    if len(sealing_keys) != len(listed):
        raise Failure(f"{args.setup}: a trustee is listed twice", 1)
    if sealing_keys.get(index) != key["sealing_key"]:
        raise Failure(f"{args.setup} does not list your sealing key as trustee {index}'s: is it your setup?", 1)
    if key.get("index") not in (None, index):
        raise Failure(f"{args.key} is trustee {key['index']}'s, not trustee {index}'s", 1)
    try:
        message = trustees.deal(uuid, index, threshold, sealing_keys)
    except ValueError as exc:
        raise Failure(f"{args.setup}: {exc}", 1) from None
    # What confirm checks the relayed deals against: this setup, and the deal made here.
    key.update({"index": index, "uuid": uuid, "threshold": threshold, "trustees": len(sealing_keys)})
    key.update({"commitments": message["commitments"]})
    _write(args.key, key, private=True)
    _write(args.out, message)
    print(f"Deal of trustee {index} written to {args.out}: send it to the platform.")
    return 0


def confirm(args) -> int:
    key = _key(args.key)
    deals = _read(args.deals)
    uuid, threshold, index = (_field(deals, name, args.deals) for name in ("uuid", "threshold", "index"))
    _checked(args.deals, uuid=uuid, threshold=threshold, index=index)
    if not isinstance(key.get("commitments"), list):
        raise Failure(f"{args.key} holds no deal: run deal with this key file first", 1)
    if key.get("index") != index or key.get("uuid") != uuid:
        raise Failure(f"{args.deals} is for trustee {index} of {uuid}; {args.key} is not that trustee's key", 1)
    if key.get("threshold") != threshold:
        raise Failure(f"{args.deals} says threshold {threshold}; your setup said {key.get('threshold')}", 1)
    try:
        share, verification_key = trustees.confirm(
            uuid,
            index,
            threshold,
            _field(deals, "deals", args.deals),
            key["sealing_secret"],
            own_commitments=key["commitments"],
            trustee_count=key.get("trustees"),
        )
    except trustees.BadDeal as exc:
        print(f"BAD DEAL from trustee {exc.dealer}: {exc.why}", file=sys.stderr)
        print("Do not confirm: tell the election's administrators which trustee's deal is bad.", file=sys.stderr)
        return 1
    except ValueError as exc:
        raise Failure(f"{args.deals}: {exc}", 1) from None
    public_key = trustees.public_key(deals["deals"])
    key.update({"index": index, "uuid": uuid, "threshold": threshold, "share": share})
    key.update({"verification_key": verification_key, "public_key": public_key})
    _write(args.key, key, private=True)
    _write(args.out, {"index": index, "verification_key": verification_key})
    print(f"Every deal holds. Your share is in {args.key}; your verification key is {verification_key}.")
    print(f"The election's public key is {public_key}.")
    return 0


def decrypt(args) -> int:
    key = _key(args.key)
    if not isinstance(key.get("share"), str):
        raise Failure(f"{args.key} holds no share yet: run confirm first", 1)
    request = _read(args.tally)
    h, index, tally = (_field(request, name, args.tally) for name in ("election_hash", "index", "tally"))
    _checked(args.tally, election_hash=h, index=index)
    if index != key.get("index"):
        raise Failure(f"{args.tally} asks trustee {index}; {args.key} is trustee {key.get('index')}'s key", 1)
    if args.board:
        _check_against_board(args.board, h, tally, key)
    else:
        print(
            "WARNING: no --board given, so this tool cannot check that it decrypts the tally of every"
            " counted ballot and not something else (one ballot's ciphertexts would reveal a vote)."
            " Download the board from the referendum's public page yourself and add --board.",
            file=sys.stderr,
        )
    try:
        decryption = trustees.partial_decrypt(h, index, key["share"], tally)
    except (ValueError, TypeError, KeyError) as exc:
        raise Failure(f"{args.tally}: the tally cannot be read: {exc}", 1) from None
    _write(args.out, decryption)
    print(f"Partial decryption of trustee {index} written to {args.out}: send it to the platform.")
    return 0


def _check_against_board(path: str, h: str, tally, key: dict) -> None:
    """Refuse to decrypt anything but the tally of a board that verifies (so no single ballot is decrypted)."""
    data = _read(path)
    report = _board.verify(data, workers=os.cpu_count() or 1)
    if not report.ok:
        raise Failure(f"{path} does not verify ({report.faults[0]}): not decrypting", 1)
    # The sum of the board's counted ballots, as the verifier computed it (the board's own "tally",
    # when it has one, is that sum or the board would not verify).
    if data.get("election_hash") != h or report.tally is None or report.tally != tally:
        raise Failure(f"the tally to decrypt is not the sum of the counted ballots of {path}: not decrypting", 1)
    election, j = data["election"], key.get("index")
    # The board verifies, so its keys are its deals'; they must be the ones this trustee confirmed.
    ours = (
        is_int(j)
        and 1 <= j <= len(election["trustees"])
        and election.get("uuid") == key.get("uuid")
        and election.get("public_key") == key.get("public_key")
        and election["trustees"][j - 1].get("verification_key") == key.get("verification_key")
        and data["trustees"][j - 1].get("commitments") == key.get("commitments")
    )
    if not ours:
        raise Failure(f"{path} is not the board of the election whose key you confirmed: not decrypting", 1)
    with open(path, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()
    counted = sum(1 for entry in data["ballots"] if entry.get("replaced_by") is None)
    print(f"The board {path} verifies and its tally is the one to decrypt.")
    print(
        f"It holds {len(data['ballots'])} ballots ({counted} counted) and its SHA-256 is {digest}: check that the"
        " referendum's public page shows the same board."
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ecitizen.voting.trustee", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("register", help="make your sealing key pair")
    p.add_argument("--key", required=True, help="your private key file (created; it must not exist)")
    p.add_argument("--index", type=int, help="your trustee number, if you know it")
    p.add_argument("--out", help="also write the public registration here")
    p.set_defaults(run=register)
    p = commands.add_parser("deal", help="deal shares of your part of the election key")
    p.add_argument("--key", required=True)
    p.add_argument("--setup", required=True, help="the setup from the platform")
    p.add_argument("--out", required=True)
    p.set_defaults(run=deal)
    p = commands.add_parser("confirm", help="check the shares dealt to you and keep your share")
    p.add_argument("--key", required=True)
    p.add_argument("--deals", required=True, help="the deals from the platform")
    p.add_argument("--out", required=True)
    p.set_defaults(run=confirm)
    p = commands.add_parser("decrypt", help="partially decrypt the tally")
    p.add_argument("--key", required=True)
    p.add_argument("--tally", required=True, help="the tally from the platform")
    p.add_argument("--out", required=True)
    p.add_argument("--board", help="the board: decrypt only when it verifies and its tally is this one")
    p.set_defaults(run=decrypt)
    args = parser.parse_args(argv)
    try:
        if getattr(args, "out", None) and _same_file(args.out, args.key):
            raise Failure(f"--out {args.out} is your key file: it would be overwritten by public data", 2)
        return args.run(args)
    except Failure as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.status


if __name__ == "__main__":
    sys.exit(main())
