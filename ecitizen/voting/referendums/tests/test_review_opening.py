"""Review: timing and stages.

- The periodic job goes on to the other referendums when one cannot open or be summed.
- A referendum whose election key is not complete does not open.
- A ballot being recorded when the count starts is in the count (PostgreSQL, real connections): the
  count waits for the casts that hold the referendum's row, sees the new ballot, and sums again.
- A ballot sent at the closing instant is refused; the register is not marked.
"""

from __future__ import annotations

import datetime
import json
import threading
import time

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection, connections, transaction
from django.utils import timezone

from ecitizen.voting.protocol import ballots
from ecitizen.voting.protocol import tally as protocol_tally
from ecitizen.voting.referendums import ballot_services, eligibility, opening_services
from ecitizen.voting.referendums.models import BoardBallot, Channel, ElectorateEntry, Referendum, Stage, Trustee

from .voter_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 3, 10, 12, 0, tzinfo=datetime.UTC)


def _due(make_referendum, **fields):
    return make_referendum(
        "ready", opens_at=NOW - datetime.timedelta(hours=1), closes_at=NOW + datetime.timedelta(days=5), **fields
    ).referendum


def test_one_referendum_that_cannot_open_does_not_stop_the_others(make_referendum, monkeypatch, caplog):
    with time_machine.travel(NOW, tick=False):
        broken, fine = _due(make_referendum), _due(make_referendum)
        real = eligibility.electors

        def electors(referendum, day):
            if referendum.pk == broken.pk:
                raise ZeroDivisionError("a district's shape cannot be read")
            return real(referendum, day)

        monkeypatch.setattr(eligibility, "electors", electors)

        assert opening_services.referendums_due() == {"opened": 1, "closed": 0}

    assert Referendum.objects.get(pk=fine.pk).stage == Stage.OPEN
    assert Referendum.objects.get(pk=broken.pk).stage == Stage.READY
    assert f"referendum {broken.pk} did not open" in caplog.text


def test_one_referendum_that_cannot_be_summed_does_not_stop_the_others(make_referendum, make_voter, monkeypatch):
    voter = make_voter()
    first = make_referendum("open", voters=[voter], ballots=[(voter, [[0]])]).referendum
    second = make_referendum("open", voters=[voter], ballots=[(voter, [[1]])]).referendum
    real = opening_services._sum

    def summing(referendum):
        if referendum.pk == first.pk:
            raise ValueError("a stored ballot cannot be read")
        return real(referendum)

    monkeypatch.setattr(opening_services, "_sum", summing)
    with time_machine.travel(second.closes_at + datetime.timedelta(minutes=1)):
        assert opening_services.referendums_due() == {"opened": 0, "closed": 1}

    assert Referendum.objects.get(pk=second.pk).stage == Stage.COUNTING
    assert Referendum.objects.get(pk=first.pk).stage == Stage.OPEN


def test_a_referendum_whose_key_is_incomplete_does_not_open(make_referendum):
    with time_machine.travel(NOW, tick=False):
        referendum = _due(make_referendum)
        Trustee.objects.filter(referendum=referendum, index=3).update(verification_key="", confirmed_at=None)

        with pytest.raises(ValidationError, match="election key is not complete"):
            opening_services.open_referendum(referendum)

    referendum.refresh_from_db()
    assert referendum.stage == Stage.READY and not referendum.election_hash
    assert not ElectorateEntry.objects.filter(referendum=referendum).exists()


def test_a_ballot_sent_at_the_closing_instant_is_refused(make_referendum_for_voters, voters):
    built = make_referendum_for_voters(voters=voters)
    referendum = built.referendum
    text = json.dumps(built.encrypt(voters[0], [[0], []]))

    with time_machine.travel(referendum.closes_at, tick=False):
        with pytest.raises(ValidationError, match="Voting closed"):
            ballot_services.cast(referendum, voters[0], text)

    assert not BoardBallot.objects.exists()
    assert ElectorateEntry.objects.get(referendum=referendum, user=voters[0]).channel == ""


@pytest.mark.django_db(transaction=True)
def test_a_ballot_in_flight_when_the_count_starts_is_counted(make_referendum_for_voters, voters):
    """The cast has numbered its ballot (it holds the referendum's row) and is slow to commit; the
    count, which summed the board before, must wait for it and sum again."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks between real connections: PostgreSQL only (SQLite serialises writers)")
    built = make_referendum_for_voters(voters=voters, closes=datetime.timedelta(seconds=3))
    referendum = built.referendum
    early = json.dumps(built.encrypt(voters[0], [[0], []]))
    ballot_services.cast(referendum, voters[0], early)
    late = built.encrypt(voters[1], [[1], [2]])
    checked = ballots.check(referendum.election, referendum.election_hash, late, None)
    entry = ElectorateEntry.objects.get(referendum=referendum, user=voters[1])
    numbered = threading.Event()
    failures = []

    def slow_cast():
        try:
            with transaction.atomic():
                now = timezone.now()
                n, previous = ballot_services._lock_and_number(referendum, checked.credential, now)
                ballot_services._write(
                    referendum=referendum,
                    entry=entry,
                    n=n,
                    previous=previous,
                    checked=checked,
                    text=json.dumps(late),
                    tracker=checked.tracker.replace("-", ""),
                    channel=Channel.ONLINE,
                    now=now,
                )
                numbered.set()
                time.sleep(1.5)
        except Exception as exc:
            failures.append(exc)
            numbered.set()
        finally:
            connections.close_all()

    worker = threading.Thread(target=slow_cast)
    worker.start()
    assert numbered.wait(10)
    after_close = referendum.closes_at + datetime.timedelta(seconds=1)
    assert opening_services.close_and_tally(referendum, now=max(after_close, timezone.now()))
    worker.join(10)

    assert failures == []
    referendum.refresh_from_db()
    assert referendum.stage == Stage.COUNTING and referendum.counted_ballots == 2
    expected = protocol_tally.empty(referendum.election)
    for text in BoardBallot.objects.filter(referendum=referendum).values_list("ballot", flat=True):
        protocol_tally.add(expected, json.loads(text))
    assert referendum.tally == expected


def _hold(work, seconds: float):
    """Run *work* in a transaction of another connection and keep it open *seconds* after; returns
    (thread, event set once the work is done, failures)."""
    done, failures = threading.Event(), []

    def run():
        try:
            with transaction.atomic():
                work()
                done.set()
                time.sleep(seconds)
        except Exception as exc:
            failures.append(exc)
            done.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, done, failures


@pytest.mark.django_db(transaction=True)
def test_a_paper_ballot_racing_a_first_online_ballot(make_referendum, make_voter, caseworker_a, monkeypatch):
    """Both mark the register with one statement that succeeds only on an unmarked row: whichever
    comes second waits for the first and is refused. No one ends with two votes."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks between real connections: PostgreSQL only (SQLite serialises writers)")
    from ecitizen.voting.referendums import counter_services

    first, second = make_voter(), make_voter()
    built = make_referendum("open", voters=[first, second])
    referendum = built.referendum

    # 1. The online ballot is being recorded; the counter asks in the meantime.
    text = json.dumps(built.encrypt(first, [[0]]))
    real_write = ballot_services._write
    written = threading.Event()

    def slow_write(**kwargs):
        result = real_write(**kwargs)
        written.set()
        time.sleep(1.0)  # the transaction stays open, the register row locked
        return result

    monkeypatch.setattr(ballot_services, "_write", slow_write)
    caster = threading.Thread(target=lambda: (ballot_services.cast(referendum, first, text), connections.close_all()))
    caster.start()
    assert written.wait(10)
    with pytest.raises(ValidationError, match="already voted online"):
        counter_services.paper_issue(actor=caseworker_a, referendum=referendum, national_id=first.national_id)
    caster.join(10)
    assert ElectorateEntry.objects.get(referendum=referendum, user=first).channel == "online"
    assert BoardBallot.objects.filter(referendum=referendum).count() == 1

    # 2. The paper ballot is being recorded; the online ballot comes in the meantime.
    entry = ElectorateEntry.objects.get(referendum=referendum, user=second)
    thread, done, failures = _hold(
        lambda: ElectorateEntry.objects.filter(pk=entry.pk, channel="").update(channel="paper"), 1.0
    )
    assert done.wait(10)
    with pytest.raises(ValidationError, match="voted on paper"):
        ballot_services.cast(referendum, second, json.dumps(built.encrypt(second, [[1]])))
    thread.join(10)
    assert failures == []
    assert ElectorateEntry.objects.get(pk=entry.pk).channel == "paper"
    assert BoardBallot.objects.filter(referendum=referendum).count() == 1


def test_the_frozen_register_holds_when_a_profile_changes_later(make_referendum, make_voter, caseworker_a):
    """The voter moved away and lost their verification after voting opened: they are still on
    the register (found by their account), may vote online, and then get no paper ballot."""
    from ecitizen.accounts.models import Profile
    from ecitizen.voting.referendums import counter_services

    voter = make_voter()
    built = make_referendum("open", voters=[voter], residents_only=True)
    referendum = built.referendum
    Profile.objects.filter(user=voter).update(
        identity_verified=False, verification_method="", postcode="ZZ9 9ZZ", address_line_1="9 Far Away Road"
    )

    entry = ballot_services.cast(referendum, voter, json.dumps(built.encrypt(voter, [[0]])))

    assert entry.n == 1
    assert ElectorateEntry.objects.get(referendum=referendum, user=voter).channel == "online"
    with pytest.raises(ValidationError, match="already voted online"):
        counter_services.paper_issue(actor=caseworker_a, referendum=referendum, national_id=voter.national_id)
    assert ElectorateEntry.objects.filter(referendum=referendum).count() == 1
