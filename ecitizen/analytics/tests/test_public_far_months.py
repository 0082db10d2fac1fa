"""Open data asked for months far off, or written with other digits, gets a clear 400 naming the
field, never a 500 (year 1 has no year before it to count the default twelve months from)."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from ecitizen.analytics.tests.test_public_pages import NOW, publish_service

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("?to=0001-01", "to", "“to” must be 2000-01 or later."),
        ("?to=0001-12", "to", "“to” must be 2000-01 or later."),
        ("?from=1999-12", "from", "“from” must be 2000-01 or later."),
        ("?to=٢٠٢٦-٠١", "to", "“to” must be a month written YYYY-MM, like 2026-01."),  # Arabic-Indic digits
        ("?to=2026-01%0A", "to", "“to” must be a month written YYYY-MM, like 2026-01."),  # a trailing newline
    ],
)
def test_far_off_or_oddly_written_months_get_a_clear_400(client, agency_a, query, field, message):
    publish_service(agency_a, "parking-permit")
    with time_machine.travel(NOW, tick=False):
        for name in ("performance:data_json", "performance:data_csv"):
            response = client.get(reverse(name) + query)
            assert response.status_code == 400, (name, query)
            if name.endswith("json"):
                assert response.json() == {"field": field, "error": message}
            else:
                assert response.content.decode() == message


def test_the_first_month_there_can_be_is_accepted(client, agency_a):
    publish_service(agency_a, "parking-permit")
    with time_machine.travel(NOW, tick=False):
        assert client.get(reverse("performance:data_json") + "?from=2000-01&to=2002-12").status_code == 200
