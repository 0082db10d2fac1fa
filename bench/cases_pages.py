"""Benchmark: server time of the pages that must stay flat as applications grow.

Usage (from the repository root):

    .venv/bin/python bench/cases_pages.py --sizes 10000 1000000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecitizen_bench .venv/bin/python bench/cases_pages.py

It builds a fresh database (SQLite file var/bench.sqlite3 unless DATABASE_URL
is set), loads the demo, grows the applications table to each size with
`seed_volume`, then requests each page REPEAT times through Django's test
client (server time only, no network) and prints p50/p99 in milliseconds and
the number of SQL queries per request.
"""

from __future__ import annotations

import argparse
import os
import time

from _timing import median, percentile, seed_demo, setup_database, time_get


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    setup_database("bench.sqlite3")
    seed_demo()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from ecitizen.accounts.models import User
    from ecitizen.cases.models import Application

    caseworker = User.objects.get(email="caseworker@council.example")
    print(f"database: {connection.vendor}; repeat {args.repeat} per page")
    print(f"{'rows':>10}  {'page':<34} {'p50 ms':>8} {'p99 ms':>8} {'queries':>8}")
    for size in args.sizes:
        have = Application.objects.count()
        if size > have:
            call_command("seed_volume", size - have, stdout=open(os.devnull, "w"))
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        sample = Application.objects.filter(citizen__email__startswith="volume-").order_by("pk").first()
        citizen = sample.citizen
        pages = [
            ("citizen status page", citizen, f"/applications/{sample.pk}/"),
            ("My applications", citizen, "/applications/"),
            ("caseworker queue, first page", caseworker, "/staff/cases/"),
            ("caseworker queue, filtered", caseworker, "/staff/cases/?status=in_review&assignee=none&sort=due"),
            ("caseworker queue, overdue", caseworker, "/staff/cases/?overdue=on"),
        ]
        for label, user, url in pages:
            client = Client()
            client.force_login(user)
            session = client.session  # staff pages need a session that passed MFA
            session["account_authentication_methods"] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
            session["account_authentication_methods_user"] = str(user.pk)
            session.save()
            client.get(url)  # warm up
            times, queries = time_get(client, url, args.repeat)
            p50 = median(times)
            p99 = percentile(times, 0.99)
            print(f"{Application.objects.count():>10}  {label:<34} {p50:>8.1f} {p99:>8.1f} {queries:>8}")


if __name__ == "__main__":
    main()
