"""Casting a referendum ballot through the vote page: the ballot encrypted in the browser (made
here with ``ballots.encrypt``, which the booth's JavaScript matches byte for byte: test_booth_js),
re-voting, the assisted path without JavaScript, the marked register, every refusal with its own
sentence and nothing saved, hostile input answered with an error (never a 500), and no credential
code left anywhere in the database."""

from __future__ import annotations

import copy
import datetime
import html
import json

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.voting.protocol import credentials, group, hashing
from ecitizen.voting.referendums import ballot_services
from ecitizen.voting.referendums.models import BoardBallot, Channel, ElectorateEntry, Stage

from .voter_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db

YES, NO = 0, 1


def vote_url(referendum) -> str:
    return f"/referendums/{referendum.pk}/vote/"


def send(client, referendum, ballot) -> object:
    """What the booth sends: the encrypted ballot only (no code, no marks)."""
    text = ballot if isinstance(ballot, str) else json.dumps(ballot)
    return client.post(vote_url(referendum), {"ballot": text})


def send_assisted(client, referendum, code, marks, *, assisted=True) -> object:
    data = {"credential": code, "ballot": ""}
    if assisted:
        data["assisted"] = "1"
    for i, chosen in enumerate(marks):
        data[f"q{i}"] = [str(k) for k in chosen]
    return client.post(vote_url(referendum), data)


def board(referendum) -> list[tuple[int, str | None, int | None]]:
    return list(
        BoardBallot.objects.filter(referendum=referendum).order_by("n").values_list("n", "credential", "replaced_by")
    )


def entry_of(referendum, user) -> ElectorateEntry:
    return ElectorateEntry.objects.get(referendum=referendum, user=user)


@pytest.fixture
def open_vote(make_referendum_for_voters, voters):
    return make_referendum_for_voters(voters=voters)


# --- the booth's ballot ----------------------------------------------------------------------------


def test_a_browser_made_ballot_is_cast_and_shown_with_its_tracker(client, open_vote, voters):
    voter = voters[0]
    client.force_login(voter)
    ballot = open_vote.encrypt(voter, [[YES], [0, 2]])

    response = send(client, open_vote.referendum, ballot)

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    row = BoardBallot.objects.get(referendum=open_vote.referendum)
    checked = ballot_services.ballots.check(
        open_vote.referendum.election, open_vote.referendum.election_hash, ballot, None
    )
    assert (row.n, row.hash, row.credential, row.replaced_by) == (1, checked.hash, ballot["credential"], None)
    assert row.tracker == checked.tracker.replace("-", "")
    assert json.loads(row.ballot) == ballot
    assert row.ballot == hashing.canonical_json(ballot)  # stored canonical: board.json copies it as is
    page = response.content.decode()
    assert f'data-tracker="{checked.tracker}"' in page
    assert "ballot number 1" in page
    assert "You can vote again until voting closes" in page
    assert entry_of(open_vote.referendum, voter).channel == Channel.ONLINE
    # No audit row for an online cast: the board is its record.
    assert not AuditLog.objects.filter(subject_user=voter).exists()
    assert not AuditLog.objects.filter(action__startswith="referendums.").exists()


def test_the_tracker_is_emailed_without_the_choices_or_the_code(
    client, open_vote, voters, django_capture_on_commit_callbacks
):
    voter = voters[0]
    client.force_login(voter)
    ballot = open_vote.encrypt(voter, [[NO], [1]])
    with django_capture_on_commit_callbacks(execute=True):
        send(client, open_vote.referendum, ballot)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    tracker = BoardBallot.objects.get().tracker
    assert message.to == [voter.email]
    assert hashing.group_by_four(tracker) in message.body
    assert f"/referendums/{open_vote.referendum.pk}/board/" in message.body
    for secret in ("No", "A workshop", open_vote.code(voter), credentials.normalise_code(open_vote.code(voter))):
        assert secret not in message.body
        assert secret not in message.subject


def test_voting_again_replaces_the_last_ballot_and_only_the_last_counts(client, open_vote, voters):
    voter, other = voters[0], voters[1]
    client.force_login(voter)
    first = open_vote.encrypt(voter, [[YES], []])
    assert send(client, open_vote.referendum, first).status_code == 200
    client.force_login(other)
    assert send(client, open_vote.referendum, open_vote.encrypt(other, [[NO], [0]])).status_code == 200
    client.force_login(voter)

    again = client.get(vote_url(open_vote.referendum))
    assert "You have voted online already" in again.content.decode()
    response = send(client, open_vote.referendum, open_vote.encrypt(voter, [[NO], [2]]))

    assert response.status_code == 200
    assert [(n, by) for n, _c, by in board(open_vote.referendum)] == [(1, 3), (2, None), (3, None)]
    assert entry_of(open_vote.referendum, voter).channel == Channel.ONLINE


def test_the_same_ballot_sent_twice_is_one_ballot(client, open_vote, voters):
    client.force_login(voters[0])
    ballot = open_vote.encrypt(voters[0], [[YES], []])
    first = send(client, open_vote.referendum, ballot)
    second = send(client, open_vote.referendum, ballot)

    assert first.status_code == second.status_code == 200
    assert [(n, by) for n, _c, by in board(open_vote.referendum)] == [(1, None)]
    assert "ballot number 1" in second.content.decode()


# --- the assisted path --------------------------------------------------------------------------------


def test_the_assisted_path_encrypts_on_the_server_and_is_final(client, open_vote, voters):
    voter = voters[0]
    client.force_login(voter)
    code = open_vote.code(voter).lower().replace("-", " ")  # as typed

    response = send_assisted(client, open_vote.referendum, code, [[YES], [0, 1]])

    assert response.status_code == 200, response.content.decode()[:3000]
    page = response.content.decode()
    assert "Your vote is final" in page
    row = BoardBallot.objects.get(referendum=open_vote.referendum)
    public = credentials.public_credential(str(open_vote.referendum.uuid), open_vote.code(voter))
    assert row.credential == public
    entry = entry_of(open_vote.referendum, voter)
    assert entry.channel == Channel.ASSISTED and entry.final_at is not None
    audit = AuditLog.objects.get(action=AuditAction.REF_ASSISTED_VOTE)
    assert (audit.actor, audit.subject_user, audit.extra) == (voter, voter, {"channel": "assisted"})
    assert row.tracker not in json.dumps(audit.extra) and str(row.n) not in json.dumps(audit.extra)

    # A later online vote is refused, and so is a second assisted one.
    refused = send(client, open_vote.referendum, open_vote.encrypt(voter, [[NO], []]))
    assert refused.status_code == 400
    assert "assisted path" in refused.content.decode() and "final" in refused.content.decode()
    assert send_assisted(client, open_vote.referendum, code, [[NO], []]).status_code == 400
    assert BoardBallot.objects.filter(referendum=open_vote.referendum).count() == 1
    page = client.get(vote_url(open_vote.referendum)).content.decode()
    assert 'data-refusal="voted_assisted"' in page


def test_the_assisted_path_needs_the_box_ticked_and_the_right_marks(client, open_vote, voters):
    voter = voters[0]
    client.force_login(voter)

    unticked = send_assisted(client, open_vote.referendum, open_vote.code(voter), [[YES], []], assisted=False)
    too_many = send_assisted(client, open_vote.referendum, open_vote.code(voter), [[YES], [0, 1, 2]])
    none = send_assisted(client, open_vote.referendum, open_vote.code(voter), [[], []])
    bad_code = send_assisted(client, open_vote.referendum, "not a code", [[YES], []])
    unknown = send_assisted(client, open_vote.referendum, credentials.new_code(), [[YES], []])

    assert unticked.status_code == too_many.status_code == none.status_code == 400
    assert "Tick the box" in unticked.content.decode()
    assert "Select no more than 2 options. You selected 3." in too_many.content.decode()
    assert "Select an answer." in none.content.decode()
    assert "24 letters and digits" in bad_code.content.decode()
    assert "is not one of this referendum" in unknown.content.decode()
    assert not BoardBallot.objects.exists()
    assert entry_of(open_vote.referendum, voter).channel == ""
    # The code typed is never written back into the page.
    assert open_vote.code(voter) not in too_many.content.decode()


def test_without_assisted_voting_the_form_says_to_use_javascript_or_a_counter(
    client, make_referendum_for_voters, voters
):
    built = make_referendum_for_voters(voters=voters, assisted_voting=False)
    client.force_login(voters[0])
    page = client.get(vote_url(built.referendum)).content.decode()
    assert 'name="assisted"' not in page
    assert "only be voted in online with JavaScript" in page

    response = send_assisted(client, built.referendum, built.code(voters[0]), [[YES], []])

    assert response.status_code == 400
    assert "only be voted in online with JavaScript" in response.content.decode()
    assert not BoardBallot.objects.exists()


# --- refusals -----------------------------------------------------------------------------------------


def test_a_voter_marked_for_paper_cannot_vote_online(client, open_vote, voters):
    voter = voters[0]
    ElectorateEntry.objects.filter(referendum=open_vote.referendum, user=voter).update(channel=Channel.PAPER)
    client.force_login(voter)

    response = send(client, open_vote.referendum, open_vote.encrypt(voter, [[YES], []]))

    assert response.status_code == 400
    assert "You have voted on paper at a service counter" in response.content.decode()
    assert not BoardBallot.objects.exists()


def test_a_person_not_in_the_electorate_is_refused(client, open_vote, make_user):
    stranger = make_user("stranger@example.org")
    client.force_login(stranger)
    # Even with a valid credential of someone else's, they are not on the register.
    code = next(iter(open_vote.codes.values()))

    page = client.get(vote_url(open_vote.referendum))
    response = send(client, open_vote.referendum, open_vote.encrypt(code, [[YES], []]))

    assert 'data-refusal="not_in_electorate"' in page.content.decode()
    assert response.status_code == 400
    assert "You are not on the list of voters" in response.content.decode()
    assert not BoardBallot.objects.exists()


def test_a_voter_without_a_credential_is_told_to_vote_on_paper(client, make_referendum_for_voters, voters):
    built = make_referendum_for_voters(voters=voters, no_credential=[voters[2]])
    client.force_login(voters[2])

    page = client.get(vote_url(built.referendum)).content.decode()

    assert 'data-refusal="no_credential"' in page
    assert "vote on paper at a service counter" in page


def test_voting_is_refused_before_it_opens_and_after_it_closes(client, make_referendum_for_voters, voters):
    import time_machine

    built = make_referendum_for_voters(voters=voters)
    ballot = built.encrypt(voters[0], [[YES], []])
    client.force_login(voters[0])

    with time_machine.travel(built.referendum.closes_at + datetime.timedelta(minutes=1), tick=False):
        client.force_login(voters[0])
        closed = send(client, built.referendum, ballot)
    with time_machine.travel(built.referendum.opens_at - datetime.timedelta(minutes=1), tick=False):
        client.force_login(voters[0])
        early = send(client, built.referendum, ballot)
    client.force_login(voters[0])
    ready = make_referendum_for_voters(voters=voters, stage=Stage.READY, opens=datetime.timedelta(days=2))

    assert closed.status_code == 400 and "Voting closed on" in closed.content.decode()
    assert early.status_code == 400 and "Voting has not opened yet" in early.content.decode()
    page = client.get(vote_url(ready.referendum)).content.decode()
    assert 'data-refusal="not_open"' in page
    assert not BoardBallot.objects.exists()
    assert entry_of(built.referendum, voters[0]).channel == ""


def test_a_ballot_counted_after_the_count_started_is_refused(open_vote, voters):
    """The stage is read again under the referendum's lock, just before the ballot is numbered."""
    from django.core.exceptions import ValidationError

    from ecitizen.voting.referendums.models import Referendum

    ballot = open_vote.encrypt(voters[0], [[YES], []])
    Referendum.objects.filter(pk=open_vote.referendum.pk).update(stage=Stage.COUNTING)
    checked = ballot_services._check(open_vote.referendum, ballot)
    entry = entry_of(open_vote.referendum, voters[0])
    with pytest.raises(ValidationError) as refused:
        ballot_services._record(
            referendum=open_vote.referendum,
            user=voters[0],
            entry=entry,
            ballot=ballot,
            checked=checked,
            channel=Channel.ONLINE,
        )
    assert "Voting closed" in str(refused.value)
    assert not BoardBallot.objects.exists()


def _resign(ballot: dict, uuid: str, code: str) -> dict:
    """Sign a (changed) ballot again with its credential, so that only the change is wrong."""
    from ecitizen.voting.protocol.ballots import _body_items
    from ecitizen.voting.protocol.hashing import hash_to_scalar

    secret = credentials.secret(uuid, code)
    h, credential, body, _c, _s = _body_items(ballot)
    w = group.random_scalar()
    c = hash_to_scalar("ecitizen-vote/sign", h, credential, group.base(w).hex(), *body)
    ballot["signature"] = {"c": group.scalar_hex(c), "s": group.scalar_hex(w + c * secret)}
    return ballot


def rejected_ballots(built, other, voter) -> dict[str, object]:
    """One ballot for each of ``BallotRejected``'s codes."""
    referendum = built.referendum
    good = built.encrypt(voter, [[YES], [1]])
    bad_proof = copy.deepcopy(good)
    first, second = bad_proof["answers"][0]["choices"]
    first["proof"], second["proof"] = second["proof"], first["proof"]
    _resign(bad_proof, str(referendum.uuid), built.code(voter))
    bad_signature = copy.deepcopy(good)
    bad_signature["signature"]["s"] = group.scalar_hex(group.scalar_from_hex(good["signature"]["s"]) + 1)
    return {
        "malformed": json.dumps({"election_hash": referendum.election_hash, "answers": "yes"}),
        "wrong_election": other.encrypt(other.codes[next(iter(other.codes))], [[YES], [1]]),
        "unknown_credential": built.encrypt(credentials.new_code(), [[YES], [1]]),
        "bad_proof": bad_proof,
        "bad_signature": bad_signature,
    }


def test_each_rejected_ballot_gets_its_own_message_and_nothing_is_saved(
    client, make_referendum_for_voters, voters, make_user, django_capture_on_commit_callbacks
):
    built = make_referendum_for_voters(voters=voters)
    other = make_referendum_for_voters(voters=[make_user("elsewhere@example.org")])
    client.force_login(voters[0])
    seen = set()
    for code, ballot in rejected_ballots(built, other, voters[0]).items():
        with django_capture_on_commit_callbacks(execute=True):
            response = send(client, built.referendum, ballot)
        page = html.unescape(response.content.decode())
        message = ballot_services.rejection_message(code)
        assert response.status_code == 400, code
        assert message.split(".")[0] in page, code
        seen.add(message)
    assert len(seen) == 5  # five different sentences
    assert not BoardBallot.objects.exists()
    assert entry_of(built.referendum, voters[0]).channel == ""
    assert mail.outbox == []


@pytest.mark.parametrize(
    "data",
    [
        {"ballot": "not json at all"},
        {"ballot": "[1, 2, 3]"},
        {"ballot": "null"},
        {"ballot": '{"answers": NaN}'},
        {"ballot": "[" * 50_000 + "]" * 50_000},
        {"ballot": json.dumps({"x": "y" * 400_000})},
        {"ballot": json.dumps({"election_hash": 1, "credential": [], "answers": {}, "signature": "s"})},
        {"ballot": json.dumps({"election_hash": "a", "credential": "b", "answers": [[]], "signature": {}})},
        {"ballot": "1" * 10_000},
        {"ballot": "\x00\ufffe\u2028"},
        {"credential": "x" * 100_000, "assisted": "1", "q0": "0"},
        {"credential": "AAAA", "assisted": "1", "q0": ["0", "1"], "q1": ["x", "99", "-1"]},
        {"credential": "", "q0": "9" * 500, "q1": ["0"] * 900},
        {},
    ],
)
def test_hostile_input_is_an_error_never_a_500(client, open_vote, voters, data):
    client.force_login(voters[0])
    response = client.post(vote_url(open_vote.referendum), data)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()
    assert not BoardBallot.objects.exists()


def test_a_ballot_with_a_changed_answer_count_is_malformed(open_vote, voters):
    from django.core.exceptions import ValidationError

    ballot = open_vote.encrypt(voters[0], [[YES], []])
    ballot["answers"] = ballot["answers"][:1]
    with pytest.raises(ValidationError) as refused:
        ballot_services.cast(open_vote.referendum, voters[0], json.dumps(ballot))
    assert refused.value.error_dict["ballot"][0].code == "malformed"


# --- secrecy ------------------------------------------------------------------------------------------


def _text_columns():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.get_internal_type() in ("CharField", "TextField", "JSONField", "EmailField", "SlugField"):
                yield model._meta.db_table, field.column


def test_no_credential_code_is_stored_anywhere_after_casting(client, open_vote, voters):
    from django.contrib.sessions.models import Session

    referendum = open_vote.referendum
    client.force_login(voters[0])
    send(client, referendum, open_vote.encrypt(voters[0], [[YES], [0]]))
    client.force_login(voters[1])
    send_assisted(client, referendum, open_vote.code(voters[1]), [[NO], [2]])
    # A refused assisted cast (box not ticked), with a code: not kept either.
    client.force_login(voters[2])
    send_assisted(client, referendum, open_vote.code(voters[2]), [[NO], [2]], assisted=False)
    assert BoardBallot.objects.count() == 2

    forms = set()
    for code in open_vote.codes.values():
        normal = credentials.normalise_code(code)
        forms |= {code, normal, normal.lower(), code.lower()}
    quote = connection.ops.quote_name
    found = []
    for table, column in _text_columns():
        for form in forms:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(table)} WHERE CAST({quote(column)} AS TEXT) LIKE %s",  # noqa: S608
                    [f"%{form}%"],
                )
                if cursor.fetchone()[0]:
                    found.append((table, column))
    assert found == []
    for session in Session.objects.all():
        decoded = json.dumps(session.get_decoded())
        assert not any(form in decoded for form in forms)


# --- the rate limit -----------------------------------------------------------------------------------


def test_casts_past_the_limit_are_refused_and_a_refused_ballot_still_counts(client, open_vote, voters, settings):
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    settings.REFERENDUMS_CAST_RATE = "3/h/user"
    voter = voters[0]
    client.force_login(voter)
    # A ballot the board reads and refuses keeps its hit: checking it is the work the limit bounds
    # (test_review_secrecy: a refusal before the ballot is read gives it back).
    assert send(client, open_vote.referendum, open_vote.encrypt(credentials.new_code(), [[YES], []])).status_code == 400
    assert send(client, open_vote.referendum, open_vote.encrypt(voter, [[YES], []])).status_code == 200
    assert send(client, open_vote.referendum, open_vote.encrypt(voter, [[NO], []])).status_code == 200

    refused = send(client, open_vote.referendum, open_vote.encrypt(voter, [[YES], [1]]))

    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "too many times" in refused.content.decode()
    assert [(n, by) for n, _c, by in board(open_vote.referendum)] == [(1, 2), (2, None)]
