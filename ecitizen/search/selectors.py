"""Running a site search: every provider's results, grouped by kind, and help when none are found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ecitizen.core import textmatch
from ecitizen.search.registry import Provider, Query, Result, provider, providers, run

MAX_SUGGESTIONS = 3
# "Did you mean": only for queries of a few words, trying a bounded number of candidates
# (each is a search of every provider), so a long misspelt query costs little.
SUGGEST_UP_TO_WORDS = 5
MAX_CANDIDATES = 8


@dataclass
class Group:
    """The results of one kind."""

    kind: str
    label: Any
    results: list[Result]

    @property
    def count(self) -> int:
        return len(self.results)


@dataclass
class Outcome:
    query: str
    groups: list[Group] = field(default_factory=list)
    # False when no result had every word and the groups hold those with some of them.
    all_words: bool = True
    # Queries spelt like this one that would find something ("did you mean").
    suggestions: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)

    def group(self, kind: str) -> Group | None:
        return next((g for g in self.groups if g.kind == kind), None)


def kinds() -> list[tuple[str, Any]]:
    """``(kind, label)`` of every kind of result, in the order they are shown."""
    return [(p.kind, p.label) for p in providers()]


def _groups(query: Query, chosen: list[Provider]) -> list[Group]:
    """The non-empty groups, the one with the best result first (then in the providers' order)."""
    groups = [Group(kind=p.kind, label=p.label, results=run(p, query)) for p in chosen]
    groups = [g for g in groups if g.results]
    groups.sort(key=lambda g: -max(r.score for r in g.results))
    return groups


def site_search(text: str, *, language: str, user: Any = None) -> Outcome:
    """What the whole site has for *text*, in *language*: every kind's results, best first.

    When no result has every word of a query of several words, the results with any of
    them are returned (``all_words`` is then False). When there are none at all,
    ``suggestions`` holds queries spelt nearly like it that find something.
    """
    outcome = Outcome(query=text)
    language = textmatch.language_of(language)
    query = Query(text=text, language=language, user=user)
    if not query.terms:
        return outcome
    chosen = providers()
    # Whole words first, everywhere: "tax" finds the taxes, and not, in another kind, every
    # "taxi" (which it would if that kind's words were searched as starts of words alone).
    outcome.groups = _groups(Query(text, language, user, prefix=False), chosen)
    if not outcome.groups:
        outcome.groups = _groups(query, chosen)
    if not outcome.groups and len(query.terms) > 1:
        outcome.groups = _groups(Query(text, language, user, require_all=False), chosen)
        outcome.all_words = not outcome.groups
    if not outcome.groups:
        outcome.suggestions = _suggestions(query, chosen)
    return outcome


def _suggestions(query: Query, chosen: list[Provider]) -> list[str]:
    """Up to :data:`MAX_SUGGESTIONS` queries with a misspelt word replaced by a known one."""
    words = [term.word for term in query.terms]
    if len(words) > SUGGEST_UP_TO_WORDS:
        return []
    replacements: list[list[str]] = []
    for word in words:
        close: list[str] = []
        for p in chosen:
            try:
                found = p.close_words(word, query.language)
            except Exception:  # a provider that fails to suggest leaves the others to
                found = []
            close += [w for w in found if w not in close]
        replacements.append(close)
    suggestions: list[str] = []
    # Every misspelt word replaced by its closest known word, then one word at a time.
    best = [close[0] if close else word for word, close in zip(words, replacements, strict=True)]
    if best != words:
        suggestions.append(" ".join(best))
    for i, close in enumerate(replacements):
        for word in close:
            candidate = " ".join([*words[:i], word, *words[i + 1 :]])
            if candidate not in suggestions:
                suggestions.append(candidate)
    # Last, the known words alone, leaving out those nothing is spelt like.
    known = " ".join(close[0] for close in replacements if close)
    if known and known not in suggestions:
        suggestions.append(known)
    found = []
    for candidate in suggestions[:MAX_CANDIDATES]:
        probe = Query(candidate, query.language, query.user)
        if any(run(p, probe) for p in chosen):
            found.append(candidate)
        if len(found) == MAX_SUGGESTIONS:
            break
    return found


def provider_for(kind: str | None) -> Provider | None:
    return provider(kind) if kind else None
