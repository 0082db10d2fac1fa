"""Discussions in a real browser: a citizen asks a question on a board and gets an official answer;
reports hide a comment and a moderator restores, then hides it; the same pages without JavaScript.
axe-core checks every page the discussions app adds."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests.browser.conftest import assert_accessible, click_button, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _staff(make_user, with_mfa, email, agency, role):
    from ecitizen.agencies.models import Membership

    user = make_user(email)
    Membership.objects.create(user=user, agency=agency, role=role)
    return user, with_mfa(user)


@pytest.fixture
def world(make_user, with_mfa, agency_a):
    from ecitizen.engagement.discussions.services import board_save

    amina = make_user("amina@example.org", given_name="Amina", family_name="Haddad")
    ben = make_user("ben@example.org", given_name="Ben", family_name="Okafor")
    admin, admin_secret = _staff(make_user, with_mfa, "admin@council.example", agency_a, "agency_admin")
    caseworker, caseworker_secret = _staff(make_user, with_mfa, "caseworker@council.example", agency_a, "caseworker")
    moderator, moderator_secret = _staff(make_user, with_mfa, "moderator@council.example", agency_a, "moderator")
    board = board_save(
        actor=admin,
        agency=agency_a,
        slug="roads",
        title="Roads and parking",
        description="Ask the council about roads and parking.",
    )
    return {
        "amina": amina,
        "ben": ben,
        "board": board,
        "admin": (admin, admin_secret),
        "caseworker": (caseworker, caseworker_secret),
        "moderator": (moderator, moderator_secret),
    }


def _sign_out(page):
    page.context.clear_cookies()


def test_ask_a_question_and_get_an_official_answer(page, world):
    from ecitizen.engagement.discussions.models import Thread
    from ecitizen.notifications.models import Notification

    # the index and the board, signed out
    page.goto("/have-your-say/discussions/")
    assert_accessible(page)
    page.get_by_role("link", name="Roads and parking").click()
    assert page.get_by_role("link", name="Sign in to start a topic").is_visible()
    assert_accessible(page)

    # Amina asks a question (an error first)
    sign_in(page, "amina@example.org")
    page.goto("/have-your-say/discussions/boards/roads/")
    assert_accessible(page)
    page.get_by_role("link", name="Start a new topic").click()
    assert_accessible(page)
    click_button(page, "Post topic")
    assert page.get_by_role("alert").get_by_text("Enter a title for your topic").is_visible()
    assert_accessible(page)
    page.get_by_label("Title").fill("When will Elm Street be resurfaced?")
    page.get_by_label("What do you want to say or ask?").fill("The potholes are <b>deep</b>.")
    page.get_by_label("This is a question for the agency").check()
    click_button(page, "Post topic")
    assert page.get_by_role("heading", level=1).inner_text().startswith("When will Elm Street be resurfaced?")
    assert page.get_by_text("The potholes are <b>deep</b>.").is_visible()  # shown as text, not markup
    assert page.get_by_role("button", name="Stop following").is_visible()
    assert_accessible(page)
    topic_url = page.url

    # the council's caseworker answers officially and marks the answer
    _sign_out(page)
    caseworker, secret = world["caseworker"]
    sign_in(page, caseworker.email, secret)
    page.goto("/staff/moderation/questions/")
    assert_accessible(page)
    page.get_by_role("link", name="When will Elm Street be resurfaced?").click()
    assert page.url == topic_url
    page.get_by_label("Your comment").fill("Elm Street is resurfaced from 4 May.")
    page.get_by_label("Post as an official answer from City Council").check()
    click_button(page, "Post comment")
    assert page.get_by_text("Official answer — City Council").is_visible()
    assert_accessible(page)
    click_button(page, "Mark as the answer")
    assert page.get_by_text("The question is marked as answered.").is_visible()

    # Amina sees the answer, on the topic and in the board's list, and was told
    _sign_out(page)
    sign_in(page, "amina@example.org")
    page.goto("/have-your-say/discussions/boards/roads/")
    assert page.get_by_role("row", name="When will Elm Street").get_by_text("Answered").is_visible()
    page.goto(topic_url)
    assert page.get_by_text("The answer", exact=True).is_visible()
    assert Thread.objects.get(kind="topic").answer.body == "Elm Street is resurfaced from 4 May."
    assert Notification.objects.filter(user=world["amina"], subject__startswith="Answered").exists()

    # what she follows, and her settings
    page.goto("/have-your-say/discussions/following/")
    assert page.get_by_role("link", name="When will Elm Street be resurfaced?").is_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Change your name or notifications").click()
    assert_accessible(page)
    page.get_by_label("Name shown with your comments").fill("Elm Street fan")
    page.get_by_label("One email a day, with everything new").check()
    click_button(page, "Save")
    assert page.get_by_text("You get one email a day with everything new.").is_visible()

    # she edits her reply; the history is hers (and moderators') to see
    page.goto(topic_url)
    page.get_by_label("Your comment").fill("Thank you!")
    click_button(page, "Post comment")
    page.get_by_role("link", name="Edit your comment").last.click()
    assert_accessible(page)
    page.get_by_label("Your comment").fill("Thank you very much!")
    click_button(page, "Save changes")
    page.get_by_role("link", name="Earlier versions").click()
    assert page.get_by_text("Thank you!", exact=True).is_visible()
    assert_accessible(page)
    page.goto(topic_url)
    page.get_by_role("link", name="Remove your comment").last.click()
    assert_accessible(page)
    click_button(page, "Remove comment")
    assert page.get_by_text("Removed by the author.").is_visible()


@override_settings(DISCUSSIONS_FLAGS_TO_HIDE=2)
def test_reports_hide_a_comment_and_a_moderator_decides(page, world, third_party_flag):
    from ecitizen.engagement.discussions.models import Comment

    comment = third_party_flag
    topic_url = f"/have-your-say/discussions/on/topic/{comment.thread.key}/"

    # Ben reports it: the second report hides it pending review
    sign_in(page, "ben@example.org")
    page.goto(topic_url)
    page.get_by_role("link", name="Report the comment by Amina H.").click()
    assert_accessible(page)
    click_button(page, "Send report")
    assert page.get_by_role("alert").get_by_text("Select why you are reporting this comment").is_visible()
    assert_accessible(page)
    page.get_by_label("Spam or advertising").check()
    page.get_by_label("Anything else moderators should know (optional)").fill("An advert")
    click_button(page, "Send report")
    assert page.get_by_text("Hidden while moderators review it.").is_visible()
    assert not page.get_by_text("Cheap watches").count()

    # the moderator restores it with an explanation
    _sign_out(page)
    moderator, secret = world["moderator"]
    sign_in(page, moderator.email, secret)
    page.goto("/staff/moderation/")
    assert_accessible(page)
    page.get_by_role("link", name="Cheap watches").click()
    assert page.get_by_text("An advert").is_visible()
    assert_accessible(page)
    page.get_by_label("Explain your decision").fill("A link to a local shop is allowed.")
    click_button(page, "Restore comment")
    assert Comment.objects.get(pk=comment.pk).state == "visible"

    # then thinks better of it and hides it
    page.goto(f"/staff/moderation/comments/{comment.pk}/")
    click_button(page, "Hide comment")
    assert page.get_by_role("alert").get_by_text("Select why you are hiding this comment").is_visible()
    assert_accessible(page)
    page.get_by_label("Spam or advertising").check()
    page.get_by_label("Explanation for the author (optional)").fill("Repeated adverts.")
    click_button(page, "Hide comment")
    assert Comment.objects.get(pk=comment.pk).state == "hidden"

    # the public log says what and why, never the text
    page.goto("/have-your-say/discussions/moderation-log/")
    assert page.get_by_text("Repeated adverts.").is_visible()
    assert not page.get_by_text("Cheap watches").count()
    assert_accessible(page)


@pytest.fixture
def third_party_flag(world, make_user):
    """Amina's advert on a topic, reported once already by a third person."""
    from ecitizen.engagement.discussions import services

    topic = services.topic_start(actor=world["ben"], board=world["board"], title="Parking on Elm Street", body="?")
    comment = services.comment_post(
        actor=world["amina"], kind="topic", key=topic.key, body="Cheap watches at my shop on Market Street"
    )
    chloe = make_user("chloe@example.org")
    services.comment_flag(actor=chloe, comment=comment, reason="spam")
    return comment


def test_board_pages_for_an_agency_admin(page, world):
    admin, secret = world["admin"]
    sign_in(page, admin.email, secret)
    page.goto("/staff/moderation/boards/")
    assert_accessible(page)
    page.get_by_role("link", name="Open a new board").click()
    click_button(page, "Save board")
    assert_accessible(page)
    page.get_by_label("Title").fill("Parks")
    page.get_by_label("Web address").fill("parks")
    page.get_by_label("Description").fill("Green spaces")
    click_button(page, "Save board")
    page.get_by_role("link", name="Parks", exact=True).click()
    assert_accessible(page)
    page.get_by_label("Open for new topics and comments").uncheck()
    click_button(page, "Save board")
    assert page.get_by_role("row", name="Parks").get_by_text("Closed").is_visible()


def test_without_javascript(page_without_js, world):
    from ecitizen.engagement.discussions.models import Comment, Flag, Follow

    page = page_without_js
    from ecitizen.engagement.discussions import services

    topic = services.topic_start(actor=world["ben"], board=world["board"], title="Bus stop", body="Move it?")
    sign_in(page, "amina@example.org")
    page.goto(f"/have-your-say/discussions/on/topic/{topic.key}/")
    # reply to Ben's post
    page.get_by_role("link", name="Reply to Ben O.").click()
    assert page.get_by_role("heading", name="Reply to Ben O.").is_visible()
    page.get_by_label("Your comment").fill("Yes, nearer the school.")
    click_button(page, "Post comment")
    reply = Comment.objects.get(body="Yes, nearer the school.")
    assert reply.parent == topic.comments.order_by("pk").first()
    # follow the board, stop following the topic
    page.goto("/have-your-say/discussions/boards/roads/")
    click_button(page, "Follow")
    assert Follow.objects.filter(user=world["amina"], kind="board").exists()
    page.goto(f"/have-your-say/discussions/on/topic/{topic.key}/")
    click_button(page, "Stop following")
    assert not Follow.objects.filter(user=world["amina"], kind="topic").exists()
    # report Ben's post
    page.get_by_role("link", name="Report the comment by Ben O.").click()
    page.get_by_label("Off topic").check()
    click_button(page, "Send report")
    assert Flag.objects.get().reason == "off_topic"
    assert page.get_by_text("You reported this comment").is_visible()


def test_an_unconfirmed_email_is_asked_to_confirm(page, world, make_user, live_server):
    """allauth does not let such an account sign in, but one whose new address is not yet
    confirmed has a session: give the browser one."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(make_user("new@example.org", verified_email=False))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}])
    page.goto("/have-your-say/discussions/boards/roads/new-topic/")
    assert page.get_by_role("heading", name="Confirm your email address first").is_visible()
    assert_accessible(page)


@override_settings(DISCUSSIONS_COMMENTS_PAGE_SIZE=1)
def test_anonymous_reader_without_javascript_pages_through_and_is_asked_to_sign_in(page_without_js, world):
    """A long discussion comes in pages whose links work without JavaScript; an anonymous reader
    sees sign-in links instead of the follow button and the comment box."""
    from ecitizen.engagement.discussions import services

    page = page_without_js
    topic = services.topic_start(actor=world["ben"], board=world["board"], title="Bus stop", body="Move it?")
    services.comment_post(actor=world["amina"], kind="topic", key=topic.key, body="Reply one")
    services.comment_post(actor=world["amina"], kind="topic", key=topic.key, body="Reply two")
    page.goto(f"/have-your-say/discussions/on/topic/{topic.key}/")
    body = page.locator("main").inner_text()
    assert "Reply one" in body and "Reply two" not in body  # (axe needs JavaScript: see the other tests)
    href = page.locator("a[rel=next]").get_attribute("href")
    assert href == "?page=2"
    page.goto(f"/have-your-say/discussions/on/topic/{topic.key}/{href}")
    body = page.locator("main").inner_text()
    assert "Reply two" in body and "Move it?" in body  # the topic's opening post heads every page
    assert "Sign in to follow this" in body and "Sign in to comment" in body
    sign_in_href = page.locator("a", has_text="Sign in to follow this").get_attribute("href")
    assert sign_in_href.startswith("/accounts/login/?next=")


def test_following_too_often_is_refused_with_an_accessible_page_that_changes_nothing(page, world, settings):
    """Following and unfollowing share one budget per person (DISCUSSIONS_FOLLOW_RATE): with room
    for one change a minute, Amina follows a topic, then her unfollow is refused with a 429 page."""
    from ecitizen.engagement.discussions import services
    from ecitizen.engagement.discussions.models import Follow

    topic = services.topic_start(actor=world["ben"], board=world["board"], title="Bus stop", body="Move it?")
    topic_url = f"/have-your-say/discussions/on/topic/{topic.key}/"
    sign_in(page, "amina@example.org")
    # limits on only now, so that signing in does not spend any
    settings.DISCUSSIONS_FOLLOW_RATE = "1/m/user"
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True

    page.goto(topic_url)
    click_button(page, "Follow")
    assert page.get_by_text("You now follow “Bus stop”.").is_visible()
    assert Follow.objects.filter(user=world["amina"], kind="topic", key=topic.key).exists()

    with page.expect_navigation() as navigation:
        page.get_by_role("main").get_by_role("button", name="Stop following", exact=True).click()
    page.wait_for_load_state()
    assert navigation.value.status == 429
    assert int(navigation.value.headers["retry-after"]) > 0
    assert page.get_by_role("heading", level=1, name="Too many changes to what you follow").is_visible()
    assert page.get_by_text("Wait 1 minute, then try again.").is_visible()
    assert page.get_by_text("Nothing has changed: what you follow is as it was.").is_visible()
    assert_accessible(page)
    assert Follow.objects.filter(user=world["amina"], kind="topic", key=topic.key).exists()

    # the way back leads to the topic, still followed
    page.get_by_role("main").get_by_role("link", name="Go back to “Bus stop”").click()
    page.wait_for_load_state()
    assert page.url.endswith(topic_url)
    assert page.get_by_role("button", name="Stop following").is_visible()
