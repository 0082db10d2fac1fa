"""Problem reports in volume: the loader for benchmarks, and public pages whose work does not grow with the table."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ecitizen.reports import selectors
from ecitizen.reports.management.commands.seed_report_volume import volume_reports
from ecitizen.reports.models import (
    OPEN_STATUSES,
    Area,
    Report,
    ReportArea,
    ReportPhoto,
    ReportUpdate,
    Status,
)
from ecitizen.reports.routing import areas_at

pytestmark = pytest.mark.django_db

LIST = reverse("reports:list")
MAP = reverse("reports:map_json")
CITY_VIEWPORT = "-0.0139,52.0041,0.0739,52.0359"


@pytest.fixture
def demo_areas(agency_a, agency_b):
    """Northbridge's districts, ring road and common, with the demo's categories (no sample reports)."""
    call_command("seed_reports", "--no-reports", stdout=io.StringIO())


def load(count: int, *args: str) -> str:
    out = io.StringIO()
    call_command("seed_report_volume", count, *args, stdout=out)
    return out.getvalue()


def test_reports_are_loaded_routed_and_linked_as_the_site_would(demo_areas):
    output = load(50, "--outside", "0.2", "--photos", "0.5")

    assert "Loaded 50 problem reports" in output
    reports = list(Report.objects.select_related("category").order_by("pk"))
    assert len(reports) == volume_reports().count() == 50
    now = timezone.now()
    for report in reports:
        assert report.service_code == report.category.code and report.category.agency_id == report.agency_id
        inside = areas_at(report.latitude, report.longitude)
        links = set(ReportArea.objects.filter(report=report).values_list("area_id", flat=True))
        assert links == {a.pk for a in inside}, report.pk
        if report.area_id is not None:
            # the smallest area holding the point whose agency handles the kind of problem
            routed = next(
                a for a in inside if a.agency_id and a.agency.report_categories.filter(code=report.service_code)
            )
            assert report.area_id == routed.pk and report.agency_id == routed.agency_id
        else:
            assert not [a for a in inside if a.agency_id is not None]  # outside every district
        assert now - datetime.timedelta(days=731) <= report.created_at <= now
        assert (report.closed_at is None) == (report.status in OPEN_STATUSES)
        assert report.due_at > report.created_at
    assert [r.created_at for r in reports] == sorted(r.created_at for r in reports)  # numbered in date order
    assert any(r.area_id is None for r in reports) and any(r.area_id is not None for r in reports)
    assert {r.status for r in reports} & {Status.FIXED, Status.CLOSED_NOT_FIXED}
    closed = [r for r in reports if r.status != Status.OPEN]
    assert ReportUpdate.objects.filter(report__in=closed, is_staff=True).count() == len(closed)
    assert 0 < ReportPhoto.objects.filter(report__in=reports).count() < 50


def test_a_second_load_adds_reports_with_numbers_and_tokens_of_their_own(demo_areas):
    load(20)
    load(30)

    assert Report.objects.count() == 50
    assert Report.objects.values("token").distinct().count() == 50
    report = Report.objects.create(
        category=Report.objects.first().category,
        agency=Report.objects.first().agency,
        latitude=52.01,
        longitude=0.01,
        title="After the load",
        description="x",
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    assert report.pk > Report.objects.exclude(pk=report.pk).order_by("-pk").first().pk  # the sequence moved on


def test_without_areas_it_says_what_to_run(db):
    with pytest.raises(Exception, match="seed_reports"):
        load(5)


def _list_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize("url", [LIST, f"{LIST}?status=open", f"{LIST}?page=2", f"{LIST}?category=pothole"])
def test_the_list_reads_the_same_queries_whatever_the_number_of_reports(client, demo_areas, url):
    load(30)
    Report.objects.filter(pk__in=Report.objects.order_by("-pk").values("pk")[:3]).update(status=Status.OPEN)
    few = _list_queries(client, url)
    load(120)
    many = _list_queries(client, url)

    assert len(many) == len(few)
    for sql in many:
        # No area's polygons are read to show names (they are kilobytes of JSON each) ...
        assert '"reports_area"."geometry"' not in sql
        # ... and the count stops at the cap; PostgreSQL reads the rows in any order (from the cheapest
        # index) rather than by date, SQLite by date (see views.ListPaginator).
        if sql.startswith("SELECT COUNT(*)"):
            assert "LIMIT 1001" in sql
            assert ("ORDER BY" in sql) == (connection.vendor == "sqlite")


def test_a_district_filter_counts_through_its_links(client, demo_areas):
    load(60)
    area = Area.objects.get(name__en="Old Town")
    sql = _list_queries(client, f"{LIST}?area={area.pk}")
    count, page = (s for s in sql if '"reports_reportarea"' in s)
    assert count.startswith("SELECT COUNT(*)") and "LIMIT 1001" in count
    if connection.vendor == "sqlite":
        # no statistics: the district is compared as an expression so that the dates' index leads
        assert '("reports_reportarea"."area_id" + 0) =' in page
    else:
        assert '"reports_reportarea"."area_id" =' in page and "ORDER BY" not in count
    shown = re.findall(
        r'<a class="govuk-link" href="/reports/(\d+)/">', client.get(f"{LIST}?area={area.pk}").content.decode()
    )
    expected = Report.objects.filter(is_public=True, area_links__area=area).order_by("-created_at", "-pk")
    assert [int(pk) for pk in shown] == list(expected.values_list("pk", flat=True)[:20])


def test_each_line_of_the_list_shows_its_report(client, demo_areas):
    load(25)
    newest = Report.objects.filter(is_public=True).select_related("category", "agency", "area").first()
    Report.objects.filter(pk=newest.pk).update(status=Status.IN_PROGRESS)

    page = client.get(LIST).content.decode()

    line = re.search(rf'<a class="govuk-link" href="/reports/{newest.pk}/">(.*?)</li>', page, re.S).group(0)
    assert newest.title in line
    assert '<strong class="govuk-tag govuk-tag--yellow">In progress</strong>' in line
    names = [newest.category.display_name(), newest.agency.display_name]
    if newest.area_id:
        names.insert(1, newest.area.display_name())
    assert " · ".join(names) in line
    date = newest.created_at.astimezone(timezone.get_current_timezone())
    assert f"#{newest.pk}, reported on {date.day} {date:%B %Y}" in line
    assert page.count('<li class="govuk-!-margin-bottom-4">') == 20
    assert f"{Report.objects.filter(is_public=True).count()} reports" in page


def test_the_map_viewport_is_capped_and_its_queries_do_not_grow(client, demo_areas, monkeypatch):
    since = (timezone.localdate() - datetime.timedelta(days=800)).isoformat()  # two years of reports in view
    load(40)
    with CaptureQueriesContext(connection) as few:
        client.get(MAP, {"bbox": CITY_VIEWPORT, "date_from": since})
    load(100)
    monkeypatch.setattr(selectors, "MAP_LIMIT", 30)
    with CaptureQueriesContext(connection) as many:
        response = client.get(MAP, {"bbox": CITY_VIEWPORT, "date_from": since})

    assert len(many) == len(few)
    features = response.json()["features"]
    assert len(features) == 30  # the newest 30 of the ~130 in view
    created = dict(
        Report.objects.filter(pk__in=[f["properties"]["id"] for f in features]).values_list("pk", "created_at")
    )
    box = selectors.parse_bbox(CITY_VIEWPORT)
    in_view = Report.objects.filter(
        is_public=True,
        latitude__range=(box.min_lat, box.max_lat),
        longitude__range=(box.min_lng, box.max_lng),
    )
    assert in_view.count() > 30
    newest_left_out = in_view.exclude(pk__in=created).order_by("-created_at").values_list("created_at", flat=True)[0]
    assert newest_left_out <= min(created.values())  # the 30 shown are the newest


def test_open311_requests_take_the_same_queries_whatever_the_number_of_reports(client, demo_areas):
    load(30)
    with CaptureQueriesContext(connection) as few:
        assert client.get("/open311/v2/requests.json").status_code == 200
    load(150)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/open311/v2/requests.json")
    assert len(many) == len(few)
    assert (
        len(response.json())
        == Report.objects.filter(is_public=True, created_at__gte=timezone.now() - datetime.timedelta(days=90)).count()
    )


def test_the_unfiltered_filter_form_is_drawn_once_and_follows_the_choices(client, demo_areas, monkeypatch):
    from ecitizen.reports import views
    from ecitizen.reports.models import Category

    monkeypatch.setattr(views, "_FILTERS_HTML", {})
    drawn = []
    render = views.FilterForm.render
    monkeypatch.setattr(views.FilterForm, "render", lambda self, *a, **k: drawn.append(1) or render(self, *a, **k))
    load(5)

    first = client.get(LIST).content.decode()
    second = client.get(f"{LIST}?page=1").content.decode()
    assert len(drawn) == 1 and first.count("<select") == second.count("<select") == 3
    assert re.search(r'<option value="graffiti">Graffiti</option>', second)

    Category.objects.filter(code="graffiti").update(name={"en": "Painted walls"})
    renamed = client.get(LIST).content.decode()
    assert "Painted walls" in renamed and len(drawn) == 2

    # A filter in the query string is drawn for that request, with its choice selected.
    chosen = client.get(LIST, {"category": "pothole"}).content.decode()
    assert re.search(r'<option value="pothole" selected>', chosen)
    assert not re.search(r'<option value="pothole" selected>', client.get(LIST).content.decode())

    # A date is posted as three boxes (date_from-day, -month, -year), never as date_from: it is a
    # filter too, so the form is drawn for that request and keeps the boxes as typed.
    dated = client.get(LIST, {"date_from-day": "2", "date_from-month": "3", "date_from-year": "2025"})
    boxes = dated.content.decode()
    assert re.search(r'name="date_from-day"[^>]*value="2"', boxes) and 'value="2025"' in boxes
    impossible = client.get(LIST, {"date_from-day": "31", "date_from-month": "2", "date_from-year": "2025"})
    assert impossible.status_code == 400  # shown with its error beside the boxes, not from memory
    assert 'id="id_date_from-error"' in impossible.content.decode()
