"""Time the participatory-budgeting counting engine on a large approval vote.

    .venv/bin/python bench/budgeting_tally.py [--voters 100000] [--projects 50] [--seed 7] [--pabutools]

Generates a seeded instance (each voter approves 1 to 8 projects, a few projects far more popular
than the others; costs in the thousands; the budget a third of the total cost), prints our time
for each rule (best of 3) and, with ``--pabutools``, the reference implementation's time on the
same instance (one run: it is slow) and whether the selections are identical.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ecitizen.voting.budgeting.tally import RULES, PBInstance, PBProject, tally  # noqa: E402


def generate(voters: int = 100_000, projects: int = 50, seed: int = 7) -> PBInstance:
    rng = random.Random(seed)  # noqa: S311 (a benchmark's data, not a secret)
    ids = [str(100 + i) for i in range(projects)]
    costs = [rng.randrange(1_000, 10_000, 50) for _ in ids]
    # Skewed popularity: project i is chosen with weight 1 / (i + 1) ** 0.9 (shuffled over the ids).
    order = ids[:]
    rng.shuffle(order)
    weights = [1 / (i + 1) ** 0.9 for i in range(projects)]
    ballots = []
    for _ in range(voters):
        k = min(projects, rng.choice((1, 1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 6, 7, 8)))
        chosen: set[str] = set()
        while len(chosen) < k:
            chosen.update(rng.choices(order, weights, k=k - len(chosen)))
        ballots.append(dict.fromkeys(chosen, 1))
    return PBInstance(
        budget=sum(costs) // 3,
        projects=[PBProject(pid, cost, f"Project {pid}") for pid, cost in zip(ids, costs, strict=True)],
        ballots=ballots,
    )


def best_of(n: int, fn):
    best, result = None, None
    for _ in range(n):
        start = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - start
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def run_pabutools(instance: PBInstance, rule: str) -> list[str]:
    from pabutools.election import ApprovalBallot, ApprovalProfile, Cost_Sat, Instance, Project
    from pabutools.rules import completion_by_rule_combination, greedy_utilitarian_welfare, method_of_equal_shares

    inst = Instance(budget_limit=instance.budget)
    by_id = {}
    for p in instance.projects:
        by_id[p.id] = Project(p.id, p.cost)
        inst.add(by_id[p.id])
    profile = ApprovalProfile([ApprovalBallot(by_id[pid] for pid in b) for b in instance.ballots])
    if rule == "greedy":
        out = greedy_utilitarian_welfare(inst, profile, sat_class=Cost_Sat)
    elif rule == "mes":
        out = method_of_equal_shares(inst, profile, sat_class=Cost_Sat)
    else:
        out = completion_by_rule_combination(
            inst,
            profile,
            [method_of_equal_shares, greedy_utilitarian_welfare],
            [{"sat_class": Cost_Sat, "voter_budget_increment": 1}, {"sat_class": Cost_Sat}],
        )
    return [p.name for p in out]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voters", type=int, default=100_000)
    parser.add_argument("--projects", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rules", default=",".join(RULES))
    parser.add_argument("--pabutools", action="store_true", help="also run the reference implementation")
    args = parser.parse_args()
    instance = generate(args.voters, args.projects, args.seed)
    approvals = sum(len(b) for b in instance.ballots)
    distinct = len({frozenset(b) for b in instance.ballots})
    print(
        f"{args.voters} voters ({distinct} distinct ballots, {approvals} approvals), "
        f"{args.projects} projects, budget {instance.budget}"
    )
    for rule in args.rules.split(","):
        ours, result = best_of(3, lambda rule=rule: tally(instance, rule))
        line = f"{rule:10} ours {ours:8.3f} s  funded {len(result.selected):2}  spent {result.spent}"
        if args.pabutools:
            start = time.perf_counter()
            theirs = run_pabutools(instance, rule)
            elapsed = time.perf_counter() - start
            same = "identical" if theirs == result.selected else f"DIFFERENT: {theirs} vs {result.selected}"
            line += f"  | pabutools {elapsed:8.3f} s  selections {same}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
