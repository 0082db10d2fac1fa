"""Paths on our own site: what a browser could turn into another site's address is refused."""

from __future__ import annotations

import pytest

from ecitizen.core.site_paths import is_site_path, site_path

HOSTILE = [
    "/\t/evil.example",  # the tab is dropped: //evil.example
    "/\n/evil.example",
    "/\r/evil.example",
    "\t//evil.example",
    "//evil.example",
    "///evil.example",
    "////evil.example",
    "/\\evil.example",  # backslash reads as a slash: //evil.example
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "/x\\y",
    "https://evil.example",
    "https:evil.example",  # a scheme without slashes
    "https:/evil.example",
    "http:\\\\evil.example",
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "evil.example/path",
    " /payments/",
    "/payments/ x",
    "\x00/payments/",
    "/\x00/evil.example",
    "/\u200b/evil.example",  # zero-width space
    "/\u2028/evil.example",  # line separator
    "/\u00a0/evil.example",  # no-break space
    "/\u3000/evil.example",  # ideographic space
    "／／evil.example",  # fullwidth solidus
    "\u2215\u2215evil.example",  # division slash
    "/" + "a" * 3000,
    "",
    None,
    42,
]

FINE = [
    "/",
    "/payments/",
    "/payments/return/PAY-AB2CD-EF3GH/",
    "/payments/?page=2&sort=due#top",
    "/applications/%2F%2Fevil.example/",  # encoded slashes stay part of a path
    "/es/pagos/caf%C3%A9/",
    "/pagos/café/",  # a readable, non-ASCII path
    "/a:b/",
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_urls_are_not_site_paths(url):
    assert is_site_path(url) is False


@pytest.mark.parametrize("url", FINE)
def test_plain_paths_are(url):
    assert is_site_path(url) is True
    assert site_path(url) == url


def test_site_path_answers_empty_for_empty_and_the_default_otherwise():
    assert site_path("") == ""
    assert site_path("//evil.example") is None
    assert site_path("//evil.example", "/") == "/"
