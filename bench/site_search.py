"""Benchmark: how long the site search takes, with the demo data (and optionally many more services).

Usage (from the repository root):

    .venv/bin/python bench/site_search.py
    .venv/bin/python bench/site_search.py --extra-services 2000 --repeat 300
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecitizen_bench .venv/bin/python bench/site_search.py

It builds a fresh database (SQLite file var/bench_site_search.sqlite3 unless
DATABASE_URL is set), loads the demo, adds --extra-services published services
if asked, then:

* times the first search in each language (the indexes are built then);
* requests /search/?q=… for each query REPEAT times through Django's test client
  (server time only, no network) and prints p50/p95 in milliseconds and the
  number of SQL queries per request.
"""

from __future__ import annotations

import argparse
import logging
import time
from urllib.parse import urlencode

from _timing import median, percentile, seed_demo, setup_database, time_get

QUERIES = [
    ("en", "pothole"),
    ("en", "potholes"),
    ("en", "report a problem"),
    ("en", "tax"),
    ("en", "taxes"),
    ("en", "parking permit"),
    ("en", "pothle"),  # no results: spelling suggestions
    ("fr", "permis"),
    ("es", "impuestos"),
    ("ar", "ضريبة"),
]


def _extra_services(count: int) -> None:
    """*count* more published services, written directly (a benchmark, not the app's path)."""
    from ecitizen.agencies.models import Agency
    from ecitizen.catalogue.models import Category, Service, ServiceStatus, ServiceVersion
    from ecitizen.catalogue.selectors import search_text_for, service_snapshot

    agency = Agency.objects.order_by("pk").first()
    category = Category.objects.order_by("pk").first()
    words = ["licence", "permit", "certificate", "grant", "registration", "renewal", "exemption", "inspection"]
    things = ["market stall", "street party", "skip", "scaffolding", "pavement café", "taxi", "boat", "dog"]
    for i in range(count):
        title = f"Apply for a {things[i % len(things)]} {words[(i // len(things)) % len(words)]} ({i})"
        service = Service.objects.create(
            agency=agency,
            category=category,
            slug=f"bench-service-{i}",
            title={"en": title, "es": f"Solicitud {i}", "fr": f"Demande {i}", "ar": f"طلب {i}"},
            summary={"en": f"A made-up service number {i} for the benchmark."},
            issues="permit",
            form={"pages": []},
        )
        version = ServiceVersion.objects.create(service=service, number=1, snapshot=service_snapshot(service))
        Service.objects.filter(pk=service.pk).update(
            status=ServiceStatus.PUBLISHED, current_version=version, search_text=search_text_for(service)
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--extra-services", type=int, default=0)
    args = parser.parse_args()

    setup_database("bench_site_search.sqlite3")
    from django.db import connection
    from django.test import Client
    from django.utils import translation

    from ecitizen.catalogue.models import Service
    from ecitizen.search.selectors import site_search

    logging.disable(logging.INFO)  # the demo's tasks log every run
    seed_demo()
    if args.extra_services:
        _extra_services(args.extra_services)

    print(f"database: {connection.vendor}; {Service.objects.count()} services; repeat {args.repeat} per query")
    print("first search per language (builds the indexes):")
    for language in ("en", "es", "fr", "ar"):
        with translation.override(language):
            start = time.perf_counter()
            site_search("permit", language=language)
            print(f"  {language}: {(time.perf_counter() - start) * 1000:.1f} ms")

    print("search = the search alone (site_search); page = GET /search/ through the test client")
    print(
        f"{'lang':<5} {'query':<20} {'results':>7} {'search p50':>9} {'search p95':>9} "
        f"{'page p50':>8} {'page p95':>8} {'queries':>8}"
    )
    client = Client()
    all_times: list[float] = []
    for language, query in QUERIES:
        url = "/search/?" + urlencode({"q": query, "lang": language})
        client.get(url)  # warm up
        with translation.override(language):
            results = site_search(query, language=language).total
            search_times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                site_search(query, language=language)
                search_times.append((time.perf_counter() - start) * 1000)
        times, queries = time_get(client, url, args.repeat)
        all_times += times
        p50 = median(times)
        p95 = percentile(times, 0.95)
        search_times.sort()
        s50 = median(search_times)
        s95 = percentile(search_times, 0.95)
        print(f"{language:<5} {query:<20} {results:>7} {s50:>9.2f} {s95:>9.2f} {p50:>8.1f} {p95:>8.1f} {queries:>8}")
    all_times.sort()
    p50 = median(all_times)
    p95 = percentile(all_times, 0.95)
    print(f"{'all':<5} {'':<20} {'':>7} {'':>9} {'':>9} {p50:>8.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
