"""Edges of reading amounts that mutation testing (``make mutation``) found untested.

Each would let a typed amount be read as another one, or refused with the wrong reason.
"""

from __future__ import annotations

import pytest

from ecitizen.core.money import MAX_INPUT_LENGTH, MoneyError, parse_amount


def _code(text: str, currency: str = "EUR", language: str = "en") -> str:
    with pytest.raises(MoneyError) as exc:
        parse_amount(text, currency, language=language)
    return exc.value.code


def test_the_first_group_of_thousands_has_at_most_three_digits():
    assert parse_amount("1,234,567.89", "GBP", language="en") == 123456789
    assert _code("1234,567.89", "GBP") == "invalid"  # not 1,234,567.89
    assert _code("1234.567,89", "EUR", "es") == "invalid"


def test_a_second_decimal_mark_is_invalid():
    assert _code("1,234.56.78", "GBP") == "invalid"
    assert _code("1.234,56,78", "EUR", "fr") == "invalid"


def test_four_digits_before_a_three_digit_fraction_cannot_be_thousands():
    # "1234,500" on a French page is not 1,234,500 (a group has three digits): too many decimals
    assert _code("1234,500", "EUR", "fr") == "decimals"
    # "123,450" could be 123.45 or 123,450: the page asks
    assert _code("123,450", "EUR", "fr") == "ambiguous"


def test_the_english_symbol_is_understood_on_every_page():
    for language in ("en", "fr", "es", "ar"):
        assert parse_amount("£30", "GBP", language=language) == 3000


def test_arabic_separators_and_digits():
    assert parse_amount("١٬٢٣٤٫٥٠", "GBP", language="ar") == 123450  # 1,234.50 in Arabic-Indic digits


def test_the_longest_input_accepted_is_the_limit():
    assert parse_amount("30.00".rjust(MAX_INPUT_LENGTH), "GBP", language="en") == 3000
    assert _code("30.00".rjust(MAX_INPUT_LENGTH + 1), "GBP") == "too_large"
