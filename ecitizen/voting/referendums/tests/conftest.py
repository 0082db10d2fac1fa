"""Fixtures of every referendum test: the staff side's builders (``staff_fixtures.py``) and
participatory budgeting's districts and voters (Old Town and Millbrook, citizens verified against
the population register)."""

from ecitizen.voting.budgeting.tests.ballots_fixtures import make_voter, national_id  # noqa: F401
from ecitizen.voting.budgeting.tests.conftest import districts  # noqa: F401
from ecitizen.voting.referendums.tests.staff_fixtures import (  # noqa: F401
    Built,
    make_key,
    make_referendum,
    referendum_people,
    texts,
)
