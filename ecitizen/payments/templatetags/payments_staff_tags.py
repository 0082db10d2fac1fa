"""Template filters of the payments back office."""

from django import template

from ecitizen.core.money import format_money

register = template.Library()


@register.filter
def minor(amount, currency):
    """``{{ payment.amount|minor:payment.currency }}``: minor units as "£12.50" in the page's language.

    Zero is shown as an amount ("£0.00"), unlike the ``money`` filter's "No fee".
    """
    if amount is None or amount == "":
        return "—"
    return format_money(int(amount), currency or "GBP")


@register.filter
def decimal_amount(amount):
    """Minor units as a plain decimal, as typed into a form: ``10000`` → "100.00"."""
    from ecitizen.core.money import format_amount

    return format_amount(int(amount or 0), "GBP")
