"""Greedy by votes: fund projects in decreasing order of votes while the money lasts."""

from __future__ import annotations

from collections import Counter
from itertools import chain

from .instance import PBInstance, TallyResult


def vote_totals(instance: PBInstance) -> dict[str, int]:
    """Project id -> approvals (approval ballots) or points (cumulative ballots)."""
    votes = {p.id: 0 for p in instance.projects}
    if instance.vote_type == "approval" and not any(0 in b.values() for b in instance.ballots):
        votes.update(Counter(chain.from_iterable(instance.ballots)))  # every entry is 1 point
        return votes
    for ballot in instance.ballots:
        for pid, points in ballot.items():
            votes[pid] += points
    return votes


def greedy_order(instance: PBInstance, votes: dict[str, int]) -> list[str]:
    """Project ids, most votes first; equal votes in increasing project id (string order).

    A project costing nothing counts as having no votes (its votes per unit of money are
    undefined): it comes after every project with votes, like the reference implementation.
    """

    def key(p):
        score = votes[p.id] if p.cost > 0 else 0
        return (-score, p.id)

    return [p.id for p in sorted(instance.projects, key=key)]


def complete_greedily(
    instance: PBInstance,
    votes: dict[str, int],
    selected: list[str],
    explanations: dict[str, dict],
    *,
    stage: str,
) -> int:
    """Add to ``selected`` (in place) every project not yet selected that still fits, in greedy
    order; fill in their explanations. Returns the money left."""
    cost = {p.id: p.cost for p in instance.projects}
    left = instance.budget - sum(cost[pid] for pid in selected)
    chosen = set(selected)
    position = 0
    for pid in greedy_order(instance, votes):
        if pid in chosen:
            continue
        position += 1
        facts = explanations.setdefault(pid, {})
        facts.update({"order": position, "budget_left": left})
        if stage != "greedy":
            facts["completion_budget_left"] = left
        if cost[pid] <= left:
            left -= cost[pid]
            selected.append(pid)
            chosen.add(pid)
            facts.update({"funded": True, "stage": stage, "round": len(selected)})
    return left


def greedy(instance: PBInstance) -> TallyResult:
    votes = vote_totals(instance)
    explanations = {p.id: {"funded": False, "votes": votes[p.id], "cost": p.cost} for p in instance.projects}
    selected: list[str] = []
    left = complete_greedily(instance, votes, selected, explanations, stage="greedy")
    return TallyResult(
        rule="greedy",
        selected=selected,
        votes=votes,
        explanations=explanations,
        spent=instance.budget - left,
        details={"budget_left": left},
    )
