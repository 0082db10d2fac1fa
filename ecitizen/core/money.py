"""Money is an integer number of minor units (pence, cents) and a currency code.

This module turns such amounts into text for a language ("£30.00", "30,00 €")
and parses what people type ("30.00") back into minor units. It knows only
the currencies in :data:`CURRENCIES`; Babel would know every one, but the
platform needs a handful and no extra dependency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import translation


@dataclass(frozen=True)
class Currency:
    code: str
    symbol: str
    exponent: int  # digits after the decimal point: 2 for pence and cents


CURRENCIES: dict[str, Currency] = {
    "GBP": Currency("GBP", "£", 2),
    "EUR": Currency("EUR", "€", 2),
    "USD": Currency("USD", "$", 2),
}


@dataclass(frozen=True)
class _Style:
    decimal: str
    group: str
    symbol_first: bool
    space: str  # between the number and a symbol that follows it
    min_grouping: int = 1  # Spanish does not group 4-digit numbers: 1000,00 € but 10.000,00 €


_NBSP = "\u00a0"
_NNBSP = "\u202f"
_STYLES = {
    "en": _Style(".", ",", True, ""),
    "es": _Style(",", ".", False, _NBSP, min_grouping=2),
    "fr": _Style(",", _NNBSP, False, _NBSP),
    "ar": _Style(".", ",", False, _NBSP),
}


class MoneyError(ValueError):
    """Text that is not an amount of money; ``code`` says why (for the caller's message)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def currency(code: str) -> Currency:
    """The currency with ISO 4217 *code*; KeyError for one the platform does not know."""
    return CURRENCIES[code]


def _group(digits: str, separator: str, min_grouping: int) -> str:
    if len(digits) < 4 + (min_grouping - 1):
        return digits
    parts = []
    while len(digits) > 3:
        parts.insert(0, digits[-3:])
        digits = digits[:-3]
    parts.insert(0, digits)
    return separator.join(parts)


def format_money(amount: int, currency_code: str, language: str | None = None) -> str:
    """*amount* minor units of *currency_code* as written in *language* (default: the active one).

    ``format_money(3000, "GBP", "en") == "£30.00"``; in French ``"30,00 £"``.
    Unknown currencies are shown with their code: ``"30.00 XYZ"``.
    """
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    style = _STYLES.get(language, _STYLES["en"])
    known = CURRENCIES.get(currency_code)
    exponent = known.exponent if known else 2
    symbol = known.symbol if known else currency_code
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(int(amount)), 10**exponent)
    number = _group(str(whole), style.group, style.min_grouping)
    if exponent:
        number += style.decimal + str(fraction).rjust(exponent, "0")
    if known is None:
        return f"{sign}{number} {symbol}"
    if style.symbol_first:
        return f"{sign}{symbol}{number}"
    return f"{sign}{number}{style.space}{symbol}"


_AMOUNT = re.compile(r"^\d+(?:\.\d+)?$")


def parse_amount(text: str, currency_code: str, *, maximum: int = 999_999_999) -> int:
    """What someone typed ("30", "30.5", "1,250.00", "£30") as minor units of *currency_code*.

    Raises :class:`MoneyError` with ``code`` one of ``"invalid"``, ``"negative"``,
    ``"decimals"`` (more decimal places than the currency has) or ``"too_large"``.
    """
    known = CURRENCIES.get(currency_code)
    exponent = known.exponent if known else 2
    cleaned = (text or "").strip().replace(" ", "").replace(",", "")
    if known and cleaned.startswith(known.symbol):
        cleaned = cleaned[len(known.symbol) :]
    if cleaned.startswith("-"):
        raise MoneyError("negative")
    if not _AMOUNT.match(cleaned):
        raise MoneyError("invalid")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the pattern already rules this out
        raise MoneyError("invalid") from exc
    minor = value.scaleb(exponent)
    if minor != minor.to_integral_value():
        raise MoneyError("decimals")
    if minor > maximum:
        raise MoneyError("too_large")
    return int(minor)


def format_amount(amount: int, currency_code: str) -> str:
    """Minor units as the plain decimal people type into a form: ``3000`` → ``"30.00"``."""
    known = CURRENCIES.get(currency_code)
    exponent = known.exponent if known else 2
    whole, fraction = divmod(int(amount), 10**exponent)
    return f"{whole}.{str(fraction).rjust(exponent, '0')}" if exponent else str(whole)
