"""Canonical JSON, the election hash and hashing to a scalar (docs/voting-protocol.md, section 1)."""

from __future__ import annotations

import base64
import hashlib
import json

from .group import L

MAX_INTEGER = 2**53 - 1
"""The largest integer canonical JSON holds (JavaScript's numbers hold no larger one exactly)."""


def _check_numbers(value) -> None:
    """Raise ValueError for a number canonical JSON does not hold: a float, or an integer beyond 2^53 − 1."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
        elif isinstance(item, float):
            raise ValueError(f"canonical JSON holds integers only, not {item!r}")
        elif isinstance(item, int) and not isinstance(item, bool) and not -MAX_INTEGER <= item <= MAX_INTEGER:
            raise ValueError("canonical JSON holds integers of at most 2^53 − 1 only")


def canonical_json(value) -> str:
    """``CJ``: keys sorted, no insignificant white space, non-ASCII escaped.

    Raises ValueError for a value holding a number other than an integer of at most 2^53 − 1 in
    magnitude (a fraction, NaN, an infinity), as the booth's JavaScript does: the two must never
    disagree on a hash.
    """
    _check_numbers(value)
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    except RecursionError:
        raise ValueError("too deeply nested for canonical JSON") from None


def election_hash(election: dict) -> str:
    """The lower-case hex SHA-256 of ``CJ(election)``; raises ValueError when CJ does not hold it."""
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
