"""Texts written in several languages, as the search shows them."""

from __future__ import annotations

from django.conf import settings

from ecitizen.core.i18n import pick


def in_language(texts: dict[str, str] | str | None, language: str) -> tuple[str, str]:
    """``(text, lang)``: the text of *texts* in *language* (``lang`` is then "") or, failing
    that, the one :func:`pick` falls back to and the language it is in, for a ``lang`` attribute."""
    text = pick(texts, language)
    if not isinstance(texts, dict) or not text or texts.get(language):
        return text, ""
    if texts.get(settings.LANGUAGE_CODE) == text:
        return text, settings.LANGUAGE_CODE
    return text, next((lang for lang, value in texts.items() if value == text), "")


def all_languages(texts: dict[str, str] | str | None) -> str:
    """Every language's text of *texts*, for keywords."""
    if isinstance(texts, dict):
        return " ".join(str(v) for v in texts.values() if v)
    return str(texts or "")
