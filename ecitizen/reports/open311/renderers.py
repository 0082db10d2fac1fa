"""GeoReport v2 bodies in XML and JSON, from the same Python values.

Lists are arrays at the top level of JSON documents (services, requests,
errors) and wrapper elements in XML (``<services><service>...``); the
discovery document and a service definition are objects. Inside a document,
a list is written as an element named after the key, holding one element
per item named by :data:`ITEM_NAMES` (``<formats><format>...``).

XML is UTF-8 with a declaration and no namespace, built with ElementTree
(which escapes text); booleans are ``true``/``false``, ``None`` an empty
element. Characters XML 1.0 cannot carry (most control characters) are
dropped from text.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpResponse

FORMATS = ("xml", "json")
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
ITEM_NAMES = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        item_name = ITEM_NAMES.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item_name), child)
    else:
        element.text = _text(value)


def to_xml(root: str, value: Any, item: str | None = None) -> bytes:
    """``<root>`` holding *value*; a list at the top level has one ``<item>`` per element."""
    element = ET.Element(root)
    if isinstance(value, list):
        for child in value:
            _fill(ET.SubElement(element, item or "item"), child)
    else:
        _fill(element, value)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8", xml_declaration=False)


def to_json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8")


def render(fmt: str, root: str, value: Any, *, item: str | None = None, status: int = 200) -> HttpResponse:
    body = to_json(value) if fmt == "json" else to_xml(root, value, item)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["xml"]))
    response["Access-Control-Allow-Origin"] = "*"
    return response


def render_errors(fmt: str, status: int, *descriptions: str, headers: dict[str, str] | None = None) -> HttpResponse:
    """The standard's error list: one ``{code, description}`` per problem, ``code`` being the HTTP status."""
    errors = [{"code": status, "description": str(description)} for description in descriptions]
    response = render(fmt if fmt in FORMATS else "xml", "errors", errors, item="error", status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response
