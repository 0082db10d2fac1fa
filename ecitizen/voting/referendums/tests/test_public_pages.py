"""The public referendum pages: the list, a referendum's page (questions in the reader's language,
dates, who may vote, how secrecy and checking work), the election record for the booth, and the
vote form following the booth's DOM contract."""

from __future__ import annotations

import datetime
import re

import pytest

from ecitizen.voting.protocol import hashing
from ecitizen.voting.referendums.models import Stage

from .voter_fixtures import *  # noqa: F403
from .voter_fixtures import publish

pytestmark = pytest.mark.django_db


def test_the_list_shows_open_upcoming_and_finished_referendums_but_not_drafts(
    client, make_referendum_for_voters, voters
):
    open_ = make_referendum_for_voters(voters=voters)
    upcoming = make_referendum_for_voters(stage=Stage.READY, opens=datetime.timedelta(days=3))
    finished = make_referendum_for_voters(voters=voters)
    publish(finished)
    draft = make_referendum_for_voters(stage=Stage.DRAFT, opens=datetime.timedelta(days=3))

    page = client.get("/referendums/").content.decode()

    def position(built):
        return page.find(f'href="/referendums/{built.referendum.pk}/"')

    voting_now, coming_up, done = page.find("Voting now"), page.find("Coming up"), page.find("Finished")
    assert voting_now < position(open_) < coming_up < position(upcoming) < done < position(finished)
    assert position(draft) == -1
    assert client.get(f"/referendums/{draft.referendum.pk}/").status_code == 404


def test_a_referendum_page_in_the_readers_language(client, make_referendum_for_voters, voters):
    built = make_referendum_for_voters(voters=voters, min_age=18)

    english = client.get(f"/referendums/{built.referendum.pk}/").content.decode()
    french = client.get(f"/referendums/{built.referendum.pk}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "Should the old library become a community centre?" in english
    assert "La vieille bibliothèque doit-elle devenir un centre social ?" in french
    assert "Oui" in french and "Non" in french
    # A text without a French version falls back to English.
    assert "A workshop" in french
    assert "People aged 18 or over" in english
    assert "3 people, on the list drawn up when voting opened" in english
    assert "3 credential codes sent for voting online" in english
    assert f'href="/referendums/{built.referendum.pk}/vote/"' in english
    assert f'href="/referendums/{built.referendum.pk}/board/"' in english
    # How secrecy and checking work, and the verifier command.
    for words in ("credential code", "Encrypted on your device", "ballot tracker", "Cast or audit", "Voting again",
                  "Trustees", "python -m ecitizen.voting.verify board.json"):  # fmt: skip
        assert words in english


def test_the_election_record_for_the_booth(client, make_referendum_for_voters, voters):
    built = make_referendum_for_voters(voters=voters)
    ready = make_referendum_for_voters(stage=Stage.READY, opens=datetime.timedelta(days=3))

    record = client.get(f"/referendums/{built.referendum.pk}/election.json").json()

    assert record["election_hash"] == hashing.election_hash(record["election"]) == built.referendum.election_hash
    assert record["election"]["public_key"] == built.key.public_key
    assert client.get(f"/referendums/{ready.referendum.pk}/election.json").status_code == 404


def test_the_vote_page_needs_a_sign_in(client, make_referendum_for_voters, voters):
    built = make_referendum_for_voters(voters=voters)
    response = client.get(f"/referendums/{built.referendum.pk}/vote/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_vote_form_follows_the_booths_dom_contract(client, make_referendum_for_voters, voters):
    built = make_referendum_for_voters(voters=voters)
    pk = built.referendum.pk
    client.force_login(voters[0])

    page = client.get(f"/referendums/{pk}/vote/").content.decode()

    form = re.search(r"<form [^>]*id=\"referendum-booth\"[^>]*>", page).group(0)
    assert 'method="post"' in form and f'action="/referendums/{pk}/vote/"' in form
    assert f'data-election-url="/referendums/{pk}/election.json"' in form and "novalidate" in form
    assert 'name="csrfmiddlewaretoken"' in page
    assert re.search(r'<input [^>]*id="credential" name="credential"', page)
    # Question 0: one answer, radios; question 1: up to two of three, checkboxes.
    assert re.search(r'<fieldset [^>]*data-question="0" data-min="1" data-max="1"', page)
    assert re.search(r'<fieldset [^>]*data-question="1" data-min="0" data-max="2"', page)
    radios = re.findall(r'<input [^>]*name="q0" type="radio" value="(\d+)"', page)
    boxes = re.findall(r'<input [^>]*name="q1" type="checkbox" value="(\d+)"', page)
    assert radios == ["0", "1"] and boxes == ["0", "1", "2"]
    for i, k in [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2)]:
        assert '<label class="govuk-label govuk-' in page and f'for="q{i}-{k}"' in page
    assert '<input type="hidden" name="ballot" value="">' in page
    assert "data-booth-assisted" in page and 'name="assisted"' in page
    assert "I understand the server will see my choices while it encrypts them" in page
    assert "data-booth-submit" in page
    assert "data-booth-ui" in page  # the booth's partial, included after the form
    assert page.index("</form>") < page.index("data-booth-ui")


def test_pages_of_an_unknown_referendum_are_404(client):
    for path in ("", "vote/", "election.json", "board/", "board.json", "result/"):
        assert client.get(f"/referendums/999999/{path}").status_code in (404, 302)
