"""The result: online counts plus confirmed paper ballots, turnout by district only for groups large
enough not to tell who voted, and the conditions of publication."""

from __future__ import annotations

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from ecitizen.reports.tests.conftest import make_area, square
from ecitizen.voting.referendums import counter_services, result_services
from ecitizen.voting.referendums.models import ElectorateEntry

pytestmark = pytest.mark.django_db

_keys = itertools.count(1)


def _people(referendum, district, eligible: int, voted: int, channel: str = "online") -> None:
    ElectorateEntry.objects.bulk_create(
        ElectorateEntry(
            referendum=referendum,
            voter_key=f"test:{next(_keys)}",
            district=district,
            channel=channel if i < voted else "",
        )
        for i in range(eligible)
    )


@pytest.fixture
def riverside(agency_a):
    return make_area(agency_a, "Riverside", square(0.020, 52.000, 0.040, 52.020))


def _districts(turnout):
    return [(d["name"].get("en", d["district"]), d["eligible"], d["voted"]) for d in turnout["districts"]]


def test_small_districts_are_merged_into_other_places(make_referendum, districts, riverside):
    referendum = make_referendum("result").referendum
    _people(referendum, districts["old_town"], 12, 5)
    _people(referendum, districts["millbrook"], 15, 6, channel="paper")
    _people(referendum, riverside, 3, 2)
    _people(referendum, None, 8, 1)
    turnout = result_services.turnout(referendum)
    assert turnout["eligible"] == 38 and turnout["voted"] == 14
    assert turnout["channels"] == {"online": 8, "assisted": 0, "paper": 6}
    assert sorted(_districts(turnout)) == [("Millbrook", 15, 6), ("Old Town", 12, 5), ("other", 11, 3)]


def test_a_small_other_group_takes_in_the_next_smallest_district(make_referendum, districts, riverside):
    referendum = make_referendum("result").referendum
    _people(referendum, districts["old_town"], 12, 5)
    _people(referendum, districts["millbrook"], 15, 6)
    _people(referendum, riverside, 3, 2)
    # Riverside alone (3) could be found by subtracting the others from the total: Old Town joins it.
    assert sorted(_districts(result_services.turnout(referendum))) == [("Millbrook", 15, 6), ("other", 15, 7)]


def test_no_district_is_shown_when_every_group_is_small(make_referendum, districts, settings):
    referendum = make_referendum("result").referendum
    _people(referendum, districts["old_town"], 9, 5)
    _people(referendum, districts["millbrook"], 4, 1)
    assert result_services.turnout(referendum)["districts"] == []
    settings.REFERENDUMS_MIN_GROUP = 4
    assert sorted(_districts(result_services.turnout(referendum))) == [("Millbrook", 4, 1), ("Old Town", 9, 5)]


def test_the_result_page_shows_no_small_district(make_referendum, districts, riverside, admin_a):
    referendum = make_referendum("result").referendum
    _people(referendum, districts["millbrook"], 15, 6)
    _people(referendum, districts["old_town"], 12, 5)
    _people(referendum, riverside, 3, 2)
    client = Client()
    client.force_login(admin_a)
    html = client.get(reverse("referendums_staff:result", args=[referendum.pk])).content.decode()
    assert "Millbrook" in html and "Other places together" in html
    assert "Riverside" not in html and "Old Town" not in html


def test_paper_ballots_add_to_the_online_count(make_referendum, make_voter, referendum_people, admin_a):
    voters = [make_voter() for _ in range(5)]
    built = make_referendum(
        "result",
        questions=[("Which?", ["A", "B", "C"], 0, 2)],
        voters=voters,
        ballots=[(voters[0], [[0, 1]]), (voters[1], [[2]])],
        paper=voters[2:],
    )
    referendum = built.referendum
    assert referendum.result["online"] == [[1, 1, 1]]
    officer = referendum_people["officer"]
    for number, marks, spoilt in (("1", [[0]], False), ("2", [[1, 2]], False), ("3", [], True)):
        for typist in (officer, admin_a):
            counter_services.sheet_enter(
                actor=typist, referendum=referendum, sheet_number=number, choices=marks, spoilt=spoilt
            )
    result = result_services.current_result(referendum)
    assert result["paper"] == {"ballots": 2, "counts": [[1, 1, 1]]}
    assert result["spoilt"] == 1
    assert result["totals"] == [[2, 2, 2]]


def test_publishing_waits_for_every_ballot_paper(make_referendum, make_voter, referendum_people, admin_a):
    voters = [make_voter() for _ in range(2)]
    referendum = make_referendum("result", voters=voters, paper=voters).referendum
    counter_services.sheet_enter(actor=admin_a, referendum=referendum, sheet_number="1", choices=[[0]])
    assert "waiting for their second entry" in " ".join(result_services.result_problems(referendum))
    with pytest.raises(ValidationError, match="waiting for their second entry"):
        result_services.result_sign_off(
            actor=admin_a, referendum=referendum, digest=result_services.result_digest(referendum)
        )
    with pytest.raises(ValidationError, match="waiting for their second entry"):
        result_services.result_publish(actor=referendum_people["officer"], referendum=referendum)
