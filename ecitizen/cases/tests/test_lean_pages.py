"""The citizen's pages without work they do not need: the list counts its rows itself when they fit
on one page, and shows the same pages as a counting paginator would."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecitizen.cases.models import Application
from ecitizen.cases.tests.conftest import add_sent_applications

pytestmark = pytest.mark.django_db


def _get(client, url):
    client.get(url)  # warm up (session)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"] and "cases_application" in q["sql"]]
    return response.content.decode(), counts


def _rows(page: str) -> list[str]:
    return re.findall(r"CC-2026-\d{6}", page)


def test_a_list_that_fits_on_one_page_is_not_counted(client, citizen, permit_version):
    client.force_login(citizen)
    add_sent_applications(permit_version, citizen, 3)
    page, counts = _get(client, "/applications/")
    assert counts == []
    assert len(_rows(page)) == 3
    assert "govuk-pagination" not in page


@pytest.mark.parametrize("total", [20, 21, 45])
def test_pages_are_those_a_counting_paginator_gives(client, citizen, permit_version, total):
    client.force_login(citizen)
    add_sent_applications(permit_version, citizen, total)
    newest_first = Application.objects.filter(citizen=citizen).order_by("-updated_at", "-id")
    expected = list(newest_first.values_list("reference", flat=True))
    first, counts = _get(client, "/applications/")
    assert _rows(first) == expected[:20]
    assert len(counts) == (0 if total <= 20 else 1)
    assert ("govuk-pagination" in first) == (total > 20)
    for number in range(2, (total + 19) // 20 + 1):
        page, _ = _get(client, f"/applications/?page={number}")
        assert _rows(page) == expected[(number - 1) * 20 : number * 20]
    if total > 20:
        assert _rows(_get(client, "/applications/?page=1")[0]) == expected[:20]
        assert _rows(_get(client, "/applications/?page=99")[0]) == expected[((total - 1) // 20) * 20 :]
