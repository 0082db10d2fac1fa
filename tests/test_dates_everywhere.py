"""Every page of the accessibility crawl, in each language, writes dates one way.

Uses the crawl's data set and page lists (tests/browser/test_every_page_accessible.py) through
Django's test client, so it needs no browser. Fails on US or mixed formats: "a.m."/"p.m.",
"Dec.", "12/18/2026", "December 18, 2026", ISO dates shown as text, "noon", "11:41 AM",
English month names on Spanish, French or Arabic pages, Django's Arabic "ديسمبر، 2026" and
Eastern Arabic digits (we chose 0–9, see config/formats/ar/formats.py).
"""

from __future__ import annotations

import html
import re

import pytest
import time_machine

from tests.browser.test_every_page_accessible import _pages, world  # noqa: F401  (world is a fixture)

pytestmark = pytest.mark.django_db(transaction=True)  # the data set takes payments (on commit)

MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
EVERYWHERE = {
    "a.m./p.m.": re.compile(r"\b[ap]\.\s?m\.", re.I),
    "abbreviated month with a dot": re.compile(r"\b(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.\s*\d"),
    "numeric date with slashes": re.compile(r"(?<![A-Za-z0-9+/])\d{1,2}/\d{1,2}/\d{2,4}(?![A-Za-z0-9+/=])"),
    "ISO date as text": re.compile(r"\b(19|20)\d\d-[01]\d-[0-3]\d\b"),
    "month before day": re.compile(rf"\b({MONTHS}) \d{{1,2}}, \d{{4}}"),
    # A time standing alone ("11:41 AM", "9PM"), not letters inside a base64 hash ("…m3AM=").
    "AM/PM": re.compile(r"(?<![A-Za-z0-9+/])\d{1,2}(?::\d\d)?\s*(AM|PM)\b"),
    "space before am/pm": re.compile(r"\d\s+(am|pm)\b"),
    "Eastern Arabic digits": re.compile(r"[\u0660-\u0669\u06F0-\u06F9]"),
}
BY_LANGUAGE = {
    "en": {"noon": re.compile(r"\bnoon\b")},
    "es": {"English month": re.compile(rf"\d \b({MONTHS})\b")},
    "fr": {"English month": re.compile(rf"\d \b({MONTHS})\b")},
    "ar": {
        "English month": re.compile(rf"\d \b({MONTHS})\b"),
        "Django's Arabic order (month، year)": re.compile(r"[\u0600-\u06FF]+،\s*\d{4}"),
    },
}


def visible_text(body: str) -> str:
    body = re.sub(r"<(script|style|template)\b.*?</\1>", " ", body, flags=re.S | re.I)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _problems(text: str, language: str) -> list[str]:
    found = []
    for name, pattern in {**EVERYWHERE, **BY_LANGUAGE[language]}.items():
        for match in pattern.finditer(text):
            start = max(match.start() - 40, 0)
            found.append(f"{name}: …{text[start : match.end() + 40]}…")
    return found


@pytest.fixture
def crawl(world, client):  # noqa: F811
    from ecitizen.accounts.models import User

    pages = _pages(world)

    def visit(language: str) -> tuple[list[str], int]:
        problems, seen = [], 0
        for persona, urls in pages.items():
            client.logout()
            if persona != "visitor":
                user = User.objects.get(email=world[persona][0])
                user.profile.preferred_language = language
                user.profile.save()
                client.force_login(user)
            client.cookies["ecitizen_language"] = language
            for url in urls:
                url = url[0] if isinstance(url, tuple) else url
                response = client.get(url)
                if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                    continue
                seen += 1
                problems += [
                    f"[{language}] {persona} {url}: {p}"
                    for p in _problems(visible_text(response.content.decode()), language)
                ]
        return problems, seen

    return visit


@pytest.mark.parametrize("language", ["en", "es", "fr", "ar"])
def test_no_us_or_mixed_date_formats_on_any_page(crawl, language):
    with time_machine.travel("2026-12-06 11:41:00+00:00", tick=True):
        problems, seen = crawl(language)
    assert seen > 80, f"only {seen} pages rendered"
    assert problems == []


def test_the_checks_catch_what_a_newcomer_saw():
    assert _problems("Submitted Dec. 6, 2026, 11:41 a.m.", "en")
    assert _problems("Due 12/18/2026", "en")
    assert _problems("at noon", "en")
    assert _problems("2026-12-06 11:41 UTC", "en")
    assert _problems("6 December 2026", "es")
    assert _problems("6 ديسمبر، 2026", "ar")
    assert _problems("٦ ديسمبر ٢٠٢٦", "ar")
    assert not _problems("6 December 2026, 11:41am", "en")
    assert not _problems("6 de diciembre de 2026, 11:41", "es")
    assert not _problems("6 ديسمبر 2026، 11:41", "ar")
