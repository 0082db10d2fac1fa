"""The public ballot board: its pages, the tracker search, ``board.json`` (partial while voting,
complete once published, and accepted by the verifier after ballots cast through the vote page),
and the result page."""

from __future__ import annotations

import hashlib
import json

import pytest

from ecitizen.voting.protocol import board as protocol_board
from ecitizen.voting.protocol import credentials, hashing
from ecitizen.voting.referendums import board_selectors
from ecitizen.voting.referendums.models import BoardBallot, ElectorateEntry, Stage

from .voter_fixtures import *  # noqa: F403
from .voter_fixtures import publish

pytestmark = pytest.mark.django_db

YES, NO = 0, 1


def cast(client, built, user, marks) -> str:
    """Cast through the vote page as the booth does; returns the tracker shown."""
    client.force_login(user)
    response = client.post(
        f"/referendums/{built.referendum.pk}/vote/", {"ballot": json.dumps(built.encrypt(user, marks))}
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.context["entry"].tracker


def assisted(client, built, user, marks) -> str:
    client.force_login(user)
    data = {
        "credential": built.code(user),
        "assisted": "1",
        **{f"q{i}": [str(k) for k in m] for i, m in enumerate(marks)},
    }
    response = client.post(f"/referendums/{built.referendum.pk}/vote/", data)
    assert response.status_code == 200, response.content.decode()[:2000]
    return response.context["entry"].tracker


def download(client, built) -> bytes:
    response = client.get(f"/referendums/{built.referendum.pk}/board.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)


@pytest.fixture
def voted(client, make_referendum_for_voters, voters):
    """Three voters: the first votes twice (yes, then no), the second yes, the third no with help."""
    built = make_referendum_for_voters(voters=voters)
    built.trackers = [
        cast(client, built, voters[0], [[YES], [0]]),
        cast(client, built, voters[1], [[YES], [0, 2]]),
        cast(client, built, voters[0], [[NO], [1]]),
        assisted(client, built, voters[2], [[NO], []]),
    ]
    return built


def test_the_board_lists_every_ballot_and_which_were_replaced(client, voted):
    page = client.get(f"/referendums/{voted.referendum.pk}/board/").content.decode()

    for tracker in voted.trackers:
        assert tracker in page
    assert "Replaced by 3" in page
    assert page.count(">Counts<") == 3
    assert 'data-total="ballots">4<' in page and 'data-total="counted">3<' in page
    assert 'data-total="credentials">3<' in page and 'data-total="electorate">3<' in page
    assert f'href="/referendums/{voted.referendum.pk}/board.json"' in page
    assert "python -m ecitizen.voting.verify board.json" in page
    for j in (1, 2, 3):
        assert voted.key.verification_keys[j] in page


def test_a_tracker_is_found_as_typed(client, voted):
    url = f"/referendums/{voted.referendum.pk}/board/"
    typed = voted.trackers[1].lower().replace("-", " ")

    found = client.get(url, {"tracker": typed})
    replaced = client.get(url, {"tracker": voted.trackers[0]})
    unknown = client.get(url, {"tracker": "AAAA-AAAA-AAAA-AAAA-AAAA"})
    wrong = client.get(url, {"tracker": "not a tracker"})

    assert found.status_code == 200 and 'data-found="2"' in found.content.decode()
    assert "It counts" in found.content.decode()
    assert 'data-found="1"' in replaced.content.decode() and "It was replaced by ballot 3" in replaced.content.decode()
    assert (
        'data-found=""' in unknown.content.decode()
        and "No ballot on the board has this tracker" in unknown.content.decode()
    )
    assert wrong.status_code == 400 and "20 letters and digits" in wrong.content.decode()


def test_the_board_is_paginated(client, voted, settings):
    settings.REFERENDUMS_BOARD_PAGE_SIZE = 2
    url = f"/referendums/{voted.referendum.pk}/board/"
    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    silly = client.get(url, {"page": "x" * 50})

    assert voted.trackers[0] in first and voted.trackers[2] not in first
    assert voted.trackers[2] in second and voted.trackers[0] not in second
    assert "Page 2 of 2" in second
    assert silly.status_code == 200


def test_while_voting_board_json_holds_the_ballots_but_no_tally_or_result(client, voted):
    board = json.loads(download(client, voted))

    assert "tally" not in board and "result" not in board and "decryptions" not in board and "paper" not in board
    assert board["format"] == "ecitizen-referendum-board/1"
    assert board["election_hash"] == hashing.election_hash(board["election"])
    assert [(b["n"], b["replaced_by"]) for b in board["ballots"]] == [(1, 3), (2, None), (3, None), (4, None)]
    assert [b["tracker"] for b in board["ballots"]] == voted.trackers
    assert board["electorate"] == {
        "size": 3,
        "credentials": sorted(
            credentials.public_credential(str(voted.referendum.uuid), code) for code in voted.codes.values()
        ),
    }
    assert all("shares" not in t for t in board["trustees"])


def test_a_published_board_passes_the_verifier(client, voted):
    publish(voted)

    raw = download(client, voted)
    board = json.loads(raw)
    report = protocol_board.verify(board)

    assert report.ok, report.faults
    # Yes: the second voter; no: the first (their last ballot) and the third (assisted).
    assert board["result"]["online"][0] == [1, 2]
    assert board["result"]["totals"] == board["result"]["online"]
    # The file is canonical JSON: the same bytes as the board built in memory, and its digest.
    assert raw.decode("ascii") == hashing.canonical_json(board_selectors.build_board(voted.referendum))
    assert hashlib.sha256(raw).hexdigest() == board_selectors.board_digest(voted.referendum)


def test_the_verifier_catches_a_changed_board(client, voted):
    publish(voted)
    board = json.loads(download(client, voted))
    board["ballots"][1]["replaced_by"] = None
    board["ballots"].pop(2)

    assert not protocol_board.verify(board).ok


def test_the_result_page(client, voted):
    publish(voted, paper_counts=[[2, 1], [1, 0, 3]], paper_ballots=3)
    ElectorateEntry.objects.filter(referendum=voted.referendum).update(channel="online")
    referendum = voted.referendum
    referendum.turnout = {
        "eligible": 3,
        "voted": 3,
        "districts": [{"district": "other", "name": {}, "eligible": 3, "voted": 3}],
    }
    referendum.save(update_fields=["turnout"])

    page = client.get(f"/referendums/{referendum.pk}/result/").content.decode()

    assert 'data-total="3"' in page  # yes: 1 online + 2 paper; no: 2 online + 1 paper
    assert "50.0%" in page
    assert "3 of the 3 people who could vote did" in page
    assert "Other places" in page
    digest = board_selectors.board_digest(referendum)
    assert digest in page
    assert hashlib.sha256(download(client, voted)).hexdigest() == digest
    board = json.loads(download(client, voted))
    assert board["paper"] == {"ballots": 3, "counts": [[2, 1], [1, 0, 3]]}
    assert protocol_board.verify(board).ok


def test_the_result_page_waits_for_publication(client, voted):
    assert client.get(f"/referendums/{voted.referendum.pk}/result/").status_code == 404


def test_no_board_before_voting_opens(client, make_referendum_for_voters):
    import datetime

    ready = make_referendum_for_voters(stage=Stage.READY, opens=datetime.timedelta(days=2))
    assert client.get(f"/referendums/{ready.referendum.pk}/board/").status_code == 404
    assert client.get(f"/referendums/{ready.referendum.pk}/board.json").status_code == 404


def test_the_stream_copies_the_stored_ballots_without_parsing_them(voted, monkeypatch):
    """Serving board.json reads no ballot: 100,000 of them would cost seconds of CPU."""
    calls = []
    original = json.loads

    def counting(text, *args, **kwargs):
        if '"answers"' in str(text):
            calls.append(text)
        return original(text, *args, **kwargs)

    monkeypatch.setattr(board_selectors.json, "loads", counting)
    text = "".join(board_selectors.board_chunks(voted.referendum))

    assert calls == []
    monkeypatch.undo()
    assert len(json.loads(text)["ballots"]) == BoardBallot.objects.count() == 4


def test_end_to_end_with_the_staff_side_the_published_board_passes_the_verifier(
    client, make_referendum, make_user, referendum_people
):
    """Ballots cast through the vote page (with a re-vote and an assisted one), then the staff
    side's own services: the tally at the close, the trustees' decryptions, the result signed off
    twice and published; the board served then passes the verifier."""
    import datetime

    import time_machine

    from ecitizen.voting.protocol import trustees as protocol_trustees
    from ecitizen.voting.referendums import opening_services, result_services, trustee_services
    from ecitizen.voting.referendums.models import Trustee

    people = [make_user(f"e2e{i}@example.org") for i in range(3)]
    staff_built = make_referendum("open", voters=people, assisted_voting=True)
    referendum = staff_built.referendum

    def send(user, marks, *, helped=False):
        client.force_login(user)
        if helped:
            data = {"credential": staff_built.codes[user.pk], "assisted": "1", "q0": [str(k) for k in marks[0]]}
        else:
            data = {"ballot": json.dumps(staff_built.encrypt(user, marks))}
        response = client.post(f"/referendums/{referendum.pk}/vote/", data)
        assert response.status_code == 200, response.content.decode()[:2000]

    send(people[0], [[YES]])
    send(people[1], [[NO]])
    send(people[0], [[NO]])  # changes their mind
    send(people[2], [[YES]], helped=True)

    with time_machine.travel(referendum.closes_at + datetime.timedelta(minutes=5), tick=True):
        assert opening_services.close_and_tally(referendum)
        referendum.refresh_from_db()
        for row in Trustee.objects.filter(referendum=referendum, index__in=[1, 2]).select_related("user"):
            decryption = protocol_trustees.partial_decrypt(
                referendum.election_hash, row.index, staff_built.shares[row.index], referendum.tally
            )
            trustee_services.trustee_decrypt(actor=row.user, trustee=row, decryption=decryption)
        referendum.refresh_from_db()
        digest = result_services.result_digest(referendum)
        officer, admin = referendum_people["officer"], referendum_people["admin"]
        result_services.result_sign_off(actor=officer, referendum=referendum, digest=digest)
        result_services.result_sign_off(actor=admin, referendum=referendum, digest=digest)
        result_services.result_publish(actor=officer, referendum=referendum)

        board = json.loads(b"".join(client.get(f"/referendums/{referendum.pk}/board.json").streaming_content))
        report = protocol_board.verify(board)
        assert report.ok, report.faults
        assert board["result"]["totals"] == [[1, 2]]
        assert [(b["n"], b["replaced_by"]) for b in board["ballots"]] == [(1, 3), (2, None), (3, None), (4, None)]
        page = client.get(f"/referendums/{referendum.pk}/result/").content.decode()
        referendum.refresh_from_db()
        assert board_selectors.board_digest(referendum) in page
