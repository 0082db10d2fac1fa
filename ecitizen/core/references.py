"""Human references for the objects the audit log names ("CC-2026-000001" instead of "cases.application #2").

Core names objects only by their model label and primary key (``AuditLog.subject_type`` and
``subject_id``), and imports no app. Each app says how its own objects read by registering a
*resolver* for its model labels, in its ``AppConfig.ready()``::

    register_reference("cases.application", application_references)

A resolver takes the viewer and a list of primary keys (as strings) and returns, for those it
knows, an :class:`ObjectReference`: what kind of thing it is, its human reference, and a link
**only** when the viewer may open that page (an auditor who may not open cases reads the
reference without a link). Resolvers look up a whole page of keys at once, so a page of the
audit log costs one or two queries per kind of object, not one per row. Objects that no longer
exist, and labels nobody registered, fall back to ``"label #id"`` in the page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ObjectReference:
    """How one object reads: ``kind`` ("Application"), ``text`` ("CC-2026-000001"), ``url`` or ``""``."""

    kind: str
    text: str
    url: str = ""


Resolver = Callable[[Any, Sequence[str]], Mapping[str, ObjectReference]]

_resolvers: dict[str, Resolver] = {}


def register_reference(label: str, resolver: Resolver) -> None:
    """Make *resolver* say how objects of the model *label* (``"app_label.model"``) read.

    Registering a label twice with another resolver is a programming error (two apps claiming
    one model) and raises ``ValueError``; registering the same resolver again is harmless.
    """
    label = label.lower()
    if _resolvers.get(label, resolver) is not resolver:
        raise ValueError(f"A reference resolver is already registered for {label}.")
    _resolvers[label] = resolver


def registered_labels() -> frozenset[str]:
    return frozenset(_resolvers)


def resolve_references(viewer: Any, subjects: Iterable[tuple[str, str]]) -> dict[tuple[str, str], ObjectReference]:
    """The reference of each ``(label, id)`` in *subjects* that a resolver knows, for *viewer*."""
    wanted: dict[str, list[str]] = defaultdict(list)
    for label, pk in subjects:
        if label and pk and label in _resolvers and pk not in wanted[label]:
            wanted[label].append(pk)
    found: dict[tuple[str, str], ObjectReference] = {}
    for label, pks in wanted.items():
        for pk, reference in _resolvers[label](viewer, pks).items():
            found[(label, str(pk))] = reference
    return found


def int_keys(pks: Sequence[str]) -> list[int]:
    """The keys of *pks* that are integers (audit rows store keys as text)."""
    return [int(pk) for pk in pks if str(pk).isdigit()]


def visible_keys(scope: Any, keys: Sequence[int], *, via: str = "pk") -> set[int]:
    """The primary keys of *scope* (a policy's queryset for the viewer) whose ``via`` is among *keys*.

    A resolver links an object only when its key is in this set: ``visible_keys(policy.scope(viewer,
    "view"), keys)``. With *via* the scope is matched through a relation (a refund's payment:
    ``via="refunds__pk"`` gives the keys of the payments the viewer may open).
    """
    return set(scope.filter(**{f"{via}__in": keys}).values_list("pk", flat=True))
