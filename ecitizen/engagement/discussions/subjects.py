"""What a discussion can be about: a registry of subject kinds, so that discussions import no
app whose pages they sit under.

An app whose objects can be discussed (a consultation, a petition; discussions' own topic boards)
registers a resolver for its kind from its ``AppConfig.ready()``::

    subjects.register("petition", petition_subject)

where ``petition_subject(key)`` answers a :class:`Subject` for the petition whose key is *key*
(its public number or slug, as text), or None when there is no such public object. Discussions
call :func:`resolve` to name, link and place a thread's subject and to know whether it still
takes comments; the subject's app never needs to know a thread exists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Subject:
    kind: str  # "consultation", "petition", "board"
    key: str  # the object's public key (slug or number), as text
    title: str  # in the current language
    url: str  # the object's public page (a site path)
    agency_id: int | None  # the agency whose staff answer officially and whose moderators moderate
    is_open: bool  # False once it no longer takes new comments (closed, withdrawn)


Resolver = Callable[[str], Subject | None]
ManyResolver = Callable[[list[str]], dict[str, Subject]]

_resolvers: dict[str, Resolver] = {}
_many_resolvers: dict[str, ManyResolver] = {}


def register(kind: str, resolver: Resolver, *, many: ManyResolver | None = None) -> None:
    """Register *resolver* for *kind*; *many* (optional) resolves a list of keys in a few queries
    at once, for lists such as "What you follow"."""
    _resolvers[kind] = resolver
    if many is not None:
        _many_resolvers[kind] = many
    else:
        _many_resolvers.pop(kind, None)


def kinds() -> list[str]:
    return sorted(_resolvers)


def resolve(kind: str, key: str) -> Subject | None:
    """The subject *kind*/*key*, or None for an unknown kind or an object that is not public."""
    resolver = _resolvers.get(kind)
    return resolver(str(key)) if resolver is not None else None


def resolve_many(kind: str, keys: list[str]) -> dict[str, Subject]:
    """The public subjects of *kind* among *keys*, by key (keys with no public subject left out)."""
    keys = [str(k) for k in keys]
    many = _many_resolvers.get(kind)
    if many is not None:
        return many(keys)
    found = {key: resolve(kind, key) for key in dict.fromkeys(keys)}
    return {key: subject for key, subject in found.items() if subject is not None}
