"""``{% fragment "name" arg… %}…{% endfragment %}``: a piece of a page rendered once per process.

The header and footer are the same for everybody who reads the site in one language: dozens of
``{% url %}`` and ``{% translate %}`` tags whose output depends only on the language. Wrapped in
``{% fragment %}``, such a piece is rendered the first time and then served from a small
per-process memory, keyed by

* the template and the fragment's name,
* the active language, the URL script prefix and the URLconf (the request's or the site's),
* every argument given to the tag (the things the piece depends on besides the language, e.g.
  ``PLATFORM_NAME``, whether the reader is signed in, the current page's URL namespace).

So a fragment must contain nothing that is not determined by those: never a CSRF token, a
count, a name, anything from the query string or any other per-person or per-request value
(leave those outside, between two fragments), and never a ``{% block %}``. Nothing is shared
between processes, nothing is written anywhere, and with ``DEBUG`` on fragments are rendered every
time, so that edits to a template show at once.
"""

from __future__ import annotations

import threading

from django import template
from django.conf import settings
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation
from django.utils.functional import LazyObject, Promise, empty
from django.utils.safestring import mark_safe

register = template.Library()

# At most this many rendered pieces per process (a few kB each); when full it starts again.
MAX_FRAGMENTS = 2048

_fragments: dict[tuple, str] = {}
_lock = threading.Lock()


def clear() -> None:
    """Forget every rendered fragment (tests; a deployment never needs it: a restart does it)."""
    with _lock:
        _fragments.clear()


def _plain(value):
    """The value itself for a lazy one (a key must not hold on to a request's lazy objects)."""
    if isinstance(value, LazyObject):
        if value._wrapped is empty:
            value._setup()
        return value._wrapped
    if isinstance(value, Promise):
        return str(value)
    return value


class FragmentNode(template.Node):
    # Not searched for {% block %} and the like on every render of a page ({% extends %} walks the
    # whole tree each time): a fragment holds no block (checked when the template is parsed).
    child_nodelists = ()

    def __init__(self, name: str, args: list[template.base.FilterExpression], nodelist: template.NodeList):
        self.name = name
        self.args = args
        self.nodelist = nodelist

    def render(self, context):
        if settings.DEBUG:
            return self.nodelist.render(context)
        key = (
            self.origin.name if self.origin else "",
            self.name,
            translation.get_language(),
            get_script_prefix(),
            get_urlconf() or settings.ROOT_URLCONF,
            *(_plain(arg.resolve(context)) for arg in self.args),
        )
        try:
            return _fragments[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable argument: render without remembering
            return self.nodelist.render(context)
        output = mark_safe(self.nodelist.render(context))  # noqa: S308 -- a template's own (escaped) output
        with _lock:
            if len(_fragments) >= MAX_FRAGMENTS:
                _fragments.clear()
            _fragments[key] = output
        return output


@register.tag("fragment")
def do_fragment(parser, token):
    bits = token.split_contents()
    if len(bits) < 2 or bits[1][0] not in "\"'" or bits[1][-1] != bits[1][0]:
        raise template.TemplateSyntaxError("{% fragment %} takes a quoted name, then the values it depends on.")
    nodelist = parser.parse(("endfragment",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        raise template.TemplateSyntaxError("{% fragment %} cannot hold a {% block %}.")
    return FragmentNode(bits[1][1:-1], [parser.compile_filter(bit) for bit in bits[2:]], nodelist)
