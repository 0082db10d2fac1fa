"""The group ristretto255, through libsodium (pysodium): a thin layer, no arithmetic of our own.

Points are ``bytes`` (their canonical 32-byte encodings); scalars are Python ``int`` in [0, L).
In JSON both are 64 lower-case hex digits (a scalar little-endian). libsodium refuses a zero
scalar and a result equal to the identity in its multiplications; ``mul`` and ``base`` handle
those cases here, so that callers may multiply anything by anything.
"""

from __future__ import annotations

import re

import pysodium as _na

L = 2**252 + 27742317777372353535851937790883648493
IDENTITY = bytes(32)

_HEX64 = re.compile(r"[0-9a-f]{64}\Z")


class InvalidEncoding(ValueError):
    """A hex string that is not a valid point or scalar as docs/voting-protocol.md writes them."""


def _bytes_from_hex(text: object, what: str) -> bytes:
    if not isinstance(text, str) or not _HEX64.match(text):
        raise InvalidEncoding(f"{what}: not 64 lower-case hex digits")
    return bytes.fromhex(text)


def scalar_from_hex(text: object) -> int:
    """The scalar written as ``text``; raises InvalidEncoding unless it is reduced (below L)."""
    value = int.from_bytes(_bytes_from_hex(text, "scalar"), "little")
    if value >= L:
        raise InvalidEncoding("scalar: not reduced")
    return value


def scalar_hex(value: int) -> str:
    return (value % L).to_bytes(32, "little").hex()


def scalar_bytes(value: int) -> bytes:
    return (value % L).to_bytes(32, "little")


def is_valid_point(point: bytes) -> bool:
    """True for a canonical encoding of a group element (the identity included).

    libsodium 1.0.18 ignores bit 255 when it decodes a point (later versions refuse it, as RFC 9496
    does): with that bit set, every point would have a second encoding, and 31 zero bytes then 0x80
    would be an identity that is not 32 zero bytes. Such encodings are refused here.
    """
    return len(point) == 32 and not point[31] & 0x80 and _na.crypto_core_ristretto255_is_valid_point(point)


def point_from_hex(text: object, *, identity: bool = False) -> bytes:
    """The point written as ``text``; the identity only when ``identity`` allows it."""
    point = _bytes_from_hex(text, "point")
    if point == IDENTITY:
        if identity:
            return point
        raise InvalidEncoding("point: the identity is not allowed here")
    if not is_valid_point(point):
        raise InvalidEncoding("point: not a ristretto255 encoding")
    return point


def point_hex(point: bytes) -> str:
    return point.hex()


def random_scalar() -> int:
    """A uniformly random non-zero scalar (libsodium's generator)."""
    while True:
        value = int.from_bytes(_na.crypto_core_ristretto255_scalar_random(), "little")
        if value:
            return value


def base(k: int) -> bytes:
    """k·G."""
    k %= L
    if k == 0:
        return IDENTITY
    return _na.crypto_scalarmult_ristretto255_base(k.to_bytes(32, "little"))


def mul(k: int, point: bytes) -> bytes:
    """k·point, for any scalar and any valid point (the identity included)."""
    k %= L
    if point == IDENTITY:
        return IDENTITY
    if k == 0:
        if not is_valid_point(point):
            raise InvalidEncoding("point: not a ristretto255 encoding")
        return IDENTITY
    try:
        return _na.crypto_scalarmult_ristretto255(k.to_bytes(32, "little"), point)
    except ValueError:
        # In a group of prime order a non-zero multiple of a non-identity point is never the
        # identity, so libsodium refused the point itself.
        raise InvalidEncoding("point: not a ristretto255 encoding") from None


def add(p: bytes, q: bytes) -> bytes:
    try:
        return _na.crypto_core_ristretto255_add(p, q)
    except ValueError:
        raise InvalidEncoding("point: not a ristretto255 encoding") from None


def sub(p: bytes, q: bytes) -> bytes:
    try:
        return _na.crypto_core_ristretto255_sub(p, q)
    except ValueError:
        raise InvalidEncoding("point: not a ristretto255 encoding") from None


def total(points) -> bytes:
    """The sum of the points (the identity for none)."""
    result = None
    for point in points:
        result = point if result is None else add(result, point)
    return IDENTITY if result is None else result


G = base(1)
