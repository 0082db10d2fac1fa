"""The reference implementation (pabutools) as an oracle for the counting engine, and
hypothesis strategies for small instances where ties are likely."""

from __future__ import annotations

from hypothesis import strategies as st

from ecitizen.voting.budgeting.tally import PBInstance, PBProject


def oracle(instance: PBInstance, rule: str) -> list[str]:
    """The project ids pabutools 1.2.3 selects, in its order, with its default tie-breaking."""
    from pabutools.election import (
        Additive_Cardinal_Sat,
        ApprovalBallot,
        ApprovalProfile,
        Cost_Sat,
        CumulativeBallot,
        CumulativeProfile,
        Instance,
        Project,
    )
    from pabutools.rules import completion_by_rule_combination, greedy_utilitarian_welfare, method_of_equal_shares

    inst = Instance(budget_limit=instance.budget)
    by_id = {}
    for p in instance.projects:
        by_id[p.id] = Project(p.id, p.cost)
        inst.add(by_id[p.id])
    if instance.vote_type == "approval":
        profile = ApprovalProfile(
            [ApprovalBallot(by_id[pid] for pid, pts in b.items() if pts) for b in instance.ballots]
        )
        mes_sat = Cost_Sat
    else:
        profile = CumulativeProfile(
            [CumulativeBallot({by_id[pid]: pts for pid, pts in b.items() if pts}) for b in instance.ballots]
        )
        mes_sat = Additive_Cardinal_Sat
    if rule == "greedy":
        out = greedy_utilitarian_welfare(inst, profile, sat_class=Cost_Sat)
    elif rule == "mes":
        out = method_of_equal_shares(inst, profile, sat_class=mes_sat)
    else:
        out = completion_by_rule_combination(
            inst,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": mes_sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
        )
    return [p.name for p in out]


@st.composite
def small_instances(draw, vote_type: str = "approval", max_projects: int = 12, max_voters: int = 40):
    """Up to 12 projects with few distinct costs and ids that sort differently as strings and
    numbers, up to 40 voters, a budget from nothing to more than everything: ties are common."""
    n = draw(st.integers(0, max_projects))
    ids = draw(st.lists(st.integers(1, 30), min_size=n, max_size=n, unique=True))
    costs = draw(st.lists(st.sampled_from([0, 1, 2, 3, 5, 6, 10, 12, 30, 100]), min_size=n, max_size=n))
    projects = [PBProject(str(i), c) for i, c in zip(ids, costs, strict=True)]
    total = sum(costs)
    budget = draw(st.integers(0, total + 10))
    pids = [p.id for p in projects]
    if vote_type == "approval":
        ballot = st.lists(st.sampled_from(pids), max_size=n, unique=True).map(lambda c: dict.fromkeys(c, 1))
        if not pids:
            ballot = st.just({})
    else:
        ballot = st.dictionaries(st.sampled_from(pids), st.integers(1, 4), max_size=n) if pids else st.just({})
    ballots = draw(st.lists(ballot, max_size=max_voters))
    return PBInstance(budget=budget, projects=projects, ballots=ballots, vote_type=vote_type)
