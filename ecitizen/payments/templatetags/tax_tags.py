"""Template filters of the tax pages and the fee schedule."""

from django import template

from ecitizen.core.money import format_money
from ecitizen.payments.taxes import rate_text

register = template.Library()


@register.filter
def tax_money(amount, currency):
    """``{{ bill.total|tax_money:bill.currency }}``: minor units as "£12.50" in the page's language."""
    if amount is None or amount == "":
        return "—"
    return format_money(int(amount), currency or "GBP")


@register.filter
def rate(basis_points):
    """``{{ tax.rate_basis_points|rate }}``: basis points as "1.20%" in the page's language."""
    return rate_text(int(basis_points or 0))
