"""The dashboard is the signed-in home page, the busiest page: its queries do not grow with the
person's history (no N+1), whatever they have."""

from __future__ import annotations

import itertools
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

_seq = itertools.count(1)


def test_the_dashboard_makes_as_many_queries_for_one_item_of_each_kind_as_for_many(
    client, citizen, other_citizen, agency_a, caseworker_a, versions, pothole, django_assert_max_num_queries
):
    from ecitizen.dashboard.tests.conftest import make_life

    def add():
        life = make_life(
            person=citizen,
            agency=agency_a,
            caseworker=caseworker_a,
            versions=versions[:2],
            pothole=pothole,
            label=f"A{next(_seq)}",
        )
        from ecitizen.reports.services import report_create

        theirs = report_create(
            actor=other_citizen,
            service_code="pothole",
            latitude=52.03,
            longitude=0.01,
            title=f"Followed {uuid.uuid4().hex[:6]}",
            description="Deep.",
            answers={"depth": "deep"},
        )
        life["follow"](theirs)
        return life

    client.force_login(citizen)
    first = add()
    client.get("/")  # warm up
    with CaptureQueriesContext(connection) as one:
        response = client.get("/")
    page = response.content.decode()
    for text in (first["asked"].reference, first["bill"].reference, first["document"].number, "Followed "):
        assert text in page
    for _ in range(4):
        add()
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get("/")
    assert response.status_code == 200
    assert len(one.captured_queries) <= 20, [q["sql"][:120] for q in one.captured_queries]


def test_the_dashboard_query_count_has_a_ceiling(client, citizen, versions, django_assert_max_num_queries):
    client.force_login(citizen)
    client.get("/")
    with django_assert_max_num_queries(20):
        assert client.get("/").status_code == 200
