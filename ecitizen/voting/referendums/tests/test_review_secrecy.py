"""Review: nothing the platform keeps links a voter to their ballot on the board, and no credential
code is kept, not even in an error report.

- PostgreSQL stamps every row with the transaction that wrote it (``xmin``). The marked register is
  written once, on a voter's first online ballot (a new ballot from the same voter leaves it
  alone), and rewritten in one statement when the count starts, so that afterwards no register
  row carries a ballot's transaction.
- The rate-limit table keeps the times of each account's casts for an hour: its buckets are named
  by a keyed hash of the account that only the server's secret opens, so that the table read on
  its own (a copy of the database) names nobody.
- A server error while a code is in hand (the assisted path) does not put the code in the report.
"""

from __future__ import annotations

import datetime
import json
import sys

import pytest
import time_machine
from django.db import connection
from django.test import RequestFactory
from django.views.debug import ExceptionReporter

from ecitizen.core import ratelimits
from ecitizen.core.models import RateLimitBucket
from ecitizen.voting.protocol import credentials
from ecitizen.voting.referendums import ballot_services, opening_services, voter_conf
from ecitizen.voting.referendums.models import BoardBallot, ElectorateEntry

from .voter_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

YES, NO = 0, 1


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("transaction ids of rows (xmin): PostgreSQL only")


def _xmin_register(referendum) -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT user_id, xmin::text FROM {ElectorateEntry._meta.db_table} WHERE referendum_id = %s",  # noqa: S608
            [referendum.pk],
        )
        return dict(cursor.fetchall())


def _xmin_board(referendum) -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT n, xmin::text FROM {BoardBallot._meta.db_table} WHERE referendum_id = %s",  # noqa: S608
            [referendum.pk],
        )
        return dict(cursor.fetchall())


def _cast(built, user, marks):
    return ballot_services.cast(built.referendum, user, json.dumps(built.encrypt(user, marks)))


@pytest.mark.django_db(transaction=True)
def test_a_new_ballot_leaves_the_register_row_alone(postgresql_only, make_referendum_for_voters, voters):
    built = make_referendum_for_voters(voters=voters)
    voter = voters[0]
    _cast(built, voter, [[YES], []])
    marked = _xmin_register(built.referendum)[voter.pk]

    second = _cast(built, voter, [[NO], [1]])

    assert ElectorateEntry.objects.get(referendum=built.referendum, user=voter).channel == "online"
    assert _xmin_register(built.referendum)[voter.pk] == marked
    # The counted ballot (the second) is not the one the register row was written with.
    assert _xmin_board(built.referendum)[second.n] != marked


@pytest.mark.django_db(transaction=True)
def test_after_the_close_no_register_row_carries_a_ballots_transaction(
    postgresql_only, make_referendum_for_voters, voters
):
    built = make_referendum_for_voters(voters=voters)
    for i, voter in enumerate(voters):
        _cast(built, voter, [[i % 2], []])
    referendum = built.referendum

    with time_machine.travel(referendum.closes_at + datetime.timedelta(minutes=1)):
        assert opening_services.close_and_tally(referendum)

    register = _xmin_register(referendum)
    assert set(register.values()).isdisjoint(_xmin_board(referendum).values())
    assert len(set(register.values())) == 1  # rewritten together: their order tells nothing either
    assert {e.channel for e in ElectorateEntry.objects.filter(referendum=referendum)} == {"online"}


def test_the_rate_limit_table_does_not_name_the_voter(client, make_referendum_for_voters, voters, settings):
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    built = make_referendum_for_voters(voters=voters)
    client.force_login(voters[0])
    response = client.post(
        f"/referendums/{built.referendum.pk}/vote/", {"ballot": json.dumps(built.encrypt(voters[0], [[YES], []]))}
    )
    assert response.status_code == 200

    rate = ratelimits.Rate.parse(voter_conf.cast_rate())
    names = set(RateLimitBucket.objects.values_list("name", flat=True))
    assert len(names) == 1  # the cast was counted...
    for user_id in range(1, max(v.pk for v in voters) + 10):  # ...under a name no account id gives
        for identity in (f"user:{user_id}", str(user_id), f"ip:{user_id}"):
            assert ratelimits.bucket_name("referendum-cast", rate, identity) not in names


class _Held:
    """A code held where an error report cannot print it (as the vote view holds it: inside the
    form), so that only the frames of the code under test can show it."""

    def __init__(self, value: str):
        self.value = value

    def __repr__(self) -> str:
        return "<held>"


class _Issued(list):
    def __repr__(self) -> str:
        return f"<{len(self)} codes>"


def _report_of(call) -> str:
    """The error report (text and HTML) of the exception *call* raises, as Django would write it
    for the vote page (which marks the code sensitive in the POST data)."""
    request = RequestFactory().post("/referendums/1/vote/", {"assisted": "1"})
    request.sensitive_post_parameters = [ballot_services.CREDENTIAL]
    try:
        call()
    except RuntimeError:
        reporter = ExceptionReporter(request, *sys.exc_info())
        return reporter.get_traceback_text() + reporter.get_traceback_html()
    raise AssertionError("no error was raised")


def _assisted(referendum, user, held):
    def call():
        return ballot_services.cast_assisted(referendum, user, held.value, {0: [YES], 1: []})

    return call


def _forms_of(code: str) -> set[str]:
    normal = credentials.normalise_code(code)
    return {code, normal, normal.replace("-", "")}


def test_an_error_report_from_the_assisted_path_holds_no_code(make_referendum_for_voters, voters, monkeypatch):
    built = make_referendum_for_voters(voters=voters)
    held = _Held(built.code(voters[0]))

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(ballot_services, "_record", broken)
    report = _report_of(_assisted(built.referendum, voters[0], held))

    assert "the database went away" in report
    for form in _forms_of(held.value):
        assert form not in report


def test_an_error_inside_the_cryptography_does_not_report_the_code(make_referendum_for_voters, voters, monkeypatch):
    """The protocol's own frames hold the code (and the credential's secret) in their variables:
    their traceback is not kept."""
    from ecitizen.voting.protocol import ballots

    built = make_referendum_for_voters(voters=voters)
    held = _Held(built.code(voters[0]))
    secret = credentials.secret(str(built.referendum.uuid), credentials.normalise_code(held.value))

    def broken(election, election_hash, code, selections):
        key = credentials.secret(election["uuid"], code)
        raise KeyError(f"no key {key % 7}")

    monkeypatch.setattr(ballots, "encrypt", broken)
    report = _report_of(_assisted(built.referendum, voters[0], held))

    assert "could not be encrypted (KeyError)" in report
    for form in _forms_of(held.value):
        assert form not in report
    assert str(secret) not in report


# --- the limit on casts bounds the checking -------------------------------------------------------


def test_ballots_that_fail_their_checks_count_against_the_limit(client, make_referendum_for_voters, voters, settings):
    """Each ballot the board refuses has cost the server its proof checks: a voter sending bad
    ballots in a loop is stopped by the limit (they used to be given their hit back)."""
    from .test_public_casting import rejected_ballots

    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    settings.REFERENDUMS_CAST_RATE = "3/h/user"
    built = make_referendum_for_voters(voters=voters)
    other = make_referendum_for_voters(voters=[voters[2]])
    client.force_login(voters[0])
    bad = rejected_ballots(built, other, voters[0])["bad_proof"]
    url = f"/referendums/{built.referendum.pk}/vote/"

    statuses = [client.post(url, {"ballot": json.dumps(bad)}).status_code for _ in range(4)]

    assert statuses == [400, 400, 400, 429]
    good = client.post(url, {"ballot": json.dumps(built.encrypt(voters[0], [[YES], []]))})
    assert good.status_code == 429
    assert not BoardBallot.objects.exists()


def test_a_refusal_before_the_ballot_is_read_gives_the_hit_back(client, make_referendum_for_voters, voters, settings):
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    settings.REFERENDUMS_CAST_RATE = "1/h/user"
    built = make_referendum_for_voters(voters=voters)
    client.force_login(voters[0])
    url = f"/referendums/{built.referendum.pk}/vote/"
    ballot = json.dumps(built.encrypt(voters[0], [[YES], []]))
    ElectorateEntry.objects.filter(referendum=built.referendum, user=voters[0]).update(channel="paper")

    assert client.post(url, {"ballot": ballot}).status_code == 400  # voted on paper: not read
    assert RateLimitBucket.objects.get().hits == ""


# --- the credential step ----------------------------------------------------------------------------


def test_an_error_while_sending_the_codes_reports_none_of_them(
    make_referendum, make_voter, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    """The codes live in a list handed to the sending after the commit: the logged error of a
    failure there (a template that cannot render), and an error report made from it, show how many
    there were, never what they are. The referendum stays open."""
    from ecitizen.voting.referendums import opening_services
    from ecitizen.voting.referendums.models import Stage

    voters = [make_voter() for _ in range(2)]
    now = datetime.datetime(2027, 3, 10, 12, 0, tzinfo=datetime.UTC)
    issued = _Issued()  # the test's own record of the codes, which no report may print
    real_new_code = credentials.new_code

    def new_code():
        issued.append(real_new_code())
        return issued[-1]

    def render(name, context=None, *args, **kwargs):
        if name.endswith("credential_body.txt"):
            raise RuntimeError("the template cannot be read")
        return "Your credential"

    monkeypatch.setattr(credentials, "new_code", new_code)
    monkeypatch.setattr(opening_services, "render_to_string", render)
    with time_machine.travel(now, tick=False):
        referendum = make_referendum(
            "ready",
            voters=voters,
            opens_at=now - datetime.timedelta(hours=1),
            closes_at=now + datetime.timedelta(days=3),
            residents_only=False,
        ).referendum
        with django_capture_on_commit_callbacks(execute=True):
            opened = opening_services.open_referendum(referendum)

    assert opened.stage == Stage.OPEN and len(issued) == 2
    failures = [r for r in caplog.records if r.exc_info and "the template cannot be read" in str(r.exc_info[1])]
    assert len(failures) == 1
    reporter = ExceptionReporter(RequestFactory().get("/"), *failures[0].exc_info)
    report = reporter.get_traceback_text() + reporter.get_traceback_html() + caplog.text
    assert "credential emails" in report  # the list is there, as its size
    for code in issued:
        for form in _forms_of(code):
            assert form not in report
