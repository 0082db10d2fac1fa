"""``/services/`` as most visitors see it: the categories in use (one query) and the search box
(rendered once per process while it is empty)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def test_categories_in_use_are_those_of_published_versions_in_order(
    admin_a, published_service, draft_service, category, other_category
):
    from ecitizen.catalogue.models import Category
    from ecitizen.catalogue.selectors import categories_in_use

    Category.objects.create(slug="unused", name={"en": "Nothing here"}, position=0)
    first = Category.objects.create(slug="zz-first", name={"en": "First"}, position=0)
    Category.objects.filter(pk=category.pk).update(position=1)
    # A second published service, in a category shown before the parking one.
    from ecitizen.catalogue.services import service_create, service_form_update, service_publish
    from ecitizen.catalogue.tests.conftest import PARKING_FORM

    other = service_create(
        actor=admin_a,
        agency=published_service.agency,
        data={**_data(published_service), "category": first, "title": {"en": "Other"}},
    )
    other = service_form_update(actor=admin_a, service=other, form=PARKING_FORM)
    service_publish(actor=admin_a, service=other)
    with CaptureQueriesContext(connection) as read:
        found = categories_in_use()
    assert [c.slug for c in found] == ["zz-first", category.slug]  # position, then slug; no "unused"
    assert len(read.captured_queries) == 1
    assert other_category not in found  # no published service in it


def _data(service):
    return {
        "title": service.title,
        "summary": service.summary,
        "description": service.description,
        "documents_required": service.documents_required,
        "category": service.category,
        "life_events": [],
        "identity_level": service.identity_level,
        "fee_amount": 0,
        "fee_currency": "GBP",
        "deadline_working_days": 10,
        "issues": service.issues,
        "validity_days": service.validity_days,
    }


def test_a_draft_category_change_moves_nothing_until_published(client, admin_a, published_service, other_category):
    from ecitizen.catalogue.services import service_publish, service_update

    service_update(actor=admin_a, service=published_service, data={"category": other_category})
    page = client.get("/services/").content.decode()
    assert 'href="/services/category/parking-and-roads/"' in page
    assert 'href="/services/category/transport/"' not in page
    service_publish(actor=admin_a, service=published_service)
    page = client.get("/services/").content.decode()
    assert 'href="/services/category/transport/"' in page
    assert 'href="/services/category/parking-and-roads/"' not in page


def test_the_search_box_keeps_what_was_searched_for(client, published_service):
    def box(page):  # the catalogue's own search field (the header has the site's)
        return page.split('id="id_q"', 1)[1].split(">", 1)[0]

    empty = client.get("/services/").content.decode()
    assert "value=" not in box(empty)
    searched = client.get("/services/", {"q": "parking"}).content.decode()
    assert 'value="parking"' in box(searched)
    too_long = client.get("/services/", {"q": "x" * 201}).content.decode()
    assert "Enter 200 characters or fewer" in too_long
    # ...and the empty box is empty again, in the reader's language.
    again = client.get("/services/").content.decode()
    assert "value=" not in box(again) and "Enter 200 characters or fewer" not in again
    spanish = client.get("/services/", {"lang": "es"}, follow=True).content.decode()
    assert "Search for a service" not in spanish.split("</header>", 1)[-1]
