"""The demo data: an answered question, a hidden comment in the log; idempotent."""

from __future__ import annotations

import pytest

from ecitizen.agencies.models import Membership
from ecitizen.engagement.discussions.models import Comment, ModerationEvent, Thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_people(make_user, agency_a, admin_a, caseworker_a, moderator_a):
    make_user("amina@example.org", given_name="Amina", family_name="Haddad")
    make_user("ben@example.org", given_name="Ben", family_name="Okafor")
    make_user("lucia@example.org", given_name="Lucía", family_name="García")
    assert Membership.objects.count() == 3


def test_demo_is_idempotent(demo_people):
    from ecitizen.demo.discussions import demo_discussions_load

    first = demo_discussions_load()
    counts = (Thread.objects.count(), Comment.objects.count(), ModerationEvent.objects.count())
    again = demo_discussions_load()
    assert (Thread.objects.count(), Comment.objects.count(), ModerationEvent.objects.count()) == counts
    assert first == again and any("answered" in line for line in first)
    question = Thread.objects.get(title__startswith="When will Elm Street")
    assert question.answer.official_agency.slug == "city-council"
    assert ModerationEvent.objects.get().comment.state == "hidden"


def test_demo_skips_without_people(db):
    from ecitizen.demo.discussions import demo_discussions_load

    assert demo_discussions_load()[0].startswith("Discussions: skipped")
