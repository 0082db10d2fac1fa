"""Postal addresses: one shape and one completeness rule for profiles and service forms.

An address is ``{"line1", "line2", "town", "postcode"}`` (strings; ``line2``
optional). It is *complete* when it has a first line, a town and a postcode that
looks like one; a town alone ("Riverton") is not somewhere a letter can be sent.
The postcode check is deliberately loose, so it suits more than one country: 3 to
10 letters, digits, spaces or hyphens, with at least one digit ("RV1 4AB",
"75001", "12345-6789", "D02 X285").
"""

from __future__ import annotations

import re
from typing import Any

ADDRESS_PARTS = ("line1", "line2", "town", "postcode")
REQUIRED_PARTS = ("line1", "town", "postcode")
_POSTCODE = re.compile(r"^(?=[^0-9]*[0-9])[A-Za-z0-9](?:[A-Za-z0-9 -]{1,8})[A-Za-z0-9]$")


def normalise_postcode(value: str) -> str:
    """Upper case, single spaces, no space at either end: " rv1  4ab " → "RV1 4AB"."""
    return " ".join((value or "").split()).upper()


def postcode_looks_valid(value: str) -> bool:
    return bool(_POSTCODE.match(normalise_postcode(value)))


def address_parts(value: Any) -> dict[str, str]:
    """*value* as the four parts, each a stripped string ("" when missing or not an address)."""
    value = value if isinstance(value, dict) else {}
    return {part: str(value.get(part) or "").strip() for part in ADDRESS_PARTS}


def address_is_blank(value: Any) -> bool:
    return not any(address_parts(value).values())


def address_missing_parts(value: Any) -> list[str]:
    """The parts a complete address still needs: "line1", "town", "postcode" (a postcode that
    does not look like one counts as missing)."""
    parts = address_parts(value)
    missing = [part for part in REQUIRED_PARTS if not parts[part]]
    if parts["postcode"] and not postcode_looks_valid(parts["postcode"]):
        missing.append("postcode")
    return missing


def address_complete(value: Any) -> bool:
    return not address_missing_parts(value)
