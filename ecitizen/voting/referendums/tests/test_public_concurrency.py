"""Casting under concurrency (PostgreSQL, real threads and connections): ballots cast at the same
moment are numbered 1…N without a gap or a repeat, the same credential voting from several tabs at
once leaves exactly one ballot that counts, and the same ballot sent twice at once is one ballot."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from ecitizen.voting.referendums.ballot_services import cast
from ecitizen.voting.referendums.models import BoardBallot

from .voter_fixtures import *  # noqa: F403

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


@pytest.fixture
def many_voters(make_user):
    return [make_user(f"concurrent{i}@example.org") for i in range(THREADS)]


def test_ballots_cast_at_once_are_numbered_without_gaps(make_referendum_for_voters, many_voters):
    import json

    built = make_referendum_for_voters(voters=many_voters)
    texts = [json.dumps(built.encrypt(user, [[i % 2], []])) for i, user in enumerate(many_voters)]

    results, errors = _run(lambda i: cast(built.referendum, many_voters[i], texts[i]), THREADS)

    assert errors == []
    assert sorted(r.n for r in results) == list(range(1, THREADS + 1))
    rows = list(BoardBallot.objects.order_by("n").values_list("n", "replaced_by"))
    assert rows == [(n, None) for n in range(1, THREADS + 1)]


def test_one_credential_from_many_tabs_leaves_one_ballot_that_counts(make_referendum_for_voters, many_voters):
    import json

    voter = many_voters[0]
    built = make_referendum_for_voters(voters=[voter])
    texts = [json.dumps(built.encrypt(voter, [[i % 2], [i % 3]])) for i in range(THREADS)]

    _results, errors = _run(lambda i: cast(built.referendum, voter, texts[i]), THREADS)

    assert errors == []
    rows = list(BoardBallot.objects.order_by("n").values_list("n", "replaced_by"))
    assert [n for n, _by in rows] == list(range(1, THREADS + 1))
    # Each replaced by the next: one chain, and only the last counts.
    assert [by for _n, by in rows] == [*range(2, THREADS + 1), None]


def test_the_same_ballot_sent_at_once_is_one_ballot(make_referendum_for_voters, many_voters):
    import json

    voter = many_voters[0]
    built = make_referendum_for_voters(voters=[voter])
    text = json.dumps(built.encrypt(voter, [[0], []]))

    results, errors = _run(lambda i: cast(built.referendum, voter, text), 4)

    assert errors == []
    assert {r.n for r in results} == {1}
    assert BoardBallot.objects.count() == 1
