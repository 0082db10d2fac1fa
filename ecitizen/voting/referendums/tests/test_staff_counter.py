"""Paper ballots: handed out at a counter during voting (the marked register blocks any second
vote), and typed in twice by two different people after the close."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from ecitizen.agencies.models import Membership
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.voting.referendums import counter_services
from ecitizen.voting.referendums.models import ElectorateEntry, PaperSheet, SheetState

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _entry(referendum, user) -> ElectorateEntry:
    return ElectorateEntry.objects.get(referendum=referendum, user=user)


def _issue(actor, referendum, voter):
    return counter_services.paper_issue(actor=actor, referendum=referendum, national_id=voter.national_id)


def test_a_paper_ballot_marks_the_register_once(make_referendum, make_voter, caseworker_a, admin_a):
    voter = make_voter()
    referendum = make_referendum("open", voters=[voter]).referendum
    entry = _issue(caseworker_a, referendum, voter)
    assert entry.channel == "paper" and entry.marked_by == caseworker_a and entry.final_at is not None
    row = AuditLog.objects.get(action=AuditAction.REF_PAPER_ISSUED)
    assert row.actor == caseworker_a and row.subject_user == voter and row.subject_id == str(entry.pk)
    with pytest.raises(ValidationError, match="already been given a paper ballot"):
        _issue(admin_a, referendum, voter)
    assert AuditLog.objects.filter(action=AuditAction.REF_PAPER_ISSUED).count() == 1


def test_someone_who_voted_online_gets_no_paper_ballot(make_referendum, make_voter, caseworker_a):
    voter, helped = make_voter(), make_voter()
    built = make_referendum("open", voters=[voter, helped], ballots=[(voter, [[0]])])
    referendum = built.referendum
    assert _entry(referendum, voter).channel == "online"
    with pytest.raises(ValidationError, match="already voted online, so they cannot vote on paper"):
        _issue(caseworker_a, referendum, voter)
    ElectorateEntry.objects.filter(referendum=referendum, user=helped).update(channel="assisted")
    with pytest.raises(ValidationError, match="already voted online with help"):
        _issue(caseworker_a, referendum, helped)
    assert _entry(referendum, voter).channel == "online"


def test_only_the_electorate_and_never_oneself(make_referendum, make_voter, with_mfa, agency_a, caseworker_a):
    voter, stranger = make_voter(), make_voter()
    clerk = make_voter()  # a caseworker who may also vote
    Membership.objects.create(user=clerk, agency=agency_a, role="caseworker")
    with_mfa(clerk)
    referendum = make_referendum("open", voters=[voter, clerk]).referendum
    with pytest.raises(ValidationError, match="not in the electorate"):
        _issue(caseworker_a, referendum, stranger)
    with pytest.raises(ValidationError, match="to yourself"):
        _issue(clerk, referendum, clerk)
    assert _issue(clerk, referendum, voter).channel == "paper"
    assert _issue(caseworker_a, referendum, clerk).channel == "paper"


def test_paper_ballots_are_handed_out_only_during_voting(make_referendum, make_voter, caseworker_a, auditor_a):
    voter = make_voter()
    referendum = make_referendum("open", voters=[voter]).referendum
    with time_machine.travel(referendum.closes_at + datetime.timedelta(seconds=1)):
        with pytest.raises(ValidationError, match="only while voting is open"):
            _issue(caseworker_a, referendum, voter)
    with pytest.raises(PermissionDenied):
        _issue(auditor_a, referendum, voter)
    referendum.paper_voting = False
    with pytest.raises(ValidationError, match="no paper ballots"):
        _issue(caseworker_a, referendum, voter)


def test_the_counter_page(make_referendum, make_voter, caseworker_a, auditor_a, caseworker_b):
    voter = make_voter()
    referendum = make_referendum("open", voters=[voter]).referendum
    page = reverse("referendums_staff:counter", args=[referendum.pk])
    client = _client(caseworker_a)
    response = client.post(page, {"national_id": voter.national_id})
    assert response.status_code == 400
    assert "Check the voter&#x27;s identity document first" in response.content.decode()
    response = client.post(page, {"national_id": "NOBODY-1", "document_seen": "on"})
    assert response.status_code == 400 and "not in the electorate" in response.content.decode()
    response = client.post(page, {"national_id": voter.national_id, "document_seen": "on"})
    assert response.status_code == 302
    response = client.post(page, {"national_id": voter.national_id, "document_seen": "on"})
    assert response.status_code == 400 and "already been given a paper ballot" in response.content.decode()
    assert _client(auditor_a).get(page).status_code == 403
    assert _client(caseworker_b).get(page).status_code == 404


# --- typing in -----------------------------------------------------------------------------------


@pytest.fixture
def closed(make_referendum, make_voter, referendum_people):
    """A referendum after the close, two questions, three paper ballots handed out."""
    voters = [make_voter() for _ in range(3)]
    built = make_referendum(
        "counting",
        questions=[
            ("Should the city build a new library?", ["Yes", "No"], 1, 1),
            ("Where?", ["North", "South", "East"], 0, 2),
        ],
        voters=voters,
        paper=voters,
    )
    return built.referendum


def _enter(actor, referendum, number, choices, spoilt=False):
    return counter_services.sheet_enter(
        actor=actor, referendum=referendum, sheet_number=number, choices=choices, spoilt=spoilt
    )


def test_two_entries_that_agree_confirm_the_paper(closed, caseworker_a, admin_a):
    first = _enter(caseworker_a, closed, " b-12 ", [[0], [2, 1]])
    assert first.state == SheetState.WAITING and first.sheet_number == "B-12" and first.choices == [[0], [1, 2]]
    with pytest.raises(ValidationError, match="a different person must type it in again"):
        _enter(caseworker_a, closed, "B-12", [[0], [1, 2]])
    second = _enter(admin_a, closed, "b-12", [[0], [1, 2]])
    assert second.state == SheetState.CONFIRMED and second.confirmed_by == admin_a
    with pytest.raises(ValidationError, match="typed in twice already"):
        _enter(caseworker_a, closed, "B-12", [[0], [1, 2]])
    actions = list(
        AuditLog.objects.filter(subject_type="referendums.papersheet").order_by("pk").values_list("action", flat=True)
    )
    assert actions == [AuditAction.REF_SHEET_ENTERED, AuditAction.REF_SHEET_CONFIRMED]


def test_a_mismatch_waits_for_a_supervisor(closed, caseworker_a, admin_a, referendum_people):
    officer = referendum_people["officer"]  # a caseworker
    _enter(caseworker_a, closed, "7", [[0], []])
    mismatch = _enter(officer, closed, "7", [[1], []])
    assert mismatch.state == SheetState.MISMATCH
    assert AuditLog.objects.filter(action=AuditAction.REF_SHEET_MISMATCH).count() == 1
    with pytest.raises(ValidationError, match="A supervisor must look at it"):
        _enter(caseworker_a, closed, "7", [[0], []])
    again = _enter(admin_a, closed, "7", [[1], []])  # the supervisor reads the paper
    assert again.state == SheetState.WAITING and again.entered_by == admin_a
    with pytest.raises(ValidationError, match="a different person"):
        _enter(admin_a, closed, "7", [[1], []])
    assert _enter(caseworker_a, closed, "7", [[1], []]).state == SheetState.CONFIRMED


def test_spoilt_papers_and_marks_outside_the_rules(closed, caseworker_a, admin_a):
    with pytest.raises(ValidationError) as raised:
        _enter(caseworker_a, closed, "1", [[0, 1], []])
    assert "q0" in raised.value.message_dict and "tick “spoilt”" in raised.value.message_dict["q0"][0]
    with pytest.raises(ValidationError) as raised:
        _enter(caseworker_a, closed, "1", [[5], []])
    assert "q0" in raised.value.message_dict
    _enter(caseworker_a, closed, "1", [[0, 1], []], spoilt=True)
    sheet = _enter(admin_a, closed, "1", [], spoilt=True)
    assert sheet.state == SheetState.CONFIRMED and sheet.spoilt and sheet.choices == []
    # A spoilt paper against a counted one is a mismatch.
    _enter(caseworker_a, closed, "2", [[0], []])
    assert _enter(admin_a, closed, "2", [], spoilt=True).state == SheetState.MISMATCH


def test_no_more_papers_than_paper_ballots_handed_out(closed, caseworker_a):
    for number in ("1", "2", "3"):
        _enter(caseworker_a, closed, number, [[0], []])
    with pytest.raises(ValidationError, match="more ballot papers than the 3 paper ballots handed out"):
        _enter(caseworker_a, closed, "4", [[0], []])
    assert PaperSheet.objects.filter(referendum=closed).count() == 3


def test_papers_are_typed_in_only_after_the_close(make_referendum, make_voter, caseworker_a, auditor_a):
    voter = make_voter()
    referendum = make_referendum("open", voters=[voter], paper=[voter]).referendum
    with pytest.raises(ValidationError, match="after voting closes"):
        _enter(caseworker_a, referendum, "1", [[0]])
    with pytest.raises(PermissionDenied):
        _enter(auditor_a, referendum, "1", [[0]])


def test_the_ballot_papers_page(closed, caseworker_a, admin_a):
    page = reverse("referendums_staff:sheets", args=[closed.pk])
    client = _client(caseworker_a)
    response = client.post(page, {"sheet_number": "", "q0": "0"})
    assert response.status_code == 400 and "Enter the number printed on the ballot paper" in response.content.decode()
    response = client.post(page, {"sheet_number": "5", "q0": "9"})
    assert response.status_code == 400 and "Choose only options of this question" in response.content.decode()
    response = client.post(page, {"sheet_number": "5", "q1": ["0", "1", "2"]})
    assert response.status_code == 400 and "spoilt" in response.content.decode()
    assert client.post(page, {"sheet_number": "5", "q0": "0", "q1": ["2"]}).status_code == 302
    # The second person sees the list of papers, not the first entry's marks.
    listing = _client(admin_a).get(page).content.decode()
    assert ">5<" in listing and "Waiting for the second entry" in listing
    assert _client(admin_a).post(page, {"sheet_number": "5", "q0": "0", "q1": ["2"]}).status_code == 302
    assert PaperSheet.objects.get(referendum=closed, sheet_number="5").state == SheetState.CONFIRMED
