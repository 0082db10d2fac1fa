"""Regression tests of the adversarial review: each fails on the code before its fix."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from ecitizen.engagement.discussions import policies, selectors, services, subjects
from ecitizen.engagement.discussions.models import Comment, CommentState

pytestmark = pytest.mark.django_db


def subject_url(kind, key):
    return reverse("discussions:subject", args=[kind, key])


# --- odd input -----------------------------------------------------------------------------


def test_a_non_ascii_digit_as_reply_or_parent_is_not_a_500(client, citizen, topic):
    """ "²".isdigit() is True but int("²") fails."""
    client.force_login(citizen)
    assert client.get(subject_url("topic", topic.key), {"reply": "²"}).status_code == 200
    assert client.get(subject_url("topic", topic.key), {"reply": "9" * 30}).status_code == 200
    response = client.post(subject_url("topic", topic.key), {"body": "Hello", "parent": "²"})
    assert response.status_code == 400
    assert "You can only reply to a shown comment in this discussion" in response.content.decode()


def test_a_reply_to_a_comment_of_another_thread_is_refused_not_posted_at_the_top(
    client, citizen, other_citizen, topic, fake_subject, post
):
    elsewhere = post(other_citizen, fake_subject, "one", "Elsewhere")
    client.force_login(citizen)
    before = Comment.objects.count()
    response = client.post(subject_url("topic", topic.key), {"body": "Hello", "parent": str(elsewhere.pk)})
    assert response.status_code == 400
    assert Comment.objects.count() == before


def test_subject_moved_to_another_agency_does_not_break_the_page(client, caseworker_a, citizen, agency_b, post):
    """A thread made under agency A whose subject now belongs to agency B (a petition reassigned)."""
    state = {"agency": caseworker_a.memberships.first().agency_id}

    def resolve(key):
        if key != "one":
            return None
        return subjects.Subject(
            kind="moving", key=key, title="Moving", url="/", agency_id=state["agency"], is_open=True
        )

    subjects.register("moving", resolve)
    try:
        post(citizen, "moving", "one", "First")
        state["agency"] = agency_b.pk
        client.force_login(caseworker_a)
        response = client.get(subject_url("moving", "one"))
        assert response.status_code == 200
        assert "Post as an official answer" not in response.content.decode()
    finally:
        subjects._resolvers.pop("moving", None)


# --- hidden text ---------------------------------------------------------------------------


@override_settings(DISCUSSIONS_FLAGS_TO_HIDE=1)
def test_the_report_page_of_a_hidden_comment_does_not_show_its_text(
    client, citizen, other_citizen, third_citizen, fake_subject, post
):
    comment = post(citizen, fake_subject, "one", "A secret rude remark")
    services.comment_flag(actor=other_citizen, comment=comment, reason="spam")
    assert Comment.objects.get(pk=comment.pk).state == CommentState.PENDING
    client.force_login(third_citizen)
    response = client.get(reverse("discussions:comment_flag", args=[comment.pk]))
    assert response.status_code == 404
    assert "A secret rude remark" not in response.content.decode()


# --- staff in their own affairs --------------------------------------------------------------


def test_a_moderator_who_reported_a_comment_cannot_moderate_it(client, citizen, moderator_a, fake_subject, post):
    comment = post(citizen, fake_subject, "one", "Hmm")
    services.comment_flag(actor=moderator_a, comment=comment, reason="spam")
    comment = Comment.objects.select_related("thread").get(pk=comment.pk)
    assert not policies.can_moderate(moderator_a, comment)
    assert comment not in selectors.moderation_queue(moderator_a)
    client.force_login(moderator_a)
    assert client.get(reverse("discussions_staff:review", args=[comment.pk])).status_code == 404
    with pytest.raises(Exception):  # noqa: B017 -- PermissionDenied
        services.comment_hide(actor=moderator_a, comment=comment, reason="spam")


# --- MFA -----------------------------------------------------------------------------------


def test_an_official_answer_needs_a_session_with_a_second_factor(client, caseworker_a, topic):
    client.force_login(caseworker_a)
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": 0}]
    session.save()
    page = client.get(subject_url("topic", topic.key)).content.decode()
    assert "Post as an official answer" not in page
    client.post(subject_url("topic", topic.key), {"body": "In May.", "as_official": "on"})
    comment = Comment.objects.filter(thread=topic).order_by("-pk").first()
    assert comment.official_agency_id is None


def test_marking_the_answer_needs_a_second_factor(client, caseworker_a, topic, post):
    answer = post(caseworker_a, "topic", topic.key, "In May.", as_official=True)
    client.force_login(caseworker_a)
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": 0}]
    session.save()
    client.post(reverse("discussions:comment_answer", args=[answer.pk]))
    topic.refresh_from_db()
    assert topic.answer_id is None


# --- size ----------------------------------------------------------------------------------


@override_settings(DISCUSSIONS_COMMENTS_PAGE_SIZE=2)
def test_a_long_discussion_is_shown_in_pages_that_work_without_javascript(
    client, citizen, other_citizen, fake_subject, post
):
    made = [post(u, fake_subject, "one", f"Comment number {i}") for i, u in enumerate([citizen, other_citizen] * 2)]
    first = client.get(subject_url(fake_subject, "one")).content.decode()
    assert "Comment number 0" in first and "Comment number 1" in first and "Comment number 2" not in first
    assert "?page=2" in first
    second = client.get(subject_url(fake_subject, "one"), {"page": "2"}).content.decode()
    assert "Comment number 2" in second and "Comment number 0" not in second
    assert client.get(subject_url(fake_subject, "one"), {"page": "²"}).status_code == 200
    # links to a comment (notifications, redirects) land on its page
    assert "?page=2#comment-" in services._comment_url(made[3])
    assert "?page=" not in services._comment_url(made[0])


def test_what_you_follow_takes_a_bounded_number_of_queries(citizen, board, django_assert_max_num_queries):
    for i in range(25):
        thread = services.topic_start(actor=citizen, board=board, title=f"Topic {i}", body=f"Body {i}")
        assert thread.key
    with django_assert_max_num_queries(12):
        follows = selectors.follows_for(citizen)
    assert len(follows) == 25


# --- the daily digest ------------------------------------------------------------------------


def test_a_digest_sent_by_a_concurrent_run_does_not_stop_the_others(
    post, citizen, other_citizen, third_citizen, fake_subject, monkeypatch
):
    """Two runs at once: the one that loses the race on a person's (user, day) row goes on with
    the next person instead of failing the whole run."""
    import datetime

    from django.db import IntegrityError

    from ecitizen.engagement.discussions.models import Digest

    for person in (other_citizen, third_citizen):
        services.participant_save(actor=person, display_name="", daily_digest=True)
        services.follow_start(actor=person, kind=fake_subject, key="one")
    post(citizen, fake_subject, "one", "first")
    real_create = Digest.objects.create
    calls = []

    def racing_create(**kwargs):
        calls.append(kwargs["user"].pk)
        if len(calls) == 1:
            raise IntegrityError("duplicate key value violates unique constraint discussions_digest_daily")
        return real_create(**kwargs)

    monkeypatch.setattr(Digest.objects, "create", racing_create)
    assert services.digests_send(day=datetime.date(2027, 3, 2)) == 1
    assert len(calls) == 2


@override_settings(DISCUSSIONS_POST_RATE="2/h/user", ECITIZEN_RATE_LIMITS_ENABLED=True)
def test_editing_is_rate_limited(client, citizen, fake_subject, post):
    comment = post(citizen, fake_subject, "one", "v0")
    client.force_login(citizen)
    url = reverse("discussions:comment_edit", args=[comment.pk])
    for n in (1, 2):
        assert client.post(url, {"body": f"v{n}"}).status_code == 302
    assert client.post(url, {"body": "v3"}).status_code == 429
    assert Comment.objects.get(pk=comment.pk).revisions.count() == 2


def test_the_moderation_queue_takes_a_bounded_number_of_queries(
    client, citizen, other_citizen, moderator_a, agency_a, django_assert_max_num_queries
):
    """Each queued comment's title used to be resolved with its own queries."""
    calls = []

    def resolve(key):
        calls.append(key)
        return subjects.Subject(
            kind="many", key=key, title=f"Thing {key}", url="/", agency_id=agency_a.pk, is_open=True
        )

    subjects.register("many", resolve)
    try:
        for n in range(12):
            comment = services.comment_post(actor=citizen, kind="many", key=str(n), body=f"c{n}")
            services.comment_flag(actor=other_citizen, comment=comment, reason="spam")
        client.force_login(moderator_a)
        calls.clear()
        response = client.get(reverse("discussions_staff:queue"))
        assert response.status_code == 200 and "Thing 11" in response.content.decode()
        assert len(calls) == 12  # the registry's resolver per key, but the page's own reads are bounded
        subjects.register("many", lambda key: None, many=lambda keys: {k: resolve(k) for k in keys})
        with django_assert_max_num_queries(15):
            response = client.get(reverse("discussions_staff:queue"))
        assert "Thing 11" in response.content.decode()
    finally:
        subjects._resolvers.pop("many", None)
        subjects._many_resolvers.pop("many", None)
