"""Participatory budgeting's results and implementation pages in a real browser: axe-core finds
no violation, and the pages work with JavaScript off (charts are server-drawn SVG)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.browser.conftest import assert_accessible, click_button, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def finished(agency_a, make_user, with_mfa):
    """A process counted by one admin, published by another, in implementation, with a milestone:
    ``(process, funded project, caseworker, caseworker's TOTP secret)``."""
    from ecitizen.agencies.models import Membership
    from ecitizen.voting.budgeting.implementation_services import implementation_start, milestone_save
    from ecitizen.voting.budgeting.models import Ballot, BallotChoice, Budget, Process, Project, ProjectStatus
    from ecitizen.voting.budgeting.result_services import results_count, results_publish

    def staff(email, role):
        user = make_user(email)
        Membership.objects.create(user=user, agency=agency_a, role=role)
        return user, with_mfa(user)

    first, _ = staff("first@council.example", "agency_admin")
    second, _ = staff("second@council.example", "agency_admin")
    caseworker, secret = staff("worker@council.example", "caseworker")
    now = timezone.now()
    day = datetime.timedelta(days=1)
    process = Process.objects.create(
        agency=agency_a,
        title="Northbridge budget",
        summary="Decide how to spend part of the budget.",
        ideas_open_at=now - 40 * day,
        ideas_close_at=now - 30 * day,
        voting_open_at=now - 20 * day,
        voting_close_at=now - day,
        created_by=first,
        published_at=now - 50 * day,
        rule="mes",
        max_choices=3,
    )
    budget = Budget.objects.create(process=process, amount=100_000)
    library, benches, trees = (
        Project.objects.create(
            process=process,
            budget=budget,
            title=title,
            description=title,
            estimated_cost=cost,
            official_cost=cost,
            status=ProjectStatus.ACCEPTED,
        )
        for title, cost in (("Library", 100_000), ("Benches", 40_000), ("Trees", 40_000))
    )
    for n, choices in enumerate([[library]] * 3 + [[benches, trees]] * 2):
        ballot = Ballot.objects.create(process=process, budget=budget, voter_key=f"browser:{n}")
        for project in choices:
            BallotChoice.objects.create(ballot=ballot, project=project)
    results_count(actor=first, process=process)
    results_publish(actor=second, process=process)
    implementation_start(actor=second, process=process)
    milestone_save(actor=caseworker, project=benches, title="Benches ordered", planned_for=now.date() + 30 * day)
    return process, benches, caseworker, secret


def test_results_and_implementation_pages_are_accessible(page, finished):
    process, _benches, _, _ = finished
    page.goto(f"/budgeting/{process.pk}/results/")
    assert page.get_by_role("heading", name="Results", exact=True).is_visible()
    assert page.get_by_role("img", name="Votes for each project", exact=False).first.is_visible()
    assert_accessible(page)
    page.goto(f"/budgeting/{process.pk}/implementation/")
    assert page.get_by_role("heading", name="Building the funded projects").is_visible()
    assert_accessible(page)


def test_results_page_without_javascript(page_without_js, finished):
    process, _, _, _ = finished
    page_without_js.goto(f"/budgeting/{process.pk}/results/")
    table = page_without_js.get_by_role("table").first
    assert table.is_visible()
    assert "supporters paid" in table.inner_text()


def test_staff_implementation_pages_are_accessible(page, finished):
    process, benches, caseworker, secret = finished
    sign_in(page, caseworker.email, secret)
    page.goto(f"/staff/budgeting/{process.pk}/results/")
    assert page.get_by_role("heading", name="Count and results").is_visible()
    assert_accessible(page)
    page.goto(f"/staff/budgeting/projects/{benches.pk}/implementation/")
    assert_accessible(page)
    page.goto(f"/staff/budgeting/projects/{benches.pk}/milestones/new/")
    click_button(page, "Save the milestone")  # no title: the error summary
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page)
