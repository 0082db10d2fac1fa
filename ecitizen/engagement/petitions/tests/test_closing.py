"""Closing: at the end of the last local day of the period (as consultations), and the final count
after a moderator removes a signature of a closed petition."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings

from ecitizen.core.dates import format_date
from ecitizen.core.models import AuditAction, AuditLog
from ecitizen.engagement.petitions import selectors, services
from ecitizen.engagement.petitions.models import Status

from .conftest import ledger_text

pytestmark = pytest.mark.django_db


def _at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


# Europe/London: British Summer Time (UTC+1) from 29 March to 25 October 2026 and from 28 March 2027.
@pytest.mark.parametrize(
    ("opened", "last_day", "closes"),
    [
        # opened in summer time, closes after the clocks went back and forward again
        ("2026-10-01T12:00:00+00:00", datetime.date(2027, 3, 30), "2027-03-30T23:00:00+00:00"),
        # opened in summer time, closes in winter time
        ("2026-05-10T12:00:00+00:00", datetime.date(2026, 11, 6), "2026-11-07T00:00:00+00:00"),
        # 23:30 UTC is already the next local day in summer time: the period counts from that day
        ("2026-06-01T23:30:00+00:00", datetime.date(2026, 11, 29), "2026-11-30T00:00:00+00:00"),
        # in winter time 23:30 UTC is 23:30 local, still the same day; closes in summer time
        ("2026-12-01T23:30:00+00:00", datetime.date(2027, 5, 30), "2027-05-30T23:00:00+00:00"),
    ],
)
@override_settings(TIME_ZONE="Europe/London")
def test_a_petition_closes_at_the_end_of_its_last_local_day(
    submitted_petition, moderator_a, time_machine, opened, last_day, closes
):
    time_machine.move_to(_at(opened), tick=False)
    petition = services.petition_publish(actor=moderator_a, petition=submitted_petition)
    petition.refresh_from_db()
    assert petition.opened_at == _at(opened)
    assert petition.closes_at == _at(closes)
    assert petition.closes_on == last_day


@override_settings(TIME_ZONE="America/New_York")
def test_the_closing_day_is_in_the_deployment_time_zone(submitted_petition, moderator_a, time_machine):
    # 2 a.m. UTC on 1 July is still 30 June in New York (UTC-4 in summer; UTC-5 in December)
    time_machine.move_to(_at("2026-07-01T02:00:00+00:00"), tick=False)
    petition = services.petition_publish(actor=moderator_a, petition=submitted_petition)
    assert petition.closes_on == datetime.date(2026, 12, 27)
    assert petition.closes_at == _at("2026-12-28T05:00:00+00:00")


@override_settings(TIME_ZONE="Europe/London")
def test_signatures_count_to_the_last_minute_of_the_last_day(
    submitted_petition, moderator_a, sign_by_email, time_machine, client
):
    time_machine.move_to(_at("2026-10-01T12:00:00+00:00"), tick=False)
    petition = services.petition_publish(actor=moderator_a, petition=submitted_petition)
    page = client.get(f"/petitions/{petition.pk}/").content.decode()
    assert "Open until the end of 30 March 2027" in page
    # 23:59 on 30 March 2027, British Summer Time (22:59 UTC): still open
    time_machine.move_to(_at("2027-03-30T22:59:00+00:00"), tick=False)
    assert services.petitions_sweep() == 0
    assert sign_by_email(petition, "late@example.org").state == "counted"
    # midnight: closed by the sweep, and no longer signable
    time_machine.move_to(_at("2027-03-30T23:00:00+00:00"), tick=False)
    assert services.petitions_sweep() == 1
    petition.refresh_from_db()
    assert petition.status == Status.CLOSED and petition.final_count == 8


@pytest.fixture
def closed_with_flagged(open_petition, sign_by_email, time_machine):
    """A closed petition of 9 signatures, one of them flagged (a disposable address) and one
    flagged still waiting for its signer to confirm."""
    flagged = sign_by_email(open_petition, "flagged@mailinator.com")
    sign_by_email(open_petition)
    waiting = sign_by_email(open_petition, "waiting@mailinator.com", confirm=False)
    time_machine.move_to(open_petition.closes_at + datetime.timedelta(minutes=1))
    assert services.petitions_sweep() == 1
    open_petition.refresh_from_db()
    assert open_petition.final_count == 9
    return open_petition, flagged, waiting


def test_a_removal_after_closing_takes_one_from_the_final_count(closed_with_flagged, moderator_a, client):
    petition, flagged, _waiting = closed_with_flagged
    services.signature_review(actor=moderator_a, signature=flagged, remove=True, reason="fake")
    petition.refresh_from_db()
    assert petition.status == Status.CLOSED
    assert petition.final_count == 8 == selectors.signature_count(petition)
    assert selectors.removed_counts(petition) == [("Fake or invented signer", 1)]
    row = AuditLog.objects.get(action=AuditAction.PETITION_SIGNATURE_REVIEWED)
    assert row.extra["final_count"] == 8
    # the public log follows: its closing entry had 9 and none removed
    assert '"removed":1' in ledger_text("petition.recounted", str(petition.pk)).replace(" ", "")
    assert '"signatures":8' in ledger_text("petition.recounted", str(petition.pk)).replace(" ", "")
    # and so does the public page: the count, and the removed signatures with their reason
    page = client.get(f"/petitions/{petition.pk}/").content.decode()
    assert "Fake or invented signer: 1" in page
    assert "<span data-petition-count>8</span>" in page
    api = client.get(f"/api/petitions/{petition.pk}").json()
    assert api["signatures"] == 8 and api["removed"] == [{"reason": "Fake or invented signer", "signatures": 1}]


def test_removing_an_unconfirmed_signature_after_closing_leaves_the_final_count(closed_with_flagged, moderator_a):
    petition, _flagged, waiting = closed_with_flagged
    services.signature_review(actor=moderator_a, signature=waiting, remove=True, reason="automated")
    petition.refresh_from_db()
    assert petition.final_count == 9 == selectors.signature_count(petition)
    assert ledger_text("petition.recounted", str(petition.pk)) == ""


def test_the_staff_page_shows_the_final_count_and_the_closing_day(closed_with_flagged, admin_a, client):
    petition, _flagged, _waiting = closed_with_flagged
    client.force_login(admin_a)
    page = client.get(f"/staff/petitions/{petition.pk}/").content.decode()
    assert "Final count" in page
    assert f"At the end of {format_date(petition.closes_on)}" in page
