"""The "is it one of these?" check: open public reports of the same kind near a point, nearest first."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from ecitizen.reports import geo
from ecitizen.reports.models import Report, Status
from ecitizen.reports.nearby import nearby_open_reports

pytestmark = pytest.mark.django_db

HERE = (52.0300, 0.0050)
M_PER_DEG_LAT = 111_195  # metres in one degree of latitude


@pytest.fixture
def put(pothole, city):
    """Store a report directly (the services are tested elsewhere): public and open unless told."""

    def make(lat, lng, *, category=None, status=Status.OPEN, is_public=True, title="Pot-hole", age_days=0):
        category = category or pothole
        now = timezone.now() - datetime.timedelta(days=age_days)
        return Report.objects.create(
            category=category,
            agency=category.agency,
            area=city["old_town"],
            latitude=lat,
            longitude=lng,
            title=title,
            description="There is a problem here.",
            status=status,
            is_public=is_public,
            confirmed_at=now if is_public else None,
            created_at=now,
            updated_at=now,
        )

    return make


def north_of(point, metres):
    return point[0] + metres / M_PER_DEG_LAT, point[1]


def test_reports_of_the_same_kind_within_the_radius_are_found_nearest_first(put):
    far = put(*north_of(HERE, 200), title="200 m")
    near = put(*north_of(HERE, 20), title="20 m")
    middle = put(*north_of(HERE, 100), title="100 m")

    found = nearby_open_reports("pothole", *HERE)

    assert [n.report for n in found] == [near, middle, far]
    assert [round(n.distance_m) for n in found] == [20, 100, 200]


def test_reports_of_another_kind_are_not_found(put, streetlight):
    put(*north_of(HERE, 10), category=streetlight, title="Street light")

    assert nearby_open_reports("pothole", *HERE) == []
    assert [n.report.title for n in nearby_open_reports("streetlight", *HERE)] == ["Street light"]


@pytest.mark.parametrize("status", [Status.FIXED, Status.CLOSED_NOT_FIXED, Status.NOT_RESPONSIBLE, Status.DUPLICATE])
def test_closed_reports_are_not_found(put, status):
    put(*north_of(HERE, 10), status=status)

    assert nearby_open_reports("pothole", *HERE) == []


@pytest.mark.parametrize("status", [Status.OPEN, Status.INVESTIGATING, Status.ACTION_SCHEDULED, Status.IN_PROGRESS])
def test_every_open_state_is_found(put, status):
    report = put(*north_of(HERE, 10), status=status)

    assert [n.report for n in nearby_open_reports("pothole", *HERE)] == [report]


def test_hidden_or_unconfirmed_reports_are_not_found(put):
    put(*north_of(HERE, 10), is_public=False)

    assert nearby_open_reports("pothole", *HERE) == []


def test_reports_beyond_the_radius_are_not_found(put):
    put(*north_of(HERE, 260))  # inside the search box's cells, outside the 250 m circle
    # the box's corner is further than the radius: a point there is in the box but not within reach
    box = geo.bbox_around(*HERE, 250)
    put(box.max_lat - 0.00001, box.max_lng - 0.00001, title="corner")
    put(52.0400, 0.0050, title="a kilometre away")

    assert nearby_open_reports("pothole", *HERE) == []
    assert [n.report.title for n in nearby_open_reports("pothole", *HERE, radius_m=2000)][-1] == "a kilometre away"


def test_a_report_across_a_grid_cell_border_is_found(put):
    # 52.025 is a border between two rows of grid cells; 0.005 between two columns
    here = (52.02499, 0.00499)
    across = put(52.02502, 0.00502, title="across the corner")
    assert geo.cell_of(*here) != geo.cell_of(across.latitude, across.longitude)

    found = nearby_open_reports("pothole", *here)

    assert [n.report for n in found] == [across]
    assert found[0].distance_m < 10


def test_the_number_of_suggestions_is_limited(put):
    made = [put(*north_of(HERE, 10 * (i + 1)), title=f"{i}") for i in range(7)]

    found = nearby_open_reports("pothole", *HERE, limit=3)

    assert [n.report for n in found] == made[:3]
    assert len(nearby_open_reports("pothole", *HERE)) == 5


def test_the_check_uses_a_fixed_number_of_queries(put, django_assert_num_queries):
    for i in range(5):
        put(*north_of(HERE, 10 * (i + 1)))

    with django_assert_num_queries(1):
        found = nearby_open_reports("pothole", *HERE)
        [n.report.title for n in found]


def test_the_check_uses_the_partial_index_of_open_reports(put):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL matches partial indexes by implication; SQLite needs the same terms, checked here")
    put(*north_of(HERE, 10))
    executed = []

    def capture(execute, sql, params, many, context):
        executed.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        nearby_open_reports("pothole", *HERE)
    sql, params = executed[0]  # as run: with bound parameters, not the text Django logs
    with connection.cursor() as cursor:
        # the index can serve the query (SQLite refuses INDEXED BY an index it cannot use)...
        forced = sql.replace('FROM "reports_report"', 'FROM "reports_report" INDEXED BY "report_open_code_cell"', 1)
        cursor.execute("EXPLAIN QUERY PLAN " + forced, params)
        # ...and is the one chosen, even without ANALYZE statistics
        cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())

    assert "report_open_code_cell" in plan
