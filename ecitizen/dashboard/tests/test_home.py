"""The home page: the public page for visitors, the personal dashboard once signed in."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_visitors_get_the_public_home_page(client):
    response = client.get("/")
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "core/home.html"
    page = response.content.decode()
    assert reverse("reports:new") in page  # Report a problem is linked from the home page
    assert 'id="home-search"' in page  # and the site search is on it


def test_the_public_home_page_promises_only_what_exists(client):
    page = client.get("/").content.decode().lower()
    assert "take part in decisions" not in page
    # Voting exists as participatory budgeting and as referendums, each linked from the page.
    assert "vote" in page and reverse("budgeting:index") in page
    assert "referendum" in page and reverse("referendums:index") in page


def test_the_dashboard_lists_what_needs_action_first(client, citizen, amina_life):
    client.force_login(citizen)
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    life = amina_life

    # what needs their action, in this order: information requested, bills, drafts, documents
    asked = page.index(f"application for Apply for a resident parking permit ({life['asked'].reference})")
    bill = page.index("Pay £45.00 for Garden waste Amina by 17 December 2026.")
    draft = page.index("Your application for Garden waste collection is not sent yet.")
    document = page.index(f"({life['document'].number}): valid until 19 January 2027")
    assert asked < bill < draft < document
    assert reverse("cases:detail", args=[life["asked"].pk]) in page
    assert reverse("payments:bill", args=[life["bill"].reference]) in page
    assert reverse("cases:resume", args=[life["draft"].pk]) in page
    assert reverse("catalogue:start", args=["parking-permit"]) in page  # renew at the service's start page

    # then applications being worked on, with their status
    applications = page.index('id="your-applications"')
    assert document < applications
    assert reverse("cases:detail", args=[life["in_review"].pk]) in page[applications:]
    assert "Submitted" in page[applications:]


def test_the_dashboard_shows_reports_made_and_followed(client, citizen, amina_life, ben_life):
    ben_report = ben_life["made"]
    amina_life["follow"](ben_report)
    client.force_login(citizen)
    page = client.get("/").content.decode()
    reports = page[page.index('id="your-reports"') :]
    assert "Pot-hole made by Amina" in reports
    followed = reports[reports.index("Reports you follow") :]
    assert "Pot-hole made by Ben" in followed
    assert reverse("reports:mine") in reports


def test_the_dashboard_shows_messages_and_suggestions_with_their_reason(client, citizen, amina_life):
    client.force_login(citizen)
    page = client.get("/").content.decode()
    assert "MSG-Amina" in page
    suggested = page[page.index('id="suggested"') :]
    assert "Visitor parking permit" in suggested
    assert (
        "Suggested because you applied for “Apply for a resident parking permit”, and both are part of “Moving house”."
        in suggested.replace("&ldquo;", "“").replace("&rdquo;", "”")
    )
    assert "Garden waste collection" not in suggested  # already used: not suggested


def test_nothing_of_another_person_is_shown(client, citizen, amina_life, ben_life):
    client.force_login(citizen)
    page = client.get("/").content.decode()
    assert "Amina" in page
    for text in (
        "Ben",
        ben_life["asked"].reference,
        ben_life["in_review"].reference,
        ben_life["bill"].reference,
        ben_life["document"].number,
        reverse("cases:resume", args=[ben_life["draft"].pk]),
        "MSG-Ben",
    ):
        assert text not in page, text


def test_a_new_account_gets_an_empty_dashboard_with_life_events(client, other_citizen, versions):
    client.force_login(other_citizen)
    page = client.get("/").content.decode()
    assert "Nothing needs your action at the moment." in page
    assert "No application is being worked on." in page
    assert reverse("catalogue:life_event", args=["moving-house"]) in page
