"""Casting is limited per account (``BUDGETING_CAST_RATE``): each cast writes an audit row, so one
account cannot grow the audit log without bound. A refused cast keeps the ballot already stored,
and the same form sent twice casts once and counts once."""

from __future__ import annotations

import pytest

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.voting.budgeting.models import Ballot, BallotChoice

from .ballots_fixtures import *  # noqa: F403
from .ballots_fixtures import budget_of, project_ids

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def limits_on(settings):
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    settings.BUDGETING_CAST_RATE = "2/h/user"


def _url(process):
    return f"/budgeting/{process.pk}/vote/"


def _cast(client, process, choices, token=None):
    if token is None:
        token = client.get(_url(process)).context["form"]["cast_token"].value()
    return client.post(_url(process), {"choices": choices, "cast_token": token, "cast": "1"})


def _casts():
    return AuditLog.objects.filter(action=AuditAction.PB_BALLOT_CAST).count()


def test_casts_past_the_limit_are_refused_and_the_ballot_kept(client, voting, voter, districts):
    process = voting("approval")
    bench, trees, _ = project_ids(process, budget_of(process, districts["old_town"]))
    client.force_login(voter)
    assert _cast(client, process, [bench]).status_code == 302
    assert _cast(client, process, [trees]).status_code == 302

    refused = _cast(client, process, [bench, trees])

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "too many times" in refused.content.decode()
    # The choices sent are shown again, and the last ballot cast stands.
    assert refused.context["form"].data.getlist("choices") == [str(bench), str(trees)]
    ballot = Ballot.objects.get()
    assert ballot.version == 2
    assert list(BallotChoice.objects.filter(ballot=ballot).values_list("project_id", flat=True)) == [trees]
    assert _casts() == 2


def test_the_same_form_twice_casts_once_and_counts_once(client, voting, voter, districts):
    process = voting("approval")
    bench, trees, _ = project_ids(process, budget_of(process, districts["old_town"]))
    client.force_login(voter)
    token = client.get(_url(process)).context["form"]["cast_token"].value()

    assert _cast(client, process, [bench], token).status_code == 302
    assert _cast(client, process, [bench], token).status_code == 302  # a double click
    assert _casts() == 1
    # The limit of 2 still allows a second, real cast.
    assert _cast(client, process, [trees]).status_code == 302
    assert _casts() == 2
    assert Ballot.objects.get().version == 2


def test_a_refused_ballot_does_not_count(client, voting, voter, districts):
    process = voting("approval")
    bench, trees, _ = project_ids(process, budget_of(process, districts["old_town"]))
    client.force_login(voter)
    for _i in range(3):
        response = _cast(client, process, [999_999])  # not on this ballot: a field error
        assert response.status_code == 200
    assert _cast(client, process, [bench]).status_code == 302
    assert _cast(client, process, [trees]).status_code == 302
    assert _casts() == 2
