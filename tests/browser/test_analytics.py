"""Service-delivery analytics in a browser: the journeys of issue 17.

A visitor follows links from the home page to the performance overview, an agency and a service,
with JavaScript and without, and reads the four measures; another site frames an embed (and
cannot frame a normal page); an agency admin chooses a period by keyboard, opens the cases
behind a figure, sets the costs per channel and an alert; the report dashboard maps where
reports cluster, or lists the places without JavaScript. Every page visited passes axe.

The figures come from real activity: applications made and decided through the case services
last month (the clock moved there while they are made), one sent today, feedback on thirty of
them and problem reports today, then the rollups rebuilt from scratch. Nothing in the browser
runs under a moved clock: sign-in cookies and TOTP codes follow the real one. So the test reads
"last month" and "today" off the real clock, and every figure it expects is the same whatever
the date (everything last month happens on its 3rd, decisions the same day, so decision times
are 0 working days and every decision is within the deadline).

The staff pages' axe checks on every page, with an error summary, and the no-JavaScript period
form are in ``test_analytics_staff_pages.py``; the crawl of every page is in
``test_every_page_accessible.py``.
"""

from __future__ import annotations

import datetime
import http.server
import re
import threading
import time

import pytest

from tests.browser.conftest import assert_accessible, click_button, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: What happens last month, on its 3rd (see the module docstring). Enough of each for the public
#: pages to show every measure: no count, and nothing left over from a rate, below 5.
SENT_ONLINE = 30  # of which 20 approved, 10 refused, all rated
APPROVED = 20
SENT_AT_COUNTER = 15  # still open
DRAFTS_LEFT = 10  # begun online, never sent
RATINGS = (5, 4) * 12 + (5,) + (2,) * 5  # 25 of 30 satisfied or very satisfied
#: The busiest places of today's problem reports: (latitude, longitude, reports), about 2 km apart.
PLACES = ((52.031, 0.006, 3), (52.011, 0.006, 2), (52.021, 0.036, 1))
#: What a linked figure says after its number, to screen readers only.
HIDDEN_LINK_TEXT = " – see the cases behind this figure"


def _month_add(month: datetime.date, months: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


@pytest.fixture
def world(settings, make_user, with_mfa, agency_a):
    import time_machine
    from django.utils import timezone

    from ecitizen.agencies.models import Membership
    from ecitizen.analytics import rollups
    from ecitizen.analytics.tests import rollup_data as data
    from ecitizen.engagement.feedback.services import feedback_give

    settings.REPORTS_TILE_URL = ""  # no tile server is reachable from the tests
    citizen = make_user("amina@example.org", given_name="Amina", family_name="Haddad")
    admin = make_user("admin@council.example")
    Membership.objects.create(user=admin, agency=agency_a, role="agency_admin")
    secret = with_mfa(admin)
    version = data.version(agency_a, "resident-parking", deadline=10)

    today = timezone.localdate()
    last_month = _month_add(today.replace(day=1), -1)
    third = datetime.datetime.combine(
        last_month.replace(day=3), datetime.time(10), tzinfo=timezone.get_current_timezone()
    )
    with time_machine.travel(third, tick=True):
        online = [data.send(citizen, version) for _ in range(SENT_ONLINE)]
        counter = [data.send(citizen, version, channel="counter") for _ in range(SENT_AT_COUNTER)]
        for _ in range(DRAFTS_LEFT):
            data.start(citizen, version)
        approved = [data.approve(admin, application) for application in online[:APPROVED]]
        refused = [
            data.refuse(admin, application, category=("not_eligible", "evidence_missing")[n % 2])
            for n, application in enumerate(online[APPROVED:])
        ]
        for application, answer in zip(online, RATINGS, strict=True):
            feedback_give(actor=citizen, kind="application", reference=application.reference, answer=answer)
    sent_today = data.send(citizen, version)

    _reports(agency_a, citizen)
    rollups.rebuild()
    return {
        "admin": (admin.email, secret),
        "admin_user": admin,
        "agency": agency_a,
        "service": version.service,
        "last_month": last_month,
        "approved": approved,
        "refused": refused,
        "open": [*counter, sent_today],
    }


def _reports(agency, citizen) -> None:
    """Today's problem reports at :data:`PLACES`, in one area of *agency*."""
    from ecitizen.analytics.tests import rollup_data as data

    data.area(agency, "Northbridge", data.square(0.0, 52.0, 0.05, 52.04))
    data.category(agency, "pothole")
    for latitude, longitude, count in PLACES:
        for _ in range(count):
            data.report(citizen, "pothole", latitude, longitude)


def _month_name(month: datetime.date) -> str:
    """A month as the English pages write it ("November 2026")."""
    from django.utils import formats, translation

    with translation.override("en"):
        return formats.date_format(month, "YEAR_MONTH_FORMAT")


def _day(day: datetime.date) -> str:
    """A day as the English pages write it ("1 November 2026")."""
    return f"{day.day} {_month_name(day)}"


def _last_day(month: datetime.date) -> datetime.date:
    return _month_add(month, 1) - datetime.timedelta(days=1)


def _measure(page, name: str) -> str:
    """The headline figure *name* (``data-measure``), its explanation after it, in one line."""
    return " ".join(page.locator(f'[data-measure="{name}"]').first.inner_text().split())


def _rows(table) -> list[list[str]]:
    """The body rows of *table*, each its cells' text in one line (stacked-table labels aside)."""
    return [
        [" ".join(cell.split()) for cell in row.locator("th, td").all_inner_texts()]
        for row in table.locator("tbody tr").all()
    ]


def _expect_public_figures(page, world) -> None:
    """The four measures, transactions and decisions of last month, the only complete month with
    activity: on the overview, the agency's page and the service's page alike (one service)."""
    # Counts are rounded to the nearest 5 and shares to whole percentages (these are exact).
    assert _measure(page, "cost_per_transaction") == "£4.00"  # (30 × £1 + 15 × £10) ÷ 45
    assert _measure(page, "satisfaction") == "83% satisfied or very satisfied, of 30 answers"
    assert _measure(page, "completion_rate") == "75% of 40 applications begun online"
    assert _measure(page, "digital_take_up") == "67% of applications were sent online"
    assert _measure(page, "transactions") == "45"
    assert _measure(page, "median_decision_days") == "0 working days"
    assert _measure(page, "in_time_share") == "100% of 30 decisions were made within the deadline"


def _expect_charts(page, prefix: str, world) -> None:
    """Each measure's chart is an image whose text alternative (its title and description) names
    it and says where the values are, beside its table; last month's figures are in both."""
    last = _month_name(world["last_month"])
    sections = page.locator("main section[aria-labelledby]")
    assert sections.count() == 6
    for section in sections.all():
        heading = section.locator("h2").inner_text()
        chart = section.get_by_role("img", name=heading)
        assert chart.count() == 1
        title_id, desc_id = chart.get_attribute("aria-labelledby").split()
        assert section.locator(f"#{title_id}").text_content() == heading
        assert "The table that follows gives every value." in section.locator(f"#{desc_id}").text_content()
        assert section.locator("table caption").inner_text() == f"{heading}: every month"
    # Only last month has enough transactions to show: the highest and the latest.
    description = page.locator(f"#{prefix}-transactions-desc").text_content()
    assert f"Highest: 45 in {last}." in description and f"Latest: 45 in {last}." in description
    assert [last, "30", "15", "fewer than 5", "45"] in _rows(page.locator(f"#{prefix}-transactions-table"))
    assert [last, "40", "30", "75%"] in _rows(page.locator(f"#{prefix}-completion-table"))


def _walk_public(page, world, *, with_js: bool) -> None:
    service = world["service"]
    page.goto("/")
    if with_js:
        assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("main").get_by_role("link", name="Service performance", exact=True).click()
    assert page.url.endswith("/performance/")
    assert page.locator("h1").inner_text() == "Service performance"
    _expect_public_figures(page, world)
    _expect_charts(page, "platform", world)
    agencies = _rows(page.locator("#agencies-table"))
    assert agencies == [["City Council", "45", "75%", "67%", "83%"]]
    if with_js:
        assert_accessible(page)

    with page.expect_navigation():
        page.locator("#agencies-table").get_by_role("link", name="City Council", exact=True).click()
    assert page.url.endswith(f"/performance/agencies/{world['agency'].slug}/")
    assert page.locator("h1").inner_text() == "City Council"
    _expect_public_figures(page, world)
    _expect_charts(page, "agency", world)
    if with_js:
        assert_accessible(page)

    title = service.title["en"]
    with page.expect_navigation():
        page.locator("#services-table").get_by_role("link", name=title, exact=True).click()
    assert page.url.endswith(f"/performance/services/{service.slug}/")
    assert page.locator("h1").inner_text() == title
    _expect_public_figures(page, world)
    _expect_charts(page, "service", world)
    # The breadcrumbs lead back, by links too.
    crumbs = page.get_by_role("navigation", name="Breadcrumb")
    assert crumbs.get_by_role("link").all_inner_texts() == ["Home", "Service performance", "City Council"]
    if with_js:
        assert_accessible(page)


@pytest.fixture
def costs(world):
    """The agency's costs: £1 an application online, £10 at a counter (none for helpers)."""
    from ecitizen.analytics.services import channel_costs_save

    channel_costs_save(
        actor=world["admin_user"], agency=world["agency"], amounts={"online": 100, "counter": 1000}, currency="GBP"
    )


def test_a_visitor_reaches_the_measures_by_links(page, world, costs):
    _walk_public(page, world, with_js=True)


def test_a_visitor_reaches_the_measures_by_links_without_javascript(page_without_js, world, costs):
    _walk_public(page_without_js, world, with_js=False)


@pytest.fixture
def other_site(live_server, world):
    """Another origin (127.0.0.1 on its own port, where the live server is localhost): one page
    that frames the service's embed and its normal performance page."""
    slug = world["service"].slug
    html = (
        "<!DOCTYPE html><html lang='en'><head><title>A newspaper</title></head><body>"
        "<h1>Parking in our town</h1>"
        f"<iframe id='embed' title='Parking permits' width='800' height='720' "
        f"src='{live_server.url}/performance/services/{slug}/embed/'></iframe>"
        f"<iframe id='normal' name='normal' title='Not embeddable' width='800' height='300' "
        f"src='{live_server.url}/performance/services/{slug}/'></iframe>"
        "</body></html>"
    ).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args):  # quiet
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_another_site_frames_the_embed_but_no_other_page(page, world, other_site, live_server):
    assert not other_site.startswith(live_server.url)
    with page.expect_response(re.compile(r"/performance/services/[^/]+/embed/$")) as embed_response:
        page.goto(other_site)
    assert embed_response.value.status == 200
    embed = page.frame_locator("#embed")
    embed.locator("h1").wait_for()
    assert embed.locator("h1").inner_text() == world["service"].title["en"]
    assert " ".join(embed.locator('[data-measure="transactions"]').inner_text().split()) == "45"
    assert embed.locator('[data-measure="completion_rate"]').inner_text().startswith("75%")
    assert embed.locator('[data-measure="cost_per_transaction"]').inner_text() == "not available"  # no costs set
    # Its one chart and table: transactions per month.
    assert embed.locator('svg[role="img"]').count() == 1
    # The link back opens the full page outside the frame.
    back = embed.get_by_role("link", name=re.compile("See every figure"))
    assert back.get_attribute("target") == "_blank"

    # The normal page is refused: the browser shows its own error page in the frame, not ours.
    normal = page.frame("normal")
    assert normal is not None
    deadline = time.monotonic() + 5
    while not normal.url.startswith("chrome-error://") and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert normal.url.startswith("chrome-error://"), normal.url
    assert page.frame_locator("#normal").locator("[data-measure]").count() == 0

    # The embed on its own passes axe.
    page.goto(f"/performance/services/{world['service'].slug}/embed/")
    assert_accessible(page)
    page.goto(f"/performance/agencies/{world['agency'].slug}/embed/")
    assert _measure(page, "transactions") == "45"
    assert_accessible(page)


def _figure_link(table, label: str):
    """The link of the figure *label* in a table of measures (a row, or an item of a row's list)."""
    return table.locator("li, tr").filter(has_text=re.compile(rf"^\s*{re.escape(label)}\b")).get_by_role("link").first


def _figure(table, label: str) -> str:
    """The figure of the measure *label* in a table of measures (its list of parts included),
    without the words after a linked number that only screen readers hear."""
    for row in table.locator("tbody > tr").all():
        if row.locator("th").evaluate("th => th.firstChild.textContent.trim()") == label:
            text = row.locator("td").inner_text().replace(HIDDEN_LINK_TEXT, "")
            return " ".join(text.split())
    raise AssertionError(f"no measure {label!r} in {table.inner_text()[:400]}")


def _type_date(page, field_id: str, day: datetime.date) -> None:
    """Day, month and year typed into the three boxes of a date, moving between them with Tab."""
    for suffix, value in (("", day.day), ("-month", day.month), ("-year", day.year)):
        assert page.evaluate("() => document.activeElement.id") == f"{field_id}{suffix}"
        page.keyboard.type(str(value))
        page.keyboard.press("Tab")


def test_an_admin_reads_the_figures_and_acts_on_them(page, world):
    from ecitizen.analytics.models import AlertRule, ChannelCost

    sign_in(page, *world["admin"])
    page.goto("/staff/")
    with page.expect_navigation():
        page.get_by_role("main").get_by_role("link", name="Service performance", exact=True).click()
    assert page.locator("h1").inner_text() == "Service performance"
    # The last 90 days: last month's activity and today's application.
    overall = page.locator("table", has=page.locator("caption", has_text="Every service together"))
    # Staff figures are exact.
    assert _figure(overall, "Applications started") == "56"
    assert _figure(overall, "Applications sent") == "46"
    assert _figure(overall, "Open cases now") == "16"
    assert _figure(overall, "Cost per transaction") == "Not set"
    assert_accessible(page)

    # Last month only, chosen with the keyboard.
    last_month = world["last_month"]
    page.locator("summary", has_text="Choose the period").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    _type_date(page, "id_date_from", last_month)
    _type_date(page, "id_date_to", _last_day(last_month))
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.textContent.trim()") == "Show the figures":
            break
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_text(f"From {_day(last_month)} to {_day(_last_day(last_month))}", exact=True).count() == 1, (
        page.locator("main").inner_text()[:600]
    )
    overall = page.locator("table", has=page.locator("caption", has_text="Every service together"))
    assert _figure(overall, "Applications started") == "55"  # 30 + 10 left online, 15 at a counter
    assert _figure(overall, "Applications sent") == "45"
    assert _figure(overall, "Completion rate") == "75%"
    assert _figure(overall, "Decided").startswith("30")
    assert _figure(overall, "Median decision time") == "0 working days"
    assert _figure(overall, "Decided within the deadline") == "100%"
    assert _figure(overall, "Digital take-up").startswith("66.7%")
    assert _figure(overall, "User satisfaction") == "83.3%"
    assert_accessible(page)

    # The refused figure opens the queue with exactly those cases.
    link = _figure_link(overall, "Refused")
    assert link.inner_text().split()[0] == "10"
    with page.expect_navigation():
        link.click()
    assert "/staff/cases/" in page.url
    shown = set(page.get_by_role("main").locator("tbody tr").locator("a").all_inner_texts())
    assert shown == {application.reference for application in world["refused"]}
    assert page.get_by_text("10 cases", exact=True).count() == 1
    assert_accessible(page)
    page.go_back()

    # Costs per channel: a bad amount is refused at its field, good ones cost the transactions.
    with page.expect_navigation():
        page.get_by_role("navigation", name="Service performance").get_by_role("link", name="Costs per channel").click()
    assert_accessible(page)
    page.get_by_label("Online", exact=True).fill("lots")
    click_button(page, "Save the costs")
    summary = page.locator(".govuk-error-summary")
    assert summary.get_by_role("link").first.get_attribute("href") == "#id_online"
    field_error = page.locator("#id_online-error")
    assert field_error.is_visible() and "Enter the amount as a number" in field_error.inner_text()
    assert page.get_by_label("Online", exact=True).get_attribute("aria-describedby").find("id_online-error") >= 0
    assert not ChannelCost.objects.exists()
    assert_accessible(page)
    page.get_by_label("Online", exact=True).fill("1.00")
    page.get_by_label("At a counter, with staff", exact=True).fill("10.00")
    click_button(page, "Save the costs")
    assert page.get_by_text("The costs per channel are saved.").count() == 1
    assert_accessible(page)
    with page.expect_navigation():
        page.get_by_role("navigation", name="Service performance").get_by_role("link", name="Services").click()
    overall = page.locator("table", has=page.locator("caption", has_text="Every service together"))
    # The last 90 days, exact for staff: (31 × £1 + 15 × £10) ÷ 46.
    assert _figure(overall, "Cost per transaction") == "£3.93"

    # An alert, set and deleted.
    with page.expect_navigation():
        page.get_by_role("navigation", name="Service performance").get_by_role("link", name="Alerts").click()
    page.get_by_label("Service", exact=True).select_option(label=world["service"].title["en"])
    page.get_by_label("Open cases", exact=True).check()
    page.get_by_label("Alert when it goes above", exact=True).fill("2")
    click_button(page, "Save the alert")
    assert page.get_by_text("The alert is set.").count() == 1
    rules = page.locator("table", has=page.locator("caption", has_text="Your agency's alerts"))
    row = rules.locator("tbody tr").first
    assert row.locator("th").inner_text() == world["service"].title["en"]
    assert "Open cases" in row.inner_text()
    assert AlertRule.objects.filter(service=world["service"], metric="backlog", threshold=2).count() == 1
    assert_accessible(page)
    with page.expect_navigation():
        row.get_by_role("link", name=re.compile("^Delete")).click()
    assert page.locator("h1").inner_text() == "Delete the alert?"
    assert_accessible(page)
    click_button(page, "Delete the alert")
    assert page.get_by_text("The alert is deleted.").count() == 1
    assert page.get_by_text("No alert is set.").count() == 1
    assert not AlertRule.objects.exists()
    assert_accessible(page)


def _open_report_dashboard(page, world) -> None:
    sign_in(page, *world["admin"])
    page.goto("/staff/analytics/")
    with page.expect_navigation():
        page.get_by_role("navigation", name="Service performance").get_by_role("link", name="Problem reports").click()


def test_the_report_dashboard_maps_where_reports_cluster(page, world):
    _open_report_dashboard(page, world)
    page.get_by_role("region", name="Map of where reports cluster").wait_for()
    circles = page.locator(".app-map .leaflet-overlay-pane path")
    circles.nth(len(PLACES) - 1).wait_for()
    assert circles.count() == len(PLACES)
    # Busier places draw bigger circles.
    sizes = [circle.bounding_box()["width"] for circle in circles.all()]
    assert max(sizes) > min(sizes)
    assert_accessible(page)


def test_the_report_dashboard_lists_the_places_without_javascript(page_without_js, world):
    page = page_without_js
    _open_report_dashboard(page, world)
    assert page.locator(".leaflet-container").count() == 0
    table = page.locator("table", has=page.locator("caption", has_text="The busiest places"))
    rows = _rows(table)
    assert [row[0] for row in rows] == ["1", "2", "3"]
    assert [row[-1].split()[0] for row in rows] == [str(count) for _lat, _lng, count in PLACES]
    assert rows[0][1:3] == ["52.0310", "0.0060"]
    # The busiest place's count opens the reports made there.
    with page.expect_navigation():
        table.locator("tbody tr").first.get_by_role("link").click()
    assert "/staff/reports/" in page.url
    assert page.get_by_role("main").locator("tbody tr").count() == PLACES[0][2]
