"""The data the counting engine works on: a budget, its projects and the ballots.

Nothing here knows about Django: the same objects are built from the database (by the
results service) or from a Pabulib file (``tally.pabulib.read``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

VOTE_TYPES = ("approval", "cumulative")


class TallyError(ValueError):
    """The instance cannot be counted (an unknown project on a ballot, a negative cost...)."""


@dataclass(frozen=True)
class PBProject:
    """One project on the ballot. ``id`` is the Pabulib ``project_id`` (our ``Project.pk`` as text)."""

    id: str
    cost: int
    name: str = ""


@dataclass
class PBInstance:
    """One budget to share among projects, and the ballots cast for them.

    ``ballots`` holds, per voter, project id -> points; approval ballots give each chosen
    project 1 point. ``voter_ids`` (optional) are the Pabulib ``voter_id`` in the same order.
    """

    budget: int
    projects: list[PBProject]
    ballots: list[dict[str, int]]
    vote_type: str = "approval"
    meta: dict[str, str] = field(default_factory=dict)
    voter_ids: list[str] | None = None

    def project_ids(self) -> list[str]:
        return [p.id for p in self.projects]

    def check(self) -> None:
        """Raise ``TallyError`` when the instance cannot be counted."""
        if isinstance(self.budget, bool) or not isinstance(self.budget, int) or self.budget < 0:
            raise TallyError(f"the budget must be a whole number, not negative: {self.budget!r}")
        if self.vote_type not in VOTE_TYPES:
            raise TallyError(f"unsupported vote type {self.vote_type!r} (expected one of {', '.join(VOTE_TYPES)})")
        seen: set[str] = set()
        for p in self.projects:
            if not isinstance(p.id, str) or not p.id:
                raise TallyError(f"a project id must be a non-empty string: {p.id!r}")
            if p.id in seen:
                raise TallyError(f"project {p.id!r} is listed twice")
            seen.add(p.id)
            if isinstance(p.cost, bool) or not isinstance(p.cost, int) or p.cost < 0:
                raise TallyError(f"project {p.id!r}: the cost must be a whole number, not negative: {p.cost!r}")
        if self.voter_ids is not None and len(self.voter_ids) != len(self.ballots):
            raise TallyError("there must be as many voter ids as ballots")
        points_seen: set = set()
        for n, ballot in enumerate(self.ballots, start=1):
            if not seen.issuperset(ballot):
                unknown = sorted(set(ballot) - seen, key=str)[0]
                raise TallyError(f"ballot {n} names an unknown project {unknown!r}")
            points_seen.update(ballot.values())
        for points in points_seen:
            if isinstance(points, bool) or not isinstance(points, int) or points < 0:
                raise TallyError(f"points must be whole numbers, not negative: {points!r}")
            if self.vote_type == "approval" and points not in (0, 1):
                raise TallyError(f"an approval ballot gives 1 point, not {points!r}")


@dataclass
class TallyResult:
    """The outcome of one rule on one instance; see the package docstring for ``explanations``."""

    rule: str
    selected: list[str]
    votes: dict[str, int]
    explanations: dict[str, dict]
    spent: int
    # Facts about the whole count (e.g. the per-voter budget MES used); JSON-serialisable.
    details: dict = field(default_factory=dict)


CENT = Decimal("0.01")


def money(value: Fraction | int) -> str:
    """An exact amount as a decimal string with 2 places, rounded half-even."""
    value = Fraction(value)
    return str((Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, rounding=ROUND_HALF_EVEN))


def cents_half_even(value: Fraction) -> int:
    """``value`` (in money units) rounded half-even to a whole number of cents."""
    return round(Fraction(value) * 100)  # Fraction.__round__ rounds half to even


def split_to_cents(amounts: list[Fraction], total: int) -> list[int]:
    """Round each exact amount to cents (half-even), then correct the rounded amounts so they add up
    to ``total`` (a whole number of money units, the exact sum of ``amounts``) to the cent.

    Each cent of difference goes to (or comes from) the amount whose rounding moved it the most in
    the other direction, the earlier one first on a tie, so no amount moves by more than a cent.
    """
    cents = [cents_half_even(a) for a in amounts]
    diff = total * 100 - sum(cents)
    # error > 0: the amount was rounded down by that much.
    errors = [Fraction(a) * 100 - c for a, c in zip(amounts, cents, strict=True)]
    order = sorted(range(len(amounts)), key=lambda i: (-errors[i] if diff > 0 else errors[i], i))
    step = 1 if diff > 0 else -1
    for i in order[: abs(diff)]:
        cents[i] += step
    return cents


def cents_str(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"
