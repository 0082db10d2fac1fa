"""The address step of "Report a problem": the street asked for first, house numbers in order, pages of ten."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from ecitizen.exchange.services import address_register_load
from ecitizen.reports.report_views import DRAFT_SESSION_KEY
from ecitizen.reports.tests.conftest import OLD_TOWN

pytestmark = pytest.mark.django_db

NEW = reverse("reports:new")


@pytest.fixture
def mill_lane(pothole):
    rows = [
        {
            "uprn": f"ML{n:02}",
            "line": f"{n} Mill Lane, Northbridge NB1 2AB",
            "street": "Mill Lane",
            "number": str(n),
            "town": "Northbridge",
            "postcode": "NB1 2AB",
            "latitude": OLD_TOWN[0],
            "longitude": OLD_TOWN[1],
        }
        for n in range(1, 24)
    ]
    rows.append({**rows[0], "uprn": "OM1", "line": "1 Old Mill Lane, Northbridge NB1 3CD", "street": "Old Mill Lane"})
    address_register_load(actor=None, rows=rows)


def _lines(page: str) -> list[str]:
    return re.findall(r'class="govuk-label govuk-radios__label" for="address-\d+">([^<]+)</label>', page)


def test_first_page_says_how_many_and_links_to_the_next(client, mill_lane):
    page = client.get(NEW, {"q": "Mill Lane"}).content.decode()

    assert _lines(page)[:3] == [
        "1 Mill Lane, Northbridge NB1 2AB",
        "2 Mill Lane, Northbridge NB1 2AB",
        "3 Mill Lane, Northbridge NB1 2AB",
    ]
    assert len(_lines(page)) == 10
    assert "24 addresses found: select one" in page
    assert "Showing 1 to 10 of 24." in page
    assert 'href="?q=Mill+Lane&amp;page=2" rel="next"' in page
    assert 'rel="prev"' not in page


def test_last_page_has_the_other_streets_after_the_one_asked_for(client, mill_lane):
    page = client.get(NEW, {"q": "Mill Lane", "page": "3"}).content.decode()

    assert _lines(page) == [
        "21 Mill Lane, Northbridge NB1 2AB",
        "22 Mill Lane, Northbridge NB1 2AB",
        "23 Mill Lane, Northbridge NB1 2AB",
        "1 Old Mill Lane, Northbridge NB1 3CD",
    ]
    assert "Showing 21 to 24 of 24." in page
    assert 'href="?q=Mill+Lane&amp;page=2" rel="prev"' in page and 'rel="next"' not in page


def test_an_address_on_a_later_page_can_be_chosen(client, mill_lane):
    response = client.post(NEW, {"q": "Mill Lane", "page": "3", "address": "OM1"})

    assert response.status_code == 302
    assert client.session[DRAFT_SESSION_KEY]["address_id"] == "OM1"


def test_an_address_the_search_does_not_find_is_refused(client, mill_lane):
    response = client.post(NEW, {"q": "Old Mill", "address": "ML05"})

    assert response.status_code == 400
    assert "Select an address from the list" in response.content.decode()


def test_the_change_flag_survives_paging(client, mill_lane):
    page = client.get(NEW, {"q": "Mill Lane", "change": "1"}).content.decode()
    assert 'href="?q=Mill+Lane&amp;change=1&amp;page=2"' in page


def test_one_page_of_results_has_no_page_links(client, mill_lane):
    page = client.get(NEW, {"q": "Old Mill"}).content.decode()
    assert "Showing 1 address." in page and "govuk-pagination" not in page
