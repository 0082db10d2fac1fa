"""Review: the work of the big moments does not grow with a query per person or per ballot.

- Freezing the electorate reads the address register once per batch of profiles, not once per
  address (100,000 voters at 100,000 addresses were 100,000 queries), and places people exactly as
  participatory budgeting's ``address_point`` does.
- The public board page does not count the board on every view: the figure is a function of the
  board's last number, kept in the cache under it.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ecitizen.exchange.models import Address
from ecitizen.voting.budgeting.eligibility import VoterProfile, address_point
from ecitizen.voting.referendums import eligibility
from ecitizen.voting.referendums.models import BoardBallot

pytestmark = pytest.mark.django_db

OPENING_DAY = datetime.date(2027, 3, 10)


def _resident(make_user, n: int, *, postcode: str, line: str, lat: float = 52.03, lng: float = 0.005):
    """A verified-level account (identity not needed: level "none") at its own address in Old Town."""
    Address.objects.get_or_create(
        uprn=f"77{n:010d}",
        defaults={
            "line": line,
            "street": "Review Street",
            "number": str(n),
            "locality": "Old Town",
            "town": "Northbridge",
            "postcode": postcode,
            "latitude": lat,
            "longitude": lng,
        },
    )
    return make_user(f"resident{n}@example.org", address_line_1=line, postcode=postcode, town="Northbridge")


def _queries_to_freeze(referendum) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as ctx:
        people = eligibility.electors(referendum, OPENING_DAY)
    return len(ctx.captured_queries), people


def test_freezing_the_electorate_does_not_query_per_address(make_referendum, make_user, districts):
    referendum = make_referendum("ready", min_age=0, identity_level="none", residents_only=True).referendum
    for n in range(3):
        _resident(make_user, n, postcode=f"NB9 {n}AA", line=f"{n} Review Street")
    few, people = _queries_to_freeze(referendum)
    assert len(people) == 3
    for n in range(3, 40):
        _resident(make_user, n, postcode=f"NB9 {n}AB", line=f"{n} Review Street")

    many, people = _queries_to_freeze(referendum)

    assert len(people) == 40
    assert many == few


def test_batched_places_agree_with_address_point(make_referendum, make_user, districts):
    """The cases of ``address_point``: one address; several at one postcode told apart by the first
    line; several at one point; several that cannot be told apart; none; an inactive one."""
    referendum = make_referendum("ready", min_age=0, identity_level="none", residents_only=False).referendum
    cases = [
        ("NB8 1AA", "1 Only Street", [("1 Only Street", 52.031)]),
        ("NB8 2AA", "2 Twin Street", [("1 Twin Street", 52.032), ("2 Twin Street", 52.010)]),
        ("NB8 3AA", "9 Nowhere", [("1 Block", 52.033), ("2 Block", 52.033)]),
        ("NB8 4AA", "9 Nowhere", [("1 Split", 52.034), ("2 Split", 52.011)]),
        ("NB8 5AA", "", [("1 Blank", 52.035), ("2 Blank", 52.012)]),
        ("NB8 6AA", "1 Gone Street", []),
        ("ZZ1 1ZZ", "1 Unknown", []),
    ]
    n = 100
    for postcode, _line, rows in cases:
        for text, lat in rows:
            n += 1
            Address.objects.create(
                uprn=f"88{n:010d}",
                line=text,
                street="Review Street",
                number=str(n),
                locality="Old Town",
                town="Northbridge",
                postcode=postcode,
                latitude=lat,
                longitude=0.005,
            )
    Address.objects.create(
        uprn="880000009999",
        line="1 Gone Street",
        street="Gone Street",
        number="1",
        locality="Old Town",
        town="Northbridge",
        postcode="NB8 6AA",
        latitude=52.036,
        longitude=0.005,
        is_active=False,
    )
    places = eligibility._Places(eligibility.referendum_areas(referendum))
    places.load([(postcode, line) for postcode, line, _rows in cases])
    for postcode, line, _rows in cases:
        expected = address_point(VoterProfile(postcode=postcode, address_line_1=line))
        assert places.point(postcode, line) == expected, (postcode, line)


def test_the_board_page_does_not_count_the_board_each_time(make_referendum, make_voter):
    voters = [make_voter() for _ in range(3)]
    built = make_referendum("open", voters=voters, ballots=[(v, [[0]]) for v in voters] + [(voters[0], [[1]])])
    page = f"/referendums/{built.referendum.pk}/board/"
    client = Client()
    assert "data-total" in client.get(page).content.decode()

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(page)

    assert response.status_code == 200
    assert not [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    totals = response.context["totals"]
    assert (totals.ballots, totals.counted) == (4, 3)
    # A new ballot is counted in at once: the figure is kept under the board's last number.
    built.cast(voters[1], [[1]])
    totals = client.get(page).context["totals"]
    assert (totals.ballots, totals.counted) == (5, 3)
    assert BoardBallot.objects.filter(referendum=built.referendum, replaced_by__isnull=True).count() == 3


def test_a_count_as_it_was_is_not_changed_by_a_later_ballot(make_referendum, make_voter):
    """``counted_up_to(last)`` is what counted when *last* was the last ballot, even when it is
    read after a later ballot replaced one of them (so a cached figure is never wrong)."""
    from ecitizen.voting.referendums.board_selectors import counted_up_to

    voters = [make_voter() for _ in range(3)]
    built = make_referendum("open", voters=voters, ballots=[(v, [[0]]) for v in voters])
    built.cast(voters[0], [[1]])  # ballot 4 replaces ballot 1

    assert counted_up_to(built.referendum, 3) == 3
    assert counted_up_to(built.referendum, 4) == 3
    assert counted_up_to(built.referendum, 0) == 0


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_the_lists_and_pages_do_not_query_per_row(make_referendum, make_voter, admin_a):
    """No N+1: the staff list and page, the public list, page and board ask the database as often
    with six referendums (more questions, options and ballots) as with one."""
    from django.urls import reverse

    staff, public = Client(), Client()
    staff.force_login(admin_a)
    voters = [make_voter() for _ in range(3)]
    built = make_referendum("open", voters=voters, ballots=[(v, [[0]]) for v in voters])
    pk = built.referendum.pk
    pages = [
        (staff, reverse("referendums_staff:index")),
        (staff, reverse("referendums_staff:detail", args=[pk])),
        (public, reverse("referendums:index")),
        (public, reverse("referendums:detail", args=[pk])),
        (public, reverse("referendums:board", args=[pk])),
    ]
    for client, url in pages:
        _queries(client, url)  # warm: sessions, caches
    before = [_queries(client, url) for client, url in pages]
    questions = [("Q1", ["A", "B", "C", "D"], 1, 1), ("Q2", ["A", "B"], 0, 2), ("Q3", ["A", "B", "C"], 1, 2)]
    for _ in range(5):
        make_referendum("open", voters=voters, questions=questions, ballots=[(v, [[0], [1], [2]]) for v in voters])
    built.cast(voters[0], [[1]])
    for client, url in pages:
        _queries(client, url)  # the board's count for its new last ballot goes into the cache

    assert [_queries(client, url) for client, url in pages] == before


def test_the_staff_page_does_not_count_the_board(make_referendum, make_voter, admin_a):
    from django.urls import reverse

    voters = [make_voter() for _ in range(2)]
    built = make_referendum("open", voters=voters, ballots=[(v, [[0]]) for v in voters] + [(voters[0], [[1]])])
    client = Client()
    client.force_login(admin_a)
    url = reverse("referendums_staff:detail", args=[built.referendum.pk])
    client.get(url)

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)

    assert response.context["board_size"] == 3
    board = BoardBallot._meta.db_table
    assert not [q["sql"] for q in ctx.captured_queries if board in q["sql"] and "COUNT(" in q["sql"].upper()]
