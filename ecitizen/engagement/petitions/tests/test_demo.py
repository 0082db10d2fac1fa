"""The demo petitions: one near its response threshold, one answered; loading twice adds nothing."""

from __future__ import annotations

import pytest
from django.test import override_settings

from ecitizen.engagement.petitions import selectors
from ecitizen.engagement.petitions.models import Petition, Signature

pytestmark = pytest.mark.django_db


@override_settings(PETITION_RESPONSE_THRESHOLD=40)
def test_demo_petitions(make_user, verify_identity, agency_a, moderator_a, admin_a, django_capture_on_commit_callbacks):
    from ecitizen.demo.petitions import demo_petitions_load

    verify_identity(make_user("amina@example.org"))
    make_user("ben@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        lines = demo_petitions_load()
    assert len(lines) == 2
    crossing, library = Petition.objects.order_by("pk")
    assert selectors.signature_count(crossing) == 28  # 12 short of 40
    assert crossing.response_threshold_at is None
    assert library.responded_at is not None and selectors.signature_count(library) == 290
    assert Signature.objects.filter(petition=library, state="counted").count() == 290
    assert demo_petitions_load() == lines
    assert Petition.objects.count() == 2
