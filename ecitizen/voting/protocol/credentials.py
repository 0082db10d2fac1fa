"""Credential codes and public credentials (docs/voting-protocol.md, section 4)."""

from __future__ import annotations

import base64
import re
import secrets

from . import group
from .hashing import group_by_four, hash_to_scalar

CODE_LENGTH = 24
_CODE = re.compile(r"[A-Z2-7]{24}\Z")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]+")  # white space, ASCII and Unicode dashes


def new_code() -> str:
    """A fresh credential code: 120 random bits as 24 base-32 characters, in groups of four."""
    code = base64.b32encode(secrets.token_bytes(15)).decode("ascii")
    return group_by_four(code)


def normalise_code(text: str) -> str | None:
    """``CODE``: the 24 characters in upper case; None if not a code.

    White space and dashes (ASCII, U+2010–U+2015 and U+2212, which e-mail programs substitute) are
    ignored and lower case is accepted, as docs/voting-protocol.md section 4 says.
    """
    if not isinstance(text, str):
        return None
    code = _SEPARATORS.sub("", text).upper()
    return code if _CODE.match(code) else None


def _code(code: str) -> str:
    normal = normalise_code(code)
    if normal is None:
        raise ValueError("not a credential code")
    return normal


def secret(uuid: str, code: str) -> int:
    """``cred = Hs("ecitizen-vote/credential", uuid, CODE)``."""
    return hash_to_scalar("ecitizen-vote/credential", uuid, _code(code))


def public_credential(uuid: str, code: str) -> str:
    """``P = cred·G``, in hex."""
    return group.point_hex(group.base(secret(uuid, code)))
