"""Fixtures for Report a problem: a small city with two districts, a road authority, categories.

The city (agency_a, "City Council") serves two districts of Northbridge:
Old Town (lat 52.020-52.040, lng 0.000-0.020) and Millbrook (lat 52.000-52.020,
same longitudes). The Transport Agency (agency_b) serves a narrow ring-road
corridor across both (lng 0.009-0.011) and handles pot-holes only. North of
the city lies a common looked after by a body that is not on the platform.
"""

from __future__ import annotations

import pytest

from ecitizen.reports.models import Area, Category


def square(min_lng: float, min_lat: float, max_lng: float, max_lat: float) -> dict:
    ring = [[min_lng, min_lat], [max_lng, min_lat], [max_lng, max_lat], [min_lng, max_lat], [min_lng, min_lat]]
    return {"type": "MultiPolygon", "coordinates": [[ring]]}


def make_area(agency, name: str, geometry: dict, **extra) -> Area:
    area = Area(agency=agency, name={"en": name}, **extra)
    area.set_geometry(geometry)
    area.save()
    return area


OLD_TOWN = (52.030, 0.005)  # inside Old Town, outside the ring road
MILLBROOK = (52.010, 0.005)
RING_ROAD = (52.030, 0.010)  # inside Old Town and the ring road
COMMON = (52.050, 0.010)  # north of the city: the common
NOWHERE = (10.0, 10.0)


@pytest.fixture
def city(agency_a):
    return {
        "old_town": make_area(agency_a, "Old Town", square(0.000, 52.020, 0.020, 52.040)),
        "millbrook": make_area(agency_a, "Millbrook", square(0.000, 52.000, 0.020, 52.020)),
    }


@pytest.fixture
def ring_road(agency_b, city):
    return make_area(agency_b, "Ring road", square(0.009, 52.000, 0.011, 52.040))


@pytest.fixture
def common(db):
    return make_area(
        None,
        "Northbridge Common",
        square(0.000, 52.040, 0.020, 52.060),
        responsible_name={"en": "Commons Conservators"},
        responsible_contact="01234 567890",
    )


@pytest.fixture
def pothole(agency_a, city):
    return Category.objects.create(
        agency=agency_a,
        code="pothole",
        name={"en": "Pot-hole", "es": "Bache"},
        guidance={"en": "Tell us how deep it is."},
        group={"en": "Roads"},
        response_days=5,
        questions=[
            {
                "code": "depth",
                "label": {"en": "How deep is it?"},
                "datatype": "singlevaluelist",
                "required": True,
                "values": [
                    {"key": "shallow", "name": {"en": "Less than 5 cm"}},
                    {"key": "deep", "name": {"en": "5 cm or more"}},
                ],
            }
        ],
    )


@pytest.fixture
def streetlight(agency_a, city):
    return Category.objects.create(
        agency=agency_a,
        code="streetlight",
        name={"en": "Street light not working"},
        group={"en": "Lighting"},
        response_days=10,
        questions=[
            {"code": "lamp_post", "label": {"en": "Which lamp-post number?"}, "datatype": "string", "required": True}
        ],
    )


@pytest.fixture
def pothole_b(agency_b, ring_road):
    return Category.objects.create(
        agency=agency_b, code="pothole", name={"en": "Pot-hole on a main road"}, response_days=2
    )


@pytest.fixture
def make_report(citizen, pothole):
    """Make a confirmed report through the service, as a signed-in citizen unless told otherwise."""
    from ecitizen.reports.services import report_create

    def make(**overrides):
        values = {
            "actor": citizen,
            "service_code": "pothole",
            "latitude": OLD_TOWN[0],
            "longitude": OLD_TOWN[1],
            "title": "Deep pot-hole",
            "description": "A deep pot-hole by the bus stop.",
            "answers": {"depth": "deep"},
        }
        values.update(overrides)
        return report_create(**values)

    return make


@pytest.fixture
def moderator_a(make_user, with_mfa, agency_a):
    """A moderator of the city: hides and shows its reports, works none of them."""
    from ecitizen.agencies.models import Membership

    user = make_user("moderator@council.example")
    Membership.objects.create(user=user, agency=agency_a, role="moderator")
    with_mfa(user)
    return user
