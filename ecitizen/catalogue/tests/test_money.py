"""Money: minor units formatted per language, and amounts people type parsed back."""

from __future__ import annotations

import pytest

from ecitizen.core.money import MoneyError, format_amount, format_money, parse_amount


@pytest.mark.parametrize(
    ("amount", "currency", "language", "text"),
    [
        (3000, "GBP", "en", "£30.00"),
        (5, "GBP", "en", "£0.05"),
        (123456789, "GBP", "en", "£1,234,567.89"),
        (3000, "EUR", "en", "€30.00"),
        (3000, "EUR", "es", "30,00\u00a0€"),
        (100000, "EUR", "es", "1.000,00\u00a0€"),
        (1000000, "EUR", "es", "10.000,00\u00a0€"),
        (3000, "GBP", "fr", "30,00\u00a0£GB"),
        (123456, "EUR", "fr", "1\u202f234,56\u00a0€"),
        (3000, "USD", "ar", "\u200f30.00\u00a0US$"),
        (-250, "GBP", "en", "-£2.50"),
        (3000, "XYZ", "en", "XYZ30.00"),
    ],
)
def test_format_money(amount, currency, language, text):
    assert format_money(amount, currency, language) == text


def test_format_money_uses_the_active_language():
    from django.utils import translation

    with translation.override("fr"):
        assert format_money(12000, "GBP") == "120,00\u00a0£GB"


@pytest.mark.parametrize(
    ("text", "minor"),
    [("30", 3000), ("30.5", 3050), ("30.00", 3000), (" 1,250.00 ", 125000), ("£12", 1200), ("0", 0)],
)
def test_parse_amount(text, minor):
    assert parse_amount(text, "GBP") == minor


@pytest.mark.parametrize(
    ("text", "code"),
    [("-5", "negative"), ("30.001", "decimals"), ("thirty", "invalid"), ("", "invalid"), ("1e3", "invalid")],
)
def test_parse_amount_refuses(text, code):
    with pytest.raises(MoneyError) as caught:
        parse_amount(text, "GBP")
    assert caught.value.code == code


def test_parse_amount_has_a_ceiling():
    with pytest.raises(MoneyError) as caught:
        parse_amount("10000000", "GBP")
    assert caught.value.code == "too_large"


def test_format_amount_round_trips():
    assert format_amount(3050, "GBP") == "30.50"
    assert parse_amount(format_amount(123, "EUR"), "EUR") == 123
