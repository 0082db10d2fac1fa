"""Reading numbers from URLs, query strings and forms without surprises."""

from __future__ import annotations

from typing import Any


def parse_id(value: Any) -> int | None:
    """*value* (a number, or text of ASCII digits 0-9 only, at most 18 of them, nothing around) as an int, else
    None. Text from URLs and forms: ``"²".isdigit()`` is true and ``int("٥")`` is 5, so neither
    ``isdigit`` nor ``int`` alone is a safe test."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value if value is not None else "")
    if not text or len(text) > 18 or not (text.isascii() and text.isdecimal()):
        return None
    return int(text)
