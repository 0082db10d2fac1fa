"""Participatory budgeting's ballot in a real browser: voting in each ballot style with
JavaScript on and off (the knapsack's live total with it, "Update total" without), and axe-core
on the ballot, the confirmation and the paper-ballot pages of the back office."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.browser.conftest import assert_accessible, click_button, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def voting_world(agency_a, make_user, with_mfa, register_person, settings):
    """A process in its voting phase with two districts, a verified resident of Old Town and an
    agency admin with TOTP. Returns a function making the process in a given ballot style, and
    (resident, admin, admin's secret)."""
    from ecitizen.accounts.services import identity_verify_with_register
    from ecitizen.agencies.models import Membership
    from ecitizen.exchange.models import Address
    from ecitizen.reports.tests.conftest import make_area, square
    from ecitizen.voting.budgeting.models import Budget, Process, Project, ProjectStatus

    settings.REPORTS_TILE_URL = ""
    old_town = make_area(agency_a, "Old Town", square(0.000, 52.020, 0.020, 52.040))
    millbrook = make_area(agency_a, "Millbrook", square(0.000, 52.000, 0.020, 52.020))
    Address.objects.create(
        uprn="910000000001", line="1 Market Street", street="Market Street", number="1",
        town="Northbridge", postcode="NB1 1AA", latitude=52.030, longitude=0.005,
    )  # fmt: skip
    admin = make_user("pb-admin@council.example")
    Membership.objects.create(user=admin, agency=agency_a, role="agency_admin")
    secret = with_mfa(admin)
    resident = make_user(
        "resident@example.net", given_name="Rosa", family_name="Mills",
        address_line_1="1 Market Street", town="Northbridge", postcode="NB1 1AA",
    )  # fmt: skip
    register_person(national_id="RM-010190-A", given="Rosa", family="Mills", born=datetime.date(1990, 1, 1))
    identity_verify_with_register(
        user=resident, given_name="Rosa", family_name="Mills",
        date_of_birth=datetime.date(1990, 1, 1), national_id="RM-010190-A",
    )  # fmt: skip
    register_person(national_id="PV-020285-B", given="Paul", family="Voter", born=datetime.date(1985, 2, 2))

    def make(style: str):
        now = timezone.now()
        day = datetime.timedelta(days=1)
        process = Process.objects.create(
            agency=agency_a,
            title=f"Northbridge budget ({style})",
            summary="Decide how to spend part of the budget.",
            ideas_open_at=now - 30 * day,
            ideas_close_at=now - 20 * day,
            voting_open_at=now - 5 * day,
            voting_close_at=now + 10 * day,
            created_by=admin,
            published_at=now - 40 * day,
            ballot_style=style,
            max_choices=2,
            points=10,
            max_points_per_project=5,
            min_age=16,
        )
        for area in (old_town, millbrook):
            budget = Budget.objects.create(process=process, area=area, amount=100_000)
            for title, cost in (("New benches", 20_000), ("Street trees", 45_000), ("Play area", 60_000)):
                Project.objects.create(
                    process=process, budget=budget, title=title, description=title,
                    estimated_cost=cost, official_cost=cost, status=ProjectStatus.ACCEPTED,
                )  # fmt: skip
        return process

    return make, (resident, admin, secret)


def _choices():
    from ecitizen.voting.budgeting.models import BallotChoice

    return sorted(BallotChoice.objects.values_list("project__title", "points"))


def test_knapsack_with_javascript_keeps_a_live_total(page, voting_world):
    make, (resident, _admin, _secret) = voting_world
    process = make("knapsack")
    sign_in(page, resident.email)
    page.goto(f"/budgeting/{process.pk}/vote/")
    assert_accessible(page)
    summary = page.locator("[data-ballot-summary]")
    assert page.locator("[data-ballot-update]").is_hidden()  # not needed with the live total

    page.get_by_label("New benches").check()
    page.get_by_label("Street trees").check()
    assert "65,000" in summary.locator("[data-ballot-total]").inner_text()
    assert "35,000" in summary.locator("[data-ballot-left]").inner_text()
    page.get_by_label("Play area").check()
    assert summary.locator("[data-ballot-over]").is_visible()
    assert summary.locator("[data-ballot-fits]").is_hidden()
    assert_accessible(page)

    # Sent over budget anyway: the error is shown at the projects, nothing is cast.
    click_button(page, "Cast my vote")
    assert "more than the budget" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Play area").uncheck()
    click_button(page, "Cast my vote")
    assert "Your vote has been cast" in page.content()
    assert_accessible(page)
    assert _choices() == [("New benches", 1), ("Street trees", 1)]


def test_knapsack_without_javascript_updates_the_total_on_request(page_without_js, voting_world):
    make, (resident, _admin, _secret) = voting_world
    process = make("knapsack")
    page = page_without_js
    sign_in(page, resident.email)
    page.goto(f"/budgeting/{process.pk}/vote/")

    page.get_by_label("Street trees").check()
    page.get_by_label("Play area").check()
    click_button(page, "Update total")
    assert "105,000" in page.locator("[data-ballot-total]").inner_text()
    assert "more than the budget" in page.locator(".govuk-error-summary").inner_text()
    assert page.get_by_label("Street trees").is_checked() and page.get_by_label("Play area").is_checked()

    page.get_by_label("Play area").uncheck()
    page.get_by_label("New benches").check()
    click_button(page, "Update total")
    assert "65,000" in page.locator("[data-ballot-total]").inner_text()
    click_button(page, "Cast my vote")
    assert "Your vote has been cast" in page.content()
    assert _choices() == [("New benches", 1), ("Street trees", 1)]


@pytest.mark.parametrize("javascript", [True, False])
def test_approval_and_cumulative(browser, live_server, voting_world, javascript):
    make, (resident, _admin, _secret) = voting_world
    approval, cumulative = make("approval"), make("cumulative")
    context = browser.new_context(base_url=live_server.url, locale="en-GB", java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        sign_in(page, resident.email)
        page.goto(f"/budgeting/{approval.pk}/vote/")
        if javascript:
            assert_accessible(page)
        for title in ("New benches", "Street trees", "Play area"):
            page.get_by_label(title).check()
        if javascript:
            assert page.locator("[data-ballot-count]").inner_text() == "3"
        click_button(page, "Cast my vote")
        assert "Choose at most 2 projects" in page.locator(".govuk-error-summary").inner_text()
        page.get_by_label("Play area").uncheck()
        click_button(page, "Cast my vote")
        assert "Your vote has been cast" in page.content()

        page.goto(f"/budgeting/{cumulative.pk}/vote/")
        if javascript:
            assert_accessible(page)
        page.get_by_label("New benches").fill("5")
        page.get_by_label("Street trees").fill("4")
        if javascript:
            assert page.locator("[data-ballot-used]").inner_text() == "9"
        click_button(page, "Cast my vote")
        assert "Your vote has been cast" in page.content()
        if javascript:
            assert_accessible(page)
    finally:
        context.close()
    assert _choices() == [("New benches", 1), ("New benches", 5), ("Street trees", 1), ("Street trees", 4)]


def test_paper_ballot_pages_are_accessible(page, voting_world):
    from ecitizen.voting.budgeting.models import PaperEntry

    make, (_resident, admin, secret) = voting_world
    process = make("knapsack")
    sign_in(page, admin.email, secret)
    page.goto(f"/staff/budgeting/{process.pk}/paper/")
    assert_accessible(page)
    page.goto(f"/staff/budgeting/{process.pk}/paper/enter/")
    assert_accessible(page)
    page.get_by_label("Old Town").check()
    click_button(page, "Continue")
    assert_accessible(page)
    click_button(page, "Save this entry")  # empty: errors at the fields
    assert "Enter the number printed on the ballot paper" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Ballot paper number").fill("NB-0001")
    page.get_by_label("Voter’s national ID number").fill("PV-020285-B")
    page.get_by_label("New benches").check()
    click_button(page, "Save this entry")
    assert PaperEntry.objects.get().sheet_number == "NB-0001"
    assert "NB-0001" in page.content()
    assert_accessible(page)


def test_a_paper_ballot_typed_twice_counts_and_blocks_the_online_vote(
    browser, live_server, voting_world, make_user, with_mfa, agency_a
):
    """The whole counter path in real browsers: the admin types the ballot paper of Rosa (the
    resident), a caseworker types it again without seeing the first entry, the ballot counts, and
    Rosa's online ballot page then says she voted on paper."""
    from ecitizen.agencies.models import Membership
    from ecitizen.voting.budgeting.models import Ballot, Channel, PaperEntry, PaperEntryState

    make, (resident, admin, secret) = voting_world
    process = make("approval")
    caseworker = make_user("pb-caseworker@council.example")
    Membership.objects.create(user=caseworker, agency=agency_a, role="caseworker")
    caseworker_secret = with_mfa(caseworker)

    def staff_page(email, totp_secret):
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        page = context.new_page()
        sign_in(page, email, totp_secret)
        return context, page

    def type_ballot(page, start_url):
        page.goto(start_url)
        if page.get_by_label("Old Town").count():
            page.get_by_label("Old Town").check()
            click_button(page, "Continue")
        # Nothing of a first entry shows: no choice ticked, no voter filled in.
        assert page.get_by_label("Street trees").is_checked() is False
        assert page.get_by_label("Voter’s national ID number").input_value() == ""
        assert_accessible(page)
        if page.get_by_label("Ballot paper number").count():  # the second entry names its sheet already
            page.get_by_label("Ballot paper number").fill("NB-0042")
        page.get_by_label("Voter’s national ID number").fill("RM-010190-A")
        page.get_by_label("Street trees").check()
        click_button(page, "Save this entry")

    first, page = staff_page(admin.email, secret)
    type_ballot(page, f"/staff/budgeting/{process.pk}/paper/enter/")
    entry = PaperEntry.objects.get(sheet_number="NB-0042")
    assert entry.state == PaperEntryState.WAITING and not Ballot.objects.exists()
    first.close()

    second, page = staff_page(caseworker.email, caseworker_secret)
    page.goto(f"/staff/budgeting/{process.pk}/paper/")
    page.get_by_role("link", name="Enter the second copy").click()
    type_ballot(page, page.url)
    entry.refresh_from_db()
    assert entry.state == PaperEntryState.CONFIRMED and entry.confirmed_by == caseworker
    assert Ballot.objects.get().channel == Channel.PAPER
    second.close()

    voter = browser.new_context(base_url=live_server.url, locale="en-GB")
    page = voter.new_page()
    sign_in(page, resident.email)
    page.goto(f"/budgeting/{process.pk}/vote/")
    assert "You voted on paper" in page.content()
    assert_accessible(page)
    voter.close()
