"""Participatory budgeting's fixtures: the two districts of Northbridge (the problem-report areas
of ``ecitizen/reports/tests/conftest.py``), an address in each in the address register, and a
builder of processes in any phase.

``make_process`` writes rows directly, so that every part of the app can be tested on its own;
tests of the staff pages that create processes go through the services.
"""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone

from ecitizen.reports.tests.conftest import make_area, square

_seq = itertools.count(1)

OLD_TOWN_POSTCODE = "NB1 1AA"
MILLBROOK_POSTCODE = "NB2 2BB"


@pytest.fixture
def districts(agency_a):
    """Old Town (north) and Millbrook (south), each with one address in the address register."""
    from ecitizen.exchange.models import Address

    old_town = make_area(agency_a, "Old Town", square(0.000, 52.020, 0.020, 52.040))
    millbrook = make_area(agency_a, "Millbrook", square(0.000, 52.000, 0.020, 52.020))
    Address.objects.create(
        uprn="900000000001",
        line="1 Market Street",
        street="Market Street",
        number="1",
        locality="Old Town",
        town="Northbridge",
        postcode=OLD_TOWN_POSTCODE,
        latitude=52.030,
        longitude=0.005,
    )
    Address.objects.create(
        uprn="900000000002",
        line="2 Mill Lane",
        street="Mill Lane",
        number="2",
        locality="Millbrook",
        town="Northbridge",
        postcode=MILLBROOK_POSTCODE,
        latitude=52.010,
        longitude=0.005,
    )
    return {"old_town": old_town, "millbrook": millbrook}


# The days from now at which each phase starts, for a process in the given phase.
_PHASE_OFFSETS = {
    "upcoming": (5, 10, 15, 20),
    "ideas": (-5, 10, 15, 20),
    "review": (-20, -5, 10, 20),
    "voting": (-30, -20, -5, 10),
    "counting": (-40, -30, -20, -1),
}


@pytest.fixture
def make_process(agency_a, admin_a):
    """``make_process(phase="voting", districts={"old_town": area, ...} or None, amount=...,
    projects=[(title, cost), ...] per budget, **fields)``: a published process whose dates put it
    in *phase*, with one budget (or one per district) and accepted projects on each."""
    from ecitizen.voting.budgeting.models import Budget, Process, Project, ProjectStatus

    def make(phase="voting", *, districts=None, amount=100_000, projects=None, **fields):
        now = timezone.now()
        offsets = _PHASE_OFFSETS[phase]
        at = [now + datetime.timedelta(days=d) for d in offsets]
        n = next(_seq)
        values = {
            "agency": agency_a,
            "title": f"Neighbourhood budget {n}",
            "summary": "Decide how to spend part of the city's budget.",
            "ideas_open_at": at[0],
            "ideas_close_at": at[1],
            "voting_open_at": at[2],
            "voting_close_at": at[3],
            "created_by": admin_a,
            "published_at": now - datetime.timedelta(days=60),
            "max_choices": 3,
            "points": 10,
            "max_points_per_project": 5,
            "min_age": 16,
        }
        values.update(fields)
        process = Process.objects.create(**values)
        areas = list((districts or {None: None}).values())
        default_projects = [("New benches in the park", 20_000), ("Street trees", 45_000), ("Play area", 60_000)]
        for area in areas:
            budget = Budget.objects.create(process=process, area=area, amount=amount)
            for title, cost in projects or default_projects:
                Project.objects.create(
                    process=process,
                    budget=budget,
                    title=title,
                    description=f"{title}, for everyone.",
                    estimated_cost=cost,
                    official_cost=cost,
                    status=ProjectStatus.ACCEPTED,
                )
        return process

    return make
