"""``{% load budgeting_money %}``: participatory budgets' amounts (whole units of the deployment's
currency), written as the current language writes money: ``{{ budget.amount|whole_money }}``."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from django import template

from ecitizen.core.money import babel_locale
from ecitizen.voting.budgeting import conf

register = template.Library()


@register.filter
def whole_money(amount) -> str:
    if amount is None or amount == "":
        return ""
    from django.utils import translation

    locale = babel_locale(translation.get_language() or "en")
    pattern = locale.currency_formats["standard"].pattern.replace(".00", "")
    return format_currency(Decimal(int(amount)), conf.currency(), locale=locale, format=pattern, currency_digits=False)
