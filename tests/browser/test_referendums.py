"""Referendums in a real browser: a voter's ballot encrypted by the booth (typed code, marks,
review with the tracker, cast), found on the public board and checked by the protocol; a ballot
audited instead of cast, then a fresh one cast; a re-vote replacing the first ballot; the assisted
path without JavaScript (final); the counter path (a caseworker marks a voter as voting on paper,
which blocks their online vote, and two people type the ballot paper in after the close); the
booth with the keyboard alone; the vote page in Spanish, French and Arabic; and every referendum
page on a phone. axe-core runs on every state the booth shows (form with errors, review, audit
panel) and on the pages after an action; the plain GET pages are in test_every_page_accessible.py
(``-k referend``), whose referendum data set and page lists the phone check reuses."""

from __future__ import annotations

import datetime
import json
import re
from urllib.parse import parse_qs

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ecitizen.voting.budgeting.tests.ballots_fixtures import make_voter  # noqa: F401 (fixtures)
from ecitizen.voting.budgeting.tests.conftest import districts  # noqa: F401 (fixture of make_voter)
from ecitizen.voting.referendums.tests.staff_fixtures import make_referendum, referendum_people  # noqa: F401
from tests.browser.conftest import assert_accessible, click_button, sign_in
from tests.browser.test_every_page_accessible import (  # noqa: F401 (referendum_world: a fixture)
    _referendum_actions,
    _referendum_pages,
    referendum_world,
)
from tests.browser.test_no_horizontal_overflow import OVERFLOW, PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_referendum(make_referendum, make_voter):  # noqa: F811 (the fixtures imported)
    """An open referendum (one question: Yes or No) whose electorate is two verified voters:
    ``(built, voter, other voter)``."""
    voter, other = make_voter(), make_voter()
    built = make_referendum("open", voters=[voter, other])
    return built, voter, other


def _tracker_shown(page) -> str:
    """The tracker on the review panel, once the booth has encrypted the ballot."""
    page.get_by_role("heading", name="Check your ballot").wait_for()
    tracker = page.locator("[data-booth-tracker]").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){4}", tracker), tracker
    return tracker


def _fill_booth(page, code: str, option: str) -> str:
    """Type the code, mark *option*, continue; returns the tracker of the review panel."""
    page.get_by_label("Your credential code").fill(code)
    page.get_by_label(option, exact=True).check()
    page.get_by_role("main").get_by_role("button", name="Continue", exact=True).click()
    return _tracker_shown(page)


def _find_on_board(page, referendum, tracker: str):
    page.goto(f"/referendums/{referendum.pk}/board/")
    page.get_by_label("Find your ballot tracker").fill(tracker.lower().replace("-", " "))  # typed loosely
    click_button(page, "Search")
    return page.locator("[data-found]")


def _check_board(referendum) -> list:
    """Every ballot on the board passes the protocol's check against the public credentials."""
    from ecitizen.voting.protocol import ballots
    from ecitizen.voting.referendums.models import BoardBallot, PublicCredential

    referendum.refresh_from_db()
    known = set(PublicCredential.objects.filter(referendum=referendum).values_list("credential", flat=True))
    rows = list(BoardBallot.objects.filter(referendum=referendum).order_by("n"))
    for row in rows:
        checked = ballots.check(referendum.election, referendum.election_hash, json.loads(row.ballot), known)
        assert checked.hash == row.hash and checked.tracker.replace("-", "") == row.tracker.replace("-", "")
    return rows


def _decrypt_counted(built) -> list[list[int]]:
    """What the counted ballots add up to, decrypted with two trustees' shares (as at the count)."""
    from ecitizen.voting.protocol import tally, trustees
    from ecitizen.voting.referendums.models import BoardBallot

    referendum = built.refresh()
    acc = tally.empty(referendum.election)
    counted = BoardBallot.objects.filter(referendum=referendum, replaced_by__isnull=True)
    for text in counted.values_list("ballot", flat=True):
        tally.add(acc, json.loads(text))
    decryptions = [trustees.partial_decrypt(referendum.election_hash, j, built.shares[j], acc) for j in (1, 2)]
    _used, counts = trustees.combine(referendum.election, acc, decryptions, max_count=counted.count())
    return counts


def _stored_anywhere(*needles: str) -> list[str]:
    """The tables holding any of *needles* (compared without case), among every model's rows."""
    from django.apps import apps

    wanted = [needle.upper() for needle in needles if needle]
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for row in model.objects.all().values_list():
            text = repr(row).upper()
            if any(needle in text for needle in wanted):
                found.append(model._meta.db_table)
                break
    return found


def _code_forms(code: str) -> tuple[str, str]:
    return code, code.replace("-", "")


def test_a_voter_votes_with_javascript_and_finds_their_tracker(page, open_referendum, mailoutbox):
    from ecitizen.voting.protocol import credentials
    from ecitizen.voting.referendums.models import BoardBallot

    built, voter, _other = open_referendum
    referendum = built.referendum
    code = built.codes[voter.pk]
    sign_in(page, voter.email)
    sent = []  # what the browser sends from now on
    page.on("request", lambda request: sent.append(request.post_data) if request.method == "POST" else None)
    page.goto(f"/referendums/{referendum.pk}/")
    page.get_by_role("button", name="Vote").click()
    page.wait_for_url(f"**/referendums/{referendum.pk}/vote/")
    assert page.get_by_role("heading", name="Should the city build a new library?").is_visible()
    assert_accessible(page)

    # Sent with nothing filled in: the booth's own errors, linked to the fields, before any encryption.
    page.get_by_role("main").get_by_role("button", name="Continue", exact=True).click()
    summary = page.locator("[data-booth-errors]")
    assert summary.is_visible()
    assert "Enter the credential code from your email" in summary.inner_text()
    assert "Select an answer" in summary.inner_text()
    assert page.evaluate("document.activeElement.matches('[data-booth-errors]')")
    assert_accessible(page)
    page.get_by_label("Your credential code").fill("ABCD-1234")  # not a code: refused in the browser
    page.get_by_role("main").get_by_role("button", name="Continue", exact=True).click()
    assert "exactly as it is in your email" in summary.inner_text()
    assert sent == []

    # A code of the right shape that is not this referendum's: encrypted and sent, refused by the server.
    wrong = credentials.new_code()
    _fill_booth(page, wrong, "Yes")
    click_button(page, "Cast this ballot")
    assert "not one of this referendum's" in page.locator(".govuk-error-summary:visible").inner_text()
    assert not BoardBallot.objects.exists()
    assert_accessible(page)
    sent.clear()

    tracker = _fill_booth(page, code, "Yes")
    assert page.locator(".govuk-error-summary:visible").count() == 0  # the server's error is stale now
    review = page.locator("[data-booth-review]")
    assert "Yes" in review.locator("[data-booth-choices]").inner_text()
    assert page.evaluate("document.activeElement.matches('[data-booth-review] [data-booth-heading]')")
    assert sent == []  # encrypting sends nothing
    assert_accessible(page)

    click_button(page, "Cast this ballot")
    assert page.get_by_role("heading", name="Your ballot has been cast").is_visible()
    assert page.locator("[data-tracker]").get_attribute("data-tracker") == tracker
    assert_accessible(page)

    # Only the encrypted ballot and the CSRF token left the browser: no code, no plain marks.
    assert len(sent) == 1
    fields = parse_qs(sent[0])
    assert set(fields) == {"csrfmiddlewaretoken", "ballot"}
    assert not any(form.upper() in sent[0].upper() for form in _code_forms(code))

    # The board finds the tracker; the ballot there passes the protocol's check.
    found = _find_on_board(page, referendum, tracker)
    assert found.get_attribute("data-found") == "1"
    assert f"Ballot 1 has the tracker {tracker}" in found.inner_text()
    assert "It counts" in found.inner_text()
    assert_accessible(page)
    (row,) = _check_board(referendum)
    assert row.tracker.replace("-", "") == tracker.replace("-", "")
    assert _decrypt_counted(built) == [[1, 0]]

    # The tracker is emailed (not the code, not the choice); the code is stored nowhere.
    (email,) = [m for m in mailoutbox if voter.email in m.to]
    assert tracker in email.body
    assert not any(form in email.body for form in _code_forms(code))
    assert _stored_anywhere(*_code_forms(code), *_code_forms(wrong)) == []


def test_a_ballot_audited_instead_of_cast_is_opened_and_thrown_away(page, open_referendum):
    from ecitizen.voting.protocol import ballots, hashing

    built, voter, _other = open_referendum
    referendum = built.referendum
    sign_in(page, voter.email)
    page.goto(f"/referendums/{referendum.pk}/vote/")
    audited_tracker = _fill_booth(page, built.codes[voter.pk], "Yes")

    page.get_by_role("button", name="Audit this ballot instead").click()
    panel = page.locator("[data-booth-audit-panel]")
    panel.get_by_role("heading", name="What your audited ballot contained").wait_for()
    assert page.evaluate("document.activeElement.matches('[data-booth-audit-panel] [data-booth-heading]')")
    assert panel.locator("[data-booth-audit-passed]").is_visible()
    assert "the check passed" in panel.locator("[data-booth-audit-passed]").inner_text()
    assert panel.locator("[data-booth-audit-failed]").is_hidden()
    marks = {
        row.locator("th").inner_text(): row.locator("td").first.inner_text()
        for row in panel.locator("[data-booth-audit-questions] tbody tr").all()
    }
    assert marks == {"Yes": "Marked", "No": "Not marked"}
    assert "--audit audit-" in panel.locator("[data-booth-command]").inner_text()
    assert_accessible(page)

    # The audit file opens to what was chosen, and the protocol's audit check holds for it.
    with page.expect_download() as download:
        panel.get_by_role("link", name="Download the audit file").click()
    with open(download.value.path(), encoding="utf-8") as file:
        audit = json.load(file)
    election = audit["election"]
    assert hashing.election_hash(election) == referendum.election_hash
    assert ballots.check_audit(election, referendum.election_hash, audit["ballot"], audit["opening"]) == []
    assert [[e["m"] for e in question] for question in audit["opening"]] == [[1, 0]]

    # Vote again: a fresh encryption with a new tracker, and only that ballot reaches the board.
    panel.get_by_role("button", name="Vote again").click()
    assert page.locator("form#referendum-booth").is_visible()
    page.get_by_label("No", exact=True).check()
    page.get_by_role("main").get_by_role("button", name="Continue", exact=True).click()
    tracker = _tracker_shown(page)
    assert tracker != audited_tracker
    click_button(page, "Cast this ballot")
    assert page.locator("[data-tracker]").get_attribute("data-tracker") == tracker

    (row,) = _check_board(referendum)
    assert row.tracker.replace("-", "") == tracker.replace("-", "")
    assert _find_on_board(page, referendum, audited_tracker).get_attribute("data-found") == ""
    assert_accessible(page)
    assert _decrypt_counted(built) == [[0, 1]]


def test_a_second_ballot_replaces_the_first_on_the_board(page, open_referendum):
    built, voter, _other = open_referendum
    referendum = built.referendum
    code = built.codes[voter.pk]
    sign_in(page, voter.email)
    page.goto(f"/referendums/{referendum.pk}/vote/")
    discarded = _fill_booth(page, code, "Yes")
    # Back to the form from the review: the marks are kept, the focus is on the one marked.
    page.get_by_role("button", name="Change my choices").click()
    assert page.locator("form#referendum-booth").is_visible() and page.locator("[data-booth-review]").is_hidden()
    assert page.evaluate("document.activeElement.id") == "q0-0"
    page.get_by_role("main").get_by_role("button", name="Continue", exact=True).click()
    first = _tracker_shown(page)
    assert first != discarded  # encrypted afresh
    click_button(page, "Cast this ballot")

    page.goto(f"/referendums/{referendum.pk}/vote/")
    assert "You have voted online already" in page.locator("main").inner_text()
    second = _fill_booth(page, code, "No")
    click_button(page, "Cast this ballot")
    assert page.locator("[data-tracker]").get_attribute("data-tracker") == second

    page.goto(f"/referendums/{referendum.pk}/board/")
    rows = [[cell.inner_text() for cell in row.locator("td").all()] for row in page.locator("tbody tr").all()]
    assert rows[:2] == [["1", first, "Replaced by 2"], ["2", second, "Counts"]]
    assert page.locator("[data-total=ballots]").inner_text() == "2"
    assert page.locator("[data-total=counted]").inner_text() == "1"
    found = _find_on_board(page, referendum, first)
    assert "It was replaced by ballot 2" in found.inner_text()
    assert_accessible(page)

    board = _check_board(referendum)
    assert [b.replaced_by for b in board] == [2, None]
    assert _decrypt_counted(built) == [[0, 1]]


def test_without_javascript_the_assisted_path_casts_once_and_for_all(page_without_js, open_referendum):
    from ecitizen.voting.referendums.models import BoardBallot, Channel, ElectorateEntry

    built, voter, _other = open_referendum
    referendum = built.referendum
    code = built.codes[voter.pk]
    page = page_without_js
    sign_in(page, voter.email)
    page.goto(f"/referendums/{referendum.pk}/vote/")
    assert page.get_by_role("heading", name="Voting without JavaScript").is_visible()

    # Without the acknowledgement nothing is cast, and the page says why.
    page.get_by_label("Your credential code").fill(code)
    page.get_by_label("Yes", exact=True).check()
    click_button(page, "Continue")
    assert "Tick the box" in page.locator(".govuk-error-summary:visible").inner_text()
    assert page.get_by_label("Yes", exact=True).is_checked()
    assert page.get_by_label("Your credential code").input_value() == ""  # the code is not sent back
    assert not BoardBallot.objects.exists()

    page.get_by_label("Your credential code").fill(code)
    page.get_by_label("I understand the server will see my choices", exact=False).check()
    click_button(page, "Continue")
    assert page.get_by_role("heading", name="Your ballot has been cast").is_visible()
    assert page.get_by_role("heading", name="Your vote is final").is_visible()
    tracker = page.locator("[data-tracker]").get_attribute("data-tracker")
    (row,) = _check_board(referendum)
    assert row.tracker.replace("-", "") == tracker.replace("-", "")
    assert ElectorateEntry.objects.get(referendum=referendum, user=voter).channel == Channel.ASSISTED
    assert _decrypt_counted(built) == [[1, 0]]
    assert _stored_anywhere(*_code_forms(code)) == []

    page.goto(f"/referendums/{referendum.pk}/vote/")
    assert page.get_by_role("heading", name="You have voted", exact=True).is_visible()
    assert page.locator("[data-refusal]").get_attribute("data-refusal") == "voted_assisted"
    assert page.locator("form#referendum-booth").count() == 0


def _staff_member(make_user, with_mfa, agency, email: str, role: str = "caseworker"):
    from ecitizen.agencies.models import Membership

    user = make_user(email)
    Membership.objects.create(user=user, agency=agency, role=role)
    return user, with_mfa(user)


def test_the_counter_path_blocks_the_online_vote_and_two_people_type_the_paper_in(
    browser, live_server, open_referendum, make_user, with_mfa, agency_a
):
    from ecitizen.voting.referendums import opening_services
    from ecitizen.voting.referendums.models import Channel, ElectorateEntry, PaperSheet, Referendum, SheetState

    built, voter, _other = open_referendum
    referendum = built.referendum
    clerk, clerk_secret = _staff_member(make_user, with_mfa, agency_a, "counter-clerk@council.example")
    second, second_secret = _staff_member(make_user, with_mfa, agency_a, "counter-second@council.example")

    def browser_page(email, secret=None):
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(10_000)
        page = context.new_page()
        sign_in(page, email, secret)
        return context, page

    # At the counter, while voting is open: the clerk checks the document and marks the voter. (The
    # clerk stays signed in: a TOTP code is accepted once.)
    context, page = browser_page(clerk.email, clerk_secret)
    page.goto(f"/staff/referendums/{referendum.pk}/")
    page.get_by_role("link", name="Hand out a paper ballot at the counter").click()
    assert_accessible(page)
    page.get_by_label("National ID number").fill(voter.national_id)
    page.get_by_label("I have seen the voter's identity document and it is theirs").check()
    click_button(page, "Mark as voting on paper")
    assert "Marked as voting on paper" in page.content()
    assert "1 paper ballot handed out so far" in page.content()
    entry = ElectorateEntry.objects.get(referendum=referendum, user=voter)
    assert entry.channel == Channel.PAPER and entry.marked_by == clerk
    assert_accessible(page)
    # The same person again: refused at the field.
    page.get_by_label("National ID number").fill(voter.national_id)
    page.get_by_label("I have seen the voter's identity document and it is theirs").check()
    click_button(page, "Mark as voting on paper")
    assert "already been given a paper ballot" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)

    # The voter's online vote is refused from then on.
    voter_context, voter_page = browser_page(voter.email)
    voter_page.goto(f"/referendums/{referendum.pk}/vote/")
    assert voter_page.get_by_role("heading", name="You have voted", exact=True).is_visible()
    assert voter_page.locator("[data-refusal]").get_attribute("data-refusal") == "voted_paper"
    assert voter_page.locator("form#referendum-booth").count() == 0
    assert_accessible(voter_page)
    voter_context.close()

    # Voting closes; the periodic job sums the ballots.
    Referendum.objects.filter(pk=referendum.pk).update(closes_at=timezone.now() - datetime.timedelta(minutes=1))
    assert opening_services.close_and_tally(referendum)

    def type_in(page, option: str) -> None:
        page.goto(f"/staff/referendums/{referendum.pk}/ballot-papers/")
        page.get_by_label("Ballot paper number").fill("NB-0007")
        page.get_by_label(option, exact=True).check()
        click_button(page, "Save this entry")

    page.goto(f"/staff/referendums/{referendum.pk}/ballot-papers/")  # the clerk, still signed in
    assert_accessible(page)
    type_in(page, "Yes")
    assert "A different person must now type it in again" in page.content()
    assert PaperSheet.objects.get().state == SheetState.WAITING
    assert_accessible(page)
    type_in(page, "Yes")  # the same person cannot confirm their own entry
    assert "a different person must type it in again" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    context.close()

    context, page = browser_page(second.email, second_secret)
    type_in(page, "Yes")
    assert "The two entries agree: ballot paper NB-0007 counts." in page.content()
    sheet = PaperSheet.objects.get()
    assert (sheet.state, sheet.choices, sheet.entered_by, sheet.confirmed_by) == (
        SheetState.CONFIRMED,
        [[0]],
        clerk,
        second,
    )
    assert_accessible(page)
    context.close()


def test_the_booth_works_with_the_keyboard_alone(page, open_referendum):
    built, voter, _other = open_referendum
    referendum = built.referendum
    sign_in(page, voter.email)
    page.goto(f"/referendums/{referendum.pk}/vote/")

    def focused(selector: str) -> bool:
        return page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)", selector)

    for _ in range(60):  # Tab from the top of the page to the code field
        page.keyboard.press("Tab")
        if focused("#credential"):
            break
    assert focused("#credential")
    page.keyboard.type(built.codes[voter.pk])
    page.keyboard.press("Enter")  # nothing marked: the error summary takes the focus
    expect(page.locator("[data-booth-errors]")).to_be_focused()
    page.keyboard.press("Tab")
    assert focused("[data-booth-errors] a")
    page.keyboard.press("Enter")  # the error's link moves to the question's first option
    assert focused("#q0-0")
    page.keyboard.press("Space")
    assert page.locator("#q0-0").is_checked()
    page.keyboard.press("Tab")
    assert focused("[data-booth-submit]")
    page.keyboard.press("Enter")
    expect(page.locator("[data-booth-review] [data-booth-heading]")).to_be_focused()
    assert page.locator("[data-booth-tracker]").inner_text()
    page.keyboard.press("Tab")
    assert focused("[data-booth-cast]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", name="Your ballot has been cast").is_visible()
    assert _decrypt_counted(built) == [[1, 0]]


def test_the_vote_page_in_spanish_french_and_arabic(page, open_referendum):
    from ecitizen.accounts.models import Profile

    built, voter, _other = open_referendum
    referendum = built.referendum
    sign_in(page, voter.email)
    for language, question, yes in (
        ("es", "¿Debe la ciudad construir una nueva biblioteca?", "Sí"),
        ("fr", "La ville doit-elle construire une nouvelle bibliothèque ?", "Oui"),
        ("ar", "هل يجب أن تبني المدينة مكتبة جديدة؟", "نعم"),
    ):
        page.goto(f"/referendums/{referendum.pk}/vote/?lang={language}")
        html = page.locator("html")
        assert html.get_attribute("lang") == language
        assert html.get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
        assert page.locator("fieldset[data-question] legend").inner_text().strip() == question
        assert page.locator("label[for=q0-0]").inner_text().strip() == yes
        assert_accessible(page)

    # In Arabic throughout (the voter's own language), the booth encrypts and casts.
    Profile.objects.filter(user=voter).update(preferred_language="ar")
    page.goto(f"/referendums/{referendum.pk}/vote/")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.locator("#credential").fill(built.codes[voter.pk])
    page.locator("#q0-0").check()
    page.locator("[data-booth-submit]").click()
    page.locator("[data-booth-review]").wait_for()
    assert "نعم" in page.locator("[data-booth-choices]").inner_text()
    tracker = page.locator("[data-booth-tracker]").inner_text().strip()
    assert_accessible(page)
    with page.expect_navigation():
        page.locator("[data-booth-cast]").click()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.locator("[data-tracker]").get_attribute("data-tracker") == tracker
    # The tracker's groups read left to right (line by line) in their order, not reversed by the page's
    # right-to-left direction: a voter copies them as they see them.
    boxes = page.evaluate(
        """() => Array.from(document.querySelectorAll("[data-tracker] span:not([aria-hidden])"), (group, i) => {
            const box = group.getBoundingClientRect();
            return [Math.round(box.top), Math.round(box.left), i];
        })"""
    )
    assert [i for _top, _left, i in sorted(boxes)] == [0, 1, 2, 3, 4]
    assert_accessible(page)
    assert _decrypt_counted(built) == [[1, 0]]


def test_every_referendum_page_fits_a_phone(browser, live_server, referendum_world):  # noqa: F811 (the fixture)
    """Nothing scrolls sideways at 390 px (as test_no_horizontal_overflow checks the other pages):
    every referendum page of the accessibility crawl, the pages after an action, the booth's panels
    and, in Arabic, the public pages."""
    w = referendum_world
    problems = {}
    for persona, urls in _referendum_pages(w).items():
        context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport=PHONE)
        context.set_default_timeout(10_000)
        page = context.new_page()
        if persona != "visitor":
            sign_in(page, *w[persona])
        for entry in urls:
            url = entry[0] if isinstance(entry, tuple) else entry
            for address in (url, f"{url}{'&' if '?' in url else '?'}lang=ar") if persona == "visitor" else (url,):
                page.goto(address)
                problems[f"{persona} {address}"] = page.evaluate(OVERFLOW)
        for label, url, action, _path in _referendum_actions(w)[persona]:
            if url:
                page.goto(url)
            action(page)
            problems[f"{persona}: {label}"] = page.evaluate(OVERFLOW)
        if persona == "voter":  # the booth's review and audit panels
            page.goto(f"/referendums/{w['referendums']['open'].pk}/vote/")
            page.locator("#credential").fill(w["code"])
            page.locator("#q0-0").check()
            page.locator("[data-booth-submit]").click()
            page.locator("[data-booth-review]").wait_for()
            problems["the booth's review"] = page.evaluate(OVERFLOW)
            page.locator("[data-booth-audit]").click()
            page.locator("[data-booth-audit-panel]").wait_for()
            problems["the booth's audit panel"] = page.evaluate(OVERFLOW)
        context.close()
    problems = {key: found for key, found in problems.items() if found}
    assert not problems, "\n".join(f"{key}: {found}" for key, found in problems.items())
