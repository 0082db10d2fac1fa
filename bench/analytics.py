"""Benchmark: the analytics rollups and the reads behind the dashboards, at a million of each.

Usage (from the repository root; PostgreSQL only, the production database):

    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE ecitizen_analytics_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecitizen_analytics_bench .venv/bin/python bench/analytics.py

The database is migrated and grown, never emptied: the demo is loaded if it is not there,
then ``seed_analytics_volume`` loads what is missing of ``--applications`` applications (a
year of history) and ``--reports`` problem reports (two years), and the reports' first
responses are set. Loading a million of each takes a while (about half an hour); a second run
skips it.

Then it times, with the clock as it is:

* ``rollups.rebuild()`` once (every day from the first activity, every month, the snapshots);
* ``rollups.run_hourly()`` ``--hourly`` times in a row, each printed, then once more as the first
  run after midnight (yesterday and today), and the slowest (the issue's bound is 10 s);
* the reads the dashboards make, ``--repeat`` times each, p50 and p99 in milliseconds: an
  agency's last 90 days by service, its last 12 months by month, its backlog trend over 90
  days, the platform's last 12 months by month, and an agency's report figures over 90 days
  by category;
* the dashboard pages themselves through real HTTP, in the production shape (``--no-http`` skips
  it): gunicorn with gthread workers (``--workers`` × ``--threads``, default 2 × 4) under
  production settings (``bench.bare_settings``, the environment ``bench/http_load.py`` gives its
  servers, with this database's own data keys so that the demo's TOTP secrets decrypt), on
  127.0.0.1:``--port``; the council's agency admin signs in over HTTP (password, then a TOTP
  code), then each page is requested ``--warmup`` times, then ``--requests`` times one after the
  other (one request at a time: the page's own time, no queueing), and p50, p99 and the slowest
  are printed with the SQL queries one request makes (counted in-process with Django's test
  client). The pages: the staff dashboard for the default 90 days and for the last 12 months, a
  service's page, the problem reports, the caseworkers' workload, and the public overview, agency
  page, service page and open-data JSON, after ``/api/health`` as a baseline (what a request
  costs with no page behind it: the machine's own noise shows there first). The load average is
  printed before and after. The issue's bound is a p99 under 200 ms per page.

``--no-rollups`` skips the rebuild and the hourly runs (the rollups are read as they are: run
``manage.py analytics_rebuild`` first after a change of their tables).
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import time

import http_load
from _timing import ROOT, median, percentile, setup_database

BOUND_HOURLY_S = 10
BOUND_P99_MS = 200
#: The agency whose dashboards are timed (the demo council, which holds the volume data) and its admin.
AGENCY_CODE = "CC"
ADMIN = "admin@council.example"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applications", type=int, default=1_000_000)
    parser.add_argument("--reports", type=int, default=1_000_000)
    parser.add_argument("--hourly", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--no-rollups", action="store_true", help="skip the rebuild and hourly runs")
    parser.add_argument("--no-http", action="store_true", help="skip the pages over HTTP")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page (default 100)")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per page first (default 10)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8071)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (see the docstring).")

    setup_database("unused.sqlite3")
    from django.conf import settings
    from django.db import connection

    settings.DEBUG = False  # no query log: thousands of queries in a rebuild
    load(args.applications, args.reports)
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    if not args.no_rollups:
        time_rollups(args.hourly)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics for the rollup tables, as autovacuum would give
    time_selectors(args.repeat)
    if not args.no_http:
        time_pages(args)


def load(applications: int, reports: int) -> None:
    from django.core.management import call_command

    from ecitizen.agencies.models import Agency
    from ecitizen.analytics.management.commands.seed_analytics_volume import (
        set_first_responses,
        volume_applications,
    )
    from ecitizen.reports.management.commands.seed_report_volume import volume_reports

    if not Agency.objects.filter(code="CC").exists():
        call_command("seed_demo", register_size=50, stdout=open(os.devnull, "w"))
    have_applications, have_reports = volume_applications().count(), volume_reports().count()
    missing_applications = max(applications - have_applications, 0)
    missing_reports = max(reports - have_reports, 0)
    if missing_applications or missing_reports:
        print(f"loading {missing_applications} applications and {missing_reports} problem reports...")
        started = time.monotonic()
        call_command("seed_analytics_volume", missing_applications, reports=missing_reports)
        print(f"loaded in {time.monotonic() - started:.0f} s")
    from django.utils import timezone

    set_first_responses(now=timezone.now())  # reports loaded by seed_report_volume alone get theirs
    print(f"applications: {volume_applications().count()}, problem reports: {volume_reports().count()}")


def time_rollups(hourly: int) -> None:
    from ecitizen.analytics import rollups

    run = rollups.rebuild()
    days = (run.last_day - run.first_day).days + 1 if run.first_day else 0
    print(f"rebuild: {days} days ({run.first_day} to {run.last_day}), {run.rows} rows in {run.seconds:.1f} s")
    seconds = []
    for number in range(1, hourly + 1):
        run = rollups.run_hourly()
        seconds.append(run.seconds)
        print(f"hourly run {number}: days {run.first_day} to {run.last_day}, {run.rows} rows in {run.seconds:.2f} s")
    # The longest an hourly run gets: the first after midnight recomputes yesterday and today.
    from django.utils import timezone

    from ecitizen.analytics.models import RollupRun

    tz = timezone.get_default_timezone()
    before_midnight = datetime.datetime.combine(timezone.localdate(), datetime.time(23, 30), tzinfo=tz)
    before_midnight -= datetime.timedelta(days=1)
    # As if the last run had been at 23:30 yesterday (this database's later runs are forgotten).
    RollupRun.objects.filter(started_at__gt=before_midnight).delete()
    RollupRun.objects.create(kind="hourly", started_at=before_midnight, finished_at=before_midnight)
    run = rollups.run_hourly()
    seconds.append(run.seconds)
    print(f"hourly run after midnight: days {run.first_day} to {run.last_day}, {run.rows} rows in {run.seconds:.2f} s")
    if seconds:
        verdict = "within" if max(seconds) < BOUND_HOURLY_S else "OVER"
        print(f"hourly run: max {max(seconds):.2f} s ({verdict} the {BOUND_HOURLY_S} s bound)")


def time_selectors(repeat: int) -> None:
    from django.utils import timezone

    from ecitizen.agencies.models import Agency
    from ecitizen.analytics import report_selectors, selectors

    agency = Agency.objects.get(code="CC")
    today = timezone.localdate()
    quarter = today - datetime.timedelta(days=89)
    year = (today - datetime.timedelta(days=335)).replace(day=1)
    trend_days = [today - datetime.timedelta(days=n) for n in range(89, -1, -1)]
    reads = {
        "agency, 90 days by service": lambda: selectors.totals_by(
            selectors.service_days(agency_ids=[agency.pk], date_from=quarter, date_to=today), "service"
        ),
        "agency, 12 months by month": lambda: selectors.totals_by(
            selectors.service_days(agency_ids=[agency.pk], date_from=year, date_to=today), "month"
        ),
        "agency, backlog trend 90 days": lambda: selectors.backlog_trend(agency_ids=[agency.pk], days=trend_days),
        "platform, 12 months by month": lambda: selectors.totals_by(
            selectors.service_days(date_from=year, date_to=today), "month"
        ),
        "agency reports, 90 days by category": lambda: report_selectors.report_totals_by(
            report_selectors.report_days(agency_ids=[agency.pk], date_from=quarter, date_to=today), "category"
        ),
    }
    print(f"{'read':<40} {'p50 ms':>8} {'p99 ms':>8}")
    for name, read in reads.items():
        read()  # warm the connection and the plan cache
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            read()
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        flag = "" if percentile(times, 0.99) < BOUND_P99_MS else "  OVER"
        print(f"{name:<40} {median(times):>8.1f} {percentile(times, 0.99):>8.1f}{flag}")


# --- the pages over HTTP ------------------------------------------------------------------------


def _pages() -> list[tuple[str, str, bool]]:
    """``(label, path, as the agency admin)`` for each page timed."""
    from django.db.models import Sum
    from django.utils import timezone

    from ecitizen.agencies.models import Agency
    from ecitizen.analytics.models import ServiceMonth
    from ecitizen.analytics.public_selectors import public_services

    agency = Agency.objects.get(code=AGENCY_CODE)
    busiest = list(
        ServiceMonth.objects.filter(agency=agency)
        .values_list("service_id")
        .annotate(n=Sum("submitted"))
        .order_by("-n")
        .values_list("service_id", flat=True)
    )
    published = {service.pk: service for service in public_services(agency)}
    staff_service = busiest[0]
    public_service = next(published[pk] for pk in busiest if pk in published)
    today = timezone.localdate()
    year = f"date_from={today - datetime.timedelta(days=364)}&date_to={today}"
    return [
        ("baseline: /api/health", "/api/health", False),
        ("staff dashboard, 90 days", "/staff/analytics/", True),
        ("staff dashboard, 12 months", f"/staff/analytics/?{year}", True),
        ("staff service page, 90 days", f"/staff/analytics/services/{staff_service}/", True),
        ("staff problem reports, 90 days", "/staff/analytics/reports/", True),
        ("staff workload", "/staff/analytics/workload/", True),
        ("public overview", "/performance/", False),
        ("public agency page", f"/performance/agencies/{agency.slug}/", False),
        ("public service page", f"/performance/services/{public_service.slug}/", False),
        ("open data JSON", "/performance/data/services.json", False),
    ]


def _admin_client():
    """Django's test client in this process, signed in as the agency admin with MFA passed; its
    session lives in the database, so the server can be given the same session cookie."""
    from django.test import Client

    from ecitizen.accounts.models import User

    client = Client()
    user = User.objects.get(email=ADMIN)
    client.force_login(user)
    session = client.session  # staff pages need a session that passed MFA
    session["account_authentication_methods"] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
    session["account_authentication_methods_user"] = str(user.pk)
    session.save()
    return client


def _queries(client, path: str) -> int:
    """The SQL queries of one request of *path* through *client* (Django's test client, in this process)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)  # the first request of a session writes to it; count a later one's
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured)


def time_pages(args) -> None:
    """Time the dashboard pages over HTTP, one request at a time (see the module docstring)."""
    from django.conf import settings
    from django.test import Client

    pages = _pages()
    admin_client = _admin_client()
    queries = {path: _queries(admin_client if as_admin else Client(), path) for _label, path, as_admin in pages}
    env = http_load.environment(args.port)
    # The server shares this process's keys: the session made above is signed (its user's hash)
    # with SECRET_KEY, and the data was encrypted with the others when the demo was loaded.
    env.update(
        SECRET_KEY=str(settings.SECRET_KEY),
        FIELD_ENCRYPTION_KEYS=str(settings.FIELD_ENCRYPTION_KEYS),
        BLIND_INDEX_KEY=str(settings.BLIND_INDEX_KEY),
    )
    http_load.manage(env, "createcachetable")
    http_load.manage(env, "collectstatic", "--noinput", "-v", "0")
    log = open(ROOT / "var" / "analytics-gunicorn.log", "w")
    server = subprocess.Popen(  # noqa: S603 - our own fixed command on a loopback address
        http_load.server_command("gunicorn", args.port, args.workers, args.threads),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        if not http_load.wait_healthy(args.port, server, "gunicorn exited; see var/analytics-gunicorn.log"):
            sys.exit("gunicorn did not answer /api/health within 60 s")
        base = f"http://127.0.0.1:{args.port}"
        admin, anonymous = http_load.Session(base), http_load.Session(base)
        # The demo's passwords were hashed with the test settings' hasher, which production does
        # not accept: the admin's session (signed in, MFA passed) is made in this process instead.
        admin.cookies["__Host-sessionid"] = admin_client.session.session_key
        print(
            f"pages over HTTP: gunicorn {args.workers} workers x {args.threads} threads, production settings; "
            f"{args.warmup} warm-up then {args.requests} requests one at a time; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        )
        print(f"{'page':<32} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'queries':>8}  path")
        for label, path, as_admin in pages:
            person = admin if as_admin else anonymous
            for _ in range(args.warmup):
                status, location, body = person.call(path)
                if status != 200:
                    sys.exit(f"GET {path} -> {status} {location} {body[:300]}")
            times = []
            for _ in range(args.requests):
                start = time.perf_counter()
                status, _location, _body = person.call(path)
                times.append((time.perf_counter() - start) * 1000)
                if status != 200:
                    sys.exit(f"GET {path} -> {status}")
            times.sort()
            p99 = percentile(times, 0.99)
            flag = "" if p99 < BOUND_P99_MS else "  OVER"
            print(
                f"{label:<32} {median(times):>8.1f} {p99:>8.1f} {times[-1]:>8.1f} {queries[path]:>8}  {path}{flag}",
                flush=True,
            )
        print(f"load average at the end: {os.getloadavg()[0]:.1f} (other work on the machine slows every page alike)")
    finally:
        http_load.stop(server)
        log.close()


if __name__ == "__main__":
    main()
