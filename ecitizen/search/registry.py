"""The site search's providers: each kind of thing the search finds is one provider.

An app makes its pages findable by registering a provider, usually from its
``AppConfig.ready()``::

    from ecitizen.search.registry import Entry, IndexedProvider, register

    class ConsultationProvider(IndexedProvider):
        kind = "consultations"
        label = _("Consultations")
        order = 50

        def fingerprint(self):
            return consultation_selectors.open_consultations().aggregate(Max("updated_at"), Count("pk"))

        def entries(self, language):
            for c in consultation_selectors.open_consultations():
                yield Entry(key=c.pk, title=pick(c.title), url=c.get_absolute_url(), summary=pick(c.summary))

    register(ConsultationProvider())

:class:`IndexedProvider` does the matching (one matcher for the whole site,
:mod:`ecitizen.core.textmatch`) and keeps the index in memory until the
provider's :meth:`~IndexedProvider.fingerprint` changes. A provider with too
many entries to hold in memory (public records, say) subclasses
:class:`Provider` instead and answers :meth:`Provider.search` from its database.
See docs/adr/0009-site-search.md.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.utils import translation

from ecitizen.core import textmatch

log = logging.getLogger(__name__)

TITLE_WEIGHT = 3.0
KEYWORD_WEIGHT = 2.0
SUMMARY_WEIGHT = 1.0


@dataclass(frozen=True)
class Query:
    """What a reader searched for: the text, their language and who they are (for providers
    whose entries depend on it; the site search never shows anyone's private data)."""

    text: str
    language: str
    user: Any = None
    require_all: bool = True
    # Whether a word may match as the start of a longer one (see ecitizen.core.textmatch).
    prefix: bool = True

    @cached_property
    def terms(self) -> list[textmatch.Term]:
        return textmatch.parse(self.text, self.language)


@dataclass(frozen=True)
class Result:
    """One thing found: shown as a link (title), a line of text (summary) and a small note (meta)."""

    kind: str
    title: str
    url: str
    summary: str = ""
    meta: str = ""
    score: float = 0.0
    lang: str = ""  # the language of title and summary when not the reader's (a fallback)


@dataclass(frozen=True)
class Entry:
    """One findable thing of an :class:`IndexedProvider`, already in the reader's language.

    ``keywords`` are the words people may type that the title and summary lack
    (other names, codes, the group it belongs to).
    """

    key: Hashable
    title: str
    url: str
    summary: str = ""
    keywords: str = ""
    meta: str = ""
    lang: str = ""  # the language of title and summary when not the reader's (a fallback)


class Provider(ABC):
    """A kind of result. Subclasses set ``kind`` (a slug, used in ``?kind=``), ``label``
    (plural, translatable: "Services") and ``order`` (where its group is shown), and answer
    :meth:`search`."""

    kind: str = ""
    label: Any = ""
    order: int = 100

    @abstractmethod
    def search(self, query: Query) -> list[Result]:
        """Every result for *query*, best first. Called with the reader's language active."""

    def close_words(self, word: str, language: str) -> list[str]:
        """Words this provider knows spelt nearly like *word*, best first (for "did you mean")."""
        return []


@dataclass
class _Built:
    fingerprint: Hashable
    built_at: float
    index: textmatch.Index
    entries: dict[Hashable, Entry] = field(default_factory=dict)


class IndexedProvider(Provider):
    """A provider with a few thousand entries at most, matched in memory.

    Subclasses implement :meth:`entries` and, to see changes at once rather than after
    ``max_age`` seconds, :meth:`fingerprint` (one cheap query whose answer changes when
    the entries do: a count and the latest ``updated_at``, say).
    """

    max_age: float = 300.0

    def __init__(self) -> None:
        self._built: dict[str, _Built] = {}
        self._lock = threading.Lock()

    @abstractmethod
    def entries(self, language: str) -> Iterable[Entry]:
        """Every findable entry, with its texts in *language* (which is active while this runs)."""

    def fingerprint(self) -> Hashable:
        """Changes whenever :meth:`entries` would; ``None`` relies on ``max_age`` alone."""
        return None

    def _index(self, language: str) -> _Built:
        fingerprint = self.fingerprint()
        built = self._built.get(language)
        now = time.monotonic()
        if built is not None and built.fingerprint == fingerprint and now - built.built_at < self.max_age:
            return built
        with self._lock, translation.override(language):
            entries = {entry.key: entry for entry in self.entries(language)}
            index = textmatch.Index(
                (
                    (
                        key,
                        [
                            (entry.title, TITLE_WEIGHT),
                            (entry.keywords, KEYWORD_WEIGHT),
                            (entry.summary, SUMMARY_WEIGHT),
                        ],
                    )
                    for key, entry in entries.items()
                ),
                language,
            )
            built = _Built(fingerprint=fingerprint, built_at=now, index=index, entries=entries)
            self._built[language] = built
        return built

    def search(self, query: Query) -> list[Result]:
        built = self._index(query.language)
        results = []
        for hit in built.index.search(query.terms, require_all=query.require_all, prefix=query.prefix):
            entry = built.entries[hit.key]
            results.append(
                Result(
                    kind=self.kind,
                    title=entry.title,
                    url=entry.url,
                    summary=entry.summary,
                    meta=entry.meta,
                    score=hit.score,
                    lang=entry.lang,
                )
            )
        return results

    def close_words(self, word: str, language: str) -> list[str]:
        return self._index(language).index.close_words(word)

    def forget(self) -> None:
        """Drop the built indexes (tests; an admin action that must show at once)."""
        self._built.clear()


_providers: dict[str, Provider] = {}


def register(provider: Provider) -> Provider:
    """Add *provider* to the site search (again for the same ``kind``: replaces it)."""
    if not provider.kind:
        raise ValueError("A search provider needs a kind.")
    _providers[provider.kind] = provider
    return provider


def unregister(kind: str) -> None:
    _providers.pop(kind, None)


def providers() -> list[Provider]:
    """Every registered provider, in the order their groups are shown."""
    return sorted(_providers.values(), key=lambda p: (p.order, p.kind))


def provider(kind: str) -> Provider | None:
    return _providers.get(kind)


def run(provider: Provider, query: Query) -> list[Result]:
    """*provider*'s results, or none (logged) if it fails: one broken kind never breaks the search."""
    try:
        return provider.search(query)
    except Exception:
        log.exception("Search provider %s failed", provider.kind)
        return []
