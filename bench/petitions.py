"""Benchmark of petitions (issue 12): signing throughput, and a petition page at a million signatures.

Usage (from the repository root; PostgreSQL only; the database is created, and dropped at the end
unless --keep):

    .venv/bin/python bench/petitions.py --database-url postgres://postgres@127.0.0.1:5432/hp_bench

What it does, in order:

1. Migrates the database (``bench.petitions_settings``: the benchmark settings, tasks queued nowhere,
   emails dropped) and makes an agency, ten districts in the address register and open petitions.
2. Signing throughput, for each ``--shards`` value (counter rows per petition; 1 is a single hot
   counter row): ``--workers`` processes, each with its own database connection, call the real
   service ``services.signature_add`` (a signed-in person signing: the signature's INSERT, the abuse
   checks, the counter UPDATE and the audit row in one transaction) for their share of ``--signers``
   accounts, all released together. Then the email path: ``signature_start_by_email`` followed by
   ``signature_confirm`` (two transactions, as the two requests are). Prints signatures per second
   (wall clock, first start to last finish), then checks that the count (the sum of counter rows)
   equals ``COUNT(*)`` of counted signatures and that no account or address signed twice.
3. A race: every worker signs the same ``--race`` accounts at the same moment; each must sign once.
4. A petition with ``--million`` signatures, written with one INSERT ... SELECT from
   generate_series (spread over the districts), its counter rows filled from them, then VACUUM
   ANALYZE. Times its page (``GET /petitions/<n>/``: count, progress, districts table and map,
   removed counts) through Django's test client (the view alone), then over real HTTP against
   gunicorn (``--server-workers`` x ``--server-threads``) started on 127.0.0.1:``--port``, with
   ``--clients`` concurrent keep-alive connections for ``--requests`` requests: p50, p95, p99 in ms.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _timing import percentile  # noqa: E402

SETTINGS = "bench.petitions_settings"
DISTRICTS = [
    ("Old Town", 52.030, 0.005),
    ("Riverside", 52.045, 0.020),
    ("Northgate", 52.060, 0.000),
    ("Eastfield", 52.035, 0.040),
    ("Southbank", 52.015, 0.015),
    ("Westmead", 52.040, -0.025),
    ("Hillcrest", 52.070, 0.030),
    ("Meadowside", 52.020, -0.010),
    ("Harbour", 52.005, 0.035),
    ("Castle Hill", 52.055, -0.015),
]


def admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def create_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    import django

    django.setup()


# --- the world ------------------------------------------------------------------------------


def make_world() -> tuple[int, int]:
    """An agency, an author, the districts' addresses. Returns (agency id, author id)."""
    from django.core.management import call_command

    from ecitizen.accounts.models import User
    from ecitizen.agencies.models import Agency
    from ecitizen.exchange.models import Address

    call_command("migrate", verbosity=0)
    agency = Agency.objects.create(name="City Council", slug="city-council", code="CC")
    author = User.objects.create_user(email="author@bench.example", password=None)
    rows = []
    for i, (name, lat, lng) in enumerate(DISTRICTS):
        for j in range(3):
            rows.append(
                Address(
                    uprn=f"B{i:02d}{j}",
                    line=f"{j + 1} High Street, {name}",
                    street="High Street",
                    number=str(j + 1),
                    locality=name,
                    town="Northbridge",
                    postcode=f"NB{i} {j}AA",
                    latitude=lat + j * 0.001,
                    longitude=lng,
                )
            )
    for row in rows:
        row.save()
    return agency.pk, author.pk


def open_petition(agency_id: int, author_id: int, title: str) -> int:
    """An open petition, made directly (its lifecycle is not what is measured here)."""
    import datetime

    from django.utils import timezone

    from ecitizen.engagement.petitions.models import Petition, Status

    now = timezone.now()
    petition = Petition.objects.create(
        author_id=author_id,
        agency_id=agency_id,
        title=title,
        action="Measure it",
        background="Because",
        status=Status.OPEN,
        create_token=uuid.uuid4(),
        opened_at=now,
        closes_at=now + datetime.timedelta(days=180),
    )
    return petition.pk


def make_accounts(prefix: str, n: int) -> list[int]:
    from django.contrib.auth.hashers import make_password

    from ecitizen.accounts.models import Profile, User

    unusable = make_password(None)
    users = User.objects.bulk_create(
        [User(email=f"{prefix}{i}@bench{i % 50}.example", password=unusable) for i in range(n)], batch_size=5000
    )
    Profile.objects.bulk_create(
        [Profile(user=u, preferred_language="en", postcode=f"NB{i % len(DISTRICTS)} 0AA") for i, u in enumerate(users)],
        batch_size=5000,
    )
    return [u.pk for u in users]


# --- the workers ----------------------------------------------------------------------------


def _worker(url: str, job: str, petition_id: int, items: list, barrier, out) -> None:
    setup_django(url)
    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.db import connection

    job, _, shards = job.partition(":")
    if shards:
        settings.PETITION_COUNTER_SHARDS = int(shards)

    from ecitizen.accounts.models import User
    from ecitizen.engagement.petitions import services
    from ecitizen.engagement.petitions.models import Petition

    petition = Petition.objects.get(pk=petition_id)
    users = {u.pk: u for u in User.objects.filter(pk__in=items)} if job != "email" else {}
    connection.ensure_connection()
    barrier.wait()
    start, cpu = time.perf_counter(), time.process_time()
    ok = refused = 0
    for item in items:
        try:
            if job == "email":
                signature = services.signature_start_by_email(
                    petition=petition, name="Bench Signer", email=item, postcode="NB1 0AA"
                )
                services.signature_confirm(signature=signature)
            else:
                services.signature_add(actor=users[item], petition=petition)
            ok += 1
        except ValidationError:
            refused += 1
    out.put((ok, refused, start, time.perf_counter(), time.process_time() - cpu))


def run_workers(url: str, job: str, petition_id: int, shares: list[list]) -> tuple[int, int, float, float]:
    """Run *job* in one process per share, released together: (signed, refused, wall seconds,
    CPU seconds of the workers' own Python per signature, in ms)."""
    ctx = mp.get_context("spawn")
    barrier, out = ctx.Barrier(len(shares)), ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(url, job, petition_id, share, barrier, out)) for share in shares]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    ok = sum(r[0] for r in results)
    refused = sum(r[1] for r in results)
    elapsed = max(r[3] for r in results) - min(r[2] for r in results)
    cpu_ms = 1000 * sum(r[4] for r in results) / max(1, ok + refused)
    return ok, refused, elapsed, cpu_ms


def check_exact(petition_id: int) -> tuple[int, int, int]:
    """(count from the counter rows, COUNT(*) of counted signatures, people who signed twice)."""
    from django.db import connection

    from ecitizen.engagement.petitions import selectors

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM petitions_signature WHERE petition_id = %s AND state = 'counted'", [petition_id]
        )
        counted = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM petitions_signature WHERE petition_id = %s AND state = 'counted' "
            "GROUP BY lower(email) HAVING count(*) > 1) twice",
            [petition_id],
        )
        twice = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM petitions_signature WHERE petition_id = %s AND state = 'counted' "
            "AND user_id IS NOT NULL GROUP BY user_id HAVING count(*) > 1) twice",
            [petition_id],
        )
        twice += cursor.fetchone()[0]
    return selectors.signature_count(petition_id), counted, twice


def split(items: list, n: int) -> list[list]:
    return [items[i::n] for i in range(n)]


# --- a million ------------------------------------------------------------------------------


def seed_million(petition_id: int, n: int) -> float:
    from django.db import connection

    start = time.perf_counter()
    names = [d[0] for d in DISTRICTS]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO petitions_signature (petition_id, user_id, name, email, email_domain, postcode, district,
                state, token, ip, language, created_at, confirmed_at, replaced_email, flag, review_note,
                removal_reason)
            SELECT %s, NULL, 'Signer ' || g, 'm' || g || '@million.example', 'million.example', 'NB1 0AA',
                (%s::text[])[1 + g %% %s], 'counted', md5(g::text || 'million'), NULL, 'en', now(), now(),
                false, '', '', ''
            FROM generate_series(1, %s) AS g
            """,
            [petition_id, names, len(names), n],
        )
        cursor.execute(
            """
            INSERT INTO petitions_signaturecount (petition_id, shard, district, signatures)
            SELECT petition_id, 0, district, count(*) FROM petitions_signature
            WHERE petition_id = %s AND state = 'counted' GROUP BY petition_id, district
            ON CONFLICT (petition_id, shard, district)
            DO UPDATE SET signatures = petitions_signaturecount.signatures + excluded.signatures
            """,
            [petition_id],
        )
        # a few removed by moderators, so that the page shows its removed counts
        cursor.execute(
            "UPDATE petitions_signature SET state = 'removed', removal_reason = 'fake' "
            "WHERE petition_id = %s AND id IN (SELECT id FROM petitions_signature WHERE petition_id = %s LIMIT 25)",
            [petition_id, petition_id],
        )
        cursor.execute(
            "UPDATE petitions_signaturecount SET signatures = signatures - 25 "
            "WHERE id = (SELECT id FROM petitions_signaturecount WHERE petition_id = %s "
            "ORDER BY signatures DESC LIMIT 1)",
            [petition_id],
        )
    with connection.cursor() as cursor:
        connection.connection.autocommit = True
        cursor.execute("VACUUM ANALYZE petitions_signature")
        cursor.execute("VACUUM ANALYZE petitions_signaturecount")
    return time.perf_counter() - start


def time_view(path: str, repeat: int) -> list[float]:
    from django.test import Client

    client = Client()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return sorted(times)


def start_server(url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS}
    proc = subprocess.Popen(  # noqa: S603 (our own server, fixed arguments)
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/petitions/rules/")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGTERM)
    raise RuntimeError("gunicorn did not start")


def time_http(port: int, path: str, requests: int, clients: int) -> tuple[list[float], float]:
    times: list[float] = []
    lock = threading.Lock()
    per_client = requests // clients

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        for _ in range(per_client):
            start = time.perf_counter()
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            mine.append((time.perf_counter() - start) * 1000)
            assert response.status == 200 and b"data-petition-count" in body, response.status
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(times), len(times) / (time.perf_counter() - start)


def page_figures(url: str, args, agency_id: int, author_id: int, figures: list) -> None:
    """Step 4: a petition with a million signatures, and its page timed in-process and over HTTP."""
    from django.db import connections

    petition_id = open_petition(agency_id, author_id, "A million signatures")
    seconds = seed_million(petition_id, args.million)
    from ecitizen.engagement.petitions import selectors

    figures.append(("seeded", f"{selectors.signature_count(petition_id):,} signatures in {seconds:.0f} s"))
    print(figures[-1])
    path = f"/petitions/{petition_id}/"
    time_view(path, 20)  # warm up
    times = time_view(path, args.view_repeat)
    figures.append(
        (
            f"GET {path} at 1M, test client (view only), {args.view_repeat} requests",
            f"p50 {percentile(times, 0.5):.1f} ms, p99 {percentile(times, 0.99):.1f} ms",
        )
    )
    print(figures[-1])
    connections.close_all()
    server = start_server(url, args.port, args.server_workers, args.server_threads)
    try:
        time_http(args.port, path, 100, 2)  # warm up
        for clients in sorted({1, args.clients}):
            times, rate = time_http(args.port, path, args.requests, clients)
            figures.append(
                (
                    f"GET {path} at 1M over HTTP, gunicorn {args.server_workers}x{args.server_threads}, "
                    f"{clients} client(s)",
                    f"p50 {percentile(times, 0.5):.1f} ms, p95 {percentile(times, 0.95):.1f} ms, "
                    f"p99 {percentile(times, 0.99):.1f} ms, {rate:,.0f} requests/s",
                )
            )
            print(figures[-1])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/hp_bench")
    parser.add_argument("--signers", type=int, default=20_000)
    parser.add_argument("--email-signers", type=int, default=4_000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--shards", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--race", type=int, default=200)
    parser.add_argument("--million", type=int, default=1_000_000, help="0 skips the page timing")
    parser.add_argument("--view-repeat", type=int, default=300)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--server-threads", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    url = args.database_url

    create_database(url)
    setup_django(url)
    from django.db import connections
    from django.test.utils import override_settings

    figures: list[tuple[str, str]] = []
    try:
        agency_id, author_id = make_world()
        for shards in args.shards:
            with override_settings(PETITION_COUNTER_SHARDS=shards):
                petition_id = open_petition(agency_id, author_id, f"Throughput, {shards} counter rows")
                accounts = make_accounts(f"s{shards}-", args.signers)
                connections.close_all()
                ok, refused, elapsed, cpu_ms = run_workers(
                    url, f"account:{shards}", petition_id, split(accounts, args.workers)
                )
                count, counted, twice = check_exact(petition_id)
                figures.append(
                    (
                        f"sign by account, {shards} counter row(s), {args.workers} processes",
                        f"{ok / elapsed:,.0f} signatures/s ({ok} in {elapsed:.1f} s; refused {refused}; "
                        f"client CPU {cpu_ms:.2f} ms each); "
                        f"count {count} = COUNT(*) {counted}: {count == counted}; signed twice: {twice}",
                    )
                )
                print(figures[-1])
        petition_id = open_petition(agency_id, author_id, "Throughput by email")
        emails = [f"e{i}@mail{i % 40}.example" for i in range(args.email_signers)]
        connections.close_all()
        ok, refused, elapsed, cpu_ms = run_workers(url, "email", petition_id, split(emails, args.workers))
        count, counted, twice = check_exact(petition_id)
        figures.append(
            (
                f"sign by email (start + confirm), {args.workers} processes",
                f"{ok / elapsed:,.0f} signatures/s ({ok} in {elapsed:.1f} s; client CPU {cpu_ms:.2f} ms each); "
                f"count {count} = COUNT(*) {counted}: {count == counted}; signed twice: {twice}",
            )
        )
        print(figures[-1])
        petition_id = open_petition(agency_id, author_id, "The race")
        racers = make_accounts("race-", args.race)
        connections.close_all()
        ok, refused, elapsed, _cpu = run_workers(url, "account", petition_id, [racers] * args.workers)
        count, counted, twice = check_exact(petition_id)
        figures.append(
            (
                f"race: {args.workers} processes sign the same {args.race} accounts",
                f"signed {ok}, refused {refused}; count {count} = COUNT(*) {counted}; signed twice: {twice}",
            )
        )
        print(figures[-1])

        if args.million:
            page_figures(url, args, agency_id, author_id, figures)
    finally:
        connections.close_all()
        if not args.keep:
            drop_database(url)
    print()
    print(f"load average at the end: {os.getloadavg()} on {os.cpu_count()} CPUs")
    for name, value in figures:
        print(f"{name:<75} {value}")


if __name__ == "__main__":
    main()
