"""Audit-log filters: dates out of range are field errors, never a 500."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    ["date_to=9999-12-31", "date_from=9999-12-31", "date_from=0001-01-01", "date_from=1999-12-31&date_to=2000-01-02"],
)
def test_dates_out_of_range_are_field_errors(client, platform_auditor, query):
    client.force_login(platform_auditor)
    response = client.get(f"/staff/audit/?{query}")
    assert response.status_code == 200
    assert "Enter a date between 1 January 2000 and 31 December 2099." in response.content.decode()


def test_dates_in_range_filter(client, platform_auditor):
    client.force_login(platform_auditor)
    response = client.get("/staff/audit/?date_from=2000-01-01&date_to=2099-12-31")
    assert response.status_code == 200
    assert "Enter a date between" not in response.content.decode()
