"""Fixtures of discussions' tests: a board, a moderator, a fake subject kind, and builders that
go through the services (so test data obeys the same rules as real data)."""

from __future__ import annotations

import pytest

from ecitizen.engagement.discussions import subjects


@pytest.fixture
def moderator_a(make_user, with_mfa, agency_a):
    from ecitizen.agencies.models import Membership

    user = make_user("moderator@council.example")
    Membership.objects.create(user=user, agency=agency_a, role="moderator")
    with_mfa(user)
    return user


@pytest.fixture
def moderator_b(make_user, with_mfa, agency_b):
    from ecitizen.agencies.models import Membership

    user = make_user("moderator@transport.example")
    Membership.objects.create(user=user, agency=agency_b, role="moderator")
    with_mfa(user)
    return user


@pytest.fixture
def third_citizen(make_user):
    return make_user("chloe@example.org", given_name="Chloé", family_name="Martin")


@pytest.fixture
def board(admin_a, agency_a):
    from ecitizen.engagement.discussions.services import board_save

    return board_save(
        actor=admin_a,
        agency=agency_a,
        title="Roads and parking",
        slug="roads",
        description="Questions about roads, pavements and parking.",
    )


@pytest.fixture
def fake_subject(agency_a):
    """A subject kind "thing" (key "one" open, "shut" closed) of agency A, as another app would register."""

    def resolve(key):
        if key not in ("one", "shut"):
            return None
        return subjects.Subject(
            kind="thing", key=key, title=f"Thing {key}", url="/", agency_id=agency_a.pk, is_open=key == "one"
        )

    subjects.register("thing", resolve)
    yield "thing"
    subjects._resolvers.pop("thing", None)


@pytest.fixture
def topic(board, citizen):
    from ecitizen.engagement.discussions.services import topic_start

    return topic_start(
        actor=citizen,
        board=board,
        title="When is Elm Street resurfaced?",
        body="The potholes are deep.",
        is_question=True,
    )


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """post(actor, kind, key, body, **kw): comment_post with its on-commit messages run."""
    from ecitizen.engagement.discussions.services import comment_post

    def make(actor, kind, key, body="A comment", **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return comment_post(actor=actor, kind=kind, key=str(key), body=body, **kwargs)

    return make
