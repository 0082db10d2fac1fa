"""A compact JWS signed with Ed25519 ("EdDSA", RFC 8037), and its JWKS.

Deliberately small: one algorithm, one key type, no options. Signing takes a
private key; verification takes only a JWK Set (the JSON published at
``/.well-known/jwks.json``), so anyone holding that JSON can verify a token
offline exactly as this module does.

Token: ``base64url(header) "." base64url(payload) "." base64url(signature)``,
base64url without padding (RFC 7515 §2), the signature over the ASCII bytes
of the first two parts.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG = "EdDSA"
TYP = "JWT"
# Far above any token we issue; refuses megabyte "tokens" before any work.
MAX_TOKEN_LENGTH = 4096
_B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class InvalidToken(Exception):
    """The token is malformed, names an unknown key, or its signature does not verify."""


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode canonical unpadded base64url; anything else (padding, '+', '/', spaces,
    stray trailing bits) is refused, so one value has exactly one spelling."""
    if not _B64URL.match(text) or len(text) % 4 == 1:
        raise InvalidToken("Not base64url.")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidToken("Not base64url.") from exc
    if b64url_encode(data) != text:
        raise InvalidToken("Not canonical base64url.")
    return data


def _json_part(data: dict[str, Any]) -> str:
    return b64url_encode(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def sign(claims: dict[str, Any], *, private_key: Ed25519PrivateKey, kid: str) -> str:
    """Return the compact JWS of *claims* signed with *private_key*, naming *kid*."""
    signing_input = f"{_json_part({'alg': ALG, 'kid': kid, 'typ': TYP})}.{_json_part(claims)}"
    signature = private_key.sign(signing_input.encode("ascii"))
    return f"{signing_input}.{b64url_encode(signature)}"


def public_jwk(public_key: Ed25519PublicKey | bytes, *, kid: str) -> dict[str, str]:
    """The OKP JWK (RFC 8037 §2) of an Ed25519 public key."""
    if isinstance(public_key, Ed25519PublicKey):
        public_key = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(public_key), "kid": kid, "use": "sig", "alg": ALG}


def _decode_json(part: str) -> dict[str, Any]:
    try:
        value = json.loads(b64url_decode(part).decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise InvalidToken("Not JSON.") from exc
    if not isinstance(value, dict):
        raise InvalidToken("Not a JSON object.")
    return value


def unverified_header(token: str) -> dict[str, Any]:
    """The header of *token*, not yet trusted: use it only to choose a key."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH or token.count(".") != 2:
        raise InvalidToken("Not a compact JWS.")
    return _decode_json(token.split(".", 1)[0])


def _key_for(jwks: dict[str, Any], kid: Any) -> Ed25519PublicKey:
    for jwk in jwks.get("keys", []):
        if not isinstance(jwk, dict) or jwk.get("kid") != kid:
            continue
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or jwk.get("alg", ALG) != ALG:
            raise InvalidToken("The key is not an Ed25519 signing key.")
        raw = b64url_decode(str(jwk.get("x", "")))
        if len(raw) != 32:
            raise InvalidToken("The key is not an Ed25519 public key.")
        return Ed25519PublicKey.from_public_bytes(raw)
    raise InvalidToken("No key with this kid.")


def verify(token: str, *, jwks: dict[str, Any]) -> dict[str, Any]:
    """Return the claims of *token* if a key of *jwks* verifies its signature.

    Only the header's ``kid`` chooses the key, and only ``alg: EdDSA`` is
    accepted (never ``none``, never another algorithm named by the token).
    Time claims are *not* checked here: callers decide what expiry means.
    Raises :class:`InvalidToken`.
    """
    header = unverified_header(token)
    if header.get("alg") != ALG or "crit" in header:
        raise InvalidToken("Unsupported algorithm.")
    public_key = _key_for(jwks, header.get("kid"))
    header_part, payload_part, signature_part = token.split(".")
    try:
        public_key.verify(b64url_decode(signature_part), f"{header_part}.{payload_part}".encode("ascii"))
    except (InvalidSignature, UnicodeEncodeError) as exc:
        raise InvalidToken("The signature does not verify.") from exc
    return _decode_json(payload_part)
