from django import template
from django.utils.translation import gettext as _

from ecitizen.core.i18n import pick as pick_text

register = template.Library()


@register.filter
def pick(texts):
    """``{{ service.title|pick }}``: the text in the current language, with fallbacks."""
    return pick_text(texts)


@register.filter
def money(fee):
    """``{{ snapshot.fee|money }}`` for {"amount": minor units, "currency": "GBP"}."""
    from ecitizen.core.money import format_money

    if not fee:
        return ""
    if not fee.get("amount"):
        return _("No fee")
    return format_money(fee.get("amount", 0), fee.get("currency", "GBP"))
