"""Reads about ballots: the projects on a budget's ballot, a person's ballot, what the process page
says about voting, and the paper entries staff see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from ecitizen.voting.budgeting.eligibility import (
    Eligibility,
    bound_national_id_index,
    eligibility_for,
    voter_profile,
)
from ecitizen.voting.budgeting.models import (
    Ballot,
    BallotChoice,
    Budget,
    Channel,
    PaperEntry,
    PaperEntryState,
    Phase,
    Process,
    Project,
    ProjectStatus,
)


def ballot_projects(budget: Budget) -> list[Project]:
    """The projects on *budget*'s ballot, in their public order."""
    return list(
        Project.objects.filter(budget=budget, status=ProjectStatus.ACCEPTED).only(
            "pk", "title", "description", "estimated_cost", "official_cost", "budget_id", "process_id"
        )
    )


def ballot_costs(budget: Budget) -> dict[int, int]:
    """{project id: cost} of the projects on *budget*'s ballot: what casting checks a ballot
    against (one light statement: it runs on every ballot cast)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, COALESCE(official_cost, estimated_cost) FROM {Project._meta.db_table} "  # noqa: S608
            "WHERE budget_id = %s AND status = %s",
            [budget.pk, ProjectStatus.ACCEPTED.value],
        )
        return {pk: int(cost) for pk, cost in cursor.fetchall()}


def ballot_voter_keys(user: Any, profile: Any | None = None) -> list[str]:
    """Every key a ballot of *user* may be kept under: the bound national-ID index (if any) and
    ``user:<id>`` (a ballot cast before the account was bound to a national ID)."""
    profile = profile if profile is not None else voter_profile(user)
    index = bound_national_id_index(profile)
    return [index, f"user:{user.pk}"] if index else [f"user:{user.pk}"]


def ballot_of(process: Process, user: Any, profile: Any | None = None) -> Ballot | None:
    """*user*'s ballot in *process* (online or a confirmed paper one), with its choices."""
    if not user.is_authenticated:
        return None
    keys = ballot_voter_keys(user, profile)
    ballots = Ballot.objects.filter(process=process).filter(Q(voter_key__in=keys) | Q(user=user))
    return ballots.select_related("budget").order_by("-cast_at").first()


def ballot_choices(ballot: Ballot) -> list[BallotChoice]:
    return list(ballot.choices.select_related("project").order_by("project_id"))


def ballot_choice_map(ballot: Ballot | None) -> dict[int, int]:
    """{project id: points} of *ballot* ({} for none)."""
    if ballot is None:
        return {}
    return dict(ballot.choices.values_list("project_id", "points"))


def voted_online(process: Process, national_id_index: str) -> bool:
    """Has the person with this national ID cast an online ballot (under their bound index, or from
    an account bound to it now)?"""
    if not national_id_index:
        return False
    from ecitizen.accounts.models import Profile

    owners = Profile.objects.filter(national_id_index=national_id_index).values("user_id")
    return (
        Ballot.objects.filter(process=process, channel=Channel.ONLINE)
        .filter(Q(voter_key=national_id_index) | Q(user__in=owners))
        .exists()
    )


def paper_ballot_of(process: Process, national_id_index: str) -> Ballot | None:
    return Ballot.objects.filter(process=process, voter_key=national_id_index, channel=Channel.PAPER).first()


@dataclass(frozen=True)
class VoteBox:
    """What the process page says about voting to this visitor."""

    phase: Phase
    eligibility: Eligibility | None
    ballot: Ballot | None

    @property
    def open(self) -> bool:
        return self.phase == Phase.VOTING

    @property
    def voted_on_paper(self) -> bool:
        return self.ballot is not None and self.ballot.channel == Channel.PAPER


def vote_box(*, process: Process, user: Any) -> VoteBox:
    """For ``budgeting/_process_vote.html``: the phase, whether *user* may vote (during voting)
    and their ballot if they have cast one."""
    phase = process.phase()
    if phase not in (Phase.VOTING, Phase.COUNTING, Phase.RESULTS, Phase.IMPLEMENTATION):
        return VoteBox(phase=phase, eligibility=None, ballot=None)
    profile = voter_profile(user) if user.is_authenticated else None
    ballot = ballot_of(process, user, profile) if user.is_authenticated else None
    eligibility = eligibility_for(user, process, profile=profile) if phase == Phase.VOTING else None
    return VoteBox(phase=phase, eligibility=eligibility, ballot=ballot)


def paper_entries(process: Process) -> QuerySet[PaperEntry]:
    return (
        PaperEntry.objects.filter(process=process)
        .select_related("budget__area", "entered_by", "confirmed_by")
        .order_by("sheet_number", "pk")
    )


def paper_entry_counts(process: Process) -> dict[str, int]:
    counts = dict.fromkeys(PaperEntryState.values, 0)
    for state in PaperEntry.objects.filter(process=process).values_list("state", flat=True):
        counts[state] += 1
    return counts
