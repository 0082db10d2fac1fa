"""Benchmark: every SQL query of the hottest pages, with its PostgreSQL plan, and each page's time.

Usage (from the repository root, on a PostgreSQL database you can throw away):

    createdb -h 127.0.0.1 -U postgres ecitizen_plans
    DATABASE_URL=postgres://postgres@127.0.0.1/ecitizen_plans .venv/bin/python bench/query_plans.py --rows 100000
    # add --profile to print a pyinstrument profile of each page (pip install pyinstrument)
    # --only reports: the Report a problem pages alone (--only cases: the applications' pages)

It migrates the database, loads the demo if it is not there, grows the applications table to
``--rows`` with ``seed_volume`` and the problem reports to ``--reports`` (default: as many) with
``seed_report_volume`` (both kept between runs) and runs VACUUM ANALYZE. Then, for the caseworker
queue (plain and filtered), the citizen's status page, the live status poll, the citizen's
list, the public list of problem reports (plain, open ones, one district, page 2), the map's
viewport JSON (city and street) and Open311 ``GET requests`` (plain, one code and a week), it
times ``--repeat`` requests through Django's test client (server time, no network), and prints
each query of one request with the plan lines that matter (the scans, with their index, rows and
time) from ``EXPLAIN (ANALYZE, BUFFERS)``.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import sys
import time

from _timing import median, percentile, setup_database

# Plan lines worth printing: how each table is read, sorts and limits, and the totals.
# The map's viewports: Northbridge at city zoom (the demo's districts fill 0.06° by 0.04°), and a street.
CITY_BBOX = "0.005,52.005,0.055,52.035"
STREET_BBOX = "0.0200,52.0150,0.0265,52.0190"
PLAN_LINE = re.compile(r"(Scan|Sort|Limit|Aggregate|Nested Loop|Hash Join|Heap Fetches|Execution Time|Planning Time)")


def _login(client, user) -> None:
    client.force_login(user)
    session = client.session  # staff pages need a session that passed MFA
    session["account_authentication_methods"] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()


def _explain(sql: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return [row[0] for row in cursor.fetchall()]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000, help="applications in the table (default 100000)")
    parser.add_argument("--reports", type=int, default=None, help="problem reports (default: as --rows)")
    parser.add_argument("--only", choices=["cases", "reports"], help="only the applications' or the reports' pages")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile of each page")
    parser.add_argument("--all-lines", action="store_true", help="print whole plans, not only the main lines")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (plans are PostgreSQL's).")

    setup_database("unused")
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test import Client
    from django.utils import timezone

    from ecitizen.accounts.models import User
    from ecitizen.cases.models import Application
    from ecitizen.reports.models import Area, Report

    if not User.objects.filter(email="caseworker@council.example").exists():
        call_command("seed_demo", stdout=open(os.devnull, "w"))
    have = Application.objects.count()
    if args.rows > have:
        call_command("seed_volume", args.rows - have, stdout=open(os.devnull, "w"))
    reports = args.rows if args.reports is None else args.reports
    have = Report.objects.count()
    if reports > have:
        call_command("seed_report_volume", reports - have, stdout=open(os.devnull, "w"))
    with connection.cursor() as cursor:
        # What autovacuum does soon after a bulk load: statistics for the planner, and the visibility
        # map that lets a count read an index alone. (Plans on a table never analysed are wrong.)
        cursor.execute("VACUUM ANALYZE cases_application")
        cursor.execute("VACUUM ANALYZE reports_report")
        cursor.execute("ANALYZE")

    caseworker = User.objects.get(email="caseworker@council.example")
    sample = Application.objects.filter(citizen__email__startswith="volume-").order_by("pk").first()
    citizen = sample.citizen
    pages = [
        ("caseworker queue", caseworker, "/staff/cases/"),
        ("queue, newest due first", caseworker, "/staff/cases/?sort=-due"),
        ("queue, unassigned in review", caseworker, "/staff/cases/?status=in_review&assignee=none"),
        ("queue, overdue", caseworker, "/staff/cases/?overdue=on"),
        ("queue, page 3", caseworker, "/staff/cases/?page=3"),
        ("citizen status page", citizen, f"/applications/{sample.pk}/"),
        ("live status poll", citizen, f"/applications/{sample.pk}/status.json"),
        ("citizen's list", citizen, "/applications/"),
    ]
    district = Area.objects.filter(agency__isnull=False).order_by("pk").first()
    week_ago = (timezone.now() - datetime.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    reports_pages = [
        ("reports list", None, "/reports/"),
        ("reports list, open ones", None, "/reports/?status=open"),
        ("reports list, one district", None, f"/reports/?area={district.pk if district else ''}"),
        ("reports list, page 2", None, "/reports/?page=2"),
        ("map viewport, city", None, f"/reports/map.json?bbox={CITY_BBOX}"),
        ("map viewport, street", None, f"/reports/map.json?bbox={STREET_BBOX}"),
        ("Open311 requests", None, "/open311/v2/requests.json"),
        ("Open311 requests, code+week", None, f"/open311/v2/requests.json?service_code=pothole&start_date={week_ago}"),
    ]
    pages = {"cases": pages, "reports": reports_pages, None: pages + reports_pages}[args.only]
    print(
        f"{Application.objects.count()} applications; {citizen.applications.count()} of them the citizen's; "
        f"{Report.objects.count()} problem reports"
    )
    summary = []
    for label, user, url in pages:
        client = Client()
        if user is not None:
            _login(client, user)
        assert client.get(url).status_code == 200, url  # warm up
        times = []
        for _ in range(args.repeat):
            reset_queries()
            start = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        queries = list(connection.queries)
        summary.append((label, url, median(times), percentile(times, 0.99), len(queries)))
        print(f"\n== {label}: GET {url}  p50 {median(times):.1f} ms, {len(queries)} queries")
        for query in queries:
            sql = query["sql"]
            print(f"-- {query['time']} s  {sql[:160]}{'…' if len(sql) > 160 else ''}")
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            for line in _explain(sql):
                if args.all_lines or PLAN_LINE.search(line):
                    print(f"     {line}")
        if args.profile:
            from pyinstrument import Profiler

            with Profiler(interval=0.0005) as profiler:
                for _ in range(20):
                    client.get(url)
            print(profiler.output_text(unicode=True, color=False, show_all=False))

    print(f"\n{'page':<30} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8}")
    for label, _url, p50, p99, count in summary:
        print(f"{label:<30} {p50:>8.1f} {p99:>8.1f} {count:>8}")


if __name__ == "__main__":
    main()
