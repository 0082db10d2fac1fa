"""Text that agency admins write in several languages, stored as {language: text}."""

from __future__ import annotations

from django.conf import settings
from django.utils import translation


def pick(texts: dict[str, str] | str | None, language: str | None = None) -> str:
    """The text in *language* (default: the active one), else the default language, else any."""
    if not texts:
        return ""
    if isinstance(texts, str):
        return texts
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return texts.get(language) or texts.get(settings.LANGUAGE_CODE) or next(iter(texts.values()), "")
