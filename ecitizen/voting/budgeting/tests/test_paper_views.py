"""The paper-ballot pages of the back office, without JavaScript."""

from __future__ import annotations

import pytest

from ecitizen.voting.budgeting.models import Ballot, PaperEntry, PaperEntryState

from .ballots_fixtures import *  # noqa: F403
from .ballots_fixtures import budget_of, project_ids

pytestmark = pytest.mark.django_db


def _base(process):
    return f"/staff/budgeting/{process.pk}/paper/"


def test_enter_and_confirm_a_paper_ballot(client, mfa_client, voting, make_voter, districts, caseworker_a, admin_a):
    process = voting("approval")
    old_town = budget_of(process, districts["old_town"])
    bench, trees, _ = project_ids(process, old_town)
    voter = make_voter()
    staff = mfa_client(caseworker_a)

    # Several districts: the district comes first.
    district_page = staff.get(_base(process) + "enter/")
    assert (
        district_page.status_code == 200 and "Which district is the ballot paper for?" in district_page.content.decode()
    )
    form = staff.get(_base(process) + f"enter/?budget={old_town.pk}")
    assert form.status_code == 200 and "Ballot paper number" in form.content.decode()

    missing = staff.post(_base(process) + "enter/", {"budget": old_town.pk, "choices": [bench]})
    assert missing.status_code == 200 and "Enter the number printed on the ballot paper" in missing.content.decode()

    data = {
        "budget": old_town.pk,
        "sheet_number": "nb-0007",
        "national_id": voter.national_id,
        "choices": [bench, trees],
    }
    response = staff.post(_base(process) + "enter/", data)
    assert response.status_code == 302
    entry = PaperEntry.objects.get()
    assert entry.sheet_number == "NB-0007" and entry.state == PaperEntryState.WAITING

    # The first person gets no link to confirm their own entry, and the page is not theirs to open.
    listing = staff.get(_base(process)).content.decode()
    assert "NB-0007" in listing and "Enter the second copy" not in listing
    assert staff.get(_base(process) + f"{entry.pk}/confirm/?budget={old_town.pk}").status_code == 404

    staff.logout()
    second = mfa_client(admin_a)
    assert "Enter the second copy" in second.get(_base(process)).content.decode()
    page = second.get(_base(process) + f"{entry.pk}/confirm/?budget={old_town.pk}").content.decode()
    assert voter.national_id not in page and "checked" not in page  # nothing of the first entry shows
    response = second.post(
        _base(process) + f"{entry.pk}/confirm/",
        {"budget": old_town.pk, "national_id": voter.national_id, "choices": [trees, bench]},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.state == PaperEntryState.CONFIRMED and Ballot.objects.get().channel == "paper"


def test_a_mismatch_is_discarded_by_the_supervisor(
    mfa_client, voting, make_voter, districts, caseworker_a, admin_a, make_user, with_mfa, agency_a
):
    from ecitizen.agencies.models import Membership

    process = voting("approval")
    old_town = budget_of(process, districts["old_town"])
    bench, trees, _ = project_ids(process, old_town)
    voter = make_voter()
    colleague = make_user("colleague@council.example")
    Membership.objects.create(user=colleague, agency=agency_a, role="caseworker")
    with_mfa(colleague)

    first = mfa_client(caseworker_a)
    first.post(
        _base(process) + "enter/",
        {"budget": old_town.pk, "sheet_number": "7", "national_id": voter.national_id, "choices": [bench]},
    )
    entry = PaperEntry.objects.get()
    first.logout()
    second = mfa_client(colleague)
    second.post(
        _base(process) + f"{entry.pk}/confirm/",
        {"budget": old_town.pk, "national_id": voter.national_id, "choices": [trees]},
    )
    assert set(PaperEntry.objects.values_list("state", flat=True)) == {PaperEntryState.MISMATCH}
    # A caseworker cannot discard.
    assert second.post(_base(process) + f"{entry.pk}/discard/").status_code == 404
    second.logout()

    supervisor = mfa_client(admin_a)
    assert "Discard" in supervisor.get(_base(process)).content.decode()
    response = supervisor.post(_base(process) + f"{entry.pk}/discard/")
    assert response.status_code == 302
    assert set(PaperEntry.objects.values_list("state", flat=True)) == {PaperEntryState.DISCARDED}


def test_staff_of_another_agency_and_citizens_get_nothing(client, mfa_client, voting, caseworker_b, voter):
    process = voting()

    assert mfa_client(caseworker_b).get(_base(process)).status_code == 404
    client.logout()
    client.force_login(voter)
    assert client.get(_base(process)).status_code in (403, 404)
    assert client.get(_base(process) + "enter/").status_code in (403, 404)
