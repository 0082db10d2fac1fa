from django import template

from ecitizen.core.money import format_money

register = template.Library()


@register.simple_tag
def money_of(amount, currency):
    """``{% money_of bill.total bill.currency %}``: minor units as money in the active language."""
    if amount is None:
        return ""
    return format_money(int(amount), currency)
