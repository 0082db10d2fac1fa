"""The counting engine selects exactly what the reference implementation (pabutools) selects."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings

from ecitizen.voting.budgeting.tally import RULES, tally
from ecitizen.voting.budgeting.tally.mes import mes

from .tally_fixtures import oracle, small_instances

pytest.importorskip("pabutools")

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize("rule", RULES)
@FAST
@given(instance=small_instances())
def test_approval_matches_pabutools(rule, instance):
    assert tally(instance, rule).selected == oracle(instance, rule)


@FAST
@given(instance=small_instances(vote_type="cumulative"))
def test_cumulative_mes_matches_pabutools(instance):
    """MES with points as satisfaction. pabutools funds the free projects someone gave points to
    first, in no set order: compare those as a set, the others in order."""
    free = {p.id for p in instance.projects if p.cost == 0}
    ours, theirs = tally(instance, "mes").selected, oracle(instance, "mes")
    assert [pid for pid in ours if pid not in free] == [pid for pid in theirs if pid not in free]
    assert set(ours) == set(theirs)


@pytest.mark.parametrize("add1u", [False, True])
@FAST
@given(instance=small_instances())
def test_both_engines_agree(add1u, instance):
    """The per-state engine (fast, approval only) and the per-ballot engine give the same count."""
    states = mes(instance, add1u=add1u, engine="states")
    groups = mes(instance, add1u=add1u, engine="groups")
    assert states.selected == groups.selected
    assert states.explanations == groups.explanations
    for pid in states.selected:
        facts = states.explanations[pid]
        if facts["stage"] == "mes":  # what the supporters paid adds up to the cost, to the cent
            assert sum(Decimal(group["paid"]) for group in facts["payments"]) == facts["cost"]
    json.dumps(states.explanations)
