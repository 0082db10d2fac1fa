"""A browser's User-Agent header said for people: "Chrome on Linux", "Safari on iPhone".

Deliberately small: it knows the browsers and systems people use today and says "Unknown
browser" or "an unknown system" for the rest (the raw text stays available on the page). Order
matters, because browsers name each other: Edge and Opera say "Chrome", Chrome says "Safari",
and every Android browser says "Linux".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

# (browser, pattern), first match wins.
_BROWSERS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("Edge", r"\bEdg(?:e|A|iOS)?/"),
        ("Opera", r"\bOPR/|\bOpera\b|\bOPT/"),
        ("Samsung Internet", r"\bSamsungBrowser/"),
        ("Firefox", r"\bFirefox/|\bFxiOS/"),
        ("Chrome", r"\bChrome/|\bCriOS/|\bHeadlessChrome/|\bChromium/"),
        ("Safari", r"\bVersion/[\d.]+.*\bSafari/|\bMobile/\w+\s*$"),
        ("Internet Explorer", r"\bMSIE \d|\bTrident/"),
    )
)

# (system, pattern), first match wins.
_SYSTEMS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("iPhone", r"\biPhone\b"),
        ("iPad", r"\biPad\b"),
        ("Android", r"\bAndroid\b"),
        ("Windows", r"\bWindows\b"),
        ("ChromeOS", r"\bCrOS\b"),
        ("macOS", r"\bMacintosh\b|\bMac OS X\b"),
        ("Linux", r"\bLinux\b|\bX11\b"),
    )
)


@dataclass(frozen=True)
class Device:
    browser: str  # "" when unknown
    system: str  # "" when unknown

    def __str__(self) -> str:
        if self.browser and self.system:
            return _("%(browser)s on %(system)s") % {"browser": self.browser, "system": self.system}
        if self.browser:
            return self.browser
        if self.system:
            return _("A browser on %(system)s") % {"system": self.system}
        return _("Unknown browser")


def _first(table: tuple[tuple[str, re.Pattern[str]], ...], text: str) -> str:
    return next((name for name, pattern in table if pattern.search(text)), "")


def parse_user_agent(user_agent: str | None) -> Device:
    """The browser and system a User-Agent header names (either may be "")."""
    text = (user_agent or "")[:1000]
    return Device(browser=_first(_BROWSERS, text), system=_first(_SYSTEMS, text))
