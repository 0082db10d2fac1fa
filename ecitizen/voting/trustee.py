"""The trustee's tool, run on the trustee's own computer (docs/voting-protocol.md, section 3).

    python -m ecitizen.voting.trustee register --key KEY.json [--index I] [--out REGISTRATION.json]
    python -m ecitizen.voting.trustee deal     --key KEY.json --setup SETUP.json --out DEAL.json
    python -m ecitizen.voting.trustee confirm  --key KEY.json --deals DEALS.json --out CONFIRM.json
    python -m ecitizen.voting.trustee decrypt  --key KEY.json --tally TALLY.json --out DECRYPTION.json
                                               [--board BOARD.json]

KEY.json holds the trustee's secrets (the sealing key, then the share x_j of the election key):
it is written readable by its owner only and never leaves this computer. Every other file is
public and is exchanged through the platform. Exit status: 0 done, 1 a check failed (a bad deal,
a tally that is not the board's), 2 a file cannot be read or written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ecitizen.voting.protocol import board as _board
from ecitizen.voting.protocol import trustees

KEY_FORMAT = "ecitizen-trustee-key/1"


class Failure(Exception):
    def __init__(self, message: str, status: int = 2):
        super().__init__(message)
        self.status = status


def _read(path: str) -> dict:
    try:
        with open(path, "rb") as handle:
            data = json.load(handle)
    except OSError as exc:
        raise Failure(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise Failure(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise Failure(f"{path} is not a JSON object")
    return data


def _write(path: str, value: dict, *, private: bool = False, replace: bool = True) -> None:
    """Write JSON; a private file is created readable and writable by its owner only (0600)."""
    text = json.dumps(value, indent=2, sort_keys=True) + "\n"
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL)
    try:
        descriptor = os.open(path, flags, 0o600 if private else 0o644)
        if private:
            os.chmod(path, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(text)
    except FileExistsError:
        raise Failure(f"{path} exists already: it is not overwritten") from None
    except OSError as exc:
        raise Failure(f"cannot write {path}: {exc.strerror or exc}") from None


def _key(path: str) -> dict:
    key = _read(path)
    if key.get("format") != KEY_FORMAT or not isinstance(key.get("sealing_secret"), str):
        raise Failure(f"{path} is not a trustee key file")
    return key


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
    listed = _field(setup, "trustees", args.setup)
    try:
        sealing_keys = {int(t["index"]): t["sealing_key"] for t in listed}
    except (TypeError, KeyError, ValueError):
        raise Failure(f"{args.setup}: trustees must be a list of {{'index', 'sealing_key'}}") from None
    if sealing_keys.get(index) != key["sealing_key"]:
        raise Failure(f"{args.setup} does not list your sealing key as trustee {index}'s: is it your setup?", 1)
    if key.get("index") not in (None, index):
        raise Failure(f"{args.key} is trustee {key['index']}'s, not trustee {index}'s", 1)
    try:
        message = trustees.deal(uuid, index, threshold, sealing_keys)
    except ValueError as exc:
        raise Failure(f"{args.setup}: {exc}", 1) from None
    key.update({"index": index, "uuid": uuid, "threshold": threshold})
    _write(args.key, key, private=True)
    _write(args.out, message)
    print(f"Deal of trustee {index} written to {args.out}: send it to the platform.")
    return 0


def confirm(args) -> int:
    key = _key(args.key)
    deals = _read(args.deals)
    uuid, threshold, index = (_field(deals, name, args.deals) for name in ("uuid", "threshold", "index"))
    if key.get("index") not in (None, index) or key.get("uuid") not in (None, uuid):
        raise Failure(f"{args.deals} is for trustee {index} of {uuid}; {args.key} is not that trustee's key", 1)
    try:
        share, verification_key = trustees.confirm(
            uuid, index, threshold, _field(deals, "deals", args.deals), key["sealing_secret"]
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
    if index != key.get("index"):
        raise Failure(f"{args.tally} asks trustee {index}; {args.key} is trustee {key.get('index')}'s key", 1)
    if args.board:
        _check_against_board(args.board, h, tally, key)
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
    if data.get("election_hash") != h or data.get("tally") != tally:
        raise Failure(f"the tally to decrypt is not the tally of {path}: not decrypting", 1)
    election = data["election"]
    if key.get("uuid") not in (None, election.get("uuid")) or (
        key.get("public_key") not in (None, election.get("public_key"))
    ):
        raise Failure(f"{path} is another election's board: not decrypting", 1)
    print(f"The board {path} verifies and its tally is the one to decrypt.")


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
        return args.run(args)
    except Failure as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.status


if __name__ == "__main__":
    sys.exit(main())
