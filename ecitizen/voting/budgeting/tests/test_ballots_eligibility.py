"""Who may vote: each reason a person cannot, and the budget of those who can."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from ecitizen.voting.budgeting.eligibility import Reason, age_on, eligibility_for, voter_key_for

from .ballots_fixtures import *  # noqa: F403
from .ballots_fixtures import budget_of

pytestmark = pytest.mark.django_db


def test_a_resident_votes_in_the_budget_of_their_district(voting, make_voter, districts):
    process = voting()
    old, mill = make_voter("old_town"), make_voter("millbrook")

    assert eligibility_for(old, process).budget == budget_of(process, districts["old_town"])
    assert eligibility_for(mill, process).budget == budget_of(process, districts["millbrook"])


def test_a_visitor_must_sign_in(voting):
    result = eligibility_for(AnonymousUser(), voting())

    assert result.reason == Reason.SIGN_IN and not result.ok
    assert "Sign in" in result.message


def test_an_unverified_account_is_told_to_verify(voting, make_voter):
    result = eligibility_for(make_voter(verified=False), voting())

    assert result.reason == Reason.IDENTITY
    assert result.action_url == "/account/identity/"
    assert "prove who you are" in result.message


def test_without_the_register_nobody_can_prove_an_age(voting, make_voter):
    # The process accepts basic accounts, but has a minimum age: only the register can show it.
    result = eligibility_for(make_voter(verified=False), voting(identity_level="basic"))

    assert result.reason == Reason.NOT_IN_REGISTER
    assert "population register" in result.message


def test_too_young(voting, make_voter):
    today = datetime.date.today()
    young = make_voter(born=today - datetime.timedelta(days=15 * 365 + 40))  # 15, any day (29 February too)

    result = eligibility_for(young, voting(min_age=16))

    assert result.reason == Reason.TOO_YOUNG
    assert "16 or older" in result.message


def test_no_minimum_age_lets_the_young_vote(voting, make_voter):
    today = datetime.date.today()
    young = make_voter(born=today - datetime.timedelta(days=12 * 365 + 40))

    assert eligibility_for(young, voting(min_age=None)).ok


@pytest.mark.parametrize("birthday_offset, allowed", [(-1, True), (0, True), (1, False)])
def test_the_age_counts_on_the_day_of_voting(time_machine, voting, make_voter, birthday_offset, allowed):
    time_machine.move_to(datetime.datetime(2027, 3, 10, 12, 0, tzinfo=datetime.UTC), tick=False)
    sixteenth = datetime.date(2027, 3, 10) + datetime.timedelta(days=birthday_offset)
    person = make_voter(born=sixteenth.replace(year=sixteenth.year - 16))

    assert eligibility_for(person, voting(min_age=16)).ok is allowed


def test_age_on_handles_leap_days():
    assert age_on(datetime.date(2008, 2, 29), datetime.date(2024, 2, 28)) == 15
    assert age_on(datetime.date(2008, 2, 29), datetime.date(2024, 2, 29)) == 16
    assert age_on(datetime.date(2008, 2, 29), datetime.date(2025, 3, 1)) == 17


def test_no_address(voting, make_voter):
    result = eligibility_for(make_voter(None), voting())

    assert result.reason == Reason.NO_ADDRESS
    assert result.action_url == "/account/profile/"


def test_an_address_the_register_does_not_know(voting, make_voter):
    result = eligibility_for(make_voter("outside"), voting())

    assert result.reason == Reason.ADDRESS_UNKNOWN


def test_an_address_outside_every_district(voting, make_voter):
    from ecitizen.exchange.models import Address

    Address.objects.create(
        uprn="900000000099", line="9 Far Away Road", street="Far Away Road", number="9",
        town="Elsewhere", postcode="ZZ9 9ZZ", latitude=51.5, longitude=-0.1,
    )  # fmt: skip

    result = eligibility_for(make_voter("outside"), voting())

    assert result.reason == Reason.NOT_RESIDENT


def test_several_addresses_in_a_postcode_are_told_apart_by_the_first_line(voting, make_voter, districts):
    from ecitizen.exchange.models import Address
    from ecitizen.voting.budgeting.tests.conftest import OLD_TOWN_POSTCODE

    # Another address with Old Town's postcode, but in Millbrook.
    Address.objects.create(
        uprn="900000000003", line="3 Bridge Road", street="Bridge Road", number="3",
        town="Northbridge", postcode=OLD_TOWN_POSTCODE, latitude=52.010, longitude=0.006,
    )  # fmt: skip
    process = voting()
    voter = make_voter("old_town")

    assert eligibility_for(voter, process).budget == budget_of(process, districts["old_town"])
    voter.profile.address_line_1 = "3 Bridge Road"
    voter.profile.save()
    assert eligibility_for(voter, process).budget == budget_of(process, districts["millbrook"])
    voter.profile.address_line_1 = "77 Nowhere"
    voter.profile.save()
    assert eligibility_for(voter, process).reason == Reason.ADDRESS_UNKNOWN


def test_one_whole_area_budget_takes_residents_of_any_of_the_agency_areas(make_process, make_voter):
    process = make_process("voting")
    (budget,) = process.budgets.all()

    assert eligibility_for(make_voter("millbrook"), process).budget == budget
    assert eligibility_for(make_voter(None), process).reason == Reason.NO_ADDRESS


def test_open_to_everyone_needs_no_address_with_one_budget(make_process, make_voter):
    process = make_process("voting", residents_only=False)

    assert eligibility_for(make_voter(None), process).ok


def test_the_voter_key_is_the_national_id_index_once_bound(make_voter):
    verified, unverified = make_voter(), make_voter(verified=False)

    assert voter_key_for(verified) == verified.profile.national_id_index != ""
    assert voter_key_for(unverified) == f"user:{unverified.pk}"


def test_voter_profile_reads_what_the_orm_reads(make_voter, make_user):
    from ecitizen.accounts.models import Profile, User
    from ecitizen.exchange.models import PopulationRecord
    from ecitizen.voting.budgeting.eligibility import voter_profile

    verified, unverified = make_voter(), make_voter(verified=False)
    for user in (verified, unverified):
        facts, profile = voter_profile(user), Profile.objects.get(user=user)
        for name in ("identity_verified", "verification_method", "verified_at", "national_id_index", "postcode"):
            assert getattr(facts, name) == (getattr(profile, name) or getattr(facts, name).__class__()), name
        assert facts.address_line_1 == profile.address_line_1
    record = PopulationRecord.objects.get(national_id_index=Profile.objects.get(user=verified).national_id_index)
    assert voter_profile(verified).register_born == record.date_of_birth
    assert voter_profile(unverified).register_born is None
    # The register marks the person deceased: no date of birth any more.
    PopulationRecord.objects.filter(pk=record.pk).update(is_deceased=True)
    assert voter_profile(verified).register_born is None
    assert voter_profile(User.objects.create_user(email="no-profile@example.org", password=None)).postcode == ""
