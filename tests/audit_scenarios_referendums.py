"""Audit scenarios of the referendums' voter side (ecitizen.voting.referendums): see
tests/audit_scenarios.py for the shape. The staff side's are in the app's tests/staff_fixtures.py.
An online ballot has no scenario because it writes no audit row (the public board is its record)."""

from __future__ import annotations

from typing import Any

from ecitizen.core.models import AuditAction as A


def _expect(**kwargs):
    from tests.audit_scenarios import Expect

    return Expect(**kwargs)


def assisted_vote(w) -> Any:
    """A voter without JavaScript votes by the assisted path: one row, actor the voter, nothing of
    the ballot in it."""
    from ecitizen.voting.referendums import ballot_services
    from ecitizen.voting.referendums.tests.staff_fixtures import _world_referendum

    voter = w.verified_citizen()
    built = _world_referendum(w, "open", voters=[voter])
    referendum = built.referendum

    def act():
        ballot_services.cast_assisted(referendum, voter, built.codes[voter.pk], [[0]])
        return _expect(actor=voter, subject=referendum, agency=w.agency_a)

    return act


REFERENDUM_VOTER_SCENARIOS = {A.REF_ASSISTED_VOTE: assisted_vote}
