"""The site search page, /search/: results by kind, counts, pagination, no results, escaping, languages."""

from __future__ import annotations

import re

import pytest
from django.utils.translation import gettext_lazy as _

from ecitizen.search.registry import Entry, IndexedProvider, Provider, register, unregister

pytestmark = pytest.mark.django_db


def page(client, **params) -> str:
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_the_empty_search_page_has_the_box_and_places_to_go(client):
    html = page(client)
    assert '<label class="govuk-label govuk-label--s" for="id_q">Search this site</label>' in html
    assert 'href="/reports/new/"' in html and 'href="/fees/"' in html and 'href="/documents/verify/"' in html
    assert '<meta name="robots" content="noindex">' in html


@pytest.mark.parametrize("query", ["pothole", "potholes", "Pot-holes", "POTHOLE"])
def test_pothole_finds_the_kind_of_problem_and_starts_a_report_of_it(client, pothole, query):
    html = page(client, q=query)
    assert 'href="/reports/new/?category=pothole">Pot-hole</a>' in html
    assert "Problems to report" in html
    # The group with the best result comes first.
    assert html.index("Problems to report") < html.index('id="search-group-pages"')


def test_report_a_problem_finds_the_page_and_every_kind_of_problem(client, pothole):
    html = page(client, q="report a problem")
    assert 'href="/reports/new/">Report a problem</a>' in html
    assert 'href="/reports/new/?category=pothole"' in html


@pytest.mark.parametrize("query", ["tax", "taxes"])
def test_tax_finds_the_tax_and_the_fee_schedule(client, property_tax, query):
    html = page(client, q=query)
    assert f'href="/fees/#tax-{property_tax.pk}">Property tax</a>' in html
    assert 'href="/fees/">Fees and taxes</a>' in html
    # The link lands on the tax's heading in the fee schedule.
    assert f'id="tax-{property_tax.pk}"' in client.get("/fees/").content.decode()


def test_services_are_found_in_the_readers_language_with_their_fee(client, make_service):
    make_service(
        "resident-parking-permit",
        {"en": "Apply for a resident parking permit", "fr": "Demander un permis de stationnement résident"},
        {"en": "Park near your home.", "fr": "Stationnez près de chez vous."},
        fee=3000,
    )
    html = page(client, q="parking permits")
    assert 'href="/services/resident-parking-permit/">Apply for a resident parking permit</a>' in html
    assert "Fee £30.00" in html
    french = client.get("/search/", {"q": "permis", "lang": "fr"}).content.decode()
    assert ">Demander un permis de stationnement résident</a>" in french


def test_a_text_missing_in_the_readers_language_falls_back_and_says_its_language(client, make_service):
    make_service("bus-pass", {"en": "Apply for a bus pass"})
    html = client.get("/search/", {"q": "bus", "lang": "es"}).content.decode()
    assert '<a class="govuk-link" href="/services/bus-pass/" lang="en">Apply for a bus pass</a>' in html


def test_spanish_and_arabic(client, property_tax, pothole):
    spanish = client.get("/search/", {"q": "impuestos", "lang": "es"}).content.decode()
    assert ">Impuesto sobre bienes inmuebles</a>" in spanish
    arabic = client.get("/search/", {"q": "ضريبة", "lang": "ar"}).content.decode()
    assert ">ضريبة العقارات</a>" in arabic and 'dir="rtl"' in arabic
    assert ">حفرة في الطريق</a>" in client.get("/search/", {"q": "حفرة", "lang": "ar"}).content.decode()


def test_counts_per_kind_and_all_results(client, pothole, property_tax):
    html = page(client, q="report problem")
    total = re.search(r"(\d+) results for “report problem”", html)
    assert total is not None
    counts = [int(n) for n in re.findall(r"\((\d+)\)</(?:a|span)>", html)]
    # "All results (N)" first, then one link per kind whose counts add up to N.
    assert counts[0] == int(total.group(1)) == sum(counts[1:])
    assert 'aria-current="page">All results' in html


def test_a_kind_is_paginated_and_the_all_page_shows_five_of_each(client, agency_a):
    from ecitizen.payments.models import Tax

    for i in range(25):
        Tax.objects.create(agency=agency_a, code=f"levy-{i}", name={"en": f"Levy number {i}"}, rate_basis_points=10)
    everything = page(client, q="levy")
    assert everything.count('href="/fees/#tax-') == 5
    assert "See all 25 results in Fees and taxes" in everything
    first = page(client, q="levy", kind="fees")
    assert first.count('href="/fees/#tax-') == 20
    assert "Page 1 of 2" in first and 'href="?q=levy&amp;kind=fees&amp;page=2"' in first
    second = page(client, q="levy", kind="fees", page="2")
    assert second.count('href="/fees/#tax-') == 5
    assert page(client, q="levy", kind="fees", page="99").count('href="/fees/#tax-') == 5  # the last page
    assert page(client, q="levy", kind="fees", page="x").count('href="/fees/#tax-') == 20


def test_an_unknown_kind_is_ignored(client, pothole):
    html = page(client, q="pothole", kind="<nope>")
    assert "Problems to report" in html and 'name="kind"' not in html and 'aria-current="page">All results' in html


def test_no_results_explains_and_suggests_a_spelling(client, pothole):
    html = page(client, q="pothle")
    assert "0 results for “pothle”" in html
    assert "There are no matching results" in html
    assert '<a class="govuk-link" href="/search/?q=pothole">pothole</a>' in html
    assert "using fewer words" in html and 'href="/reports/new/"' in html


def test_when_no_result_has_every_word_some_words_are_enough(client, pothole):
    html = page(client, q="pothole zebra")
    assert "No results contain all of your words" in html
    assert 'href="/reports/new/?category=pothole"' in html


def test_the_query_is_escaped_everywhere(client, pothole):
    attack = '"><script>alert(1)</script>'
    html = page(client, q=attack + " pothole")
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '"><script>' not in html


def test_a_too_long_query_is_a_field_error_not_a_crash(client):
    html = page(client, q="x" * 201)
    assert "Enter 200 characters or fewer" in html
    assert 'class="govuk-error-summary"' in html and 'href="#id_q"' in html


def test_the_search_is_get_only(client):
    assert client.post("/search/", {"q": "tax"}).status_code == 405


def test_a_few_queries_whatever_is_found(client, pothole, property_tax, django_assert_max_num_queries):
    page(client, q="tax")  # builds the indexes
    # One query per indexed provider (its fingerprint), and the rest of the page's; the 13th came
    # with participatory budgeting's provider.
    with django_assert_max_num_queries(13):
        page(client, q="pothole")


class _Consultations(IndexedProvider):
    kind = "consultations"
    label = _("Consultations")
    order = 50

    def entries(self, language):
        yield Entry(key=1, title="Have your say on the new cycle lanes", url="/consultations/1/", keywords="bike")


class _Broken(Provider):
    kind = "broken"
    label = "Broken"

    def search(self, query):
        raise RuntimeError("down")


def test_an_app_registers_a_provider_and_a_broken_one_breaks_nothing(client, pothole):
    register(_Consultations())
    register(_Broken())
    try:
        html = page(client, q="bikes")
        assert 'href="/consultations/1/">Have your say on the new cycle lanes</a>' in html
        assert "Consultations" in html
        assert 'href="/reports/new/?category=pothole"' in page(client, q="pothole")
    finally:
        unregister("consultations")
        unregister("broken")


def test_a_new_entry_is_found_at_once(client, agency_a):
    from ecitizen.payments.models import Tax

    assert "0 results" in page(client, q="dogs")
    Tax.objects.create(agency=agency_a, code="dog", name={"en": "Dog licence duty"}, rate_basis_points=10)
    assert ">Dog licence duty</a>" in page(client, q="dogs")


def test_a_problem_result_starts_a_report_of_that_kind(client, pothole):
    from ecitizen.reports.report_views import DRAFT_SESSION_KEY

    client.get("/reports/new/", {"category": "pothole"})
    assert client.session[DRAFT_SESSION_KEY]["category"] == "pothole"
    client.get("/reports/new/", {"category": "not-a-kind"})
    assert client.session[DRAFT_SESSION_KEY]["category"] == "pothole"


def test_the_catalogue_search_uses_the_same_matcher_and_points_to_the_site_search(client, make_service):
    make_service("resident-parking-permit", {"en": "Apply for a resident parking permit"})
    html = client.get("/services/", {"q": "permits"}).content.decode()
    assert "1 service found for “permits”" in html
    pothole = client.get("/services/", {"q": "pothole"}).content.decode()
    assert "0 services found for “pothole”" in pothole
    assert 'href="/search/?q=pothole">Search the whole site for “pothole”</a>' in pothole


def test_the_box_in_every_page_sends_to_the_search(client):
    html = client.get("/").content.decode()
    assert 'action="/search/"' in html
    assert 'name="q"' in html


def test_the_footer_links_to_what_exists(client):
    footer = client.get("/").content.decode().split('<footer class="govuk-footer">')[1]
    for href in ("/search/", "/services/", "/reports/new/", "/fees/", "/payments/", "/documents/verify/"):
        assert f'href="{href}"' in footer, href
    for href in ("/privacy/", "/cookies/", "/accessibility/"):
        assert f'href="{href}"' in footer, href


def test_a_suggestion_leaves_out_words_nothing_is_spelt_like(client, pothole):
    assert '<a class="govuk-link" href="/search/?q=pothole">pothole</a>' in page(client, q="<b>pothle</b>")


def test_whole_words_first_across_kinds_then_starts_of_words(client, make_service, property_tax):
    make_service("taxi-driver-licence", {"en": "Apply for a taxi driver licence"})
    tax = page(client, q="tax")
    assert ">Property tax</a>" in tax and "taxi driver" not in tax
    assert ">Apply for a taxi driver licence</a>" in page(client, q="taxi")
    assert ">Apply for a taxi driver licence</a>" in page(client, q="driv")  # no whole word: a start will do


def test_a_long_misspelt_query_costs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    client.get("/search/", {"q": "warm"})  # the indexes are built once
    long_query = " ".join(f"xqzv{i}pothol" for i in range(23))
    with django_assert_max_num_queries(20):
        response = client.get("/search/", {"q": long_query})
    assert response.status_code == 200


def test_searching_is_rate_limited_per_client(client, settings):
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    from django.core.cache import cache

    cache.clear()
    statuses = [client.get("/search/", {"q": f"tax {i}"}).status_code for i in range(125)]
    assert statuses.count(429) >= 1 and statuses[0] == 200
