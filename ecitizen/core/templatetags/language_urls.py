"""``{% language_url "es" %}``: this page's address in another language (``?lang=es``).

Used by the language switcher and the ``hreflang`` alternates in ``base.html``. Needs
``request`` in the context; without it (some error pages) it gives "".

``{% language_alternates %}``: the ``<link rel="alternate" hreflang=…>`` elements of every page
(``includes/language_alternates.html``), and ``{% language_switcher_items %}``: the items of the
language switcher (``includes/language_switcher.html``), written in Python because every page
pays for them.
"""

from django import template
from django.conf import settings
from django.template.defaulttags import CsrfTokenNode
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst

from ecitizen.core.language_urls import known_language, url_for_language

register = template.Library()

_ALTERNATE = '\n  <link rel="alternate" hreflang="{}" href="{}">'


@register.simple_tag(takes_context=True)
def language_url(context, code: str | None = None, absolute: bool = False) -> str:
    """The current page in language *code*; with no code, the page without ``lang`` (``x-default``)."""
    request = context.get("request")
    if request is None or (code and known_language(code) is None):
        return ""
    return url_for_language(request, code, absolute=absolute)


@register.simple_tag(takes_context=True)
def language_alternates(context) -> str:
    """This page in each language of the site, then ``x-default`` (the reader's own choice); absolute."""
    request = context.get("request")
    if not request:
        return ""
    links = [
        format_html(_ALTERNATE, code, url_for_language(request, code, absolute=True))
        for code, _name in settings.LANGUAGES
    ]
    links.append(format_html(_ALTERNATE, "x-default", url_for_language(request, None, absolute=True)))
    return mark_safe("".join(links))  # noqa: S308 -- each piece is format_html's (escaped)


_CURRENT = (
    '\n      <li>\n        \n          <span class="govuk-body-s govuk-!-font-weight-bold" lang="{}"'
    ' aria-current="true">'
    "{}</span>\n        \n      </li>\n    "
)
_BUTTON = (
    '\n      <li>\n        \n          <form method="post" action="{}" class="ec-inline-form">\n            {}\n'
    '            <input type="hidden" name="next" value="{}">\n'
    '            <button type="submit" name="language" value="{}" class="ec-link-button govuk-body-s"'
    ' lang="{}">{}</button>\n'
    "          </form>\n        \n      </li>\n    "
)
_LINK = (
    '\n      <li>\n        \n          <a class="govuk-link govuk-body-s" href="{}" hreflang="{}" lang="{}"'
    ' rel="alternate">'
    "{}</a>\n        \n      </li>\n    "
)


@register.simple_tag(takes_context=True)
def language_switcher_items(context) -> str:
    """One ``<li>`` per language, named in itself: the current one marked, the others a POST button
    (signed in: it changes the account's setting) or a ``?lang=xx`` link (visitors)."""
    request = context.get("request")
    current = translation.get_language()
    signed_in = bool(getattr(context.get("user"), "is_authenticated", False))
    if signed_in:
        action = reverse("set_language")
        csrf = CsrfTokenNode().render(context)
        next_url = url_for_language(request, None) if request is not None else ""
    items = []
    for code, _name in settings.LANGUAGES:
        name = capfirst(translation.get_language_info(code)["name_local"])
        if code == current:
            items.append(format_html(_CURRENT, code, name))
        elif signed_in:
            items.append(format_html(_BUTTON, action, csrf, next_url, code, code, name))
        else:
            href = url_for_language(request, code) if request is not None else ""
            items.append(format_html(_LINK, href, code, code, name))
    return mark_safe("".join(items))  # noqa: S308 -- each piece is format_html's (escaped)
