"""A budget of a process as the tally engine's :class:`~ecitizen.voting.budgeting.tally.PBInstance`,
and back: what is counted, exported as a Pabulib file, and imported from one.

Reads only; the services that count and import write. Voter ids are the ballots' primary keys,
which say nothing about who voted. Projects are the ones on the ballot (accepted), at their
official cost, in the order of their numbers; ballots in the order they were first stored, so the
same ballots always give the same text (its SHA-256 is kept with the count).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Sum
from django.utils import timezone

from ecitizen.voting.budgeting.models import (
    Ballot,
    BallotChoice,
    BallotStyle,
    Budget,
    Process,
    Project,
    ProjectResult,
    ProjectStatus,
    Rule,
    Tally,
)
from ecitizen.voting.budgeting.tally import PBInstance, PBProject


def _pabulib():
    # Imported when first used: the engine's Pabulib module is written alongside this one.
    from ecitizen.voting.budgeting.tally import pabulib

    return pabulib


def read_text(text: str) -> PBInstance:
    """A Pabulib file's text as an instance (raises ValueError on a malformed file)."""
    return _pabulib().read(text)


def write_text(instance: PBInstance, selected: list[str] | None = None) -> str:
    return _pabulib().write(instance, selected=selected)


#: Our rule -> the tally engine's rule name.
ENGINE_RULES = {Rule.GREEDY: "greedy", Rule.MES: "mes-add1u"}
#: Our rule -> its name in a Pabulib file's META (and back, for imports).
PABULIB_RULES = {Rule.GREEDY: "greedy", Rule.MES: "equalshares/add1"}


def pabulib_date(moment: datetime.datetime) -> str:
    """A moment as a Pabulib date (day.month.year, in the deployment's time zone)."""
    day = timezone.localtime(moment).date()
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"


def parse_pabulib_date(text: str) -> datetime.date | None:
    """A Pabulib date (``31.12.2020``, ``2020-12-31`` or ``2020``) as a date, or None."""
    text = (text or "").strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def ballot_projects(budget: Budget) -> list[Project]:
    return list(Project.objects.filter(budget=budget, status=ProjectStatus.ACCEPTED).order_by("pk"))


def _vote_type(process: Process) -> str:
    return "cumulative" if process.ballot_style == BallotStyle.CUMULATIVE else "approval"


def _meta(process: Process, budget: Budget, projects: list[Project], ballots: int) -> dict[str, str]:
    area = getattr(budget.area, "name", "") if budget.area_id else ""
    meta = {
        "description": process.title,
        "country": getattr(settings, "BUDGETING_COUNTRY", "") or "",
        "unit": process.agency.name,
        "subunit": area,
        "instance": str(process.pk),
        "num_projects": str(len(projects)),
        "num_votes": str(ballots),
        "budget": str(budget.amount),
        "vote_type": _vote_type(process),
        "rule": PABULIB_RULES[Rule(process.rule)],
        "date_begin": pabulib_date(process.voting_open_at),
        "date_end": pabulib_date(process.voting_close_at),
        "currency": getattr(settings, "BUDGETING_CURRENCY", "") or "",
    }
    if process.ballot_style == BallotStyle.APPROVAL and process.max_choices:
        meta["min_length"] = "1"
        meta["max_length"] = str(process.max_choices)
    elif process.ballot_style == BallotStyle.KNAPSACK:
        meta["min_length"] = "1"
        meta["max_sum_cost"] = str(budget.amount)
    elif process.ballot_style == BallotStyle.CUMULATIVE:
        if process.points:
            meta["max_sum_points"] = str(process.points)
        if process.max_points_per_project:
            meta["max_points"] = str(process.max_points_per_project)
    return {key: value for key, value in meta.items() if value != ""}


def _shuffle_key(ballot_id: int) -> bytes:
    key = hashlib.sha256(f"budgeting-voters:{settings.SECRET_KEY}".encode()).digest()
    return hmac.new(key, str(ballot_id).encode(), hashlib.sha256).digest()


def budget_instance(budget: Budget) -> PBInstance:
    """The ballots of *budget* as the tally engine counts them (every ballot, with its points)."""
    process = budget.process
    projects = ballot_projects(budget)
    on_ballot = {p.pk for p in projects}
    # Voters are numbered 1..n in an order that says nothing of who voted when: sorted by a keyed
    # hash of the ballot's number (the same every time, so the file and its SHA-256 are stable).
    ballot_ids = sorted(Ballot.objects.filter(budget=budget).values_list("pk", flat=True), key=_shuffle_key)
    points: dict[int, dict[str, int]] = {pk: {} for pk in ballot_ids}
    choices = (
        BallotChoice.objects.filter(ballot__budget=budget)
        .order_by("ballot_id", "project_id")
        .values_list("ballot_id", "project_id", "points")
    )
    for ballot_id, project_id, n in choices.iterator(chunk_size=5000):
        if project_id in on_ballot and ballot_id in points:
            points[ballot_id][str(project_id)] = n
    return PBInstance(
        budget=budget.amount,
        projects=[PBProject(id=str(p.pk), cost=p.cost, name=p.title) for p in projects],
        ballots=[points[pk] for pk in ballot_ids],
        vote_type=_vote_type(process),
        meta=_meta(process, budget, projects, len(ballot_ids)),
        voter_ids=[str(n) for n in range(1, len(ballot_ids) + 1)],
    )


@dataclass(frozen=True)
class BudgetInput:
    """What one budget's count reads: the instance as written to Pabulib text and read back (so
    what is counted is exactly the text), the text's SHA-256, and a fingerprint of the ballots to
    check that nothing changed before the count is stored."""

    budget: Budget
    instance: PBInstance
    text: str
    sha256: str
    fingerprint: tuple


def ballots_fingerprint(budget: Budget) -> tuple:
    """Changes whenever a ballot of *budget* is added, removed or cast again."""
    facts = Ballot.objects.filter(budget=budget).aggregate(n=Count("pk"), last=Max("cast_at"), versions=Sum("version"))
    return (facts["n"], facts["last"], facts["versions"] or 0)


def budget_input(budget: Budget) -> BudgetInput:
    fingerprint = ballots_fingerprint(budget)
    text = write_text(budget_instance(budget))
    return BudgetInput(
        budget=budget,
        instance=read_text(text),
        text=text,
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        fingerprint=fingerprint,
    )


def budget_export_text(budget: Budget, *, with_selected: bool) -> str:
    """The Pabulib file of *budget*; with the funded projects (``selected``) when asked and counted."""
    selected = None
    if with_selected:
        funded = ProjectResult.objects.filter(tally__budget=budget, funded=True).order_by("order")
        if Tally.objects.filter(budget=budget).exists():
            selected = [str(pk) for pk in funded.values_list("project_id", flat=True)]
    return write_text(budget_instance(budget), selected=selected)


def engine_rule(rule: str) -> str:
    return ENGINE_RULES[Rule(rule)]


def rule_from_meta(meta: dict[str, Any]) -> Rule:
    """Our rule for a file's META ``rule`` (greedy unless it names equal shares)."""
    name = str(meta.get("rule", "")).strip().lower()
    if name.startswith("equalshares") or name.startswith("mes"):
        return Rule.MES
    return Rule.GREEDY
