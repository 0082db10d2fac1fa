"""Money is an integer number of minor units (pence, cents) and a currency code.

This module turns such amounts into text for a language ("£30.00", "30,00 €") and parses
what people type ("30,50" on a French page) back into minor units. Both follow the locale
of the language (the active one unless given) through Babel's copy of the Unicode CLDR, so
the separators and symbols a page shows are the ones it reads back.

Parsing accepts what people write in any of our languages, but never guesses:

* ``1 234,56`` / ``1.234,56`` / ``1,234.56``: with both separators, the last one is the
  decimal mark and the other must group the digits in threes.
* ``30,50`` / ``30.50``: one separator followed by other than three digits can only be a
  decimal mark, whatever the locale (so machine-written ``185000.00`` works everywhere).
* ``1,250`` / ``1.250``: one separator followed by exactly three digits is a thousands
  separator when it is the locale's own (``1,250`` in English, ``1.250`` in Spanish);
  otherwise it is **ambiguous** (``1,250`` on a French page may be 1.25 or 1250) and
  refused with code ``"ambiguous"``. (Unless the currency itself has three decimals; and
  ``1,234``, which cannot be an amount of pence, is refused as ``"decimals"``.)
* Currency symbols and codes at either end, spaces of any kind, bidirectional marks and
  digits of other scripts (Arabic-Indic ``٣٠٫٥٠``) are understood.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.numbers import (
    format_currency,
    format_decimal,
    get_currency_precision,
    get_currency_symbol,
    get_decimal_symbol,
    get_group_symbol,
)
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


@dataclass(frozen=True)
class Currency:
    code: str
    symbol: str  # as English pages show it
    exponent: int  # digits after the decimal point: 2 for pence and cents


def _currency(code: str) -> Currency:
    return Currency(code, get_currency_symbol(code, "en"), get_currency_precision(code))


#: The currencies the platform offers for fees and taxes (any ISO 4217 code formats and parses).
CURRENCIES: dict[str, Currency] = {code: _currency(code) for code in ("GBP", "EUR", "USD")}

MAX_INPUT_LENGTH = 40
_SIGNS = ("-", "\u2212", "\u2012", "\u2013", "\u2014", "\ufe63", "\uff0d")
_SEPARATORS = ".,"


class MoneyError(ValueError):
    """Text that is not an amount of money; ``code`` says why, ``message`` says it to the person.

    ``code`` is one of ``"invalid"``, ``"negative"``, ``"decimals"`` (more decimal places than
    the currency has), ``"too_large"`` or ``"ambiguous"`` (a separator that could mean thousands
    or decimals).
    """

    def __init__(self, code: str, *, text: str = "", currency_code: str = "GBP", language: str | None = None):
        super().__init__(code)
        self.code = code
        self.text = text
        self.currency_code = currency_code
        self.language = language
        self.thousands_reading: int | None = None

    @property
    def message(self) -> str:
        """What went wrong, in the active language, with an example in the locale's own style."""
        exponent = currency_exponent(self.currency_code)
        example = example_amount(self.currency_code, self.language)
        if self.code == "negative":
            return _("The amount cannot be negative.")
        if self.code == "too_large":
            return _("The amount is too large.")
        if self.code == "decimals":
            if exponent == 0:
                return _("The amount must be a whole number, like %(example)s.") % {"example": example}
            return ngettext(
                "The amount can have at most %(places)d decimal place, like %(example)s.",
                "The amount can have at most %(places)d decimal places, like %(example)s.",
                exponent,
            ) % {"places": exponent, "example": example}
        if self.code == "ambiguous":
            thousands = (
                format_money(self.thousands_reading, self.currency_code, self.language)
                if self.thousands_reading is not None
                else ""
            )
            return _(
                "“%(text)s” is unclear: it could be %(thousands)s or an amount with decimals. "
                "Write the amount like %(example)s."
            ) % {"text": self.text.strip(), "thousands": thousands, "example": example}
        return _("Enter the amount as a number, like %(example)s.") % {"example": example}

    def __str__(self) -> str:
        return self.code


def currency(code: str) -> Currency:
    """The currency with ISO 4217 *code*; KeyError for one the platform does not offer."""
    return CURRENCIES[code]


def currency_exponent(code: str) -> int:
    """Digits after the decimal point for *code*: 2 for GBP, 0 for JPY, 3 for KWD (2 if unknown)."""
    known = CURRENCIES.get(code)
    if known is not None:
        return known.exponent
    return get_currency_precision(str(code or ""))  # Babel knows every ISO code; any other reads as 2


def _language(language: str | None) -> str:
    return language or translation.get_language() or settings.LANGUAGE_CODE


@functools.lru_cache(maxsize=64)
def babel_locale(language: str) -> Locale:
    """The Babel locale of a Django language code ("fr", "en-gb", "zh-hans"); English if unknown."""
    for candidate in (translation.to_locale(language), language.split("-")[0]):
        try:
            return Locale.parse(candidate)
        except (ValueError, TypeError, UnknownLocaleError):
            continue
    return Locale.parse("en")


def _major(amount: int, currency_code: str) -> Decimal:
    return Decimal(int(amount)).scaleb(-currency_exponent(currency_code))


def format_money(amount: int, currency_code: str, language: str | None = None) -> str:
    """*amount* minor units of *currency_code* as written in *language* (default: the active one).

    ``format_money(3000, "GBP", "en") == "£30.00"``; in French ``"30,00 £GB"``, in Spanish
    ``"30,00 GBP"`` (CLDR's symbols, with no-break spaces where the locale puts them).
    """
    locale = babel_locale(_language(language))
    return format_currency(_major(amount, currency_code), currency_code, locale=locale, currency_digits=True)


def format_amount(amount: int, currency_code: str, language: str | None = None) -> str:
    """Minor units as people type them into a form in *language*: ``3000`` → ``"30.00"`` in
    English, ``"30,00"`` in French. No symbol and no grouping; :func:`parse_amount` reads it back."""
    exponent = currency_exponent(currency_code)
    pattern = "0." + "0" * exponent if exponent else "0"
    locale = babel_locale(_language(language))
    return format_decimal(_major(amount, currency_code), format=pattern, locale=locale, decimal_quantization=False)


def example_amount(currency_code: str, language: str | None = None) -> str:
    """An amount written the way *language* writes it, for hints and errors: "1,234.56", "1 234,56"."""
    exponent = currency_exponent(currency_code)
    pattern = "#,##0." + "0" * exponent if exponent else "#,##0"
    locale = babel_locale(_language(language))
    return format_decimal(Decimal("1234.56"), format=pattern, locale=locale)


def _normalise(text: str) -> str:
    """NFKC (fullwidth digits, no-break spaces), digits of any script as ASCII, format marks dropped."""
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        if unicodedata.category(ch) == "Cf":  # bidirectional marks, zero-width spaces
            continue
        if ch.isdigit() and not ch.isascii():
            try:
                ch = str(unicodedata.decimal(ch))
            except ValueError:
                pass
        out.append(ch)
    return "".join(out)


def _strip_symbols(text: str, symbols: list[str]) -> str:
    text = text.strip()
    for symbol in symbols:
        if symbol and text.upper().startswith(symbol.upper()):
            text = text[len(symbol) :].strip()
            break
    for symbol in symbols:
        if symbol and text.upper().endswith(symbol.upper()):
            text = text[: -len(symbol)].strip()
            break
    return text


def _is_grouped(parts: list[str]) -> bool:
    """Digits grouped in threes: "1", "250", "000" (the first group 1 to 3 digits)."""
    return 1 <= len(parts[0]) <= 3 and all(len(part) == 3 for part in parts[1:])


_DIGITS_AND_SEPARATORS = re.compile(r"^[0-9]+(?:[.,][0-9]+)*$")


def parse_amount(text: str, currency_code: str, *, maximum: int = 999_999_999, language: str | None = None) -> int:
    """What someone typed ("30", "30,50", "1 250,00 €", "£1,250.00") as minor units of *currency_code*,
    read in the locale of *language* (default: the active language). See the module docstring.

    Raises :class:`MoneyError` with ``code`` one of ``"invalid"``, ``"negative"``,
    ``"decimals"``, ``"too_large"`` or ``"ambiguous"``; its ``message`` explains it.
    """
    language = _language(language)

    def error(code: str) -> MoneyError:
        return MoneyError(code, text=str(text or ""), currency_code=currency_code, language=language)

    if not isinstance(text, str):
        raise error("invalid")
    if len(text) > MAX_INPUT_LENGTH:
        raise error("too_large" if re.fullmatch(r"[0-9\s.,]+", text) else "invalid")
    locale = babel_locale(language)
    decimal_mark = get_decimal_symbol(locale)
    group_mark = get_group_symbol(locale)
    cleaned = _normalise(text)
    cleaned = cleaned.replace("\u066b", decimal_mark).replace("\u066c", group_mark)  # Arabic separators
    symbols = {
        _normalise(get_currency_symbol(currency_code, locale)),
        _normalise(get_currency_symbol(currency_code, "en")),
        currency_code,
    }
    symbols = sorted(symbols, key=len, reverse=True)
    cleaned = cleaned.strip()
    if cleaned.startswith(_SIGNS):
        raise error("negative")
    cleaned = _strip_symbols(cleaned, symbols)
    if cleaned.startswith(_SIGNS):
        raise error("negative")
    cleaned = "".join(ch for ch in cleaned if not ch.isspace())
    if not _DIGITS_AND_SEPARATORS.match(cleaned):
        raise error("invalid")

    exponent = currency_exponent(currency_code)
    whole, fraction = _split(cleaned, decimal_mark, group_mark, exponent, error)
    if len(fraction) > exponent:
        raise error("decimals")
    minor = int(whole) * 10**exponent + int(fraction.ljust(exponent, "0") or "0")
    if minor > maximum:
        raise error("too_large")
    return minor


def _split(cleaned: str, decimal_mark: str, group_mark: str, exponent: int, error) -> tuple[str, str]:
    """(whole digits, fraction digits) of *cleaned* (digits and separators only)."""
    used = [ch for ch in cleaned if ch in _SEPARATORS]
    if not used:
        return cleaned, ""
    if len(set(used)) == 2:
        # Both: the last is the decimal mark, the other groups thousands.
        mark = used[-1]
        other = "," if mark == "." else "."
        if used.count(mark) != 1:
            raise error("invalid")
        whole, fraction = cleaned.split(mark)
        groups = whole.split(other)
        if not _is_grouped(groups):
            raise error("invalid")
        return "".join(groups), fraction
    mark = used[0]
    parts = cleaned.split(mark)
    if len(parts) > 2:
        # Repeated: only thousands can repeat ("1.250.000", "1,250,000").
        if not _is_grouped(parts):
            raise error("invalid")
        return "".join(parts), ""
    whole, fraction = parts
    if len(fraction) != 3:
        return whole, fraction  # can only be a decimal mark
    if mark == group_mark and len(whole) <= 3:
        return whole + fraction, ""  # the locale's own thousands separator
    if (mark == decimal_mark and exponent >= 3) or len(whole) > 3 or fraction[exponent:].strip("0"):
        # Three decimals in the locale's own style; no thousands reading; or too many decimals to
        # be an amount at all ("30.001" is refused as "decimals", nothing is guessed either way).
        return whole, fraction
    ambiguous = error("ambiguous")
    ambiguous.thousands_reading = int(whole + fraction) * 10**exponent
    raise ambiguous
