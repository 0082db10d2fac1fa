"""Routing: which agency gets a report at a point, and what people are told when none does."""

from __future__ import annotations

import pytest
from django.utils import translation

from ecitizen.reports.models import Category
from ecitizen.reports.routing import NoRoute, Route, areas_at, categories_at, route
from ecitizen.reports.tests.conftest import COMMON, MILLBROOK, NOWHERE, OLD_TOWN, RING_ROAD, make_area, square

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


def test_a_point_in_a_district_goes_to_the_city_council(pothole, city, agency_a):
    routed = route("pothole", *OLD_TOWN)

    assert isinstance(routed, Route)
    assert routed.category == pothole
    assert routed.category.agency == agency_a
    assert routed.area == city["old_town"]


def test_the_district_is_the_one_holding_the_point(pothole, city):
    assert route("pothole", *MILLBROOK).area == city["millbrook"]


def test_on_the_ring_road_a_pothole_goes_to_the_transport_agency(pothole, pothole_b, ring_road, agency_b):
    # the point is in Old Town and in the ring road's corridor; the smaller area wins
    assert {a.pk for a in areas_at(*RING_ROAD)} >= {ring_road.pk}

    routed = route("pothole", *RING_ROAD)

    assert isinstance(routed, Route)
    assert routed.category == pothole_b
    assert routed.category.agency == agency_b
    assert routed.area == ring_road


def test_areas_at_lists_the_smaller_area_first(city, ring_road):
    assert areas_at(*RING_ROAD) == [ring_road, city["old_town"]]
    assert areas_at(*OLD_TOWN) == [city["old_town"]]


def test_on_the_ring_road_a_street_light_goes_to_the_city_which_alone_handles_it(
    streetlight, pothole_b, ring_road, city, agency_a
):
    routed = route("streetlight", *RING_ROAD)

    assert isinstance(routed, Route)
    assert routed.category == streetlight
    assert routed.category.agency == agency_a
    assert routed.area == city["old_town"]


def test_a_point_outside_every_area_is_told_so(pothole):
    routed = route("pothole", *NOWHERE)

    assert isinstance(routed, NoRoute)
    assert routed.message == "This place is outside the areas that agencies on this service look after."
    assert routed.responsible == []


def test_a_point_in_the_common_names_who_is_responsible(pothole, common):
    routed = route("pothole", *COMMON)

    assert isinstance(routed, NoRoute)
    assert routed.responsible == ["Commons Conservators (01234 567890)"]
    assert routed.message == (
        "This place is not looked after by an agency on this service. Contact Commons Conservators (01234 567890)."
    )


def test_the_responsible_body_is_named_in_the_visitors_language(pothole, common):
    common.responsible_name = {"en": "Commons Conservators", "es": "Conservadores del Común"}
    common.save()

    with translation.override("es"):
        routed = route("pothole", *COMMON)

    assert routed.responsible == ["Conservadores del Común (01234 567890)"]


def test_agencies_that_do_not_handle_the_kind_of_problem_are_named(streetlight, city):
    # City Council looks after Old Town but has no graffiti category
    routed = route("graffiti", *OLD_TOWN)

    assert isinstance(routed, NoRoute)
    assert routed.message == (
        "No agency that looks after this place deals with this kind of problem here. "
        "It is looked after by: City Council."
    )


def test_the_area_of_an_inactive_agency_is_ignored(pothole, pothole_b, ring_road, agency_b, city):
    agency_b.is_active = False
    agency_b.save()

    routed = route("pothole", *RING_ROAD)

    assert isinstance(routed, Route)
    assert routed.category == pothole
    assert routed.area == city["old_town"]
    assert ring_road not in areas_at(*RING_ROAD)


def test_an_inactive_area_is_ignored(pothole, pothole_b, ring_road, city):
    ring_road.is_active = False
    ring_road.save()

    assert route("pothole", *RING_ROAD).category == pothole


def test_an_inactive_category_is_ignored(pothole, pothole_b, ring_road):
    pothole_b.is_active = False
    pothole_b.save()

    assert route("pothole", *RING_ROAD).category == pothole

    pothole.is_active = False
    pothole.save()

    routed = route("pothole", *RING_ROAD)
    assert isinstance(routed, NoRoute)
    assert "deals with this kind of problem here" in routed.message


def test_of_two_areas_of_equal_size_the_first_created_wins(agency_a, agency_b, pothole, pothole_b):
    # pothole's fixture made Old Town and Millbrook for agency_a; agency_b gets an identical Old Town later
    twin = make_area(agency_b, "Old Town again", square(0.000, 52.020, 0.020, 52.040))

    routed = route("pothole", *OLD_TOWN)

    assert routed.category == pothole
    assert routed.area != twin


def test_categories_at_offers_one_category_per_code(pothole, streetlight, pothole_b, ring_road):
    on_the_ring_road = categories_at(*RING_ROAD)

    assert sorted(c.code for c in on_the_ring_road) == ["pothole", "streetlight"]
    # the pot-hole choice is the Transport Agency's, which would get the report there
    assert next(c for c in on_the_ring_road if c.code == "pothole") == pothole_b
    assert next(c for c in on_the_ring_road if c.code == "streetlight") == streetlight

    in_old_town = categories_at(*OLD_TOWN)
    assert {c.pk for c in in_old_town} == {pothole.pk, streetlight.pk}


def test_categories_at_skips_inactive_categories_and_places_nobody_serves(pothole, streetlight, common):
    Category.objects.filter(pk=streetlight.pk).update(is_active=False)

    assert categories_at(*OLD_TOWN) == [pothole]
    assert categories_at(*COMMON) == []
    assert categories_at(*NOWHERE) == []


def test_categories_are_offered_in_their_set_order(pothole, streetlight):
    Category.objects.filter(pk=streetlight.pk).update(position=0)
    Category.objects.filter(pk=pothole.pk).update(position=1)

    assert [c.code for c in categories_at(*OLD_TOWN)] == ["streetlight", "pothole"]


def test_a_report_is_linked_to_every_area_that_contains_it(make_report, city, ring_road, pothole_b):
    report = make_report(latitude=RING_ROAD[0], longitude=RING_ROAD[1], answers={})

    assert set(report.area_links.values_list("area_id", flat=True)) == {city["old_town"].pk, ring_road.pk}


def test_an_area_drawn_later_is_linked_to_the_reports_already_inside_it(
    make_report, admin_a, agency_a, django_capture_on_commit_callbacks
):
    from ecitizen.reports.admin_services import areas_import
    from ecitizen.reports.selectors import Filters, reports_for_list

    inside, outside = make_report(), make_report(latitude=MILLBROOK[0], longitude=MILLBROOK[1])
    with django_capture_on_commit_callbacks(execute=True):
        (square_area,) = areas_import(
            actor=admin_a,
            agency=agency_a,
            data={
                "type": "Polygon",
                "coordinates": [[[0.004, 52.029], [0.006, 52.029], [0.006, 52.031], [0.004, 52.031], [0.004, 52.029]]],
            },
            name={"en": "Bus stop corner"},
        )

    found = list(reports_for_list(Filters(area=square_area)))
    assert found == [inside] and outside not in found
