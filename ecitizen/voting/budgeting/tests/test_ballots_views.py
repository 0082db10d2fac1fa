"""The voting pages without JavaScript: the ballot in each style, "Update total", errors at the
field, the confirmation, and what people who cannot vote are told."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory

from ecitizen.voting.budgeting.ballot_selectors import vote_box
from ecitizen.voting.budgeting.models import Ballot, BallotChoice

from .ballots_fixtures import *  # noqa: F403
from .ballots_fixtures import budget_of, project_ids

pytestmark = pytest.mark.django_db


def _url(process, done=False):
    return f"/budgeting/{process.pk}/vote/{'done/' if done else ''}"


def _token(response):
    return response.context["form"]["cast_token"].value()


def test_a_visitor_is_sent_to_sign_in(client, voting):
    response = client.get(_url(voting()))

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_approval_vote_without_javascript(client, voting, voter, districts):
    process = voting("approval")
    bench, trees, _ = project_ids(process, budget_of(process, districts["old_town"]))
    client.force_login(voter)

    page = client.get(_url(process))
    assert page.status_code == 200
    html = page.content.decode()
    assert "New benches in the park" in html and 'name="choices"' in html and "Update total" not in html

    response = client.post(_url(process), {"choices": [bench, trees], "cast_token": _token(page), "cast": "1"})
    assert response.status_code == 302 and response["Location"] == _url(process, done=True)
    assert dict(BallotChoice.objects.values_list("project_id", "points")) == {bench: 1, trees: 1}

    done = client.get(_url(process, done=True))
    assert done.status_code == 200
    assert "Your vote has been cast" in done.content.decode() and "Street trees" in done.content.decode()

    # Coming back shows the ballot as cast, and says that casting again replaces it.
    again = client.get(_url(process)).content.decode()
    assert "only your last ballot counts" in again
    assert f'value="{bench}" data-cost="20000" checked' in again


def test_knapsack_update_total_keeps_the_choices(client, voting, voter, districts):
    process = voting("knapsack")
    bench, trees, play = project_ids(process, budget_of(process, districts["old_town"]))
    client.force_login(voter)
    token = _token(client.get(_url(process)))

    response = client.post(_url(process), {"choices": [bench, trees], "cast_token": token, "update": "1"})
    html = response.content.decode()
    assert response.status_code == 200 and not Ballot.objects.exists()
    assert "Update total" in html
    assert response.context["summary"]["total"] == 65_000 and not response.context["summary"]["over"]
    assert (
        f'value="{bench}" data-cost="20000" checked' in html
        and f'value="{play}" data-cost="60000" aria-describedby' in html
    )

    over = client.post(_url(process), {"choices": [bench, trees, play], "cast_token": token, "update": "1"})
    assert over.context["summary"]["over"]
    assert "more than the budget" in over.content.decode() and "There is a problem" in over.content.decode()
    assert not Ballot.objects.exists()

    cast = client.post(_url(process), {"choices": [bench, trees, play], "cast_token": token, "cast": "1"})
    assert cast.status_code == 200 and "more than the budget" in cast.content.decode()
    assert not Ballot.objects.exists()


def test_cumulative_vote_without_javascript(client, voting, voter, districts):
    process = voting("cumulative", points=10, max_points_per_project=5)
    bench, trees, play = project_ids(process, budget_of(process, districts["old_town"]))
    client.force_login(voter)
    token = _token(client.get(_url(process)))

    bad = client.post(_url(process), {f"points-{bench}": "many", f"points-{trees}": "6", "cast_token": token})
    assert bad.status_code == 200 and not Ballot.objects.exists()
    html = bad.content.decode()
    assert "Enter the points as a whole number" in html

    response = client.post(
        _url(process), {f"points-{bench}": "5", f"points-{trees}": "3", f"points-{play}": "", "cast_token": token}
    )
    assert response.status_code == 302
    assert dict(BallotChoice.objects.values_list("project_id", "points")) == {bench: 5, trees: 3}


def test_bad_input_is_an_error_not_a_500(client, voting, voter):
    process = voting("approval")
    client.force_login(voter)

    response = client.post(_url(process), {"choices": ["abc", "999999"], "cast_token": "not-a-uuid"})

    assert response.status_code == 200 and not Ballot.objects.exists()
    assert "There is a problem" in response.content.decode()


def test_who_cannot_vote_is_told_why(client, voting, make_voter):
    process = voting()
    client.force_login(make_voter(None))

    html = client.get(_url(process)).content.decode()

    assert "You cannot vote in this budget" in html and "Add your home address" in html
    assert 'href="/account/profile/"' in html


def test_closed_voting_page(client, make_process, districts, voter):
    process = make_process("counting", districts=districts)
    client.force_login(voter)

    response = client.post(_url(process), {"choices": ["1"]})

    assert response.status_code == 200 and "Voting has closed." in response.content.decode()
    assert not Ballot.objects.exists()


def test_the_process_page_box(rf: RequestFactory, voting, voter, make_voter, districts):
    from ecitizen.voting.budgeting.ballot_services import ballot_cast

    process = voting()

    def box(user):
        request = rf.get("/")
        request.user = user
        return render_to_string(
            "budgeting/_process_vote.html", {"process": process, "vote": vote_box(process=process, user=user)}, request
        )

    assert "Vote now" in box(voter)
    ballot_cast(actor=voter, process=process, choices={project_ids(process)[0]: 1})
    assert "Change your ballot" in box(voter)
    assert "prove who you are" in box(make_voter(verified=False))
