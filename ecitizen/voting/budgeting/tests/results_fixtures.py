"""Fixtures of the results tests: ballots written straight into a process that has closed its
voting, a second agency admin (publishing needs a second person), and processes counted and
published through the services. Import them with ``from .results_fixtures import *``."""

from __future__ import annotations

import itertools

import pytest

_voters = itertools.count(1)

__all__ = ["admin_two", "cast", "counted", "implementing", "make_staff", "published", "small_case"]


def cast(process, budget, *choices, points=None) -> object:
    """One ballot in *budget* for the projects *choices* (with *points*, a list, for cumulative)."""
    from ecitizen.voting.budgeting.models import Ballot, BallotChoice

    ballot = Ballot.objects.create(process=process, budget=budget, voter_key=f"test:{next(_voters)}")
    for i, project in enumerate(choices):
        BallotChoice.objects.create(ballot=ballot, project=project, points=points[i] if points else 1)
    return ballot


@pytest.fixture
def make_staff(make_user, with_mfa, agency_a):
    from ecitizen.agencies.models import Membership

    seq = itertools.count(1)

    def make(role="agency_admin", agency=None):
        user = make_user(f"{role}-{next(seq)}@results.example")
        Membership.objects.create(user=user, agency=agency or agency_a, role=role)
        with_mfa(user)
        return user

    return make


@pytest.fixture
def admin_two(make_staff):
    return make_staff("agency_admin")


@pytest.fixture
def small_case(make_process):
    """A closed process (greedy unless asked), budget 100 000: A 100 000 (3 votes), B 40 000 and
    C 40 000 (2 votes each, from the same two voters). Greedy funds A; equal shares fund B then C."""

    def make(rule="greedy", **fields):
        process = make_process(
            "counting",
            rule=rule,
            projects=[("Library", 100_000), ("Benches", 40_000), ("Trees", 40_000)],
            **fields,
        )
        budget = process.budgets.get()
        a, b, c = budget.projects.order_by("pk")
        for _ in range(3):
            cast(process, budget, a)
        for _ in range(2):
            cast(process, budget, b, c)
        return process, budget, (a, b, c)

    return make


@pytest.fixture
def counted(small_case, admin_a):
    from ecitizen.voting.budgeting.result_services import results_count

    process, budget, projects = small_case()
    results_count(actor=admin_a, process=process)
    return process, budget, projects


@pytest.fixture
def published(counted, admin_two):
    from ecitizen.voting.budgeting.result_services import results_publish

    process, budget, projects = counted
    results_publish(actor=admin_two, process=process)
    process.refresh_from_db()
    return process, budget, projects


@pytest.fixture
def implementing(published, admin_two):
    from ecitizen.voting.budgeting.implementation_services import implementation_start

    process, budget, projects = published
    implementation_start(actor=admin_two, process=process)
    process.refresh_from_db()
    return process, budget, projects
