"""Paper ballots: typed in twice by two different staff members; counted when both agree; one
channel per person; nobody handles their own ballot."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.voting.budgeting.ballot_selectors import vote_box
from ecitizen.voting.budgeting.ballot_services import (
    ballot_cast,
    paper_entry_confirm,
    paper_entry_discard,
    paper_entry_enter,
)
from ecitizen.voting.budgeting.models import Ballot, BallotChoice, Channel, PaperEntry, PaperEntryState

from .ballots_fixtures import *  # noqa: F403
from .ballots_fixtures import budget_of, project_ids

pytestmark = pytest.mark.django_db


@pytest.fixture
def paper(voting, districts, make_voter, caseworker_a, admin_a):
    """A voting process, the Old Town budget and its projects, a voter and two staff members."""
    process = voting("approval")
    budget = budget_of(process, districts["old_town"])
    return {
        "process": process,
        "budget": budget,
        "projects": project_ids(process, budget),
        "voter": make_voter(),
        "first": caseworker_a,
        "second": admin_a,
    }


def _enter(p, *, actor=None, sheet="A-0001", voter=None, choices=None):
    return paper_entry_enter(
        actor=actor or p["first"],
        process=p["process"],
        sheet_number=sheet,
        national_id=(voter or p["voter"]).national_id,
        budget=p["budget"],
        choices=choices or {p["projects"][0]: 1},
    )


def _confirm(p, entry, *, actor=None, voter=None, choices=None):
    return paper_entry_confirm(
        actor=actor or p["second"],
        entry=entry,
        national_id=(voter or p["voter"]).national_id,
        budget=p["budget"],
        choices=choices or {p["projects"][0]: 1},
    )


def test_two_agreeing_entries_make_a_paper_ballot(paper):
    entry = _enter(paper)
    assert entry.state == PaperEntryState.WAITING and not Ballot.objects.exists()

    confirmed = _confirm(paper, entry)

    ballot = Ballot.objects.get()
    assert confirmed.state == PaperEntryState.CONFIRMED and confirmed.ballot == ballot
    assert confirmed.confirmed_by == paper["second"]
    assert ballot.channel == Channel.PAPER and ballot.user is None
    assert ballot.voter_key == paper["voter"].profile.national_id_index
    assert dict(BallotChoice.objects.values_list("project_id", "points")) == {paper["projects"][0]: 1}
    actions = list(
        AuditLog.objects.filter(action__startswith="budgeting.paper").order_by("pk").values_list("action", "actor")
    )
    assert actions == [
        (AuditAction.PB_PAPER_ENTERED, paper["first"].pk),
        (AuditAction.PB_PAPER_CONFIRMED, paper["second"].pk),
    ]
    # The voter's page says they voted on paper.
    box = vote_box(process=paper["process"], user=paper["voter"])
    assert box.voted_on_paper


def test_entries_that_disagree_wait_for_a_supervisor(paper):
    entry = _enter(paper)

    result = _confirm(paper, entry, choices={paper["projects"][1]: 1})

    assert result.state == PaperEntryState.MISMATCH
    assert PaperEntry.objects.filter(state=PaperEntryState.MISMATCH).count() == 2
    assert not Ballot.objects.exists()
    assert AuditLog.objects.filter(action=AuditAction.PB_PAPER_MISMATCH, actor=paper["second"]).count() == 1

    # The supervisor discards both entries; the sheet can then be entered again.
    assert paper_entry_discard(actor=paper["second"], entry=result) == 2
    assert set(PaperEntry.objects.values_list("state", flat=True)) == {PaperEntryState.DISCARDED}
    assert AuditLog.objects.filter(action=AuditAction.PB_PAPER_DISCARDED).count() == 1
    again = _enter(paper)
    assert again.state == PaperEntryState.WAITING


def test_a_different_voter_is_a_mismatch(paper, make_voter):
    entry = _enter(paper)

    assert _confirm(paper, entry, voter=make_voter()).state == PaperEntryState.MISMATCH


def test_only_an_agency_admin_discards(paper):
    entry = _enter(paper)

    with pytest.raises(PermissionDenied):
        paper_entry_discard(actor=paper["first"], entry=entry)


def test_the_same_person_cannot_enter_both_copies(paper):
    entry = _enter(paper)

    with pytest.raises(PermissionDenied):
        _confirm(paper, entry, actor=paper["first"])
    assert PaperEntry.objects.get().state == PaperEntryState.WAITING and not Ballot.objects.exists()


def test_a_sheet_is_entered_once(paper, make_voter):
    _enter(paper)

    with pytest.raises(ValidationError) as error:
        _enter(paper, actor=paper["second"], voter=make_voter())
    assert "entered already" in error.value.message_dict["sheet_number"][0]
    with pytest.raises(ValidationError) as error:
        _enter(paper, actor=paper["second"], sheet="A-0002")
    assert "entered already" in error.value.message_dict["national_id"][0]


def test_staff_never_enter_or_confirm_their_own_ballot(paper, make_voter, with_mfa, agency_a):
    from ecitizen.agencies.models import Membership

    staff_voter = make_voter()  # a resident who also works at the counter
    Membership.objects.create(user=staff_voter, agency=agency_a, role="caseworker")
    with_mfa(staff_voter)

    with pytest.raises(ValidationError) as error:
        _enter(paper, actor=staff_voter, voter=staff_voter)
    assert "your own ballot" in error.value.message_dict["national_id"][0]

    entry = _enter(paper, voter=staff_voter)
    with pytest.raises(ValidationError) as error:
        _confirm(paper, entry, actor=staff_voter, voter=staff_voter)
    assert "your own ballot" in error.value.message_dict["national_id"][0]
    assert not Ballot.objects.exists()


def test_who_voted_online_cannot_vote_on_paper(paper):
    ballot_cast(actor=paper["voter"], process=paper["process"], choices={paper["projects"][0]: 1})

    with pytest.raises(ValidationError) as error:
        _enter(paper)
    assert error.value.message_dict["national_id"] == ["This person has voted online, so they cannot vote on paper."]


def test_voting_online_between_the_two_entries_stops_the_paper_ballot(paper):
    entry = _enter(paper)
    ballot_cast(actor=paper["voter"], process=paper["process"], choices={paper["projects"][1]: 1})

    with pytest.raises(ValidationError):
        _confirm(paper, entry)

    ballot = Ballot.objects.get()
    assert ballot.channel == Channel.ONLINE and PaperEntry.objects.get().state == PaperEntryState.WAITING


def test_who_voted_on_paper_cannot_vote_online(paper):
    _confirm(paper, _enter(paper))

    with pytest.raises(ValidationError) as error:
        ballot_cast(actor=paper["voter"], process=paper["process"], choices={paper["projects"][1]: 1})

    assert error.value.messages == ["You voted on paper at a service counter, so you cannot vote online."]
    ballot = Ballot.objects.get()
    assert ballot.channel == Channel.PAPER and ballot.version == 1
    assert dict(BallotChoice.objects.values_list("project_id", "points")) == {paper["projects"][0]: 1}


def test_the_paper_voter_must_be_eligible(paper, make_voter):
    import datetime

    today = datetime.date.today()
    young = make_voter(born=today - datetime.timedelta(days=14 * 365))  # 13 or 14, any day (29 February too)

    with pytest.raises(ValidationError) as error:
        _enter(paper, voter=young)
    assert "16 or older" in error.value.message_dict["national_id"][0]


def test_staff_of_another_agency_cannot_enter(paper, caseworker_b):
    with pytest.raises(PermissionDenied):
        _enter(paper, actor=caseworker_b)


def test_no_paper_ballots_before_voting(make_process, districts, caseworker_a, make_voter):
    process = make_process("review", districts=districts)
    budget = budget_of(process, districts["old_town"])

    with pytest.raises(ValidationError):
        paper_entry_enter(
            actor=caseworker_a,
            process=process,
            sheet_number="1",
            national_id=make_voter().national_id,
            budget=budget,
            choices={project_ids(process, budget)[0]: 1},
        )
