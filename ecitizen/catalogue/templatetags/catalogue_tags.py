"""Showing texts that admins wrote in several languages, and service terms, in templates."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.template.defaultfilters import linebreaks_filter
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from ecitizen.catalogue.formdef import QUESTION_TYPES
from ecitizen.core.i18n import pick
from ecitizen.core.money import format_money

register = template.Library()


def _chosen_language(texts: dict | str | None) -> str | None:
    """The language :func:`pick` will show *texts* in, when it is not the page's."""
    if not isinstance(texts, dict) or not texts:
        return None
    current = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if texts.get(current):
        return None
    if texts.get(settings.LANGUAGE_CODE):
        return settings.LANGUAGE_CODE
    return next((lang for lang, text in texts.items() if text), None)


def _lang_attrs(language: str | None) -> SafeString:
    if language is None:
        return mark_safe("")
    direction = "rtl" if translation.get_language_info(language)["bidi"] else "ltr"
    return format_html(' lang="{}" dir="{}"', language, direction)


@register.filter
def localized(texts: dict | str | None) -> SafeString:
    """``{{ snapshot.title|localized }}``: the text in the page's language, else English.

    A fallback text is wrapped in a span that names its language, so screen
    readers pronounce it right (WCAG 3.1.2).
    """
    text = pick(texts)
    language = _chosen_language(texts)
    if language is None:
        return format_html("{}", text)
    return format_html("<span{}>{}</span>", _lang_attrs(language), text)


@register.filter
def lang_attrs(texts: dict | str | None) -> SafeString:
    """``<p{{ texts|lang_attrs }}>``: lang and dir attributes when *texts* falls back."""
    return _lang_attrs(_chosen_language(texts))


@register.filter
def paragraphs(texts: dict | str | None) -> SafeString:
    """The text in the page's language as HTML paragraphs (blank lines separate them)."""
    html = linebreaks_filter(pick(texts), autoescape=True)
    return mark_safe(html.replace("<p>", '<p class="govuk-body">'))  # noqa: S308 - escaped by linebreaks


@register.filter
def lines(texts: dict | str | None) -> list[str]:
    """The text in the page's language, one item per non-blank line (documents required)."""
    return [line.strip(" -•*\t") for line in pick(texts).splitlines() if line.strip(" -•*\t")]


@register.filter
def fee(fee: dict | None) -> str:
    """``{{ snapshot.fee|fee }}``: "£30.00" (in the page's language's style)."""
    if not fee:
        return ""
    return format_money(fee.get("amount", 0), fee.get("currency", "GBP"))


@register.filter
def question_type(value: str) -> str:
    return str(QUESTION_TYPES.get(value, value))


@register.filter
def pick_text(texts: dict | str | None) -> str:
    """Plain text in the page's language (for <title> and attributes)."""
    return pick(texts)


@register.filter
def service_fee(service) -> str:
    """A draft service's fee, formatted: ``{{ service|service_fee }}``."""
    return format_money(service.fee_amount, service.fee_currency)
