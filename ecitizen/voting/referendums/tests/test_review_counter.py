"""Review: staff never act on their own affairs at the counter. A clerk cannot hand a ballot paper
to a declared relative, nor to themselves by way of an entry whose national ID their account no
longer counts as bound (a verification withdrawn since voting opened), nor to another account of
their own; and the double entry of ballot papers needs two different people."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ecitizen.accounts.models import Profile
from ecitizen.agencies.models import Membership, StaffRelative
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.voting.referendums import counter_services
from ecitizen.voting.referendums.models import ElectorateEntry, PaperSheet, SheetState

pytestmark = pytest.mark.django_db


def _clerk(make_voter, with_mfa, agency):
    clerk = make_voter()  # a caseworker who is also a voter
    Membership.objects.create(user=clerk, agency=agency, role="caseworker")
    with_mfa(clerk)
    return clerk


def _issue(actor, referendum, national_id):
    return counter_services.paper_issue(actor=actor, referendum=referendum, national_id=national_id)


def _unmarked(referendum, user) -> bool:
    return ElectorateEntry.objects.get(referendum=referendum, user=user).channel == ""


def test_no_ballot_paper_for_a_declared_relative(make_referendum, make_voter, with_mfa, agency_a):
    clerk, partner, stranger = _clerk(make_voter, with_mfa, agency_a), make_voter(), make_voter()
    StaffRelative.objects.create(staff=clerk, relative=partner, relationship="partner")
    referendum = make_referendum("open", voters=[partner, stranger]).referendum

    with pytest.raises(ValidationError, match="declared as your relative"):
        _issue(clerk, referendum, partner.national_id)

    assert _unmarked(referendum, partner)
    assert not AuditLog.objects.filter(action=AuditAction.REF_PAPER_ISSUED).exists()
    assert _issue(clerk, referendum, stranger.national_id).channel == "paper"


def test_no_ballot_paper_for_a_relative_who_declared_the_clerk(make_referendum, make_voter, with_mfa, agency_a):
    """The relation counts both ways: a staff member who declared the clerk as their relative."""
    clerk, colleague = _clerk(make_voter, with_mfa, agency_a), _clerk(make_voter, with_mfa, agency_a)
    StaffRelative.objects.create(staff=colleague, relative=clerk, relationship="sibling")
    referendum = make_referendum("open", voters=[colleague]).referendum

    with pytest.raises(ValidationError, match="declared as your relative"):
        _issue(clerk, referendum, colleague.national_id)
    assert _unmarked(referendum, colleague)


def test_no_ballot_paper_to_oneself_after_the_binding_changed(make_referendum, make_voter, with_mfa, agency_a):
    """The clerk was bound to their national ID when voting opened (so their entry carries it);
    their verification has been withdrawn since. The entry is still theirs."""
    clerk = _clerk(make_voter, with_mfa, agency_a)
    referendum = make_referendum("open", voters=[clerk]).referendum
    Profile.objects.filter(user=clerk).update(identity_verified=False, verification_method="")

    with pytest.raises(ValidationError, match="to yourself"):
        _issue(clerk, referendum, clerk.national_id)
    assert _unmarked(referendum, clerk)


def test_no_ballot_paper_to_another_account_of_ones_own(make_referendum, make_voter, with_mfa, agency_a, make_user):
    """The clerk's staff account is not the account that is on the register, but it holds the same
    national ID: it is the same person."""
    voter_self = make_voter()
    staff_account = make_user("second-account@council.example")
    Profile.objects.filter(user=staff_account).update(
        national_id_index=Profile.objects.get(user=voter_self).national_id_index
    )
    Membership.objects.create(user=staff_account, agency=agency_a, role="caseworker")
    with_mfa(staff_account)
    referendum = make_referendum("open", voters=[voter_self]).referendum

    with pytest.raises(ValidationError, match="to yourself"):
        _issue(staff_account, referendum, voter_self.national_id)
    assert _unmarked(referendum, voter_self)


def test_an_agency_that_does_not_count_relatives_lets_the_clerk_serve_them(
    make_referendum, make_voter, with_mfa, agency_a
):
    clerk, partner = _clerk(make_voter, with_mfa, agency_a), make_voter()
    StaffRelative.objects.create(staff=clerk, relative=partner, relationship="partner")
    agency_a.relatives_are_conflicts = False
    agency_a.save(update_fields=["relatives_are_conflicts"])
    referendum = make_referendum("open", voters=[partner]).referendum

    assert _issue(clerk, referendum, partner.national_id).channel == "paper"


def test_the_counter_page_shows_the_conflict_as_a_field_error(make_referendum, make_voter, with_mfa, agency_a):
    from django.test import Client
    from django.urls import reverse

    clerk, partner = _clerk(make_voter, with_mfa, agency_a), make_voter()
    StaffRelative.objects.create(staff=clerk, relative=partner, relationship="partner")
    referendum = make_referendum("open", voters=[partner]).referendum
    client = Client()
    client.force_login(clerk)

    response = client.post(
        reverse("referendums_staff:counter", args=[referendum.pk]),
        {"national_id": partner.national_id, "document_seen": "on"},
    )

    assert response.status_code == 400
    assert "declared as your relative" in response.content.decode()
    assert _unmarked(referendum, partner)


def test_a_supervisor_who_typed_the_first_entry_cannot_settle_a_mismatch_alone(
    make_referendum, make_voter, referendum_people, caseworker_a, admin_a
):
    """The supervisor re-enters a mismatched paper; a different person must still confirm it."""
    voter = make_voter()
    referendum = make_referendum("counting", voters=[voter], paper=[voter]).referendum
    counter_services.sheet_enter(actor=admin_a, referendum=referendum, sheet_number="P1", choices=[[0]])
    counter_services.sheet_enter(actor=caseworker_a, referendum=referendum, sheet_number="P1", choices=[[1]])
    assert PaperSheet.objects.get(sheet_number="P1").state == SheetState.MISMATCH

    counter_services.sheet_enter(actor=admin_a, referendum=referendum, sheet_number="P1", choices=[[0]])
    with pytest.raises(ValidationError, match="a different person must type it in again"):
        counter_services.sheet_enter(actor=admin_a, referendum=referendum, sheet_number="P1", choices=[[0]])

    assert PaperSheet.objects.get(sheet_number="P1").state == SheetState.WAITING
