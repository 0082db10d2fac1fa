"""Canonical JSON, the election hash and hashing to a scalar (docs/voting-protocol.md, section 1)."""

from __future__ import annotations

import base64
import hashlib
import json

from .group import L


def canonical_json(value) -> str:
    """``CJ``: keys sorted, no insignificant white space, non-ASCII escaped."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def election_hash(election: dict) -> str:
    """The lower-case hex SHA-256 of ``CJ(election)``."""
    return hashlib.sha256(canonical_json(election).encode("ascii")).hexdigest()


def _item(value) -> str:
    if isinstance(value, bool):
        raise TypeError("a boolean is not a hash item")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    raise TypeError(f"not a hash item: {type(value).__name__}")


def hash_to_scalar(domain: str, *items) -> int:
    """``Hs(domain, x1, …, xn)``: SHA-512 of ``domain|x1|…|xn`` read little-endian, reduced mod L.

    Items are strings (hex of points and scalars as written in JSON, digests, identifiers) or
    integers (written in decimal).
    """
    text = "|".join([domain, *map(_item, items)])
    return int.from_bytes(hashlib.sha512(text.encode("utf-8")).digest(), "little") % L


def group_by_four(text: str) -> str:
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def tracker_of_digest(digest: bytes) -> str:
    """The first 20 characters of the base-32 encoding of a digest, in groups of four."""
    return group_by_four(base64.b32encode(digest).decode("ascii")[:20])
