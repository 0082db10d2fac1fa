"""Opening a referendum: the electorate frozen by its rules (age on the opening day, residence,
identity), the credential step (codes emailed, only public credentials kept, in sorted order), and
closing: the counted ballots summed for the trustees."""

from __future__ import annotations

import datetime
import re

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core import mail
from django.db import connection

from ecitizen.accounts.models import Profile
from ecitizen.accounts.selectors import identity_level_for
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.exchange.selectors import national_id_blind_index
from ecitizen.voting.protocol import credentials
from ecitizen.voting.referendums import eligibility, opening_services
from ecitizen.voting.referendums.models import ElectorateEntry, PublicCredential, Referendum, Stage

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2027, 3, 10, 12, 0, tzinfo=datetime.UTC)
OPENING_DAY = datetime.date(2027, 3, 10)
CODE = re.compile(r"\b([A-Z2-7]{4}(?:-[A-Z2-7]{4}){5})\b")


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _opening_now(make_referendum, **fields):
    """A ready referendum whose voting opened an hour ago and closes in five days."""
    return make_referendum(
        "ready",
        opens_at=NOW - datetime.timedelta(hours=1),
        closes_at=NOW + datetime.timedelta(days=5),
        **fields,
    )


def _keys(referendum):
    return {e.user_id: e for e in ElectorateEntry.objects.filter(referendum=referendum)}


def test_age_is_counted_on_the_opening_day_from_the_register(clock, make_referendum, make_voter):
    sixteen_today = make_voter(born=datetime.date(2011, 3, 10))
    sixteen_tomorrow = make_voter(born=datetime.date(2011, 3, 11))
    older = make_voter(born=datetime.date(1980, 1, 1))
    unknown = make_voter(in_register=False, verified=False)
    built = make_referendum("ready", min_age=16)
    people = {e.user_id for e in eligibility.electors(built.referendum, OPENING_DAY)}
    assert sixteen_today.pk in people
    assert older.pk in people
    assert sixteen_tomorrow.pk not in people
    assert unknown.pk not in people  # the register cannot say how old they are


def test_residence_is_a_district_of_the_referendum_or_any_area_of_the_agency(
    clock, make_referendum, make_voter, districts
):
    old_town = make_voter("old_town")
    millbrook = make_voter("millbrook")
    outside = make_voter("outside")
    homeless = make_voter(None)
    only_old_town = make_referendum("ready", residents_only=True, districts=[districts["old_town"]]).referendum
    people = {e.user_id: e for e in eligibility.electors(only_old_town, OPENING_DAY)}
    assert set(people) >= {old_town.pk}
    assert not {millbrook.pk, outside.pk, homeless.pk} & set(people)
    assert people[old_town.pk].district_id == districts["old_town"].pk

    whole_agency = make_referendum("ready", residents_only=True).referendum
    people = {e.user_id: e for e in eligibility.electors(whole_agency, OPENING_DAY)}
    assert {old_town.pk, millbrook.pk} <= set(people)
    assert people[millbrook.pk].district_id == districts["millbrook"].pk
    assert not {outside.pk, homeless.pk} & set(people)

    anyone = make_referendum("ready", residents_only=False).referendum
    people = {e.user_id: e for e in eligibility.electors(anyone, OPENING_DAY)}
    assert {old_town.pk, millbrook.pk, outside.pk, homeless.pk} <= set(people)
    assert people[outside.pk].district_id is None  # still looked up, for turnout by district


def test_identity_level_decides_who_votes_online(clock, make_referendum, make_voter, make_user):
    verified = make_voter()
    basic = make_voter(verified=False)  # an account not bound to a national ID, email confirmed
    unconfirmed = make_user("nobody@example.org", verified_email=False)
    strict = make_referendum("ready", min_age=0, identity_level="verified").referendum
    people = {e.user_id: e for e in eligibility.electors(strict, OPENING_DAY)}
    assert people[verified.pk].online
    # Below the level and with no national ID a counter could find them by: not in the electorate.
    assert basic.pk not in people
    assert unconfirmed.pk not in people

    lenient = make_referendum("ready", min_age=0, identity_level="basic").referendum
    people = {e.user_id: e for e in eligibility.electors(lenient, OPENING_DAY)}
    assert people[verified.pk].online and people[basic.pk].online
    assert unconfirmed.pk not in people


def test_a_bound_person_below_the_level_may_vote_on_paper_only(clock, make_referendum, make_user):
    """Documents checked at a counter for someone the register does not know: the account is bound
    to their national ID (level "document"), so a counter can find them, but they get no code."""
    person = make_user("documents@example.org", postcode="NB1 1AA", address_line_1="1 Market Street")
    index = national_id_blind_index("DOC-000001-X")
    Profile.objects.filter(user=person).update(verification_method="document_only", national_id_index=index)
    assert identity_level_for(person) == "document"
    referendum = make_referendum("ready", min_age=0, identity_level="verified").referendum
    people = {e.user_id: e for e in eligibility.electors(referendum, OPENING_DAY)}
    assert people[person.pk].voter_key == index
    assert not people[person.pk].online


def test_the_identity_rule_agrees_with_accounts(make_voter, make_user):
    users = [make_voter(), make_voter(verified=False), make_user("x@example.org", verified_email=False)]
    for user in users:
        profile = Profile.objects.get(user=user)
        confirmed = EmailAddress.objects.filter(user=user, verified=True).exists()
        level = eligibility.identity_level(
            identity_verified=profile.identity_verified,
            verification_method=profile.verification_method,
            email_confirmed=confirmed,
        )
        assert level == identity_level_for(user)


def test_opening_freezes_the_electorate_and_emails_codes_it_does_not_keep(
    clock, make_referendum, make_voter, django_capture_on_commit_callbacks
):
    voters = [make_voter() for _ in range(4)]
    too_young = make_voter(born=datetime.date(2015, 1, 1))
    built = _opening_now(make_referendum)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = opening_services.referendums_due()
    assert done == {"opened": 1, "closed": 0}
    referendum = Referendum.objects.get(pk=built.referendum.pk)
    assert referendum.stage == Stage.OPEN
    assert referendum.electorate_size == 4 and referendum.credentials_issued == 4
    assert referendum.election["public_key"] == referendum.public_key
    assert [t["index"] for t in referendum.election["trustees"]] == [1, 2, 3]
    assert referendum.election["opens_at"] == opening_services.iso(referendum.opens_at)
    entries = _keys(referendum)
    assert set(entries) == {v.pk for v in voters}
    assert too_young.pk not in entries
    assert all(e.credential_sent and e.channel == "" for e in entries.values())

    # Each voter got one email with a code whose public credential is on the list.
    assert sorted(m.to[0] for m in mail.outbox) == sorted(v.email for v in voters)
    codes = [CODE.search(m.body).group(1) for m in mail.outbox]
    listed = list(PublicCredential.objects.filter(referendum=referendum).values_list("credential", flat=True))
    uuid = str(referendum.uuid)
    assert sorted(credentials.public_credential(uuid, c) for c in codes) == sorted(listed)
    # Stored in sorted order: row numbers say nothing about whose credential is whose.
    by_pk = list(
        PublicCredential.objects.filter(referendum=referendum).order_by("pk").values_list("credential", flat=True)
    )
    assert by_pk == sorted(by_pk)
    # The codes are stored nowhere (the scan does find what is stored: a public credential).
    assert _anywhere(listed[0])
    for code in codes:
        assert not _anywhere(code) and not _anywhere(credentials.normalise_code(code))

    row = AuditLog.objects.get(action=AuditAction.REF_OPENED)
    assert row.actor is None and row.extra["electorate"] == 4 and row.extra["credentials"] == 4
    # Running the job again changes nothing.
    assert opening_services.referendums_due() == {"opened": 0, "closed": 0}
    assert ElectorateEntry.objects.filter(referendum=referendum).count() == 4


TEXT_TYPES = {"CharField", "TextField", "JSONField", "EmailField", "SlugField", "URLField", "GenericIPAddressField"}


def _anywhere(text: str) -> bool:
    """Whether *text* appears in any text column of any model's table."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            for field in model._meta.concrete_fields:
                if field.get_internal_type() not in TEXT_TYPES:
                    continue
                cursor.execute(
                    f"SELECT 1 FROM {quote(model._meta.db_table)} "  # noqa: S608
                    f"WHERE CAST({quote(field.column)} AS TEXT) LIKE %s LIMIT 1",
                    [f"%{text}%"],
                )
                if cursor.fetchone():
                    return True
    return False


def test_a_referendum_that_is_not_ready_does_not_open(clock, make_referendum):
    built = make_referendum(
        "keys", opens_at=NOW - datetime.timedelta(hours=1), closes_at=NOW + datetime.timedelta(days=2)
    )
    assert opening_services.referendums_due() == {"opened": 0, "closed": 0}
    assert Referendum.objects.get(pk=built.referendum.pk).stage == Stage.KEYS


def test_closing_sums_only_the_counted_ballots(make_referendum, make_voter):
    voters = [make_voter() for _ in range(3)]
    built = make_referendum(
        "open",
        voters=voters,
        ballots=[(voters[0], [[0]]), (voters[1], [[1]]), (voters[0], [[1]]), (voters[2], [[0]])],
    )
    referendum = built.referendum
    assert not opening_services.close_and_tally(referendum)  # voting is still open
    with time_machine.travel(referendum.closes_at + datetime.timedelta(minutes=1), tick=False):
        assert opening_services.referendums_due() == {"opened": 0, "closed": 1}
    referendum.refresh_from_db()
    assert referendum.stage == Stage.COUNTING
    assert referendum.counted_ballots == 3  # the first ballot of voter 0 was replaced
    # Decrypting the sum gives the counted choices: 1 yes (voter 2), 2 no (voters 0 and 1).
    from ecitizen.voting.protocol import trustees

    decryptions = [built.decryption(1), built.decryption(3)]
    used, counts = trustees.combine(referendum.election, referendum.tally, decryptions, max_count=3)
    assert used == [1, 3] and counts == [[1, 2]]
    row = AuditLog.objects.get(action=AuditAction.REF_TALLIED)
    assert row.extra == {"counted_ballots": 3, "board": 4}
