"""Cells for CSV files that people open in a spreadsheet."""

from __future__ import annotations

from typing import Any

# A cell starting with one of these is run as a formula by common spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: Any) -> str:
    """*value* as text a spreadsheet shows and never runs: None is empty, and text starting like a
    formula gets an apostrophe in front."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in FORMULA_STARTS else text
