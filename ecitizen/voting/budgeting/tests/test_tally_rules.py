"""Hand-made counts whose results can be worked out on paper."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from ecitizen.voting.budgeting.tally import RULES, PBInstance, PBProject, TallyError, tally
from ecitizen.voting.budgeting.tally.instance import split_to_cents


def approvals(budget, costs, ballots):
    projects = [PBProject(pid, cost) for pid, cost in costs.items()]
    # A ballot is a list of ids, or a string of one-letter ids.
    return PBInstance(budget=budget, projects=projects, ballots=[dict.fromkeys(b, 1) for b in ballots])


def test_greedy_skips_what_does_not_fit_and_goes_on():
    inst = approvals(10, {"a": 6, "b": 5, "c": 4}, ["ab", "a", "b", "c"])
    result = tally(inst, "greedy")
    # a and b have 2 votes each: the tie goes to the smaller id, a; b (5) no longer fits in 4; c does.
    assert result.selected == ["a", "c"]
    assert result.spent == 10
    assert result.explanations["b"] == {"funded": False, "votes": 2, "cost": 5, "order": 2, "budget_left": 4}
    assert result.explanations["c"]["budget_left"] == 4 and result.explanations["c"]["funded"]


def test_ties_go_to_the_smaller_id_as_a_string():
    inst = approvals(10, {"9": 5, "10": 5}, [["9"], ["10"]])
    for rule in RULES:
        assert tally(inst, rule).selected == ["10", "9"]
    inst.budget = 5
    assert tally(inst, "greedy").selected == ["10"]
    assert tally(inst, "mes").selected == []  # 2.50 each: nobody can pay alone
    assert tally(inst, "mes-add1u").selected == ["10"]  # at 3.50 each, still not: then greedy


def test_mes_shares_equally_and_explains_the_payments():
    # 3 voters, 2 each. "a" (cost 3) is approved by all: 1 each. "b" (cost 2) by voter 1 alone,
    # who has 1 left: b is not funded by MES, its supporter's money left is 1.00.
    inst = approvals(6, {"a": 3, "b": 2}, ["ab", "a", "a"])
    result = tally(inst, "mes")
    assert result.selected == ["a"]
    a = result.explanations["a"]
    assert a["stage"] == "mes" and a["round"] == 1 and a["supporters"] == 3
    assert a["payments"] == [{"voters": 3, "paid": "3.00", "each": "1.00"}]
    assert result.explanations["b"]["supporters_money_left"] == "1.00"
    json.dumps(result.explanations)  # JSON-serialisable
    # Add1U: with 3 each, voter 1 pays 1 for a and has 2 left: b is funded too.
    assert tally(inst, "mes-add1u").selected == ["a", "b"]


def test_payments_add_up_to_the_cost_to_the_cent():
    inst = approvals(10, {"a": 10}, ["a"] * 3)
    pays = tally(inst, "mes-add1u").explanations["a"]["payments"]
    assert pays == [{"voters": 3, "paid": "10.00", "each": "3.33"}]
    # Three groups of a third each: rounded half-even to 33 cents, the missing cent goes to the first.
    assert split_to_cents([Fraction(1, 3)] * 3, 1) == [34, 33, 33]
    # Half a cent is rounded to even (0 and 2), then the 2 missing cents go where rounding cut most.
    assert split_to_cents([Fraction(1, 200), Fraction(3, 200), Fraction(196, 100)], 2) == [1, 2, 197]


def test_poorer_supporters_pay_all_they_have():
    # 4 voters with 3 each. With cost satisfaction the price per unit is 1 / supporters while all
    # can pay: "a" (cost 6, 3 supporters) first, 2 each. Then "b" (cost 4): voter 3 has 1 left and
    # pays it, voter 4 pays the other 3.
    inst = approvals(12, {"a": 6, "b": 4}, ["a", "a", "ab", "b"])
    result = tally(inst, "mes")
    assert result.selected == ["a", "b"]
    assert result.explanations["b"]["payments"] == [
        {"voters": 1, "paid": "3.00", "each": "3.00"},
        {"voters": 1, "paid": "1.00", "each": "1.00"},
    ]


def test_a_project_costing_more_than_the_whole_budget_is_never_funded():
    inst = approvals(100, {"big": 101, "small": 50}, [["big"]] * 10 + [["small"]])
    assert tally(inst, "greedy").selected == ["small"]
    assert tally(inst, "mes").selected == []  # 9.09 each: small's one supporter cannot pay 50
    assert tally(inst, "mes").explanations["big"]["supporters_money_left"] == "90.91"
    assert tally(inst, "mes-add1u").selected == ["small"]
    assert tally(inst, "greedy").explanations["big"]["budget_left"] == 100


def test_zero_voters():
    inst = approvals(10, {"a": 4, "b": 7}, [])
    assert tally(inst, "greedy").selected == ["a"]  # no votes at all: in id order, while it fits
    assert tally(inst, "mes").selected == []
    assert tally(inst, "mes-add1u").selected == ["a"]


def test_a_voter_approving_nothing_still_gets_a_share():
    # 2 voters: 5 each. The empty ballot's share is never spent by MES.
    inst = approvals(10, {"a": 6}, ["a", ""])
    assert tally(inst, "mes").selected == []
    assert tally(inst, "mes").explanations["a"]["supporters_money_left"] == "5.00"
    assert tally(inst, "mes-add1u").selected == ["a"]  # at 6 each the supporter can pay


def test_cumulative_points():
    inst = PBInstance(
        budget=10,
        projects=[PBProject("a", 5), PBProject("b", 5), PBProject("c", 5)],
        ballots=[{"a": 3, "b": 1}, {"c": 4}, {"b": 2}],
        vote_type="cumulative",
    )
    assert tally(inst, "greedy").votes == {"a": 3, "b": 3, "c": 4}
    assert tally(inst, "greedy").selected == ["c", "a"]


@pytest.mark.parametrize(
    "inst",
    [
        PBInstance(budget=-1, projects=[], ballots=[]),
        PBInstance(budget=1, projects=[PBProject("a", -1)], ballots=[]),
        PBInstance(budget=1, projects=[PBProject("a", 1), PBProject("a", 2)], ballots=[]),
        PBInstance(budget=1, projects=[PBProject("a", 1)], ballots=[{"z": 1}]),
        PBInstance(budget=1, projects=[PBProject("a", 1)], ballots=[{"a": 2}]),
        PBInstance(budget=1, projects=[], ballots=[], vote_type="ordinal"),
    ],
)
def test_bad_instances_are_refused(inst):
    with pytest.raises(TallyError):
        tally(inst, "greedy")


def test_unknown_rule():
    with pytest.raises(TallyError):
        tally(approvals(1, {}, []), "borda")
