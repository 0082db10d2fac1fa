"""Audit scenarios of participatory budgeting's ballots (ecitizen.voting.budgeting): see
tests/audit_scenarios.py for the shape."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from ecitizen.core.models import AuditAction as A

_seq = itertools.count(1)


def _expect(**kwargs):
    from tests.audit_scenarios import Expect

    return Expect(**kwargs)


def _process(w):
    """A process in its voting phase, open to everyone, with one budget and two projects."""
    from django.utils import timezone

    from ecitizen.voting.budgeting.models import Budget, Process, Project, ProjectStatus

    def make():
        now = timezone.now()
        at = [now + datetime.timedelta(days=d) for d in (-30, -20, -5, 10)]
        process = Process.objects.create(
            agency=w.agency_a,
            title="Audit budget",
            summary="Spend it well.",
            ideas_open_at=at[0],
            ideas_close_at=at[1],
            voting_open_at=at[2],
            voting_close_at=at[3],
            created_by=w.admin_a,
            published_at=now - datetime.timedelta(days=60),
            max_choices=2,
            min_age=16,
            residents_only=False,
        )
        budget = Budget.objects.create(process=process, amount=100_000)
        for title, cost in (("Benches", 20_000), ("Trees", 45_000)):
            Project.objects.create(
                process=process,
                budget=budget,
                title=title,
                description=title,
                estimated_cost=cost,
                official_cost=cost,
                status=ProjectStatus.ACCEPTED,
            )
        return process

    return w._once("pb_ballot_process", make)


def _first_project(process) -> int:
    return process.projects.order_by("pk").values_list("pk", flat=True).first()


def _paper_voter(w) -> str:
    n = next(_seq)
    person = w.register_person(national_id=f"PA-{n:06d}-Z", given="Paper", family=f"Voter{n}")
    return person.national_id


def _entered(w):
    """A paper ballot's first entry: (process, entry, the voter's national ID)."""
    from ecitizen.voting.budgeting.ballot_services import paper_entry_enter

    process = _process(w)
    national_id = _paper_voter(w)
    entry = paper_entry_enter(
        actor=w.staff("caseworker"),
        process=process,
        sheet_number=f"AUDIT-{next(_seq)}",
        national_id=national_id,
        budget=process.budgets.get(),
        choices={_first_project(process): 1},
    )
    return process, entry, national_id


def ballot_cast(w) -> Any:
    from ecitizen.voting.budgeting import ballot_services

    process = _process(w)
    voter = w.verified_citizen()

    def act():
        ballot = ballot_services.ballot_cast(actor=voter, process=process, choices={_first_project(process): 1})
        return _expect(actor=voter, subject=ballot, agency=w.agency_a)

    return act


def paper_entered(w) -> Any:
    from ecitizen.voting.budgeting.ballot_services import paper_entry_enter

    process = _process(w)
    staff = w.staff("caseworker")
    national_id = _paper_voter(w)

    def act():
        entry = paper_entry_enter(
            actor=staff,
            process=process,
            sheet_number=f"AUDIT-{next(_seq)}",
            national_id=national_id,
            budget=process.budgets.get(),
            choices={_first_project(process): 1},
        )
        return _expect(actor=staff, subject=entry, agency=w.agency_a)

    return act


def _second_entry(w, *, agree: bool):
    from ecitizen.voting.budgeting.ballot_services import paper_entry_confirm

    process, entry, national_id = _entered(w)
    second = w.staff("agency_admin")
    first, other = process.projects.order_by("pk").values_list("pk", flat=True)[:2]

    def act():
        result = paper_entry_confirm(
            actor=second,
            entry=entry,
            national_id=national_id,
            budget=process.budgets.get(),
            choices={first if agree else other: 1},
        )
        return _expect(actor=second, subject=result, agency=w.agency_a)

    return act


def paper_confirmed(w) -> Any:
    return _second_entry(w, agree=True)


def paper_mismatch(w) -> Any:
    return _second_entry(w, agree=False)


def paper_discarded(w) -> Any:
    from ecitizen.voting.budgeting.ballot_services import paper_entry_discard

    _, entry, _ = _entered(w)
    supervisor = w.staff("agency_admin")

    def act():
        paper_entry_discard(actor=supervisor, entry=entry)
        return _expect(actor=supervisor, subject=entry, agency=w.agency_a)

    return act


SCENARIOS: dict[str, Any] = {
    A.PB_BALLOT_CAST: ballot_cast,
    A.PB_PAPER_ENTERED: paper_entered,
    A.PB_PAPER_CONFIRMED: paper_confirmed,
    A.PB_PAPER_MISMATCH: paper_mismatch,
    A.PB_PAPER_DISCARDED: paper_discarded,
}
