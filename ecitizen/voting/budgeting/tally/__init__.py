"""The counting engine of participatory budgeting: pure Python, no Django, exact arithmetic.

``tally(instance, rule)`` counts a ``PBInstance`` (a budget, its projects, the ballots) by one of
``RULES`` and returns a ``TallyResult``. The rules give the same outcome as the reference
implementation (pabutools 1.2.3) with its default, lexicographic tie-breaking; our tests check
that on thousands of random small instances.

Rules
-----
``greedy``
    Projects in decreasing order of votes (approvals; points for cumulative ballots); each is
    funded if its cost fits in the money left, else skipped (the next ones may still fit). Every
    project that fits is funded, even one nobody voted for. A project costing nothing counts as
    having no votes.
``mes``
    The Method of Equal Shares: the budget is split equally among the voters (empty ballots
    included); in each round, among the projects whose supporters together still have enough
    money, the one its supporters can buy at the lowest price per unit of satisfaction is funded,
    each supporter paying price x satisfaction, or everything they have left if that is less.
    Satisfaction: for approval ballots, the project's cost ("cost satisfaction", so the price of a
    project is the equal share of its supporters divided by its cost); for cumulative ballots,
    the points the voter gave it. A project nobody supports, or that costs nothing, is never
    funded by MES.
``mes-add1u``
    MES, run again with each voter's budget raised by 1 unit of money (budget/voters, then +1,
    +2...) until its outcome is exhaustive (no project supported by someone is left that fits
    in the money left) or would cost more than the budget (then the previous outcome is kept);
    then the money left is spent by ``greedy`` on the projects not funded yet.

Ties (exactly as the reference): between projects with the same votes (greedy) or the same
price (MES), the smaller project id wins, comparing ids as strings (so "10" comes before "9").

``TallyResult.explanations``: for EVERY project of the instance, a JSON-serialisable dict.
Amounts of money are whole numbers (``cost``, ``budget_left``) or, where shares are fractions,
decimal strings with 2 places rounded half-even ("12.34").

Always present:
    ``funded`` (bool), ``votes`` (int: approvals or points), ``cost`` (int).
Rule ``greedy`` (every project):
    ``order``: its position (1-based) in decreasing order of votes, the tie-breaking applied;
    ``budget_left``: the money left (int) when its turn came, before it was funded or not.
    A project not funded was skipped because ``budget_left`` < ``cost``.
    A funded project also has ``stage`` = "greedy" and ``round`` (its position in ``selected``).
Rules ``mes`` and ``mes-add1u``, a project funded by equal shares:
    ``stage`` = "mes"; ``round``: its position (1-based) in ``selected``; ``supporters``: how many
    voters support it; ``payments``: who paid, a list of at most 4 groups, largest share first,
    ``{"voters": n, "paid": "123.45", "each": "1.23"}`` where ``paid`` is what the n voters paid
    together and ``each`` what each one paid (``each`` is null for the last group when it merges
    voters who paid different amounts). The ``paid`` of all groups add up exactly to ``cost``: each
    exact group total is rounded half-even to the cent, then any cents of difference (at most
    half a cent per group) are put on the groups whose rounding moved them most the other way.
Rules ``mes`` and ``mes-add1u``, a project not funded by equal shares:
    ``supporters`` (int) and ``supporters_money_left`` (decimal string: what its supporters had
    left at the end of equal shares, together), to compare with ``cost``: it was not funded
    because that money was less than the cost, or (when it is not less) because other projects
    were cheaper per unit of satisfaction and their buyers then left too little.
Rule ``mes-add1u``, every project left after equal shares (funded by the completion or not):
    ``order`` (its position among these in greedy order), ``budget_left`` and
    ``completion_budget_left`` (both: the money left, int, when the greedy completion reached it).
    Funded by the completion: ``stage`` = "completion" and ``round``. Not funded: the completion
    ran out of money (``completion_budget_left`` < ``cost``).

``TallyResult.details`` (facts about the whole count): ``budget_left`` (int); for MES
``voters``, ``voter_budget`` (decimal string: the budget per voter of the run kept) and for
``mes-add1u`` ``add1u_runs`` (how many runs of MES were made).
"""

from __future__ import annotations

from .greedy import greedy
from .instance import PBInstance, PBProject, TallyError, TallyResult
from .mes import mes

RULES = ("greedy", "mes", "mes-add1u")

__all__ = ["RULES", "PBInstance", "PBProject", "TallyError", "TallyResult", "tally"]


def tally(instance: PBInstance, rule: str) -> TallyResult:
    """Count ``instance`` by ``rule`` (one of ``RULES``). Raises ``TallyError`` on a bad instance."""
    if rule not in RULES:
        raise TallyError(f"unknown rule {rule!r} (expected one of {', '.join(RULES)})")
    instance.check()
    if rule == "greedy":
        return greedy(instance)
    return mes(instance, add1u=(rule == "mes-add1u"))
