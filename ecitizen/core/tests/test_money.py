"""Money per locale (issue 9, 4.1): what a page shows in a language is what it reads back.

``parse_amount("30,50", "EUR")`` once gave €3,050.00 while French and Spanish pages show
"30,50 €". Amounts are now formatted and parsed with Babel in the active language's locale,
and input that could mean thousands or decimals is refused with a clear message.
"""

from __future__ import annotations

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from ecitizen.core.money import MoneyError, example_amount, format_amount, format_money, parse_amount

LANGUAGES = ["en", "es", "fr", "ar"]
CURRENCIES = ["GBP", "EUR", "USD", "JPY", "KWD", "CHF"]
MAXIMUM = 999_999_999


# --- the bug ------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "es"])
def test_a_comma_is_the_decimal_mark_on_french_and_spanish_pages(language):
    assert parse_amount("30,50", "EUR", language=language) == 3050
    assert format_money(3050, "EUR", language) == "30,50\u00a0€"


def test_the_active_language_decides():
    with translation.override("fr"):
        assert parse_amount("1 250,50", "EUR") == 125050
        assert format_amount(125050, "EUR") == "1250,50"
    with translation.override("en"):
        assert parse_amount("1,250.50", "EUR") == 125050
        assert format_amount(125050, "EUR") == "1250.50"


# --- reading what people type --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language", "minor"),
    [
        ("30", "en", 3000),
        ("30,50", "en", 3050),  # a comma before two digits can only be decimals
        ("1,250", "en", 125000),  # the English thousands separator
        ("1,250,000.5", "en", 125000050),
        ("£1,250.00", "en", 125000),
        ("GBP 12", "en", 1200),
        ("gbp12", "en", 1200),
        ("12 £", "en", 1200),
        ("1.250", "es", 125000),  # the Spanish thousands separator
        ("1.250,5", "es", 125050),
        ("30.50", "es", 3050),  # a point before two digits: decimals, as a CSV writes them
        ("185000.00", "es", 18500000),
        ("1\u202f250,00\u00a0£GB", "fr", 125000),  # exactly what a French page shows
        ("1 250,00", "fr", 125000),  # with an ordinary space
        ("1.234,56", "fr", 123456),  # both marks: the last is the decimal one
        ("1,234.56", "fr", 123456),
        ("\u200f30.00\u00a0UK£", "ar", 3000),  # what an Arabic page shows, with its mark
        ("٣٠٫٥٠", "ar", 3050),  # Arabic-Indic digits and decimal separator
        ("１２", "en", 1200),  # fullwidth digits
        ("0", "en", 0),
    ],
)
def test_parse_amount_reads_the_locale(text, language, minor):
    assert parse_amount(text, "GBP", language=language) == minor


@pytest.mark.parametrize(
    ("text", "language"),
    [("1,250", "fr"), ("1.250", "fr"), ("1.250", "en"), ("1,250", "es"), ("30.000", "en"), ("9.990", "ar")],
)
def test_a_lone_separator_before_three_digits_is_ambiguous(text, language):
    with pytest.raises(MoneyError) as caught:
        parse_amount(text, "GBP", language=language)
    assert caught.value.code == "ambiguous"
    with translation.override(language):
        message = caught.value.message
    assert text in message and "1" in message


def test_the_ambiguity_message_names_both_readings_in_the_locale():
    with pytest.raises(MoneyError) as caught:
        parse_amount("1,250", "EUR", language="fr")
    with translation.override("en"):
        assert caught.value.message == (
            "“1,250” is unclear: it could be 1\u202f250,00\u00a0€ or an amount with decimals. "
            "Write the amount like 1\u202f234,56."
        )


def test_three_decimals_are_fine_for_a_currency_that_has_them():
    assert parse_amount("1,250", "KWD", language="fr") == 1250
    assert parse_amount("1.250", "KWD", language="en") == 1250
    assert parse_amount("1,250", "KWD", language="en") == 1250000  # English thousands


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("-5", "negative"),
        ("\u22125", "negative"),
        ("-£5", "negative"),
        ("£-5", "negative"),
        ("30.0001", "decimals"),
        ("30.001", "decimals"),  # cannot be pence: refused, not read as 30,001
        ("1.234", "decimals"),
        ("1234,567", "decimals"),  # four digits first: cannot be thousands
        ("thirty", "invalid"),
        ("", "invalid"),
        ("   ", "invalid"),
        ("1e3", "invalid"),
        ("1,2,3", "invalid"),  # bad grouping
        ("12,34.5", "invalid"),
        ("1.2.3,4", "invalid"),
        ("1,234,56.7", "invalid"),
        ("1..2", "invalid"),
        (".5", "invalid"),
        ("5.", "invalid"),
        ("€5", "invalid"),  # another currency's symbol
        ("NaN", "invalid"),
        ("Infinity", "invalid"),
        ("10000000", "too_large"),
        ("9" * 60, "too_large"),
        ("x" * 60, "invalid"),
    ],
)
def test_parse_amount_refuses_with_a_code_and_a_message(text, code):
    with pytest.raises(MoneyError) as caught:
        parse_amount(text, "GBP", language="en")
    assert caught.value.code == code
    assert caught.value.message  # every code has words for the person


def test_messages_are_translated_and_give_a_local_example():
    with pytest.raises(MoneyError) as caught:
        parse_amount("thirty", "EUR", language="fr")
    with translation.override("fr"):
        message = caught.value.message
    assert example_amount("EUR", "fr") in message
    assert example_amount("EUR", "fr") == "1\u202f234,56"
    assert example_amount("JPY", "en") == "1,235"


def test_whole_number_currencies_refuse_decimals():
    assert parse_amount("1,250", "JPY", language="en") == 1250
    with pytest.raises(MoneyError) as caught:
        parse_amount("12.5", "JPY", language="en")
    assert caught.value.code == "decimals"


def test_a_non_string_is_invalid():
    with pytest.raises(MoneyError) as caught:
        parse_amount(None, "GBP")
    assert caught.value.code == "invalid"


# --- format, then parse: the same amount ---------------------------------------------------


@pytest.mark.parametrize("format_", [format_money, format_amount])
@settings(max_examples=300, deadline=None)
@given(
    amount=st.integers(min_value=0, max_value=MAXIMUM),
    currency=st.sampled_from(CURRENCIES),
    language=st.sampled_from(LANGUAGES),
)
def test_format_then_parse_gives_the_same_amount(format_, amount, currency, language):
    shown = format_(amount, currency, language)
    assert parse_amount(shown, currency, language=language) == amount


@settings(max_examples=100, deadline=None)
@given(amount=st.integers(min_value=1, max_value=MAXIMUM), language=st.sampled_from(LANGUAGES))
def test_a_negative_amount_shown_reads_as_negative(amount, language):
    with pytest.raises(MoneyError) as caught:
        parse_amount(format_money(-amount, "EUR", language), "EUR", language=language)
    assert caught.value.code == "negative"


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=30), language=st.sampled_from(LANGUAGES))
def test_any_text_is_an_amount_or_a_money_error(text, language):
    try:
        minor = parse_amount(text, "GBP", language=language)
    except MoneyError as exc:
        assert exc.code in {"invalid", "negative", "decimals", "too_large", "ambiguous"}
        assert exc.message
    else:
        assert 0 <= minor <= MAXIMUM
