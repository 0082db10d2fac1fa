"""The public pages and the back office, through HTTP (no JavaScript involved)."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings
from django.urls import reverse

from ecitizen.engagement.discussions import services
from ecitizen.engagement.discussions.models import Comment, CommentState, Flag, Follow

pytestmark = pytest.mark.django_db


def subject_url(kind, key):
    return reverse("discussions:subject", args=[kind, key])


def test_public_pages_answer_for_anyone(client, topic, board):
    for url in (
        reverse("discussions:boards"),
        reverse("discussions:board", args=[board.slug]),
        subject_url("topic", topic.key),
        reverse("discussions:moderation_log"),
    ):
        assert client.get(url).status_code == 200, url
    page = client.get(subject_url("topic", topic.key)).content.decode()
    assert "Sign in to comment" in page and "Sign in to follow this" in page
    assert client.get(subject_url("board", board.slug)).url == reverse("discussions:board", args=[board.slug])


def test_unknown_subjects_are_404(client, fake_subject):
    assert client.get(subject_url(fake_subject, "nope")).status_code == 404
    assert client.get(subject_url("nothing", "1")).status_code == 404
    assert client.get(subject_url("topic", "abc")).status_code == 404
    assert client.get(reverse("discussions:board", args=["nope"])).status_code == 404


def test_post_a_comment_and_a_reply_without_javascript(client, citizen, other_citizen, fake_subject):
    client.force_login(citizen)
    response = client.post(subject_url(fake_subject, "one"), {"body": "First <script>alert(1)</script>"})
    comment = Comment.objects.get()
    assert response.status_code == 302 and response.url.endswith(f"#comment-{comment.pk}")
    page = client.get(subject_url(fake_subject, "one")).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page
    assert reverse("engagement:code_of_conduct") in page
    client.force_login(other_citizen)
    page = client.get(subject_url(fake_subject, "one") + f"?reply={comment.pk}").content.decode()
    assert f'name="parent" value="{comment.pk}"' in page
    client.post(subject_url(fake_subject, "one"), {"body": "A reply", "parent": comment.pk})
    assert Comment.objects.get(body="A reply").parent == comment


def test_posting_errors_show_at_the_field(client, citizen, fake_subject):
    client.force_login(citizen)
    response = client.post(subject_url(fake_subject, "one"), {"body": "  "})
    assert response.status_code == 400
    assert "Enter your comment" in response.content.decode() and "govuk-error-summary" in response.content.decode()
    response = client.post(subject_url(fake_subject, "shut"), {"body": "hi"})
    assert "closed to new comments" in response.content.decode()
    assert not Comment.objects.exists()


def test_unconfirmed_email_cannot_post(client, make_user, fake_subject):
    client.force_login(make_user("new@example.org", verified_email=False))
    response = client.post(subject_url(fake_subject, "one"), {"body": "hi"})
    assert response.status_code == 403 and not Comment.objects.exists()


@override_settings(DISCUSSIONS_POST_RATE="2/h/user", ECITIZEN_RATE_LIMITS_ENABLED=True)
def test_posting_is_rate_limited(client, citizen, fake_subject):
    client.force_login(citizen)
    for n in range(2):
        assert client.post(subject_url(fake_subject, "one"), {"body": f"c{n}"}).status_code == 302
    refused = client.post(subject_url(fake_subject, "one"), {"body": "c3"})
    assert refused.status_code == 429
    assert Comment.objects.count() == 2
    # the page fits any limit, not only sign-in's, and says how long to wait
    text = refused.content.decode()
    assert re.search(r"You have done this too many times in a short time\. Wait \d+ minutes, then try again\.", text)
    assert "password" not in text


def test_start_a_topic(client, citizen, board):
    client.force_login(citizen)
    url = reverse("discussions:topic_new", args=[board.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "", "body": ""})
    assert "Enter a title for your topic" in response.content.decode()
    response = client.post(url, {"title": "Bins", "body": "Collected late", "is_question": "on"})
    thread = board.topics.get()
    assert response.url == subject_url("topic", thread.key) and thread.is_question


def test_official_answer_and_mark_answer_through_the_pages(client, topic, caseworker_a, citizen):
    client.force_login(caseworker_a)
    page = client.get(subject_url("topic", topic.key)).content.decode()
    assert "Post as an official answer from City Council" in page
    client.post(subject_url("topic", topic.key), {"body": "In May.", "as_official": "on"})
    answer = Comment.objects.get(body="In May.")
    assert answer.is_official
    client.post(reverse("discussions:comment_answer", args=[answer.pk]))
    topic.refresh_from_db()
    assert topic.answer == answer
    client.force_login(citizen)
    page = client.get(subject_url("topic", topic.key)).content.decode()
    assert "Official answer — City Council" in page and "Answered" in page and "Mark as the answer" not in page
    assert "Answered" in client.get(reverse("discussions:board", args=[topic.board.slug])).content.decode()
    assert client.post(reverse("discussions:comment_answer", args=[answer.pk])).status_code == 404


def test_follow_button_without_javascript(client, citizen, fake_subject):
    client.force_login(citizen)
    response = client.post(
        reverse("discussions:follow", args=[fake_subject, "one"]), {"next": subject_url(fake_subject, "one")}
    )
    assert response.url == subject_url(fake_subject, "one")
    assert Follow.objects.filter(user=citizen).exists()
    assert "Stop following" in client.get(subject_url(fake_subject, "one")).content.decode()
    response = client.post(reverse("discussions:unfollow", args=[fake_subject, "one"]), {"next": "//evil.example"})
    assert response.url == "/" and not Follow.objects.exists()
    assert client.get(reverse("discussions:follow", args=[fake_subject, "one"])).status_code == 405


def test_edit_history_for_the_author_and_moderators_only(
    client, post, citizen, other_citizen, moderator_a, fake_subject
):
    comment = post(citizen, fake_subject, "one", "Old text")
    client.force_login(citizen)
    client.post(reverse("discussions:comment_edit", args=[comment.pk]), {"body": "New text"})
    page = client.get(subject_url(fake_subject, "one")).content.decode()
    assert "edited" in page and "Earlier versions" in page and "Old text" not in page
    history = reverse("discussions:comment_history", args=[comment.pk])
    assert "Old text" in client.get(history).content.decode()
    client.force_login(moderator_a)
    assert "Old text" in client.get(history).content.decode()
    client.force_login(other_citizen)
    assert client.get(history).status_code == 404
    assert client.get(reverse("discussions:comment_edit", args=[comment.pk])).status_code == 404
    client.logout()
    assert client.get(history).status_code == 404


def test_remove_own_comment(client, post, citizen, fake_subject):
    comment = post(citizen, fake_subject, "one", "Regrettable")
    client.force_login(citizen)
    url = reverse("discussions:comment_delete", args=[comment.pk])
    assert "Regrettable" in client.get(url).content.decode()
    client.post(url)
    page = client.get(subject_url(fake_subject, "one")).content.decode()
    assert "Removed by the author." in page and "Regrettable" not in page


@override_settings(DISCUSSIONS_FLAGS_TO_HIDE=1)
def test_flag_hides_and_the_log_never_shows_the_text(client, post, citizen, other_citizen, fake_subject):
    comment = post(citizen, fake_subject, "one", "Secret rude words")
    client.force_login(other_citizen)
    url = reverse("discussions:comment_flag", args=[comment.pk])
    response = client.post(url, {})
    assert "Select why you are reporting this comment" in response.content.decode()
    client.post(url, {"reason": "abuse", "note": "Rude"})
    assert Flag.objects.get().note == "Rude"
    page = client.get(subject_url(fake_subject, "one")).content.decode()
    assert "Hidden while moderators review it." in page and "Secret rude words" not in page
    log = client.get(reverse("discussions:moderation_log")).content.decode()
    assert "Abusive, threatening or hateful" in log and "Secret rude words" not in log
    client.force_login(citizen)
    assert client.get(url).status_code == 404  # not one's own


def test_moderation_queue_and_decisions(client, post, citizen, other_citizen, moderator_a, moderator_b, fake_subject):
    comment = post(citizen, fake_subject, "one", "Spammy")
    services.comment_flag(actor=other_citizen, comment=comment, reason="spam")
    client.force_login(moderator_a)
    queue = client.get(reverse("discussions_staff:queue")).content.decode()
    assert "Spammy" in queue
    review = reverse("discussions_staff:review", args=[comment.pk])
    assert "Spam or advertising" in client.get(review).content.decode()
    response = client.post(reverse("discussions_staff:hide", args=[comment.pk]), {})
    assert response.status_code == 400 and "Select why you are hiding this comment" in response.content.decode()
    client.post(reverse("discussions_staff:hide", args=[comment.pk]), {"reason": "spam", "explanation": "Ads"})
    comment.refresh_from_db()
    assert comment.state == CommentState.HIDDEN
    response = client.post(reverse("discussions_staff:restore", args=[comment.pk]), {"explanation": ""})
    assert response.status_code == 400
    client.post(reverse("discussions_staff:restore", args=[comment.pk]), {"explanation": "Not spam after all"})
    comment.refresh_from_db()
    assert comment.state == CommentState.VISIBLE
    client.force_login(moderator_b)
    assert client.get(review).status_code == 404
    assert "Spammy" not in client.get(reverse("discussions_staff:queue")).content.decode()


def test_back_office_is_for_staff_only(client, citizen, caseworker_a, auditor_a):
    for user in (citizen, auditor_a):
        client.force_login(user)
        assert client.get(reverse("discussions_staff:queue")).status_code == 404
        assert client.get(reverse("discussions_staff:questions")).status_code == 404
        assert client.get(reverse("discussions_staff:boards")).status_code == 404
    client.force_login(caseworker_a)  # answers questions; neither moderates nor opens boards
    assert client.get(reverse("discussions_staff:queue")).url == reverse("discussions_staff:questions")
    assert client.get(reverse("discussions_staff:boards")).status_code == 404
    assert client.get(reverse("discussions_staff:review", args=[1])).status_code == 404


def test_agency_admin_opens_and_closes_a_board(client, admin_a, agency_a, agency_b):
    client.force_login(admin_a)
    assert client.get(reverse("discussions_staff:queue")).url == reverse("discussions_staff:boards")
    url = reverse("discussions_staff:board_new")
    page = client.get(url).content.decode()
    assert "Transport Agency" not in page
    response = client.post(url, {"agency": agency_b.pk, "title": "x", "slug": "x", "description": "d"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    client.post(
        url, {"agency": agency_a.pk, "title": "Parks", "slug": "parks", "description": "Green spaces", "is_open": "on"}
    )
    board = agency_a.discussion_boards.get()
    client.post(
        reverse("discussions_staff:board_edit", args=[board.pk]),
        {"title": "Parks", "slug": "parks", "description": "Green spaces"},
    )
    board.refresh_from_db()
    assert not board.is_open
    assert "This board is closed" in client.get(reverse("discussions:board", args=["parks"])).content.decode()


def test_settings_page(client, citizen):
    client.force_login(citizen)
    url = reverse("discussions:settings")
    assert "Amina H." in client.get(url).content.decode()
    client.post(url, {"display_name": "Elm fan", "daily_digest": "1"})
    page = client.get(reverse("discussions:follows")).content.decode()
    assert "One email a day" in page or "one email a day" in page


def test_template_tags(rf, citizen, post, fake_subject):
    from django.template import Context, Template

    post(citizen, fake_subject, "one", "x")
    request = rf.get("/somewhere/")
    request.user = citizen
    html = Template(
        '{% load discussions %}{% discussion_link "thing" "one" %}{% follow_button "thing" "one" %}'
    ).render(Context({"request": request, "csrf_token": "tok"}))
    assert "Discuss this (1 comment)" in html and subject_url("thing", "one") in html
    assert "Stop following" in html  # posting followed it


def test_topic_page_shows_each_reply_once(client, post, topic, other_citizen):
    first = topic.comments.get()
    post(other_citizen, "topic", topic.key, "A unique reply", parent=first)
    page = client.get(subject_url("topic", topic.key)).content.decode()
    assert page.count("A unique reply") == 1 and page.count("The potholes are deep.") == 1


def test_board_filters_questions(client, post, topic, board, other_citizen, caseworker_a):
    idea = services.topic_start(actor=other_citizen, board=board, title="Bike racks idea", body="More please")
    url = reverse("discussions:board", args=[board.slug])
    assert "Bike racks idea" in client.get(url).content.decode()
    unanswered = client.get(url + "?show=unanswered").content.decode()
    assert topic.title in unanswered and idea.title not in unanswered
    answer = post(caseworker_a, "topic", topic.key, "May", as_official=True)
    services.comment_mark_answer(actor=caseworker_a, comment=answer)
    assert topic.title not in client.get(url + "?show=unanswered").content.decode()
    assert topic.title in client.get(url + "?show=answered").content.decode()
    assert client.get(url + "?show=<script>").status_code == 200


def test_moderators_reach_the_review_from_the_discussion(
    client, post, citizen, other_citizen, moderator_a, fake_subject
):
    comment = post(citizen, fake_subject, "one", "Reported text")
    services.comment_flag(actor=other_citizen, comment=comment, reason="spam")
    review = reverse("discussions_staff:review", args=[comment.pk])
    client.force_login(moderator_a)
    assert review in client.get(subject_url(fake_subject, "one")).content.decode()
    client.force_login(other_citizen)
    assert review not in client.get(subject_url(fake_subject, "one")).content.decode()


def test_staff_see_the_questions_to_answer(client, post, topic, caseworker_a, caseworker_b, citizen):
    url = reverse("discussions_staff:questions")
    client.force_login(caseworker_a)
    assert client.get(reverse("discussions_staff:queue")).url == url
    assert topic.title in client.get(url).content.decode()
    answer = post(caseworker_a, "topic", topic.key, "May", as_official=True)
    services.comment_mark_answer(actor=caseworker_a, comment=answer)
    assert topic.title not in client.get(url).content.decode()
    client.force_login(caseworker_b)
    assert topic.title not in client.get(url).content.decode()
    client.force_login(citizen)
    assert client.get(url).status_code == 404
