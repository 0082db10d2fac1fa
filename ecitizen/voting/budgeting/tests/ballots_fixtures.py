"""Fixtures of the ballots part: voters who live in Old Town or Millbrook, verified against the
population register, and processes in the voting phase. Imported by ``test_ballots_*.py`` and
``test_paper_*.py`` (``from .ballots_fixtures import *``)."""

from __future__ import annotations

import datetime
import itertools

import pytest

from ecitizen.voting.budgeting.tests.conftest import MILLBROOK_POSTCODE, OLD_TOWN_POSTCODE

_seq = itertools.count(1)

ADDRESSES = {
    "old_town": ("1 Market Street", OLD_TOWN_POSTCODE),
    "millbrook": ("2 Mill Lane", MILLBROOK_POSTCODE),
    "outside": ("9 Far Away Road", "ZZ9 9ZZ"),
}


def national_id(n: int) -> str:
    return f"PB-{n:06d}-X"


@pytest.fixture
def make_voter(make_user, register_person, districts):
    """``make_voter(district="old_town", born=date, verified=True, in_register=True)``: a citizen
    with a home address in the district (None: no address), verified against the register."""
    from ecitizen.accounts.services import identity_verify_with_register

    def make(district="old_town", *, born=datetime.date(1990, 5, 17), verified=True, in_register=True, email=None):
        n = next(_seq)
        line, postcode = ADDRESSES[district] if district else ("", "")
        user = make_user(
            email or f"voter{n}@example.org",
            given_name="Voter",
            family_name=f"Number{n}",
            address_line_1=line,
            town="Northbridge" if district else "",
            postcode=postcode,
        )
        user.national_id = national_id(n)
        if in_register:
            register_person(national_id=user.national_id, given="Voter", family=f"Number{n}", born=born)
        if verified:
            identity_verify_with_register(
                user=user,
                given_name="Voter",
                family_name=f"Number{n}",
                date_of_birth=born,
                national_id=user.national_id,
            )
        fresh = type(user).objects.get(pk=user.pk)  # the profile as the verification left it
        fresh.national_id = user.national_id
        return fresh

    return make


@pytest.fixture
def voter(make_voter):
    return make_voter()


@pytest.fixture
def voting(make_process, districts):
    """``voting(style="approval", **fields)``: a process in its voting phase with a budget per
    district (100,000 each; projects 20,000, 45,000 and 60,000)."""

    def make(style="approval", **fields):
        return make_process("voting", districts=districts, ballot_style=style, **fields)

    return make


def project_ids(process, budget=None):
    from ecitizen.voting.budgeting.models import Project

    projects = Project.objects.filter(process=process).order_by("pk")
    if budget is not None:
        projects = projects.filter(budget=budget)
    return [p.pk for p in projects]


def budget_of(process, district_area):
    return process.budgets.get(area=district_area)
