"""The public performance pages: measures from rollup rows (counts rounded to 5, shares to whole
percentages), small numbers suppressed, only published services of active agencies, charts with a
text alternative beside their table, embeds that other sites may frame (and nothing else), and a
query count that does not grow per service.

Rollup rows are written directly (the rollup engine has its own tests). The clock is pinned to
15 June 2026, so the pages show June 2025 to May 2026 and June 2026 so far.
"""

from __future__ import annotations

import datetime
import html
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ecitizen.agencies.models import Agency
from ecitizen.analytics import rollups
from ecitizen.analytics.models import ChannelCost, SatisfactionMonth, ServiceDay
from ecitizen.catalogue.models import Category, Service, ServiceStatus, ServiceVersion

pytestmark = pytest.mark.django_db

D = datetime.date
NOW = "2026-06-15 12:00:00+00:00"


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def publish_service(agency: Agency, slug: str, title: dict | None = None, *, status=ServiceStatus.PUBLISHED) -> Service:
    """A service of *agency* in *status*, with a published version when it is published."""
    category, _ = Category.objects.get_or_create(slug="general", defaults={"name": {"en": "General"}})
    service = Service.objects.create(
        agency=agency, slug=slug, category=category, title=title or {"en": slug.title()}, status=status
    )
    if status != ServiceStatus.DRAFT:
        version = ServiceVersion.objects.create(service=service, number=1, snapshot={"title": service.title})
        service.current_version = version
        service.save(update_fields=["current_version"])
    return service


def day(service: Service, when: datetime.date, channel: str = "online", **counts) -> ServiceDay:
    row = ServiceDay.objects.create(day=when, agency_id=service.agency_id, service=service, channel=channel, **counts)
    rollups.recompute_month_totals([when])  # whole months are read from the month rows
    return row


def answers(service: Service, month: datetime.date, **counts) -> SatisfactionMonth:
    return SatisfactionMonth.objects.create(
        month=month, agency_id=service.agency_id, service=service, topic="service", answers=counts
    )


def costs(agency: Agency, **amounts) -> None:
    for channel, amount in amounts.items():
        ChannelCost.objects.create(agency=agency, channel=channel, amount=amount, currency="GBP")


def may_figures(service: Service) -> None:
    """May 2026: 57 begun (42 online, 15 at a counter), 46 sent (31 online, 15 at a counter), 31 decided (26 in time,
    median 3 working days), 32 feedback answers of which 24 satisfied; costs £1 online and £10 at a counter.
    (Every part, whole and rest is at least 5, so every measure is shown.)"""
    day(
        service,
        D(2026, 5, 4),
        started=42,
        submitted=31,
        approved=26,
        refused=5,
        decided_in_time=26,
        decision_days={"3": 16, "8": 15},
    )
    day(service, D(2026, 5, 20), channel="counter", started=15, submitted=15)
    answers(service, D(2026, 5, 1), **{"5": 16, "4": 8, "2": 8})


def table(body: str, table_id: str) -> list[list[str]]:
    """The rows of the table *table_id* on the page, each a list of its cells' texts."""
    found = re.search(rf'<table[^>]*id="{re.escape(table_id)}"[^>]*>(.*?)</table>', body, re.S)
    assert found, f"no table {table_id}"
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in cells])
    return rows


def row_for(body: str, table_id: str, first_cell: str) -> list[str]:
    matches = [row for row in table(body, table_id) if row and row[0] == first_cell]
    assert matches, f"no row {first_cell!r} in {table_id}: {table(body, table_id)}"
    return matches[0]


def measure(body: str, name: str) -> str:
    found = re.search(rf'<dd[^>]*data-measure="{name}"[^>]*>(.*?)</dd>', body, re.S)
    assert found, name
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).split())


@pytest.fixture
def permit(agency_a):
    return publish_service(agency_a, "parking-permit", {"en": "Parking permit", "es": "Permiso de aparcamiento"})


# --- the measures -----------------------------------------------------------------------------


def test_service_page_shows_the_four_measures_from_the_rollups(client, permit, agency_a):
    # given
    may_figures(permit)
    costs(agency_a, online=100, counter=1000)

    # when
    body = client.get(reverse("performance:service", args=[permit.slug])).content.decode()

    # then: the headline covers June 2025 to May 2026; counts are rounded to 5 and shares to whole
    # percentages, worked out from the exact counts
    assert measure(body, "completion_rate") == "75% of 40 applications begun online"  # 31 → 30 sent of 42 → 40 begun
    assert measure(body, "digital_take_up").startswith("67%")  # 31 of 46 online
    assert measure(body, "cost_per_transaction") == "£4.00"  # (30 × £1 + 15 × £10) ÷ 45: the counts as shown (31 → 30)
    assert measure(body, "satisfaction") == "83% satisfied or very satisfied, of 30 answers"  # 24 → 25 of 32 → 30
    assert measure(body, "transactions") == "45"  # 46
    assert measure(body, "median_decision_days") == "3 working days"
    assert measure(body, "in_time_share") == "83% of 30 decisions were made within the deadline"  # 26 → 25 of 31 → 30
    # and month by month, in the tables beside the charts
    assert row_for(body, "service-transactions-table", "May 2026") == [
        "May 2026",
        "30",
        "15",
        "fewer than 5",
        "45",
    ]
    assert row_for(body, "service-completion-table", "May 2026") == ["May 2026", "40", "30", "75%"]
    assert row_for(body, "service-take-up-table", "May 2026") == ["May 2026", "30", "45", "67%"]
    assert row_for(body, "service-cost-table", "May 2026") == ["May 2026", "45", "£4.00"]
    assert row_for(body, "service-satisfaction-table", "May 2026") == ["May 2026", "30", "83%"]
    assert row_for(body, "service-decisions-table", "May 2026") == ["May 2026", "30", "3 working days", "83%"]
    # a month with nothing is suppressed like any small number, and the month so far is marked
    assert row_for(body, "service-completion-table", "April 2026")[1:] == [
        "fewer than 5",
        "fewer than 5",
        "not enough data",
    ]
    assert [row[0] for row in table(body, "service-completion-table")[1:]][-1] == "June 2026 (so far)"
    assert len(table(body, "service-completion-table")) == 1 + 13


def test_headline_adds_the_complete_months_and_leaves_out_the_month_so_far(client, permit, agency_a):
    may_figures(permit)
    day(permit, D(2025, 6, 1), started=8, submitted=8)  # first month of the period
    day(permit, D(2025, 5, 31), started=100, submitted=1)  # before it
    day(permit, D(2026, 6, 2), started=100, submitted=1)  # the month so far

    body = client.get(reverse("performance:service", args=[permit.slug])).content.decode()

    assert measure(body, "transactions") == "55"  # 46 + 8
    assert measure(body, "completion_rate").startswith("80%")  # 39 → 40 sent of 50 begun online
    assert row_for(body, "service-completion-table", "June 2026 (so far)")[1:] == [
        "100",
        "fewer than 5",
        "not enough data",
    ]


def test_cost_is_not_available_when_a_channel_in_use_has_no_cost(client, permit, agency_a):
    may_figures(permit)
    costs(agency_a, online=100)  # nothing for the counter

    body = client.get(reverse("performance:service", args=[permit.slug])).content.decode()

    assert measure(body, "cost_per_transaction") == "not available"


@pytest.mark.parametrize(("count", "shown"), [(4, False), (5, True)])
def test_small_numbers_are_suppressed_below_the_threshold(client, permit, count, shown):
    day(
        permit,
        D(2026, 5, 4),
        started=count,
        submitted=count,
        approved=count,
        decided_in_time=count,
        decision_days={"2": count},
    )
    answers(permit, D(2026, 5, 1), **{"5": count})

    body = client.get(reverse("performance:service", args=[permit.slug])).content.decode()

    if shown:
        assert measure(body, "transactions") == "5"
        assert measure(body, "completion_rate").startswith("100%")
        assert measure(body, "satisfaction").startswith("100%")
        assert measure(body, "median_decision_days") == "2 working days"
        assert measure(body, "in_time_share").startswith("100%")
    else:
        assert measure(body, "transactions") == "fewer than 5"
        for name in ("completion_rate", "satisfaction", "median_decision_days", "in_time_share", "digital_take_up"):
            assert measure(body, name) == "not enough data", name
        assert "4" not in row_for(body, "service-transactions-table", "May 2026")


def test_a_rate_is_hidden_when_its_numerator_is_small(client, permit):
    day(permit, D(2026, 5, 4), started=40, submitted=3)

    body = client.get(reverse("performance:service", args=[permit.slug])).content.decode()

    assert measure(body, "completion_rate") == "not enough data"
    assert row_for(body, "service-completion-table", "May 2026") == [
        "May 2026",
        "40",
        "fewer than 5",
        "not enough data",
    ]


def test_the_threshold_follows_the_setting(client, permit, settings):
    settings.ANALYTICS_SUPPRESS_BELOW = 10
    day(permit, D(2026, 5, 4), started=9, submitted=9)

    body = client.get(reverse("performance:service", args=[permit.slug])).content.decode()

    assert measure(body, "transactions") == "fewer than 10"


def test_pages_are_translated(client, permit):
    may_figures(permit)

    body = client.get(reverse("performance:service", args=[permit.slug]) + "?lang=es").content.decode()

    assert '<h1 class="govuk-heading-xl">Permiso de aparcamiento</h1>' in body
    assert 'lang="es"' in body
    # "74 %": Spanish puts a (no-break) space before the sign.
    assert row_for(body, "service-completion-table", "mayo de 2026")[1:] == ["40", "30", "75 %"]


# --- who is public ----------------------------------------------------------------------------


def test_agency_page_adds_its_services_and_lists_them(client, agency_a, permit):
    bins = publish_service(agency_a, "bins", {"en": "Bin collection"})
    may_figures(permit)
    day(bins, D(2026, 5, 6), started=20, submitted=11)

    body = client.get(reverse("performance:agency", args=[agency_a.slug])).content.decode()

    assert measure(body, "transactions") == "55"  # 46 + 11
    assert measure(body, "completion_rate").startswith("67%")  # 42 → 40 sent of 62 → 60 begun online
    assert row_for(body, "services-table", "Bin collection")[1:3] == ["10", "50%"]  # 11 → 10 of 20
    assert row_for(body, "services-table", "Parking permit")[1:3] == ["45", "75%"]  # 31 → 30 of 42 → 40
    assert reverse("performance:service", args=["bins"]) in body


@pytest.mark.parametrize("status", [ServiceStatus.DRAFT, ServiceStatus.RETIRED])
def test_unpublished_services_are_not_found_and_not_counted(client, agency_a, permit, status):
    hidden = publish_service(agency_a, "hidden", status=status)
    day(hidden, D(2026, 5, 4), started=50, submitted=50)
    day(permit, D(2026, 5, 4), started=10, submitted=10)

    assert client.get(reverse("performance:service", args=["hidden"])).status_code == 404
    assert client.get(reverse("performance:service_embed", args=["hidden"])).status_code == 404
    agency_page = client.get(reverse("performance:agency", args=[agency_a.slug])).content.decode()
    assert measure(agency_page, "transactions") == "10"
    overview = client.get(reverse("performance:overview")).content.decode()
    assert measure(overview, "transactions") == "10"
    assert "/performance/services/hidden/" not in overview


def test_inactive_agencies_and_unknown_names_are_not_found(client, agency_a, agency_b, permit):
    other = publish_service(agency_b, "bus-pass")
    day(other, D(2026, 5, 4), started=50, submitted=50)
    Agency.objects.filter(pk=agency_b.pk).update(is_active=False)

    assert client.get(reverse("performance:agency", args=[agency_b.slug])).status_code == 404
    assert client.get(reverse("performance:agency_embed", args=[agency_b.slug])).status_code == 404
    assert client.get(reverse("performance:service", args=["bus-pass"])).status_code == 404
    assert client.get(reverse("performance:agency", args=["nobody"])).status_code == 404
    assert client.get(reverse("performance:agency", args=[agency_a.slug])).status_code == 200
    overview = client.get(reverse("performance:overview")).content.decode()
    assert agency_b.name not in overview


@pytest.mark.parametrize("slug", ["data", "services", "embed"])
def test_an_agency_whose_slug_is_a_fixed_address_still_has_its_page(client, agency_a, permit, slug):
    Agency.objects.filter(pk=agency_a.pk).update(slug=slug)

    body = client.get(f"/performance/agencies/{slug}/").content.decode()
    assert agency_a.name in body
    assert measure(body, "transactions")
    assert client.get(f"/performance/agencies/{slug}/embed/").status_code == 200
    assert client.get("/performance/data/").status_code == 200  # the open data page is still there


def test_overview_lists_agencies_and_services_and_costs_each_agency_at_its_own_rates(
    client, agency_a, agency_b, permit
):
    bus = publish_service(agency_b, "bus-pass", {"en": "Bus pass"})
    day(permit, D(2026, 5, 4), started=10, submitted=10)  # 10 × £1
    day(bus, D(2026, 5, 4), started=10, submitted=10)  # 10 × £3
    costs(agency_a, online=100)
    costs(agency_b, online=300)

    body = client.get(reverse("performance:overview")).content.decode()

    assert measure(body, "cost_per_transaction") == "£2.00"
    assert measure(body, "transactions") == "20"
    assert row_for(body, "agencies-table", "City Council")[1] == "10"
    assert row_for(body, "agencies-table", "Transport Agency")[1] == "10"
    assert row_for(body, "services-table", "Bus pass")[1:3] == ["Transport Agency", "10"]
    assert reverse("performance:agency", args=[agency_b.slug]) in body
    assert row_for(body, "platform-cost-table", "May 2026") == ["May 2026", "20", "£2.00"]


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_name", ["performance:overview", "performance:agency"])
def test_pages_read_the_same_number_of_queries_whatever_the_number_of_services(
    client, agency_a, agency_b, url_name, django_assert_max_num_queries
):
    def add_services(first: int, count: int) -> None:
        for n in range(first, first + count):
            service = publish_service(agency_a if n % 2 else agency_b, f"service-{n}")
            day(service, D(2026, 5, 4), started=10, submitted=10, approved=5, decision_days={"4": 5})
            answers(service, D(2026, 5, 1), **{"5": 6})

    costs(agency_a, online=100)
    url = reverse(url_name, args=[agency_a.slug] if url_name.endswith("agency") else [])
    add_services(0, 2)
    _queries(client, url)  # the first request of a process loads the translations, the session…
    with_two = _queries(client, url)

    add_services(2, 12)
    with django_assert_max_num_queries(with_two):
        response = client.get(url)
    assert response.status_code == 200
    assert measure(response.content.decode(), "transactions") == ("140" if url_name.endswith("overview") else "70")


# --- charts and tables --------------------------------------------------------------------------


def test_each_chart_is_an_image_with_a_text_alternative_and_a_table_beside_it(client, permit):
    may_figures(permit)

    body = client.get(reverse("performance:service", args=[permit.slug])).content.decode()

    svgs = re.findall(r"<svg\b[^>]*>.*?</svg>", body, re.S)
    assert len(svgs) == 6
    for name in ("transactions", "cost", "satisfaction", "completion", "take-up", "decisions"):
        chart_id = f"service-{name}"
        svg = next(svg for svg in svgs if f'id="{chart_id}-title"' in svg)
        assert 'role="img"' in svg
        assert f'aria-labelledby="{chart_id}-title {chart_id}-desc"' in svg
        assert re.search(rf'<desc id="{chart_id}-desc">[^<]+</desc>', svg)
        assert "style=" not in svg and "<script" not in svg
        caption = re.search(rf'<table[^>]*id="{chart_id}-table"[^>]*>\s*<caption[^>]*>([^<]+)</caption>', body)
        assert caption and caption.group(1).strip()
        assert 'scope="col"' in body and table(body, f"{chart_id}-table")[0][0] == "Month"
    completion = next(svg for svg in svgs if 'id="service-completion-title"' in svg)
    assert "Highest: 75% in May 2026." in html.unescape(completion)


def test_staff_written_titles_are_escaped(client, agency_a):
    service = publish_service(agency_a, "tricky", {"en": '<script>alert("x")</script> Permit'})
    day(service, D(2026, 5, 4), started=10, submitted=10)

    body = client.get(reverse("performance:service", args=["tricky"])).content.decode()

    assert "<script>alert" not in body
    assert "&lt;script&gt;alert" in body


# --- framing ------------------------------------------------------------------------------------


def test_embeds_may_be_framed_and_the_full_pages_may_not(client, agency_a, permit):
    may_figures(permit)

    for name, slug in (("performance:service_embed", permit.slug), ("performance:agency_embed", agency_a.slug)):
        embed = client.get(reverse(name, args=[slug]))
        assert embed.status_code == 200
        assert "X-Frame-Options" not in embed.headers
        policy = embed.headers["Content-Security-Policy"]
        assert "frame-ancestors *" in policy and "'none'" not in policy.split("frame-ancestors")[1].split(";")[0]
        assert "script-src 'self'" in policy  # the rest of the policy is kept
        page = embed.content.decode()
        assert "govuk-header" not in page and "govuk-footer" not in page
        assert 'target="_blank"' in page and "http://testserver/performance/" in page
        assert "<svg" in page and 'data-measure="completion_rate"' in page

    for name, args in (
        ("performance:service", [permit.slug]),
        ("performance:agency", [agency_a.slug]),
        ("performance:overview", []),
        ("performance:data", []),
    ):
        full = client.get(reverse(name, args=args))
        assert full.headers["X-Frame-Options"] == "DENY", name
        assert "frame-ancestors 'none'" in full.headers["Content-Security-Policy"], name


def test_full_page_shows_the_code_to_embed_it(client, permit):
    body = client.get(reverse("performance:service", args=[permit.slug]) + "?lang=fr").content.decode()

    code = re.search(r'<textarea[^>]*id="embed-code"[^>]*>(.*?)</textarea>', body, re.S)
    assert code
    assert html.unescape(code.group(1)) == (
        '<iframe src="http://testserver/performance/services/parking-permit/embed/?lang=fr" '
        'title="Parking permit" width="100%" height="720" loading="lazy"></iframe>'
    )


# --- links in ---------------------------------------------------------------------------------


def test_home_page_and_footer_link_to_the_performance_pages(client):
    body = client.get(reverse("home")).content.decode()

    links = re.findall(rf'href="{reverse("performance:overview")}"', body)
    assert len(links) >= 2  # the home page's list and the footer
