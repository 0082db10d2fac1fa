"""Benchmark: the Report a problem reads that must stay flat as the reports table grows.

Usage (from the repository root):

    .venv/bin/python bench/reports_load.py --sizes 10000,100000,1000000
    psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE ecitizen_reports_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecitizen_reports_bench .venv/bin/python bench/reports_load.py

It builds a fresh database (SQLite file var/bench-reports.sqlite3 unless
DATABASE_URL is set; an existing PostgreSQL database is grown, not emptied),
loads the demo (Northbridge's districts, ring road and categories from
``seed_reports``), grows the reports table to each size with synthetic reports
spread over the city and the last three years (about 3 % still open, most of
them recent; older ones mostly fixed or closed), then times REPEAT requests of
each kind, each with its own random place or window (fixed seed):

* Open311 ``GET requests.json`` for one service code and a 7-day window,
  through Django's test client (server time only, no network);
* the public map's ``/reports/map.json?bbox=...`` for a street-sized and a
  city-sized viewport, through the test client;
* the nearby-duplicate check ``nearby_open_reports(code, lat, lng)``.

It prints p50/p99 in milliseconds, SQL queries per request and the mean
number of reports answered (the Open311 window holds more reports as the
table grows, up to the 1000 the endpoint returns at most), then the query
plans at the largest size (PostgreSQL ``EXPLAIN``, SQLite ``EXPLAIN QUERY
PLAN``) to show which index each query uses.

Rows are written in batches of ``--batch`` (default 50,000) with COPY on
PostgreSQL and ``executemany`` on SQLite, so memory stays bounded at any size.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time
import uuid
from urllib.parse import urlencode

from _timing import median, percentile, seed_demo, setup_database

YEARS = 3
RECENT_DAYS = 120  # reports younger than this are often still open
CODE_WEIGHTS = {"pothole": 40, "streetlight": 25, "flytipping": 20, "graffiti": 15}
CITY = (52.000, 0.000, 52.040, 0.060)  # min lat, min lng, max lat, max lng


def parse_sizes(values: list[str]) -> list[int]:
    sizes = [int(part.replace("_", "")) for value in values for part in value.split(",") if part.strip()]
    if not sizes or any(size < 1 for size in sizes):
        raise SystemExit("--sizes takes positive whole numbers: --sizes 10000,100000,1000000")
    return sorted(set(sizes))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", nargs="+", default=["1000000"], help="e.g. 10000,100000,1000000")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--batch", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    sizes = parse_sizes(args.sizes)

    setup_database("bench-reports.sqlite3")
    seed_demo()
    from django.db import connection

    from ecitizen.reports.models import Report

    loader = Loader(seed=args.seed)
    print(f"database: {connection.vendor}; repeat {args.repeat} per request")
    print(f"{'rows':>10}  {'request':<40} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8} {'answered':>9}")
    for size in sizes:
        have = Report.objects.count()
        if size > have:
            started = time.perf_counter()
            loader.load(size - have, batch=args.batch)
            print(f"# loaded {size - have} reports in {time.perf_counter() - started:.0f} s", flush=True)
        analyze(connection)
        rows = Report.objects.count()
        for label, run in measurements(loader, random.Random(args.seed)):  # noqa: S311
            p50, p99, queries, answered = timed(run, args.repeat)
            print(f"{rows:>10}  {label:<40} {p50:>8.1f} {p99:>8.1f} {queries:>8} {answered:>9.0f}", flush=True)
    explain_all(loader, random.Random(args.seed))  # noqa: S311 - repeatable, not secret


def analyze(connection) -> None:
    """PostgreSQL's autovacuum keeps statistics in production; SQLite has none unless someone runs ANALYZE."""
    if connection.vendor == "postgresql" or os.environ.get("BENCH_SQLITE_ANALYZE"):
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- loading --------------------------------------------------------------------------------------------


class Loader:
    """Synthetic reports routed as the real ones would be, written in bounded batches."""

    def __init__(self, *, seed: int):
        from django.utils import timezone

        from ecitizen.agencies.models import Agency
        from ecitizen.reports import geo
        from ecitizen.reports.models import Area, Category

        self.rng = random.Random(seed)  # noqa: S311 - repeatable synthetic data
        self.now = timezone.now()
        self.geo = geo
        road_agency = Agency.objects.get(slug="transport-agency")
        areas = list(Area.objects.filter(is_active=True, agency__isnull=False))
        self.road = [(a, geo.from_geojson(a.geometry)) for a in areas if a.agency_id == road_agency.pk]
        self.districts = [
            (a, geo.from_geojson(a.geometry), (a.min_lat + a.max_lat) / 2, (a.min_lng + a.max_lng) / 2)
            for a in areas
            if a.agency_id != road_agency.pk
        ]
        self.categories = {(c.agency_id, c.code): c for c in Category.objects.filter(is_active=True)}
        self.codes = list(CODE_WEIGHTS)
        self.weights = list(CODE_WEIGHTS.values())
        self.loaded = 0

    def _area(self, lat: float, lng: float, code: str):
        for area, polygons in self.road:
            if (area.agency_id, code) in self.categories and self.geo.polygons_contain(polygons, lat, lng):
                return area
        # the district whose box centre is nearest first: nearly always the right one
        guess = min(self.districts, key=lambda item: abs(item[2] - lat) + abs(item[3] - lng))
        for area, polygons, _lat, _lng in [guess, *self.districts]:
            if self.geo.polygons_contain(polygons, lat, lng):
                return area
        raise AssertionError(f"No district holds {lat}, {lng}")

    def _status(self, age_days: float) -> str:
        r = self.rng.random()
        if age_days < RECENT_DAYS:
            if r < 0.30:
                return self.rng.choice(["open", "open", "investigating", "action_scheduled", "in_progress"])
        elif r < 0.002:
            return "open"
        r = self.rng.random()
        if r < 0.75:
            return "fixed"
        if r < 0.85:
            return "closed_not_fixed"
        if r < 0.90:
            return "not_responsible"
        return "duplicate"

    def report(self, index: int) -> dict:
        """One report's values by attribute name; the model's defaults fill the rest."""
        rng = self.rng
        lat = rng.uniform(CITY[0] + 1e-6, CITY[2] - 1e-6)
        lng = rng.uniform(CITY[1] + 1e-6, CITY[3] - 1e-6)
        code = rng.choices(self.codes, self.weights)[0]
        area = self._area(lat, lng, code)
        category = self.categories[(area.agency_id, code)]
        age = rng.uniform(0, YEARS * 365)
        created = self.now - datetime.timedelta(days=age)
        status = self._status(age)
        closed = status not in {"open", "investigating", "action_scheduled", "in_progress"}
        updated = min(created + datetime.timedelta(days=rng.uniform(0, 20)), self.now)
        return {
            "token": uuid.uuid4(),
            "category_id": category.pk,
            "service_code": code,
            "agency_id": area.agency_id,
            "area_id": area.pk,
            "status": status,
            "latitude": lat,
            "longitude": lng,
            "cell": self.geo.cell_of(lat, lng),
            "title": f"{code} {index}",
            "description": "Synthetic report for the benchmark.",
            "reporter_name": "Bench",
            "reporter_email": "bench@example.org",
            "confirmed_at": created,
            "is_public": True,
            "responsible_body": "Water Company" if status == "not_responsible" else "",
            "due_at": created + datetime.timedelta(days=category.response_days * 7 / 5),
            "created_at": created,
            "updated_at": updated,
            "closed_at": updated if closed else None,
        }

    def _adapters(self, fields, connection):
        """A fast function per column turning a Python value into what the database driver takes."""
        from django.db import models

        utc = datetime.UTC

        def sqlite_datetime(value):
            return None if value is None else value.astimezone(utc).replace(tzinfo=None).isoformat(" ")

        adapters = []
        for field in fields:
            if isinstance(field, models.DateTimeField) and connection.vendor == "sqlite":
                adapters.append(sqlite_datetime)
            elif isinstance(field, models.UUIDField) and connection.vendor == "sqlite":
                adapters.append(lambda value: value.hex)
            elif isinstance(field, (models.JSONField, models.UUIDField, models.DateField)):
                adapters.append(lambda value, f=field: f.get_db_prep_save(value, connection))
            else:
                adapters.append(lambda value: value)
        return adapters

    def load(self, count: int, *, batch: int) -> None:
        from django.db import connection, transaction

        from ecitizen.reports.models import Report

        fields = [f for f in Report._meta.concrete_fields if not f.primary_key]
        defaults = {f.attname: f.get_default() for f in fields}
        adapters = self._adapters(fields, connection)
        plan = list(zip([f.attname for f in fields], adapters, strict=True))
        table = Report._meta.db_table
        names = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        done = 0
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA cache_size = -1000000")  # 1 GB of page cache while loading
        while done < count:
            n = min(batch, count - done)
            rows = []
            for _ in range(n):
                self.loaded += 1
                values = {**defaults, **self.report(self.loaded)}
                rows.append(tuple(adapt(values[name]) for name, adapt in plan))
            with transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    marks = ", ".join(["?"] * len(fields))
                    cursor.cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # noqa: S608
            done += n
            print(f"#   {done}/{count}", end="\r", file=sys.stderr, flush=True)
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("PRAGMA cache_size = -2000")  # back to SQLite's default for the measurements


# --- measuring ------------------------------------------------------------------------------------------


def measurements(loader: Loader, rng: random.Random):
    """(label, run) pairs; run() makes one request with fresh random parameters and returns what it answered."""
    from django.test import Client

    from ecitizen.reports.nearby import nearby_open_reports

    client = Client()
    now = loader.now
    span = YEARS * 365 - 7

    def open311():
        start = now - datetime.timedelta(days=7 + rng.uniform(0, span))
        end = start + datetime.timedelta(days=7)
        query = urlencode({"service_code": "pothole", "start_date": start.isoformat(), "end_date": end.isoformat()})
        response = client.get(f"/open311/v2/requests.json?{query}")
        assert response.status_code == 200, (response.status_code, response.content[:300])
        return len(response.json())

    def viewport(height: float, width: float):
        def run():
            lat = rng.uniform(CITY[0], CITY[2] - height)
            lng = rng.uniform(CITY[1], CITY[3] - width)
            bbox = f"{lng:.6f},{lat:.6f},{lng + width:.6f},{lat + height:.6f}"
            response = client.get(f"/reports/map.json?bbox={bbox}")
            assert response.status_code == 200, (response.status_code, response.content[:300])
            return len(response.json()["features"])

        return run

    def nearby():
        lat, lng = rng.uniform(CITY[0], CITY[2]), rng.uniform(CITY[1], CITY[3])
        code = rng.choices(list(CODE_WEIGHTS), list(CODE_WEIGHTS.values()))[0]
        return len(nearby_open_reports(code, lat, lng))

    return [
        ("Open311 GET requests, 7 days, 1 code", open311),
        ("map.json, street viewport (~450x400 m)", viewport(0.004, 0.0065)),
        ("map.json, whole city viewport", viewport(0.040, 0.060)),
        ("nearby_open_reports, 250 m", nearby),
    ]


def timed(run, repeat: int) -> tuple[float, float, int, float]:
    from django.db import connection, reset_queries

    run()  # warm up
    times, answered, queries = [], [], 0
    for _ in range(repeat):
        reset_queries()
        start = time.perf_counter()
        answered.append(run())
        times.append((time.perf_counter() - start) * 1000)
        queries = max(queries, len(connection.queries))
    times.sort()
    return median(times), percentile(times, 0.99), queries, statistics.mean(answered)


def explain_all(loader: Loader, rng: random.Random) -> None:
    """Run each request once more and print the plan of each query it made on the reports table.

    The plans are of the statements as executed, with their bound parameters
    (SQLite plans a query with ``?`` parameters differently from the same
    query with the values written in: a partial index needs the literals).
    """
    from django.db import connection

    print()
    keyword = "EXPLAIN" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
    for label, run in measurements(loader, rng):
        executed = []

        def capture(execute, sql, params, many, context, executed=executed):
            executed.append((sql, params))
            return execute(sql, params, many, context)

        with connection.execute_wrapper(capture):
            run()
        for sql, params in executed:
            if '"reports_report"' not in sql:
                continue
            print(f"--- {label}: {keyword}")
            print(sql if len(sql) < 600 else sql[:600] + " …")
            with connection.cursor() as cursor:
                cursor.execute(f"{keyword} {sql}", params)
                for row in cursor.fetchall():
                    print("   ", row[0] if connection.vendor == "postgresql" else " ".join(str(v) for v in row))


if __name__ == "__main__":
    main()
