"""Signed notes, checkpoints and witness cosignatures in the C2SP formats.

Pure Python, no Django: used by the log, the witness and the verifier.

* A signed note is a text ending in a newline, a blank line, then one line per signature:
  ``— <key name> <base64(4-byte key hash + signature)>``.
* An Ed25519 note key (algorithm 0x01) has the key hash ``SHA-256(name + "\\n" + 0x01 + public
  key)[:4]``; its verifier key is written ``<name>+<hash as 8 hex digits>+<base64(0x01 + public key)>``.
* A checkpoint is the note text ``<origin>\\n<size>\\n<base64 root hash>\\n`` and optional extension lines.
* A witness cosignature (``cosignature/v1``, algorithm 0x04) signs ``cosignature/v1\\ntime <t>\\n``
  followed by the checkpoint text; its signature bytes are the key hash, the time as a big-endian
  uint64 and the Ed25519 signature.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = 0x01
ALG_COSIGNATURE_V1 = 0x04
DASH = "\u2014"
NAME = re.compile(r"^[^\s+]{1,255}$")
MAX_NOTE = 1 << 16
MAX_SIGNATURES = 100  # signature lines a note may carry (log keys and witnesses together)
MAX_SIZE = (1 << 63) - 1  # the largest tree size a checkpoint may state (fits a signed 64-bit integer)
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # control characters other than newline


class NoteError(ValueError):
    """A note, key or signature that cannot be read or does not verify."""


def _b64d(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError("not valid base64") from exc


def _check_name(name: str) -> str:
    if not NAME.match(name):
        raise NoteError(f"a key name must be non-empty and hold no space or '+': {name!r}")
    return name


def key_hash(name: str, alg: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + public).digest()[:4]


def public_bytes(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def vkey(name: str, public: bytes, alg: int = ALG_ED25519) -> str:
    """The verifier key string of a note signer (alg 0x01) or a witness (alg 0x04)."""
    _check_name(name)
    return f"{name}+{key_hash(name, alg, public).hex()}+{base64.b64encode(bytes([alg]) + public).decode()}"


@dataclass(frozen=True)
class Verifier:
    name: str
    alg: int
    public: bytes

    @property
    def hash(self) -> bytes:
        return key_hash(self.name, self.alg, self.public)

    @property
    def vkey(self) -> str:
        return vkey(self.name, self.public, self.alg)


def parse_vkey(text: str) -> Verifier:
    parts = text.strip().split("+", 2)
    if len(parts) != 3:
        raise NoteError("a verifier key is <name>+<hash>+<key>")
    name, hash_hex, key_b64 = parts
    _check_name(name)
    raw = _b64d(key_b64)
    if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
        raise NoteError("the verifier key is not an Ed25519 key")
    verifier = Verifier(name=name, alg=raw[0], public=raw[1:])
    if verifier.hash.hex() != hash_hex.lower():
        raise NoteError("the verifier key's hash does not match its name and key")
    return verifier


# --- Notes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Signature:
    name: str
    hash: bytes
    sig: bytes  # what follows the key hash

    def line(self) -> str:
        return f"{DASH} {self.name} {base64.b64encode(self.hash + self.sig).decode()}\n"


def sign(text: str, name: str, private: Ed25519PrivateKey) -> Signature:
    """A note signature by the Ed25519 key *private* named *name* over *text*."""
    _check_text(text)
    return Signature(name, key_hash(name, ALG_ED25519, public_bytes(private)), private.sign(text.encode()))


def format_note(text: str, signatures: list[Signature]) -> str:
    _check_text(text)
    return text + "\n" + "".join(s.line() for s in signatures)


def _check_text(text: str) -> None:
    if not text.endswith("\n") or "\n\n" in text or "\r" in text:
        raise NoteError("a note's text ends with one newline and holds no blank line")


def split_note(note: str | bytes) -> tuple[str, list[Signature]]:
    """The text and the signatures of a signed note (not yet verified)."""
    if isinstance(note, bytes):
        if len(note) > MAX_NOTE:
            raise NoteError("the note is too long")
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteError("the note is not UTF-8") from exc
    elif len(note) > MAX_NOTE:
        raise NoteError("the note is too long")
    if _CONTROL.search(note):
        raise NoteError("a note holds no control character other than newline")
    cut = note.rfind("\n\n")
    if cut < 0 or not note.endswith("\n"):
        raise NoteError("the note has no signatures")
    text, block = note[: cut + 1], note[cut + 2 :]
    _check_text(text)
    lines = block.split("\n")[:-1]  # the block ends with a newline
    if len(lines) > MAX_SIGNATURES:
        raise NoteError(f"a note carries at most {MAX_SIGNATURES} signatures")
    signatures = []
    for line in lines:
        if not line.startswith(DASH + " "):
            raise NoteError("a signature line starts with an em dash")
        try:
            name, b64 = line[2:].split(" ")
        except ValueError as exc:
            raise NoteError("a signature line is '— <name> <signature>'") from exc
        raw = _b64d(b64)
        if len(raw) < 5:
            raise NoteError("a signature is too short")
        signatures.append(Signature(_check_name(name), raw[:4], raw[4:]))
    if not signatures:
        raise NoteError("the note has no signatures")
    return text, signatures


def verify_signature(text: str, signature: Signature, verifier: Verifier) -> bool:
    """Whether *signature* is *verifier*'s valid note signature (alg 0x01) over *text*."""
    if verifier.alg != ALG_ED25519 or signature.name != verifier.name or signature.hash != verifier.hash:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(verifier.public).verify(signature.sig, text.encode())
    except (InvalidSignature, ValueError):
        return False
    return True


def open_note(note: str | bytes, verifiers: list[Verifier]) -> tuple[str, list[Signature]]:
    """The text of *note* and the signatures in it that one of *verifiers* made.

    Raises NoteError when none of the given keys signed it, or when a signature claims one of
    their names and hashes but does not verify (a forged or damaged note).
    """
    text, signatures = split_note(note)
    by_id = {(v.name, v.hash): v for v in verifiers if v.alg == ALG_ED25519}
    good = []
    for s in signatures:
        v = by_id.get((s.name, s.hash))
        if v is None:
            continue
        if not verify_signature(text, s, v):
            raise NoteError(f"the signature of {s.name} does not verify: the note was changed or forged")
        good.append(s)
    if not good:
        raise NoteError("the note is not signed by any of the known keys")
    return text, good


# --- Checkpoints ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode(), *self.extensions]
        return "\n".join(lines) + "\n"


def parse_checkpoint(text: str) -> Checkpoint:
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("a checkpoint is an origin, a size and a root hash, one per line")
    origin, size, root_b64, *extensions = lines[:-1]
    if not origin or not re.fullmatch(r"0|[1-9][0-9]{0,18}", size) or int(size) > MAX_SIZE:
        raise NoteError("the checkpoint's origin or size is not valid")
    root = _b64d(root_b64)
    if len(root) != 32:
        raise NoteError("the checkpoint's root hash is not 32 bytes")
    if any(not line for line in extensions):
        raise NoteError("a checkpoint holds no blank line")
    return Checkpoint(origin, int(size), root, tuple(extensions))


# --- Witness cosignatures (cosignature/v1) ---------------------------------------------------


def _cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    return f"cosignature/v1\ntime {timestamp}\n".encode() + checkpoint_text.encode()


def cosign(checkpoint_text: str, name: str, private: Ed25519PrivateKey, timestamp: int) -> Signature:
    """A witness's cosignature over a checkpoint, at Unix time *timestamp*."""
    _check_text(checkpoint_text)
    hash_ = key_hash(name, ALG_COSIGNATURE_V1, public_bytes(private))
    sig = private.sign(_cosigned_message(checkpoint_text, timestamp))
    return Signature(name, hash_, timestamp.to_bytes(8, "big") + sig)


def verify_cosignature(checkpoint_text: str, signature: Signature, witness: Verifier) -> int | None:
    """The cosignature's time if *witness* made it over *checkpoint_text*, else None."""
    if witness.alg != ALG_COSIGNATURE_V1 or signature.name != witness.name or signature.hash != witness.hash:
        return None
    if len(signature.sig) != 8 + 64:
        return None
    timestamp = int.from_bytes(signature.sig[:8], "big")
    try:
        Ed25519PublicKey.from_public_bytes(witness.public).verify(
            signature.sig[8:], _cosigned_message(checkpoint_text, timestamp)
        )
    except (InvalidSignature, ValueError):
        return None
    return timestamp
