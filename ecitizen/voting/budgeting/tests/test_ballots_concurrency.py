"""One person, one ballot under concurrency (PostgreSQL, real threads and connections): the
same voter casting from several tabs at once leaves one ballot row, with the choices of the cast
that committed last, and no error."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from ecitizen.voting.budgeting.ballot_services import ballot_cast
from ecitizen.voting.budgeting.models import Ballot, BallotChoice

from .ballots_fixtures import *  # noqa: F403
from .ballots_fixtures import budget_of, project_ids

pytestmark = [pytest.mark.django_db(transaction=True)]

THREADS = 8


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks between real connections: PostgreSQL only (SQLite serialises writers)")


def _run(work, n):
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def run(i):
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors


def test_the_same_voter_from_many_tabs_keeps_one_ballot_with_the_last_choices(voting, voter, districts):
    process = voting("cumulative", points=10, max_points_per_project=5)
    bench, trees, play = project_ids(process, budget_of(process, districts["old_town"]))
    # Each tab gives a different number of points to the benches.
    choices = [{bench: 1 + i % 5, trees: 1, play: 1} for i in range(THREADS)]

    results, errors = _run(lambda i: ballot_cast(actor=voter, process=process, choices=choices[i]), THREADS)

    assert errors == []
    ballot = Ballot.objects.get()
    assert ballot.version == THREADS
    assert sorted(r.version for r in results) == list(range(1, THREADS + 1))
    last = max(range(THREADS), key=lambda i: results[i].version)
    assert dict(BallotChoice.objects.filter(ballot=ballot).values_list("project_id", "points")) == choices[last]


def test_many_voters_at_once_each_keep_one_ballot(voting, make_voter, districts):
    process = voting("approval")
    bench, trees, _ = project_ids(process, budget_of(process, districts["old_town"]))
    voters = [make_voter() for _ in range(4)]

    # Two threads per voter, each casting twice.
    def work(i):
        person = voters[i % len(voters)]
        ballot_cast(actor=person, process=process, choices={bench: 1})
        return ballot_cast(actor=person, process=process, choices={trees: 1})

    _, errors = _run(work, 2 * len(voters))

    assert errors == []
    assert Ballot.objects.count() == len(voters)
    assert sorted(Ballot.objects.values_list("version", flat=True)) == [4] * len(voters)
    assert set(BallotChoice.objects.values_list("project_id", flat=True)) == {trees}
