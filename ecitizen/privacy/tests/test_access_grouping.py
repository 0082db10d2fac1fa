"""Who looked at my data: a purpose the citizen reads in their own language, and repeated views as one line."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import translation

from ecitizen.core.access_purposes import AccessPurpose, purpose_text
from ecitizen.core.models import AuditLog
from ecitizen.privacy.models import AccessRecord
from ecitizen.privacy.selectors import access_log_for
from ecitizen.privacy.services import access_record

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 12, 6, 11, 2, tzinfo=datetime.UTC)  # 11:02 in London in December


def _view(staff, agency, citizen, at, *, purpose=AccessPurpose.APPLICATION, reference="CC-2026-000001"):
    with time_machine.travel(at, tick=False):
        return access_record(
            staff=staff, agency=agency, citizen=citizen, purpose=purpose, reference=reference, subject=citizen
        )


def test_a_coded_purpose_is_stored_as_code_and_reference(caseworker_a, agency_a, citizen):
    with translation.override("es"):  # the member of staff reads Spanish
        record = access_record(
            staff=caseworker_a,
            agency=agency_a,
            citizen=citizen,
            purpose=AccessPurpose.APPLICATION,
            reference="CC-2026-000001",
            subject=citizen,
        )

    assert (record.purpose_code, record.purpose_reference) == ("application", "CC-2026-000001")
    assert record.purpose == "Working your application CC-2026-000001"  # the deployment's language
    assert AuditLog.objects.get().extra == {
        "purpose": "Working your application CC-2026-000001",
        "role": "Caseworker",
        "purpose_code": "application",
        "reference": "CC-2026-000001",
    }


def test_the_purpose_is_said_in_the_readers_language(caseworker_a, agency_a, citizen, monkeypatch):
    record = _view(caseworker_a, agency_a, citizen, START)
    # Rendering looks the sentence up when it is read, not when it was recorded.
    AccessRecord.objects.filter(pk=record.pk).update(purpose="stale text")
    record.refresh_from_db()
    assert record.purpose_display() == "Working your application CC-2026-000001"
    # A Spanish reader gets the Spanish sentence from the catalogue at display time.
    real = translation._trans.gettext
    monkeypatch.setattr(
        translation._trans,
        "gettext",
        lambda message: (
            "Tramitando su solicitud {reference}"
            if translation.get_language() == "es" and message.startswith("Working your application")
            else real(message)
        ),
    )
    with translation.override("es"):
        assert purpose_text("application", "CC-1") == "Tramitando su solicitud CC-1"


def test_free_text_and_unknown_codes_fall_back_to_the_stored_text(caseworker_a, agency_a, citizen):
    free = access_record(staff=caseworker_a, agency=agency_a, citizen=citizen, purpose="Old purpose", subject=None)
    assert (free.purpose_code, free.purpose_display()) == ("", "Old purpose")
    AccessRecord.objects.filter(pk=free.pk).update(purpose_code="withdrawn")
    free.refresh_from_db()
    assert free.purpose_display() == "Old purpose"


def test_every_purpose_reads_well(db):
    for purpose in AccessPurpose:
        text = purpose_text(purpose.value, "REF-1")
        assert text and "{" not in text
        assert ("REF-1" in text) == ("{reference}" in str(purpose.label))


def test_repeated_views_are_one_line(caseworker_a, agency_a, citizen):
    for minute in (0, 1, 1, 2, 4, 5):
        _view(caseworker_a, agency_a, citizen, START + datetime.timedelta(minutes=minute))

    (group,) = access_log_for(citizen)

    assert group.count == 6
    assert (group.first, group.last) == (START, START + datetime.timedelta(minutes=5))


def test_other_views_in_between_do_not_split_a_group(caseworker_a, admin_a, agency_a, citizen):
    _view(caseworker_a, agency_a, citizen, START)
    _view(admin_a, agency_a, citizen, START + datetime.timedelta(minutes=1))
    _view(caseworker_a, agency_a, citizen, START + datetime.timedelta(minutes=2))

    groups = access_log_for(citizen)

    assert [(g.latest.staff, g.count) for g in groups] == [(caseworker_a, 2), (admin_a, 1)]


def test_another_purpose_a_long_gap_or_another_person_makes_a_new_line(caseworker_a, admin_a, agency_a, citizen):
    _view(caseworker_a, agency_a, citizen, START)
    _view(caseworker_a, agency_a, citizen, START + datetime.timedelta(minutes=1), reference="CC-2026-000002")
    _view(caseworker_a, agency_a, citizen, START + datetime.timedelta(hours=2))
    _view(admin_a, agency_a, citizen, START + datetime.timedelta(hours=2, minutes=1))

    assert [g.count for g in access_log_for(citizen)] == [1, 1, 1, 1]


def test_the_page_says_how_many_times_and_between_when(client, caseworker_a, agency_a, citizen):
    for minute in (0, 1, 2, 3, 4, 5):
        _view(caseworker_a, agency_a, citizen, START + datetime.timedelta(minutes=minute))
    _view(caseworker_a, agency_a, citizen, START + datetime.timedelta(hours=3), purpose=AccessPurpose.IDENTITY_CHECK)
    client.force_login(citizen)

    body = client.get("/account/privacy/").content.decode()

    assert body.count('<tr class="govuk-table__row">') == 2 + 1  # the header row and two lines
    assert "Viewed 6 times on 6 December 2026 between 11:02am and 11:07am" in body
    assert "Working your application CC-2026-000001" in body
    assert "Checking your identity in person" in body


def test_the_page_groups_before_it_pages(client, caseworker_a, agency_a, citizen):
    for number in range(30):
        _view(caseworker_a, agency_a, citizen, START + datetime.timedelta(hours=number), reference=f"R-{number:02}")
        _view(
            caseworker_a,
            agency_a,
            citizen,
            START + datetime.timedelta(hours=number, minutes=1),
            reference=f"R-{number:02}",
        )
    client.force_login(citizen)

    first = client.get("/account/privacy/").content.decode()
    second = client.get("/account/privacy/?page=2").content.decode()

    assert first.count("Viewed 2 times") == 25 and second.count("Viewed 2 times") == 5
    assert "R-29" in first and "R-04" in second
