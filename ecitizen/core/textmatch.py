"""Matching words the way people type them: any case, with or without accents, singular or plural.

One matcher serves every search box (the site search in :mod:`ecitizen.search`, the services
catalogue), so a word finds the same things wherever it is typed. It lives in core because
every app may use it and core depends on none of them.

How a text becomes searchable words, in a given language (the reader's):

1. split into words (letters and digits of any script); a hyphenated word counts whole and
   joined ("pot-hole" is "pot", "hole" and "pothole"), an elided one by its parts ("l'impôt");
2. each word is case-folded and reduced to its stem by that language's Snowball stemmer
   ("potholes" and "pothole" are both "pothol", "impuestos" is "impuest", "الضريبة" is "ضريب");
3. accents and other marks are removed from the stem (Arabic short vowels and hamza seats too).
   The stem of the unaccented word is kept as well, because stemmers read accents
   ("foncière" is "fonci", "fonciere" is "foncier").

A query word matches a text word with the same stem (full weight) or, when no text word
has its stem and from three letters on, one that starts with the query word as typed
(half weight: "cert" finds "certificate", but "tax" does not find "taxi").
Common short words ("the", "de", "في") are ignored unless the query has nothing else.
"""

from __future__ import annotations

import bisect
import difflib
import re
import unicodedata
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer

MAX_QUERY_WORDS = 10
MIN_PREFIX = 3
PREFIX_FACTOR = 0.5

# Snowball's name for each language code we may be asked for (any other language: no stemming).
STEMMER_NAMES = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "fi": "finnish",
    "fr": "french",
    "hu": "hungarian",
    "it": "italian",
    "nl": "dutch",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sv": "swedish",
    "tr": "turkish",
}

# Words too common to tell one page from another, folded (no accents). Short on purpose.
STOPWORDS = {
    "en": set("a an and at by do for how i in is my of on or the to".split()),
    "es": set("a al como de del el en la las los mi o para por un una y".split()),
    "fr": set("a au aux d de des du en et l la le les mon ou pour un une".split()),
    "ar": set("في من على الى عن او و".split()),
}

_LETTERS = r"[\w\u0300-\u036f]+"  # letters, digits, and Latin accents left uncomposed
_WORD = re.compile(rf"{_LETTERS}(?:['’‘\-‐‑]{_LETTERS})*")
# Arabic short vowels and other marks, and the tatweel: dropped before splitting into words
# (they are not letters, so a word written with them would otherwise fall apart).
_ARABIC_MARKS = dict.fromkeys(
    [*range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670, *range(0x06D6, 0x06DD), *range(0x06DF, 0x06E9)]
    + [*range(0x06EA, 0x06EE), 0x0640]
)
_HYPHENS = re.compile(r"[\-‐‑]")
_SPLIT = re.compile(r"['’‘\-‐‑]")
# Arabic letters written several ways: the bare alef and yeh stand for every form.
_ARABIC = str.maketrans({"ى": "ي", "ـ": None, "ٱ": "ا"})


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """*text* case-folded, without accents or other combining marks ("Façade" → "facade")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_ARABIC)


STOPWORDS = {language: {fold(word) for word in stop} for language, stop in STOPWORDS.items()}


def language_of(language: str | None) -> str:
    """The base language code ("es" for "es-419"), lower case."""
    return (language or "").split("-")[0].split("_")[0].lower()


@lru_cache(maxsize=32)
def _stemmer(language: str):
    name = STEMMER_NAMES.get(language)
    return snowballstemmer.stemmer(name) if name else None


@lru_cache(maxsize=100_000)
def stems(word: str, language: str) -> frozenset[str]:
    """The folded stems of one case-folded *word* in *language* (one or two: see the module text)."""
    stemmer = _stemmer(language)
    folded = fold(word)
    if stemmer is None:
        return frozenset({folded})
    return frozenset({fold(stemmer.stemWord(word)), fold(stemmer.stemWord(folded))})


def words(text: str, *, hyphen_parts: bool = True) -> list[str]:
    """The case-folded words of *text*; a hyphenated word joined and (with *hyphen_parts*) in parts."""
    found: list[str] = []
    text = unicodedata.normalize("NFC", text).translate(_ARABIC_MARKS).casefold()
    for match in _WORD.finditer(text):
        token = match.group()
        if _HYPHENS.search(token):
            found.append("".join(p for p in _SPLIT.split(token) if p))
            if not hyphen_parts:
                continue
        found.extend(p for p in _SPLIT.split(token) if p)
    return found


@dataclass(frozen=True)
class Term:
    """One word of a query: as typed (folded) and its stems."""

    word: str
    stems: frozenset[str]


def parse(query: str, language: str | None) -> list[Term]:
    """The distinct words of *query* worth matching, at most :data:`MAX_QUERY_WORDS`."""
    lang = language_of(language)
    stop = STOPWORDS.get(lang, set())
    seen: list[str] = []
    for word in words(query or "", hyphen_parts=False):
        if word not in seen:
            seen.append(word)
    useful = [w for w in seen if fold(w) not in stop] or seen
    return [Term(word=fold(w), stems=stems(w, lang)) for w in useful[:MAX_QUERY_WORDS]]


@dataclass(frozen=True)
class Hit:
    key: Hashable
    score: float


class Index:
    """Texts made searchable once, then searched many times.

    *entries* are ``(key, [(text, weight), ...])``: the first text is the title (a query
    that is all of it, or part of it word for word, scores higher); weights rank where a
    word was found (title over summary, say).
    """

    def __init__(self, entries: Iterable[tuple[Hashable, Sequence[tuple[str, float]]]], language: str | None):
        self.language = language_of(language)
        self.keys: list[Hashable] = []
        self._titles: list[str] = []
        self._stems: dict[str, dict[int, float]] = {}
        self._words: dict[str, dict[int, float]] = {}
        self._shown: dict[str, str] = {}
        for key, fields in entries:
            doc = len(self.keys)
            self.keys.append(key)
            self._titles.append(" ".join(fold(w) for w in words(fields[0][0], hyphen_parts=False)) if fields else "")
            for text, weight in fields:
                for word in words(text or ""):
                    folded = fold(word)
                    self._shown.setdefault(folded, word)
                    postings = self._words.setdefault(folded, {})
                    if postings.get(doc, 0) < weight:
                        postings[doc] = weight
                    for stem in stems(word, self.language):
                        postings = self._stems.setdefault(stem, {})
                        if postings.get(doc, 0) < weight:
                            postings[doc] = weight
        self._vocabulary = sorted(self._words)

    def __len__(self) -> int:
        return len(self.keys)

    def _term_scores(self, term: Term, prefix: bool) -> dict[int, float]:
        scores: dict[int, float] = {}
        for stem in term.stems:
            for doc, weight in self._stems.get(stem, {}).items():
                scores[doc] = max(scores.get(doc, 0), weight)
        if scores or not prefix or len(term.word) < MIN_PREFIX:
            return scores
        # A word of the index starting with the query's: only when no word has its stem, so
        # that "tax" finds the taxes, not every taxi, while "certif" still finds certificates.
        start = bisect.bisect_left(self._vocabulary, term.word)
        for word in self._vocabulary[start:]:
            if not word.startswith(term.word):
                break
            for doc, weight in self._words[word].items():
                scores[doc] = max(scores.get(doc, 0), weight * PREFIX_FACTOR)
        return scores

    def search(self, query: str | list[Term], *, require_all: bool = True, prefix: bool = True) -> list[Hit]:
        """Entries matching *query*, best first (ties keep the entries' order).

        With *require_all*, an entry must match every word; otherwise any one. Without
        *prefix*, only whole words (by stem) match.
        """
        terms = parse(query, self.language) if isinstance(query, str) else query
        if isinstance(query, str):
            phrase = " ".join(fold(w) for w in words(query, hyphen_parts=False))
        else:
            phrase = " ".join(t.word for t in terms)
        if not terms:
            return []
        totals: dict[int, float] = {}
        matched: dict[int, int] = {}
        for term in terms:
            for doc, score in self._term_scores(term, prefix).items():
                totals[doc] = totals.get(doc, 0) + score
                matched[doc] = matched.get(doc, 0) + 1
        if require_all:
            totals = {doc: score for doc, score in totals.items() if matched[doc] == len(terms)}
        for doc in totals:
            title = self._titles[doc]
            if title == phrase:
                totals[doc] += 2
            elif f" {phrase} " in f" {title} ":
                totals[doc] += 1
        ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
        return [Hit(self.keys[doc], round(score, 3)) for doc, score in ranked]

    def close_words(self, word: str, n: int = 3) -> list[str]:
        """Words of the index spelt nearly like *word* (for "did you mean"), as they were written."""
        folded = fold(word)
        if len(folded) < MIN_PREFIX or folded in self._words:
            return []
        close = difflib.get_close_matches(folded, self._vocabulary, n=n, cutoff=0.75)
        return [self._shown[w] for w in close]


def matching_keys(query: str, entries: Iterable[tuple[Hashable, str]], language: str | None) -> list[Hashable]:
    """Keys of the *entries* ``(key, text)`` whose text has every word of *query*, best first."""
    index = Index(((key, [(text, 1.0)]) for key, text in entries), language)
    return [hit.key for hit in index.search(query)]
