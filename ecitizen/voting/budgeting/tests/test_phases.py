"""A process's phase follows its dates and what staff have done."""

from __future__ import annotations

import datetime

import pytest

from ecitizen.voting.budgeting.models import Phase, Process

UTC = datetime.UTC


def _process(**kwargs) -> Process:
    base = datetime.datetime(2027, 3, 1, tzinfo=UTC)
    fields = {
        "ideas_open_at": base,
        "ideas_close_at": base + datetime.timedelta(days=30),
        "voting_open_at": base + datetime.timedelta(days=60),
        "voting_close_at": base + datetime.timedelta(days=75),
        "published_at": base - datetime.timedelta(days=1),
    }
    fields.update(kwargs)
    return Process(**fields)


@pytest.mark.parametrize(
    ("day", "phase"),
    [
        (-1, Phase.UPCOMING),
        (0, Phase.IDEAS),
        (29, Phase.IDEAS),
        (30, Phase.REVIEW),
        (59, Phase.REVIEW),
        (60, Phase.VOTING),
        (74, Phase.VOTING),
        (75, Phase.COUNTING),
        (400, Phase.COUNTING),
    ],
)
def test_phase_follows_the_dates(day, phase):
    now = datetime.datetime(2027, 3, 1, tzinfo=UTC) + datetime.timedelta(days=day)
    assert _process().phase(now) == phase


def test_staff_acts_move_the_phase_on():
    now = datetime.datetime(2027, 6, 1, tzinfo=UTC)
    assert _process(published_at=None).phase(now) == Phase.DRAFT
    assert _process(results_published_at=now).phase(now) == Phase.RESULTS
    assert _process(results_published_at=now, implementation_started_at=now).phase(now) == Phase.IMPLEMENTATION


def test_phases_in_order_are_enforced_by_the_database(db, agency_a, citizen):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        _process(
            agency=agency_a,
            created_by=citizen,
            title="t",
            summary="s",
            voting_open_at=datetime.datetime(2027, 3, 2, tzinfo=UTC),
        ).save()


def test_the_builder_makes_a_process_in_each_phase(make_process, districts):
    for phase in ("upcoming", "ideas", "review", "voting", "counting"):
        process = make_process(phase, districts=districts)
        assert process.phase() == phase
        assert process.budgets.count() == 2
        assert process.projects.count() == 6
