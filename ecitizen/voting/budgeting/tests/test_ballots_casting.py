"""Casting a ballot online: the three ballot styles' rules, one ballot per person (the last one
counts), the voting phase, and the audit row."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.voting.budgeting.ballot_services import ballot_cast
from ecitizen.voting.budgeting.models import Ballot, BallotChoice, Channel

from .ballots_fixtures import *  # noqa: F403
from .ballots_fixtures import budget_of, project_ids

pytestmark = pytest.mark.django_db


def _ids(process, districts, district="old_town"):
    return project_ids(process, budget_of(process, districts[district]))


def _choices(ballot):
    return dict(BallotChoice.objects.filter(ballot=ballot).values_list("project_id", "points"))


def test_approval_ballot_is_cast_and_audited(voting, voter, districts):
    process = voting("approval")
    bench, trees, _play = _ids(process, districts)

    ballot = ballot_cast(actor=voter, process=process, choices={bench: 1, trees: 1})

    stored = Ballot.objects.get()
    assert stored.pk == ballot.pk and stored.version == 1 and stored.channel == Channel.ONLINE
    assert stored.voter_key == voter.profile.national_id_index and stored.user == voter
    assert stored.budget == budget_of(process, districts["old_town"])
    assert _choices(stored) == {bench: 1, trees: 1}
    row = AuditLog.objects.get(action=AuditAction.PB_BALLOT_CAST)
    assert row.actor == voter and row.subject_user == voter and row.agency == process.agency
    assert row.subject_id == str(stored.pk)
    # The choices stay with the ballot, out of the audit trail.
    assert row.extra == {"process": process.pk, "budget": stored.budget_id, "version": 1, "channel": "online"}


def test_approval_allows_at_most_max_choices(voting, voter, districts):
    process = voting("approval", max_choices=2)

    with pytest.raises(ValidationError) as error:
        ballot_cast(actor=voter, process=process, choices=dict.fromkeys(_ids(process, districts), 1))

    assert error.value.message_dict["choices"] == ["Choose at most 2 projects. You chose 3."]
    assert not Ballot.objects.exists() and not AuditLog.objects.filter(action=AuditAction.PB_BALLOT_CAST).exists()


def test_knapsack_total_must_fit_the_budget(voting, voter, districts):
    process = voting("knapsack")
    bench, trees, play = _ids(process, districts)

    with pytest.raises(ValidationError) as error:
        ballot_cast(actor=voter, process=process, choices={bench: 1, trees: 1, play: 1})
    message = error.value.message_dict["choices"][0]
    assert "125,000" in message and "more than the budget of" in message and "100,000" in message
    assert not Ballot.objects.exists()

    with pytest.raises(ValidationError):
        ballot_cast(actor=voter, process=process, choices={trees: 1, play: 1})  # 105,000
    ballot_cast(actor=voter, process=process, choices={bench: 1, trees: 1})  # 65,000
    assert _choices(Ballot.objects.get()) == {bench: 1, trees: 1}


def test_knapsack_accepts_a_total_equal_to_the_budget(make_process, districts, make_voter):
    process = make_process(
        "voting", districts=districts, ballot_style="knapsack", projects=[("A", 40_000), ("B", 60_000), ("C", 1)]
    )
    voter = make_voter()
    a, b, c = project_ids(process, budget_of(process, districts["old_town"]))

    ballot_cast(actor=voter, process=process, choices={a: 1, b: 1})
    with pytest.raises(ValidationError):
        ballot_cast(actor=voter, process=process, choices={a: 1, b: 1, c: 1})
    assert _choices(Ballot.objects.get()) == {a: 1, b: 1}


def test_cumulative_points(voting, voter, districts):
    process = voting("cumulative", points=10, max_points_per_project=5)
    bench, trees, play = _ids(process, districts)

    with pytest.raises(ValidationError) as error:
        ballot_cast(actor=voter, process=process, choices={bench: 6})
    assert error.value.message_dict["choices"] == ["You can give at most 5 points to one project."]
    with pytest.raises(ValidationError) as error:
        ballot_cast(actor=voter, process=process, choices={bench: 5, trees: 5, play: 1})
    assert error.value.message_dict["choices"] == ["You have 10 points to share out, and you gave 11. Take some back."]
    with pytest.raises(ValidationError):
        ballot_cast(actor=voter, process=process, choices={bench: 0})

    ballot_cast(actor=voter, process=process, choices={bench: 5, trees: 3, play: 0})
    assert _choices(Ballot.objects.get()) == {bench: 5, trees: 3}


@pytest.mark.parametrize("style", ["approval", "knapsack", "cumulative"])
def test_only_projects_of_ones_own_ballot(voting, voter, districts, style):
    process = voting(style)
    other_district = _ids(process, districts, "millbrook")

    with pytest.raises(ValidationError) as error:
        ballot_cast(actor=voter, process=process, choices={other_district[0]: 1})
    assert error.value.message_dict["choices"] == ["Choose only projects on this ballot."]
    with pytest.raises(ValidationError):
        ballot_cast(actor=voter, process=process, choices={})


def test_casting_again_replaces_the_choices(voting, voter, districts):
    process = voting("approval")
    bench, trees, play = _ids(process, districts)

    ballot_cast(actor=voter, process=process, choices={bench: 1, trees: 1})
    ballot = ballot_cast(actor=voter, process=process, choices={play: 1})

    stored = Ballot.objects.get()
    assert stored.pk == ballot.pk and stored.version == 2
    assert _choices(stored) == {play: 1}
    versions = list(AuditLog.objects.filter(action=AuditAction.PB_BALLOT_CAST).values_list("extra__version", flat=True))
    assert sorted(versions) == [1, 2]


def test_the_same_form_twice_casts_once(voting, voter, districts):
    process = voting("approval")
    bench, *_ = _ids(process, districts)
    token = uuid.uuid4()

    ballot_cast(actor=voter, process=process, choices={bench: 1}, cast_token=token)
    again = ballot_cast(actor=voter, process=process, choices={bench: 1}, cast_token=token)

    assert again.version == 1 and Ballot.objects.get().version == 1
    assert AuditLog.objects.filter(action=AuditAction.PB_BALLOT_CAST).count() == 1


@pytest.mark.parametrize(
    "phase, message", [("review", "Voting has not opened yet."), ("counting", "Voting has closed.")]
)
def test_only_while_voting_is_open(make_process, districts, voter, phase, message):
    process = make_process(phase, districts=districts)
    bench = project_ids(process, budget_of(process, districts["old_town"]))[0]

    with pytest.raises(ValidationError) as error:
        ballot_cast(actor=voter, process=process, choices={bench: 1})

    assert error.value.messages == [message]
    assert not Ballot.objects.exists()


def test_an_ineligible_person_cannot_cast(voting, make_voter, districts):
    process = voting()
    bench = _ids(process, districts)[0]

    with pytest.raises(ValidationError) as error:
        ballot_cast(actor=make_voter(verified=False), process=process, choices={bench: 1})

    assert "prove who you are" in error.value.messages[0]
    assert not Ballot.objects.exists()


def test_a_ballot_from_before_verification_is_replaced_not_doubled(voting, make_voter, districts, register_person):
    from ecitizen.accounts.services import identity_verify_with_register

    process = voting(identity_level="basic", min_age=None)
    bench, trees, _ = _ids(process, districts)
    person = make_voter(verified=False)
    ballot_cast(actor=person, process=process, choices={bench: 1})
    assert Ballot.objects.get().voter_key == f"user:{person.pk}"

    profile = person.profile
    identity_verify_with_register(
        user=person,
        given_name=profile.given_name,
        family_name=profile.family_name,
        date_of_birth=datetime.date(1990, 5, 17),
        national_id=person.national_id,
    )
    ballot_cast(actor=person, process=process, choices={trees: 1})

    stored = Ballot.objects.get()
    assert stored.voter_key != f"user:{person.pk}" and _choices(stored) == {trees: 1}
