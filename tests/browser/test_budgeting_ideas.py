"""Participatory budgeting's process and idea pages in a real browser: axe-core finds no
violation, and proposing an idea works with JavaScript on (a click on the map) and off (typed)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.browser.conftest import assert_accessible, click_button, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ideas_world(agency_a, make_user, with_mfa, settings, tmp_path):
    """A published process collecting ideas in two districts, with one idea, an agency admin
    (with TOTP) and a resident: ``(process, idea, admin, admin's secret, resident)``."""
    from ecitizen.agencies.models import Membership
    from ecitizen.reports.tests.conftest import make_area, square
    from ecitizen.voting.budgeting.models import Budget, Process, Project

    settings.PRIVATE_MEDIA_ROOT = str(tmp_path / "private")
    settings.REPORTS_TILE_URL = ""
    admin = make_user("pb-admin@council.example")
    Membership.objects.create(user=admin, agency=agency_a, role="agency_admin")
    secret = with_mfa(admin)
    resident = make_user("resident@example.net")
    old_town = make_area(agency_a, "Old Town", square(0.000, 52.020, 0.020, 52.040))
    millbrook = make_area(agency_a, "Millbrook", square(0.000, 52.000, 0.020, 52.020))
    now = timezone.now()
    day = datetime.timedelta(days=1)
    process = Process.objects.create(
        agency=agency_a,
        title="Northbridge budget",
        summary="Decide how to spend part of the budget.",
        ideas_open_at=now - 5 * day,
        ideas_close_at=now + 10 * day,
        voting_open_at=now + 15 * day,
        voting_close_at=now + 25 * day,
        created_by=admin,
        published_at=now - 6 * day,
        max_choices=3,
    )
    budget = Budget.objects.create(process=process, area=old_town, amount=50_000)
    Budget.objects.create(process=process, area=millbrook, amount=40_000)
    idea = Project.objects.create(
        process=process,
        budget=budget,
        author=resident,
        title="Benches by the market",
        description="Four benches.",
        estimated_cost=4_000,
    )
    return process, idea, admin, secret, resident


def test_public_pages_are_accessible(page, ideas_world):
    process, idea, _admin, _secret, resident = ideas_world
    for path in (
        "/budgeting/",
        f"/budgeting/{process.pk}/",
        f"/budgeting/{process.pk}/ideas/",
        f"/budgeting/projects/{idea.pk}/",
    ):
        page.goto(path)
        assert page.get_by_role("heading", level=1).is_visible()
        assert_accessible(page)
    sign_in(page, resident.email)
    page.goto(f"/budgeting/{process.pk}/ideas/new/")
    assert page.get_by_role("heading", name="Propose an idea").is_visible()
    assert_accessible(page)
    page.goto(f"/budgeting/projects/{idea.pk}/edit/")
    assert_accessible(page)
    page.goto(f"/budgeting/projects/{idea.pk}/withdraw/")
    assert_accessible(page)


def test_staff_pages_are_accessible(page, ideas_world):
    process, idea, admin, secret, _resident = ideas_world
    sign_in(page, admin.email, secret)
    for path in (
        "/staff/budgeting/",
        "/staff/budgeting/new/",
        f"/staff/budgeting/{process.pk}/",
        f"/staff/budgeting/{process.pk}/edit/",
        f"/staff/budgeting/{process.pk}/review/",
        f"/staff/budgeting/review/{idea.pk}/",
    ):
        page.goto(path)
        assert page.get_by_role("heading", level=1).is_visible()
        assert_accessible(page)
    page.goto("/staff/budgeting/new/")
    click_button(page, "Save")
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert_accessible(page)


def _fill_idea(page, district: str):
    page.get_by_label(district, exact=True).check()
    page.get_by_label("Title", exact=True).fill("Trees on Mill Lane")
    page.get_by_label("Describe your idea").fill("Ten trees along the lane.")
    page.get_by_label("Estimated cost").fill("9000")


def test_propose_without_javascript(page_without_js, ideas_world):
    from ecitizen.voting.budgeting.models import Project

    process, _idea, _admin, _secret, resident = ideas_world
    page = page_without_js
    page.set_default_timeout(15_000)
    sign_in(page, resident.email)
    page.goto(f"/budgeting/{process.pk}/ideas/new/")
    _fill_idea(page, "Millbrook")
    page.get_by_label("Latitude (optional)").fill("52.03")  # in Old Town, not Millbrook
    page.get_by_label("Longitude (optional)").fill("0.005")
    click_button(page, "Publish your idea")
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert page.get_by_text("The place you chose is not in Millbrook").first.is_visible()
    # No assert_accessible here: axe-core runs in the page, and with JavaScript off Playwright's
    # evaluate never returns (it has no timeout). The map test checks this error page with axe.
    page.get_by_label("Latitude (optional)").fill("52.01")
    click_button(page, "Publish your idea")
    assert page.get_by_role("heading", name="Trees on Mill Lane").is_visible()
    project = Project.objects.get(title="Trees on Mill Lane")
    assert (project.latitude, project.budget.area.display_name()) == (52.01, "Millbrook")


def test_propose_with_a_click_on_the_map(page, ideas_world):
    from ecitizen.voting.budgeting.models import Project

    process, _idea, _admin, _secret, resident = ideas_world
    page.set_default_timeout(15_000)
    sign_in(page, resident.email)
    # A place typed outside the chosen district: the error page, with its map, passes axe-core.
    page.goto(f"/budgeting/{process.pk}/ideas/new/")
    _fill_idea(page, "Millbrook")
    page.get_by_label("Latitude (optional)").fill("52.03")
    page.get_by_label("Longitude (optional)").fill("0.005")
    click_button(page, "Publish your idea")
    assert page.get_by_text("The place you chose is not in Millbrook").first.is_visible()
    assert_accessible(page)
    page.goto(f"/budgeting/{process.pk}/ideas/new/")
    _fill_idea(page, "Millbrook")
    the_map = page.locator(".app-map")
    the_map.wait_for()
    box = the_map.bounding_box()
    # The first view is fitted (20 px padding, whole zoom levels) to both districts, so its centre
    # is on latitude 52.02, the line between Old Town (north) and Millbrook (south), and the
    # districts reach between a quarter and a half of (height - 40 px) from the centre. An eighth
    # of it below the centre is thus between 52.0175 and 52.01: in Millbrook, whatever the map's
    # size. (The view is wider than the districts: a fixed fraction like 80% may miss them.)
    the_map.click(position={"x": box["width"] / 2, "y": box["height"] / 2 + (box["height"] - 40) / 8})
    assert page.get_by_label("Latitude (optional)").input_value() != ""
    click_button(page, "Publish your idea")
    assert page.get_by_role("heading", name="Trees on Mill Lane").is_visible()
    project = Project.objects.get(title="Trees on Mill Lane")
    assert project.latitude is not None and 52.0 < project.latitude < 52.02
    assert project.budget.area.display_name() == "Millbrook"
