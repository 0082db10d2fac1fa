"""What a service still lacks in each language, listed for the agency admin before publishing.

A text an admin writes is ``{language: text}``. Where the default language has text and
another language has none, readers of that language see the default language instead:
:func:`missing_translations` names every such text, language by language, so the publish
page can say exactly what is missing. It reads only; publishing is still allowed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _

# The service's own texts, in the order the details form shows them.
SERVICE_TEXTS = (
    ("title", lambda: _("Title")),
    ("summary", lambda: _("Summary")),
    ("description", lambda: _("Description")),
    ("documents_required", lambda: _("What you need")),
    ("document_name", lambda: _("Document name")),
)
# Names for the translatable parts of a question; other parts get their key, made readable.
QUESTION_PARTS = {
    "label": lambda: _("Question"),
    "hint": lambda: _("Hint"),
    "pattern_message": lambda: _("Error message for the pattern"),
}


@dataclass
class MissingLanguage:
    """One language and the texts with nothing written in it (descriptions an admin reads)."""

    code: str
    name: str
    items: list[str] = field(default_factory=list)


def _is_text_dict(value: Any) -> bool:
    """A ``{language: text}`` dict: only language-code keys and string values, the default among them."""
    codes = {code for code, _name in settings.LANGUAGES}
    return (
        isinstance(value, dict)
        and bool(value)
        and set(value) <= codes
        and all(isinstance(v, str) for v in value.values())
        and bool((value.get(settings.LANGUAGE_CODE) or "").strip())
    )


def _default(texts: Any) -> str:
    return (texts or {}).get(settings.LANGUAGE_CODE, "") if isinstance(texts, dict) else str(texts or "")


def _texts_of(service: Any) -> list[tuple[str, dict]]:
    """Every translatable text of *service* as (what it is, {language: text})."""
    found: list[tuple[str, dict]] = []
    for name, label in SERVICE_TEXTS:
        if name == "document_name" and not getattr(service, "issues", ""):
            continue
        value = getattr(service, name, None)
        if _is_text_dict(value):
            found.append((str(label()), value))
    for page in (service.form or {}).get("pages", []) or []:
        if not isinstance(page, dict):
            continue
        page_title = _default(page.get("title")) or str(page.get("id", ""))
        if _is_text_dict(page.get("title")):
            found.append((_("Title of the page “%(page)s”") % {"page": page_title}, page["title"]))
        for question in page.get("questions", []) or []:
            if isinstance(question, dict):
                found.extend(_question_texts(question))
    return found


def _question_texts(question: dict) -> list[tuple[str, dict]]:
    found: list[tuple[str, dict]] = []
    name = _default(question.get("label")) or str(question.get("id", ""))
    for key, value in question.items():
        if key == "choices" and isinstance(value, list):
            for choice in value:
                if isinstance(choice, dict) and _is_text_dict(choice.get("label")):
                    found.append(
                        (
                            _("Answer “%(choice)s” of the question “%(question)s”")
                            % {"choice": _default(choice["label"]), "question": name},
                            choice["label"],
                        )
                    )
        elif isinstance(value, dict) and not _is_text_dict(value):
            # Nested texts, such as error messages per kind of error: {"required": {"en": …}}.
            for inner, texts in value.items():
                if _is_text_dict(texts):
                    part = f"{key} {inner}".replace("_", " ").capitalize()
                    what = _("%(part)s of the question “%(question)s”") % {"part": part, "question": name}
                    found.append((what, texts))
        elif _is_text_dict(value):
            if key == "label":
                what = _("The question “%(question)s”") % {"question": name}
            else:
                part = QUESTION_PARTS[key]() if key in QUESTION_PARTS else key.replace("_", " ").capitalize()
                what = _("%(part)s of the question “%(question)s”") % {"part": part, "question": name}
            found.append((what, value))
    return found


def missing_translations(service: Any) -> list[MissingLanguage]:
    """For each language other than the default, the texts of *service* not written in it.

    Languages with nothing missing are left out, so an empty list means fully translated.
    """
    texts = _texts_of(service)
    result = []
    for code, _native in settings.LANGUAGES:
        if code == settings.LANGUAGE_CODE:
            continue
        items = [what for what, value in texts if not (value.get(code) or "").strip()]
        if items:
            result.append(MissingLanguage(code=code, name=get_language_info(code)["name_translated"], items=items))
    return result
