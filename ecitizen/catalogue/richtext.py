"""Text that agency admins write, made safe to show on a page.

Question hints (service questions, report-category questions) are the one
place where an agency may format its words: paragraphs, line breaks, lists,
emphasis and links. Everything else is dropped by a kept sanitiser (nh3, the
Python binding of Rust's ammonia): scripts and styles with their content,
every other element (``<meta>``, ``<img>``, ``<iframe>``, forms...), every
attribute but a link's ``href``, and any link that is not ``https:``,
``http:``, ``mailto:``, ``tel:`` or a path on this site. Links get
``rel="noopener noreferrer nofollow"`` and the GOV.UK link style.

Templates never mark agency text safe themselves (no ``|safe``); the result
of :func:`hint_html` is the only agency text rendered as HTML.
"""

from __future__ import annotations

import re
from typing import Any

import nh3
from django.utils.safestring import SafeString, mark_safe

from ecitizen.core.site_paths import is_site_path

HINT_TAGS = frozenset({"a", "p", "br", "ul", "ol", "li", "em", "strong"})
LINK_SCHEMES = frozenset({"https", "http", "mailto", "tel"})
# A link is absolute with an allowed scheme, or a path on this site ("/services/..."), never
# protocol-relative ("//elsewhere.example") or with a backslash that browsers read as a slash.
_SAFE_HREF = re.compile(r"^(?:(?:https?|mailto|tel):|/(?![/\\]))", re.IGNORECASE)


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "a" and attribute == "href":
        value = value.strip()
        if value.startswith("/"):
            # Control characters inside a path ("/\t/elsewhere") are dropped by browsers, which then
            # read it as "//elsewhere": the one site-path check decides.
            return value if is_site_path(value) else None
        return value if _SAFE_HREF.match(value) and "\\" not in value else None
    return value


_CLEANER = nh3.Cleaner(
    tags=set(HINT_TAGS),
    clean_content_tags={"script", "style", "template", "textarea", "title"},
    attributes={"a": {"href"}},
    attribute_filter=_keep_attribute,
    url_schemes=set(LINK_SCHEMES),
    link_rel="noopener noreferrer nofollow",
    set_tag_attribute_values={"a": {"class": "govuk-link"}},
    strip_comments=True,
)


def hint_html(text: Any) -> SafeString:
    """*text* (an agency's hint) as HTML that is safe to put on a page, keeping only the small subset."""
    if not text:
        return mark_safe("")
    return mark_safe(_CLEANER.clean(str(text)))  # noqa: S308 - sanitised by nh3 just now
