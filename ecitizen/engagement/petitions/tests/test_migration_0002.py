"""Migration 0002 on petitions from before it: answered ones are not mailed again, open ones
close at the end of their last local day."""

from __future__ import annotations

import datetime
import importlib
import zoneinfo

import pytest
from django.apps import apps
from django.utils import timezone

from ecitizen.engagement.petitions.models import Petition, Status

pytestmark = pytest.mark.django_db

migration = importlib.import_module(
    "ecitizen.engagement.petitions.migrations.0002_thresholds_cleared_and_response_emails"
)
LONDON = zoneinfo.ZoneInfo("Europe/London")


def test_answered_petitions_are_not_mailed_again_and_open_ones_close_at_the_end_of_the_day(open_petition, settings):
    settings.TIME_ZONE = "Europe/London"
    answered_at = datetime.datetime(2026, 10, 1, 9, 30, tzinfo=datetime.UTC)
    mid_day = datetime.datetime(2027, 3, 3, 14, 5, tzinfo=LONDON)
    Petition.objects.filter(pk=open_petition.pk).update(
        responded_at=answered_at, response_mailed_at=None, closes_at=mid_day
    )
    migration.petitions_from_before(apps, None)
    open_petition.refresh_from_db()
    assert open_petition.response_mailed_at == answered_at
    assert timezone.localtime(open_petition.closes_at, LONDON) == datetime.datetime(2027, 3, 4, 0, 0, tzinfo=LONDON)
    # run again: nothing moves
    migration.petitions_from_before(apps, None)
    open_petition.refresh_from_db()
    assert timezone.localtime(open_petition.closes_at, LONDON) == datetime.datetime(2027, 3, 4, 0, 0, tzinfo=LONDON)


def test_closed_petitions_and_unanswered_ones_are_left_alone(open_petition, settings):
    settings.TIME_ZONE = "Europe/London"
    mid_day = datetime.datetime(2026, 11, 3, 14, 5, tzinfo=datetime.UTC)
    Petition.objects.filter(pk=open_petition.pk).update(status=Status.CLOSED, closes_at=mid_day)
    migration.petitions_from_before(apps, None)
    open_petition.refresh_from_db()
    assert open_petition.closes_at == mid_day and open_petition.response_mailed_at is None
