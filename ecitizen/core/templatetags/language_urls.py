"""``{% language_url "es" %}``: this page's address in another language (``?lang=es``).

Used by the language switcher and the ``hreflang`` alternates in ``base.html``. Needs
``request`` in the context; without it (some error pages) it gives "".
"""

from django import template

from ecitizen.core.language_urls import known_language, url_for_language

register = template.Library()


@register.simple_tag(takes_context=True)
def language_url(context, code: str | None = None, absolute: bool = False) -> str:
    """The current page in language *code*; with no code, the page without ``lang`` (``x-default``)."""
    request = context.get("request")
    if request is None or (code and known_language(code) is None):
        return ""
    return url_for_language(request, code, absolute=absolute)
