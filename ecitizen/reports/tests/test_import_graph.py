"""No import cycle inside ecitizen.reports, at module or function level (issue 9, section 3).

``services`` → ``alerts`` → ``tasks`` → ``alerts``/``services`` used to form a
cycle, hidden by imports inside functions. Services now send signals
(:mod:`ecitizen.reports.signals`) that :mod:`ecitizen.reports.receivers` turns
into tasks, and the token helpers live in :mod:`ecitizen.reports.tokens`.
grimp (import-linter's graph) sees imports inside functions too.
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp
from django.conf import settings


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the groups of modules that import each other, directly or not."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in edges:
        if node not in index:
            visit(node)
    return groups


def test_no_import_cycle_inside_reports(monkeypatch):
    monkeypatch.setattr(sys, "path", [str(Path(settings.BASE_DIR)), *sys.path])
    graph = grimp.build_graph("ecitizen", cache_dir=None)
    modules = {m for m in graph.modules if m.startswith("ecitizen.reports") and ".tests" not in m}
    edges = {m: graph.find_modules_directly_imported_by(m) & modules for m in modules}
    assert strongly_connected(edges) == []
