"""Encryption of personal data at rest: AES-256-GCM with a keyring, and blind indexes.

Ciphertext format (ASCII, stored in a text column)::

    v1.<key id>.<base64url(12-byte nonce || ciphertext || 16-byte tag)>

The key id travels with the ciphertext, so values written under an older key
stay readable after rotation; ``manage.py rotate_encryption_keys`` re-encrypts
them under the primary key. The associated data binds each value to its
column (``app_label.model.field``): a ciphertext copied into another column or
altered by one bit fails to decrypt instead of yielding wrong data.

Encrypted values cannot be searched, so a *blind index* -- an HMAC-SHA256 of
the normalised value under a separate key -- is stored beside those that need
exact look-ups.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

VERSION = "v1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """The value was tampered with, belongs to another column, or its key is gone."""


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class Keyring:
    """Named AES-256 keys; ``primary`` encrypts, every key decrypts."""

    keys: dict[str, bytes]
    primary: str

    @classmethod
    def parse(cls, spec: str) -> Keyring:
        """Parse ``"kid:base64key,kid:base64key"``; the first entry is the primary key."""
        keys: dict[str, bytes] = {}
        primary = ""
        for entry in [e.strip() for e in spec.split(",") if e.strip()]:
            kid, sep, encoded = entry.partition(":")
            if not sep or not kid or "." in kid:
                raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS entries look like kid:base64key.")
            try:
                key = base64.b64decode(encoded, validate=True)
            except ValueError as exc:
                raise ImproperlyConfigured(f"Key {kid!r} is not valid base64.") from exc
            if len(key) != 32:
                raise ImproperlyConfigured(f"Key {kid!r} must be 32 bytes (AES-256).")
            if kid in keys:
                raise ImproperlyConfigured(f"Key id {kid!r} appears twice.")
            keys[kid] = key
            primary = primary or kid
        if not keys:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS holds no key.")
        return cls(keys=keys, primary=primary)

    def encrypt(self, plaintext: str, *, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.primary]).encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return f"{VERSION}.{self.primary}.{_b64encode(nonce + sealed)}"

    def decrypt(self, token: str, *, context: str) -> str:
        try:
            version, kid, body = token.split(".", 2)
        except ValueError as exc:
            raise DecryptionError("Not an encrypted value.") from exc
        if version != VERSION:
            raise DecryptionError(f"Unknown ciphertext version {version!r}.")
        key = self.keys.get(kid)
        if key is None:
            raise DecryptionError(f"No key {kid!r} in the keyring.")
        try:
            raw = _b64decode(body)
            plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode("utf-8"))
        except (InvalidTag, ValueError) as exc:
            raise DecryptionError("The value failed its integrity check.") from exc
        return plain.decode("utf-8")

    @staticmethod
    def key_id(token: str) -> str:
        return token.split(".", 2)[1]


@lru_cache(maxsize=4)
def _keyring_for(spec: str) -> Keyring:
    return Keyring.parse(spec)


def keyring() -> Keyring:
    return _keyring_for(settings.FIELD_ENCRYPTION_KEYS)


def normalise_identifier(value: str) -> str:
    """Canonical form of an identifier for blind indexing: no spaces or dashes, upper case."""
    folded = unicodedata.normalize("NFKC", value)
    return "".join(ch for ch in folded if ch.isalnum()).upper()


def blind_index(value: str, *, context: str) -> str:
    """HMAC-SHA256 (hex) of the normalised *value*, separated per *context*."""
    key = base64.b64decode(settings.BLIND_INDEX_KEY)
    message = f"{context}\x00{normalise_identifier(value)}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def generate_key() -> str:
    return base64.b64encode(os.urandom(32)).decode("ascii")
