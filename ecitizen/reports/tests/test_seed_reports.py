"""The demo: Northbridge's districts, ring road and common, categories in four languages, sample reports."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import translation

from ecitizen.core.models import AuditLog
from ecitizen.reports.models import Area, Category, Report, ReportUpdate, Status, UpdateKind
from ecitizen.reports.routing import NoRoute, Route, route

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def demo_people(citizen, other_citizen, make_user, caseworker_a, caseworker_b):
    return make_user("lucia@example.org", given_name="Lucía", family_name="García", preferred_language="es")


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_reports", *args, stdout=out)
    return out.getvalue()


def test_without_the_demo_agencies_nothing_is_loaded(db):
    output = seed()

    assert "no agency 'city-council'" in output
    assert Area.objects.count() == Category.objects.count() == Report.objects.count() == 0


def test_areas_and_categories(agency_a, agency_b):
    output = seed("--no-reports")

    districts = Area.objects.filter(agency=agency_a)
    assert sorted(a.name["en"] for a in districts) == [
        "Eastgate",
        "Hillcrest",
        "Millbrook",
        "Old Town",
        "Riverside",
        "Southfield",
    ]
    for area in Area.objects.all():
        assert set(area.name) == {"en", "es", "fr", "ar"}
    road = Area.objects.get(agency=agency_b)
    assert road.name["en"] == "Northbridge Ring Road"
    common = Area.objects.get(agency=None)
    assert common.responsible_name["en"] == "Commons Conservators"
    assert common.responsible_contact
    assert common.min_lat == 52.040 and common.max_lat == 52.055

    assert sorted(Category.objects.filter(agency=agency_a).values_list("code", "response_days")) == [
        ("flytipping", 3),
        ("graffiti", 10),
        ("pothole", 5),
        ("streetlight", 10),
    ]
    assert sorted(Category.objects.filter(agency=agency_b).values_list("code", flat=True)) == ["pothole", "streetlight"]
    assert Category.objects.get(agency=agency_b, code="pothole").name["en"] == "Pot-hole on the ring road"
    assert Category.objects.get(agency=agency_b, code="pothole").response_days == 2
    for category in Category.objects.all():
        for texts in (category.name, category.guidance, category.group):
            assert set(texts) == {"en", "es", "fr", "ar"}
            assert len(set(texts.values())) >= 3, texts  # translated, not copied
        for question in category.questions:
            assert set(question["label"]) == {"en", "es", "fr", "ar"}
    lamp = Category.objects.get(agency=agency_a, code="streetlight").questions[0]
    assert (lamp["code"], lamp["datatype"], lamp["required"]) == ("lamp_post", "string", True)
    assert lamp["label"]["en"] == "Which lamp-post number?"
    what = Category.objects.get(agency=agency_a, code="flytipping").questions[0]
    assert [v["key"] for v in what["values"]] == ["household", "building", "garden", "other"]
    offensive = Category.objects.get(agency=agency_a, code="graffiti").questions[0]
    assert [v["key"] for v in offensive["values"]] == ["yes", "no"]
    assert "8 areas and 6 categories added or changed" in output
    assert Report.objects.count() == 0


@pytest.mark.parametrize(
    ("lat", "lng", "district"),
    [
        (52.035, 0.005, "Old Town"),
        (52.035, 0.030, "Riverside"),
        (52.035, 0.055, "Hillcrest"),
        (52.005, 0.005, "Millbrook"),
        (52.005, 0.030, "Eastgate"),
        (52.005, 0.055, "Southfield"),
    ],
)
def test_each_district_routes_to_the_city_council(agency_a, agency_b, lat, lng, district):
    seed("--no-reports")

    routed = route("graffiti", lat, lng)

    assert isinstance(routed, Route)
    assert routed.category.agency == agency_a
    assert routed.area.name["en"] == district


def test_the_ring_road_goes_to_the_transport_agency(agency_a, agency_b):
    seed("--no-reports")
    on_the_road = (52.030, 0.025)  # its northern side, in Riverside
    inside_the_ring = (52.020, 0.030)

    assert route("pothole", *on_the_road).category.agency == agency_b
    assert route("streetlight", *on_the_road).category.agency == agency_b
    assert route("graffiti", *on_the_road).category.agency == agency_a  # the road authority does not do graffiti
    assert route("pothole", *inside_the_ring).category.agency == agency_a
    # about 30 m either side of the centre line is the road; 50 m is not
    assert route("pothole", 52.030 + 0.00025, 0.025).category.agency == agency_b
    assert route("pothole", 52.030 + 0.00045, 0.025).category.agency == agency_a


def test_the_common_names_its_conservators(agency_a, agency_b):
    seed("--no-reports")

    routed = route("pothole", 52.047, 0.030)

    assert isinstance(routed, NoRoute)
    assert "Commons Conservators" in routed.message
    assert "01632 960 400" in routed.message


def test_sample_reports_tell_varied_stories(
    agency_a, agency_b, demo_people, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        output = seed()

    reports = Report.objects.all()
    assert 35 <= reports.count() <= 45
    assert "sample reports added" in output and "/reports/" in output
    statuses = Counter(reports.values_list("status", flat=True))
    assert set(statuses) == set(Status.values)
    assert statuses[Status.OPEN] > statuses[Status.FIXED]
    assert all(r.is_public and r.confirmed_at and r.due_at for r in reports)
    assert reports.filter(agency=agency_b).exists()  # some on the ring road
    assert len(set(reports.values_list("area", flat=True))) >= 6  # spread over the city
    assert reports.filter(language="es").exists()
    assert reports.filter(reporter__isnull=True, reporter_email="sam.visitor@example.org", name_hidden=True).exists()

    scheduled = ReportUpdate.objects.filter(new_status=Status.ACTION_SCHEDULED, is_public=True).first()
    assert scheduled.text == "We have scheduled a repair for next week."
    assert all(r.responsible_body for r in reports.filter(status=Status.NOT_RESPONSIBLE))
    for duplicate in reports.filter(status=Status.DUPLICATE):
        assert duplicate.duplicate_of is not None and duplicate.duplicate_of.status != Status.DUPLICATE
    reopened = reports.get(reopened_at__isnull=False)
    assert reopened.status == Status.OPEN
    assert list(reopened.updates.values_list("kind", flat=True)) == [UpdateKind.STATUS, UpdateKind.REOPENED]
    # the histories are dated after their reports, not all today
    for update in ReportUpdate.objects.filter(kind=UpdateKind.STATUS).select_related("report"):
        assert update.created_at >= update.report.created_at
    assert ReportUpdate.objects.filter(kind=UpdateKind.STATUS).values("created_at").distinct().count() > 5
    # the demo sends no email
    assert mailoutbox == []


def test_seeding_again_adds_nothing(agency_a, agency_b, demo_people):
    seed()
    counts = (Area.objects.count(), Category.objects.count(), Report.objects.count(), ReportUpdate.objects.count())
    last = AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first()

    output = seed()

    assert (Area.objects.count(), Category.objects.count(), Report.objects.count(), ReportUpdate.objects.count()) == (
        counts
    )
    assert AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() == last
    assert "0 areas and 0 categories added or changed, 0 sample reports added" in output


def test_a_changed_category_is_brought_back_to_the_demo(agency_a, agency_b):
    seed("--no-reports")
    Category.objects.filter(agency=agency_a, code="pothole").update(response_days=30, is_active=False)

    output = seed("--no-reports")

    pothole = Category.objects.get(agency=agency_a, code="pothole")
    assert (pothole.response_days, pothole.is_active) == (5, True)
    assert "0 areas and 1 categories added or changed" in output


def test_without_the_demo_accounts_there_are_no_sample_reports(agency_a, agency_b):
    output = seed()

    assert "demo accounts missing" in output
    assert Report.objects.count() == 0
    assert Area.objects.count() == 6 + 1 + 1  # districts, ring road, common
