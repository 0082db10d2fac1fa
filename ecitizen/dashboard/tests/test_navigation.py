"""The header: citizens' navigation with Report a problem and the site search; staff get their own
navigation in the back office, as their roles allow."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _nav(page: str) -> list[str]:
    header = page[page.index("<header") : page.index("</header>")]
    return [
        re.sub(r"<[^>]+>", "", m).strip()
        for m in re.findall(r'class="govuk-service-navigation__link"[^>]*>(.*?)</', header)
    ]


def test_citizens_get_report_a_problem_and_search_in_the_header(client, citizen):
    client.force_login(citizen)
    page = client.get(reverse("cases:mine")).content.decode()
    header = page[page.index("<header") : page.index("</header>")]
    assert 'role="search"' in header and 'action="/search/"' in header
    assert _nav(page)[:4] == ["Services", "Report a problem", "Have your say", "Your applications"]
    assert "Back office" not in header


def test_staff_outside_the_back_office_get_a_switch_not_a_mixed_menu(client, caseworker_a):
    client.force_login(caseworker_a)
    page = client.get(reverse("cases:mine")).content.decode()
    header = page[page.index("<header") : page.index("</header>")]
    assert "Back office" not in _nav(page)
    assert f'href="{reverse("staff:home")}"' in header


@pytest.mark.parametrize(
    "persona,expected",
    [
        ("caseworker_a", ["Back office", "Cases", "Reports", "Payments", "Identity checks", "Have your say"]),
        (
            "admin_a",
            ["Back office", "Cases", "Reports", "Services", "Payments", "Taxes", "Identity checks", "Have your say"],
        ),
        ("auditor_a", ["Back office", "Payments", "Have your say", "Audit log"]),
    ],
)
def test_in_the_back_office_staff_get_their_own_navigation(client, request, persona, expected):
    client.force_login(request.getfixturevalue(persona))
    page = client.get(reverse("staff:home")).content.decode()
    nav = _nav(page)
    assert [item for item in nav if item] == expected
    assert "Your applications" not in nav
    assert ">Sign out</button>" in page[page.index("<header") : page.index("</header>")]


def test_the_active_back_office_area_is_marked(client, caseworker_a):
    client.force_login(caseworker_a)
    page = client.get(reverse("cases_staff:queue")).content.decode()
    active = re.search(r'govuk-service-navigation__item--active">\s*<a [^>]*>([^<]+)</a>', page)
    assert active and active.group(1) == "Cases"


def test_account_pages_link_to_report_a_problem_and_your_reports(client, citizen):
    client.force_login(citizen)
    page = client.get(reverse("accounts:overview")).content.decode()
    main = page[page.index("<main") :]
    assert reverse("reports:new") in main and reverse("reports:mine") in main


def test_the_catalogue_links_to_report_a_problem(client):
    page = client.get(reverse("catalogue:index")).content.decode()
    main = page[page.index("<main") :]
    assert reverse("reports:new") in main


def test_identity_page_promises_no_votes(client, citizen):
    client.force_login(citizen)
    page = client.get(reverse("accounts:identity")).content.decode().lower()
    assert "vote" not in page and "take part in decisions" not in page
