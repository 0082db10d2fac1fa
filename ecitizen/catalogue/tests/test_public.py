"""The public catalogue: search, browse, start pages. Only published versions are ever shown."""

from __future__ import annotations

import pytest
from django.http import Http404

from ecitizen.catalogue.selectors import published_services, service_for_apply
from ecitizen.catalogue.services import service_create, service_publish, service_retire, service_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def bus_pass(admin_a, agency_a, other_category, service_data):
    data = {
        **service_data,
        "title": {"en": "Apply for a bus pass", "es": "Solicitar un pase de autobús"},
        "summary": {"en": "Free travel on buses.", "es": "Viaje gratis en autobús."},
        "description": {},
        "category": other_category,
        "life_events": [],
        "fee_amount": 0,
    }
    from ecitizen.catalogue.services import service_form_update
    from ecitizen.catalogue.tests.conftest import PARKING_FORM

    service = service_create(actor=admin_a, agency=agency_a, data=data)
    service_form_update(actor=admin_a, service=service, form=PARKING_FORM)
    service_publish(actor=admin_a, service=service)
    return service


def found(client, query) -> str:
    return client.get("/services/", {"q": query}).content.decode()


@pytest.mark.parametrize(
    ("query", "parking", "bus"),
    [
        ("parking", True, False),
        ("PARKING Permit", True, False),
        ("parking bus", False, False),  # every word must match
        ("aparcamiento", True, False),  # Spanish title
        ("autobús", False, True),
        ("autobus", False, True),  # accents are optional
        ("mudarse", True, False),  # a life event's name
        ("transporte", False, True),  # a category's name
        ("apply", True, True),
        ("100%", False, False),
    ],
)
def test_search_matches_every_word_in_any_language(client, published_service, bus_pass, query, parking, bus):
    page = found(client, query)
    assert ("Apply for a resident parking permit" in page) is parking
    assert ("Apply for a bus pass" in page) is bus


def test_search_shows_how_many_were_found(client, published_service, bus_pass):
    assert "2 services found for “apply”" in found(client, "apply")
    assert "1 service found for “parking”" in found(client, "parking")
    assert "0 services found for “zebra”" in found(client, "zebra")


def test_search_finds_only_published_services(client, admin_a, agency_a, service_data, published_service):
    service_create(actor=admin_a, agency=agency_a, data={**service_data, "title": {"en": "Secret parking draft"}})
    assert "Secret parking draft" not in found(client, "parking")
    service_retire(actor=admin_a, service=published_service)
    assert "resident parking permit" not in found(client, "parking")


def test_a_too_long_query_is_an_error_not_a_crash(client, published_service):
    response = client.get("/services/", {"q": "x" * 201})
    assert response.status_code == 200
    assert "Enter 200 characters or fewer" in response.content.decode()


def test_the_index_lists_categories_and_life_events_in_use(client, published_service, bus_pass):
    page = client.get("/services/").content.decode()
    assert 'href="/services/category/parking-and-roads/"' in page
    assert 'href="/services/category/transport/"' in page
    assert 'href="/services/life-event/moving-house/"' in page


def test_browse_by_category_and_life_event(client, published_service, bus_pass):
    parking = client.get("/services/category/parking-and-roads/").content.decode()
    assert "Apply for a resident parking permit" in parking and "bus pass" not in parking
    moving = client.get("/services/life-event/moving-house/").content.decode()
    assert "Apply for a resident parking permit" in moving and "bus pass" not in moving
    assert client.get("/services/category/nope/").status_code == 404
    assert client.get("/services/life-event/nope/").status_code == 404


def test_draft_changes_do_not_reach_the_public(client, admin_a, published_service, other_category):
    service_update(
        actor=admin_a, service=published_service, data={"title": {"en": "Renamed draft"}, "category": other_category}
    )
    start = client.get(f"/services/{published_service.slug}/").content.decode()
    assert "Apply for a resident parking permit" in start and "Renamed draft" not in start
    assert [s.pk for s in published_services(category="parking-and-roads")] == [published_service.pk]
    assert list(published_services(category=other_category)) == []


def test_start_page_shows_the_terms_and_a_start_button(client, published_service):
    page = client.get(f"/services/{published_service.slug}/").content.decode()
    assert '<h1 class="govuk-heading-xl">Apply for a resident parking permit</h1>' in page
    assert "It costs £30.00." in page
    assert "We’ll decide within 10 working days of receiving your application." in page
    assert "Your registration number" in page
    assert "You need an account with a verified identity." in page
    assert "It is valid for 365 days." in page
    assert f'href="/applications/start/{published_service.slug}/"' in page
    assert "govuk-button--start" in page


def test_free_services_say_so(client, bus_pass):
    assert "This service is free." in client.get(f"/services/{bus_pass.slug}/").content.decode()


def test_start_page_in_spanish_falls_back_to_english_per_text(client, published_service):
    client.cookies["ecitizen_language"] = "es"
    page = client.get(f"/services/{published_service.slug}/").content.decode()
    assert "Solicitar un permiso de aparcamiento" in page
    assert "30,00\u00a0GBP" in page
    # no Spanish description: the English one is marked as English for screen readers
    assert '<div lang="en" dir="ltr"><p class="govuk-body">One permit per vehicle.</p></div>' in page


def test_unpublished_services_have_no_start_page(client, draft_service):
    assert client.get(f"/services/{draft_service.slug}/").status_code == 404
    with pytest.raises(Http404):
        service_for_apply(draft_service.slug)


def test_service_for_apply_returns_the_current_version(admin_a, published_service):
    service, version = service_for_apply(published_service.slug)
    assert (service, version.number) == (published_service, 1)
    service_publish(actor=admin_a, service=published_service)
    assert service_for_apply(published_service.slug)[1].number == 2
