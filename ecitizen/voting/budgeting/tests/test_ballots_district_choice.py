"""A process open to everyone (``residents_only=False``) with a budget per district: a voter
whose address is in none of the districts chooses the district they vote in (without JavaScript:
a radio group before the ballot), the choice is checked and stored on the ballot; residents
still vote in their own district whatever they send."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ecitizen.voting.budgeting.ballot_services import ballot_cast
from ecitizen.voting.budgeting.eligibility import eligibility_for
from ecitizen.voting.budgeting.models import Ballot

from .ballots_fixtures import *  # noqa: F403
from .ballots_fixtures import budget_of, project_ids

pytestmark = pytest.mark.django_db

OUTSIDE_POSTCODE = "NB9 9ZZ"


@pytest.fixture
def outsider(make_voter, districts):
    """A verified voter whose address is in the address register but in neither district."""
    from ecitizen.accounts.models import Profile
    from ecitizen.exchange.models import Address

    Address.objects.create(
        uprn="900000000009",
        line="9 Hill Road",
        street="Hill Road",
        number="9",
        locality="Upper Hill",
        town="Northbridge",
        postcode=OUTSIDE_POSTCODE,
        latitude=52.100,
        longitude=0.005,
    )
    user = make_voter(None)
    Profile.objects.filter(user=user).update(address_line_1="9 Hill Road", postcode=OUTSIDE_POSTCODE)
    return user


def _url(process):
    return f"/budgeting/{process.pk}/vote/"


def test_an_outsider_chooses_the_district_instead_of_getting_the_first(voting, outsider, districts):
    process = voting(residents_only=False)
    old_town, millbrook = budget_of(process, districts["old_town"]), budget_of(process, districts["millbrook"])

    eligibility = eligibility_for(outsider, process)
    assert eligibility.ok and eligibility.budget is None
    assert {b.pk for b in eligibility.choose_from} == {old_town.pk, millbrook.pk}

    # No district chosen: refused, nothing written.
    with pytest.raises(ValidationError) as exc:
        ballot_cast(actor=outsider, process=process, choices={project_ids(process, millbrook)[0]: 1})
    assert "budget" in exc.value.message_dict
    assert not Ballot.objects.exists()

    bench = project_ids(process, millbrook)[0]
    ballot = ballot_cast(actor=outsider, process=process, choices={bench: 1}, budget=millbrook)
    assert Ballot.objects.get(pk=ballot.pk).budget_id == millbrook.pk


def test_a_resident_cannot_choose_another_district(voting, make_voter, districts):
    process = voting(residents_only=False)
    old_town, millbrook = budget_of(process, districts["old_town"]), budget_of(process, districts["millbrook"])
    resident = make_voter("old_town")

    ballot = ballot_cast(
        actor=resident, process=process, choices={project_ids(process, old_town)[0]: 1}, budget=millbrook
    )
    assert Ballot.objects.get(pk=ballot.pk).budget_id == old_town.pk


def test_the_vote_page_asks_an_outsider_for_the_district_first_without_javascript(
    client, voting, outsider, districts, make_process, agency_a
):
    process = voting(residents_only=False)
    millbrook = budget_of(process, districts["millbrook"])
    client.force_login(outsider)

    page = client.get(_url(process))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'type="radio"' in html and 'name="budget"' in html and "Millbrook" in html and "Old Town" in html
    assert 'name="choices"' not in html  # the ballot comes after the choice

    # A budget of another process, or not a number: asked again, with an error, never a 500.
    other = make_process("voting", districts=districts, residents_only=False)
    for bad in (str(budget_of(other, districts["millbrook"]).pk), "x", "99999999999999999999"):
        again = client.get(_url(process), {"budget": bad})
        assert again.status_code == 400 and "Choose the district" in again.content.decode()

    ballot_page = client.get(_url(process), {"budget": millbrook.pk})
    html = ballot_page.content.decode()
    assert ballot_page.status_code == 200 and 'name="choices"' in html
    assert f'name="budget" value="{millbrook.pk}"' in html and "You are voting in Millbrook" in html

    bench = project_ids(process, millbrook)[0]
    token = ballot_page.context["form"]["cast_token"].value()
    response = client.post(_url(process), {"budget": millbrook.pk, "choices": [bench], "cast_token": token})
    assert response.status_code == 302
    assert Ballot.objects.get(process=process).budget_id == millbrook.pk

    # Coming back goes straight to the ballot of the district chosen, with a way to change it.
    back = client.get(_url(process)).content.decode()
    assert 'name="choices"' in back and "Choose another district" in back
    assert 'type="radio"' in client.get(_url(process), {"change": "1"}).content.decode()
