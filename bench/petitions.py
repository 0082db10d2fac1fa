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
4. Signing over HTTP, as in production (``--http-signers``, 0 skips it): ``--http-signers`` new
   accounts, each with a signed-in session written straight to the session store as signing in
   leaves it (user id, backend and session hash; allauth's ``UserSession`` row; the session
   activity marker, so that the signing request writes no activity, as one made from the page a
   moment later), and a CSRF cookie. ``--server`` (granian, as deployed, or gunicorn;
   ``--server-workers`` x ``--server-threads``) is started on 127.0.0.1:``--port``; one GET of the
   petition's page must show a session signed in.
   Then ``--http-clients`` threads, each on its own keep-alive connection, POST the sign form
   (the masked CSRF token, an Origin and a Referer header, as a browser sends) once per session,
   all released together, through every middleware and the real view. Expected: a 302 to
   ``/petitions/<n>/signed/``, not followed. Rate limits are on (``bench.petitions_settings``):
   each signer comes from an address of its own, sent in X-Forwarded-For from 127.0.0.1, which
   the server trusts as a proxy (TRUSTED_PROXIES), so ``petition-sign`` keeps its default rate;
   ``--http-one-address`` sends everything from 127.0.0.1 instead and raises that rate. Prints
   signatures per second (wall clock), p50, p95, p99 in ms, the answers that were not that 302,
   the client's own CPU (to show whether the client is what limits), the same exactness checks as
   step 2 and the load average; the server is stopped at the end of the step.
5. A petition with ``--million`` signatures, written with one INSERT ... SELECT from
   generate_series (spread over the districts), its counter rows filled from them, then VACUUM
   ANALYZE. Times its page (``GET /petitions/<n>/``: count, progress, districts table and map,
   removed counts) through Django's test client (the view alone), then over real HTTP against
   ``--server`` (``--server-workers`` x ``--server-threads``) started on 127.0.0.1:``--port``, with
   ``--clients`` concurrent keep-alive connections for ``--requests`` requests: p50, p95, p99 in ms.
"""

from __future__ import annotations

import argparse
import datetime
import html
import http.client
import ipaddress
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode, urlsplit, urlunsplit

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
    from allauth.account.models import EmailAddress
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
    # Signing in needs a confirmed address (ACCOUNT_EMAIL_VERIFICATION is mandatory).
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users], batch_size=5000
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


def start_server(
    url: str, port: int, workers: int, threads: int, extra_env: dict[str, str] | None = None, server: str = "granian"
) -> subprocess.Popen:
    """*server* (granian, as deployed, or gunicorn gthread) on 127.0.0.1:*port* in a process group of
    its own (stop it with :func:`stop_server`); the commands are ``bench/http_load.py``'s."""
    from http_load import server_command

    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS, **(extra_env or {})}
    proc = subprocess.Popen(  # noqa: S603 (our own server, fixed arguments)
        server_command(server, port, workers, threads),
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        if proc.poll() is not None:  # it could not bind the port, say: never time another server
            raise RuntimeError(f"{server} exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/petitions/rules/")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError(f"{server} did not start")


def stop_server(proc: subprocess.Popen) -> None:
    """End the server started by :func:`start_server`: its own process group, by its pid."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


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
    """Step 5: a petition with a million signatures, and its page timed in-process and over HTTP."""
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
    server = start_server(url, args.port, args.server_workers, args.server_threads, server=args.server)
    try:
        time_http(args.port, path, 100, 2)  # warm up
        for clients in sorted({1, args.clients}):
            times, rate = time_http(args.port, path, args.requests, clients)
            figures.append(
                (
                    f"GET {path} at 1M over HTTP, {args.server} {args.server_workers}x{args.server_threads}, "
                    f"{clients} client(s)",
                    f"p50 {percentile(times, 0.5):.1f} ms, p95 {percentile(times, 0.95):.1f} ms, "
                    f"p99 {percentile(times, 0.99):.1f} ms, {rate:,.0f} requests/s",
                )
            )
            print(figures[-1])
    finally:
        stop_server(server)


# --- signing over HTTP ----------------------------------------------------------------------

USER_AGENT = "petitions-bench/1"


@dataclass(frozen=True)
class Signer:
    """One signed-in browser: its cookies, the CSRF token its page's form holds, its address."""

    email: str
    cookie: str
    csrf_token: str
    address: str


def signer_address(i: int) -> str:
    """Signer *i*'s own address (10.0.0.1, 10.0.0.2, ...), as the proxy in front passes it on."""
    return str(ipaddress.IPv4Address("10.0.0.1") + i)


def make_sessions(accounts: list[int], addresses: list[str]) -> list[Signer]:
    """One signed-in session per account, written to the configured session store as signing in
    leaves it, so that the measured requests are the real ones of people already signed in.

    ``django.contrib.auth.login`` puts the user's id, the backend and the session hash in the
    session; allauth's usersessions adds a ``UserSession`` row on sign-in; the first page opened
    afterwards records the session's activity and a marker in the session
    (``ecitizen.accounts.session_activity``), set here to now: a signature is made from the
    petition's page a moment later, and writes no activity. The CSRF secret is in its cookie (in
    the session under CSRF_USE_SESSIONS), its masked form in the form, as ``{% csrf_token %}``
    writes it.
    """
    from importlib import import_module

    from allauth.usersessions.models import UserSession
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.middleware.csrf import CSRF_SESSION_KEY, _get_new_csrf_string, _mask_cipher_secret
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from ecitizen.accounts import session_activity
    from ecitizen.accounts.models import User

    store_class = import_module(settings.SESSION_ENGINE).SessionStore
    # A database-backed store (db, cached_db) takes its rows in bulk; any other one session at a time.
    model = store_class.get_model_class() if hasattr(store_class, "get_model_class") else None
    backend = settings.AUTHENTICATION_BACKENDS[0]
    expires = timezone.now() + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    users = User.objects.in_bulk(accounts)
    now = time.time()
    rows, tracked, signers = [], [], []
    for pk, address in zip(accounts, addresses, strict=True):
        user = users[pk]
        secret = _get_new_csrf_string()
        data = {
            SESSION_KEY: user._meta.pk.value_to_string(user),
            BACKEND_SESSION_KEY: backend,
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        if settings.CSRF_USE_SESSIONS:
            data[CSRF_SESSION_KEY] = secret
        if model is not None:
            key = get_random_string(32, VALID_KEY_CHARS)
            data[session_activity.SESSION_KEY] = [session_activity._key_digest(key), now]
            rows.append(model(session_key=key, session_data=store_class().encode(data), expire_date=expires))
        else:
            session = store_class()
            session.update(data)
            session.create()
            key = session.session_key
            session[session_activity.SESSION_KEY] = [session_activity._key_digest(key), now]
            session.save()
        tracked.append(UserSession(user=user, ip=address, session_key=key, user_agent=USER_AGENT))
        cookie = f"{settings.SESSION_COOKIE_NAME}={key}"
        if not settings.CSRF_USE_SESSIONS:
            cookie += f"; {settings.CSRF_COOKIE_NAME}={secret}"
        signers.append(Signer(email=user.email, cookie=cookie, csrf_token=_mask_cipher_secret(secret), address=address))
    if model is not None:
        model.objects.bulk_create(rows, batch_size=2000)
    UserSession.objects.bulk_create(tracked, batch_size=2000)
    return signers


def _headers(signer: Signer, *, forwarded: bool) -> dict[str, str]:
    headers = {"Cookie": signer.cookie, "User-Agent": USER_AGENT}
    if forwarded:
        headers["X-Forwarded-For"] = signer.address
    return headers


def check_signed_in(port: int, petition_id: int, signer: Signer, *, forwarded: bool) -> None:
    """The petition's page, with *signer*'s cookies, is that of someone signed in: their address
    shown, the sign-with-your-account form, and no email field."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", f"/petitions/{petition_id}/", headers=_headers(signer, forwarded=forwarded))
        response = conn.getresponse()
        body = response.read().decode()
    finally:
        conn.close()
    signed_in = (
        response.status == 200
        and html.escape(signer.email) in body
        and f'action="/petitions/{petition_id}/sign/"' in body
        and 'name="email"' not in body
    )
    if not signed_in:
        raise RuntimeError(f"GET /petitions/{petition_id}/ does not show {signer.email} signed in ({response.status})")


class HttpRun(NamedTuple):
    ok: int  # 302s to the signed page
    times: list[float]  # ms, sorted, of every answered request
    elapsed: float  # wall seconds, release to last answer
    client_cpu: float  # CPU seconds of this process (the client threads) over the run
    wrong: Counter  # answers other than a 302 to the signed page (and errors), by kind
    samples: list[str]  # the start of a few of their bodies


def http_sign(port: int, petition_id: int, signers: list[Signer], clients: int, *, forwarded: bool) -> HttpRun:
    """Each signer POSTs the sign form once; *clients* threads, each on its own keep-alive connection,
    share them out and start together."""
    path = f"/petitions/{petition_id}/sign/"
    expected = f"/petitions/{petition_id}/signed/"
    origin = f"http://127.0.0.1:{port}"
    barrier = threading.Barrier(clients + 1)
    lock = threading.Lock()
    times: list[float] = []
    wrong: Counter = Counter()
    samples: list[str] = []
    ok = 0

    def client(share: list[Signer]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.connect()
        nonlocal ok
        mine: list[float] = []
        bad: Counter = Counter()
        good = 0
        barrier.wait()
        for signer in share:
            headers = {
                **_headers(signer, forwarded=forwarded),
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": f"{origin}/petitions/{petition_id}/",
            }
            body = urlencode({"csrfmiddlewaretoken": signer.csrf_token})
            start = time.perf_counter()
            try:
                conn.request("POST", path, body, headers)
                response = conn.getresponse()
                content = response.read()
            except (OSError, http.client.HTTPException) as exc:
                bad[type(exc).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                continue
            mine.append((time.perf_counter() - start) * 1000)
            location = response.getheader("Location")
            if response.status != 302 or location != expected:
                bad[f"{response.status} {location or ''}".strip()] += 1
                if len(samples) < 3:
                    samples.append(content[:200].decode(errors="replace"))
            else:
                good += 1
        conn.close()
        with lock:
            ok += good
            times.extend(mine)
            wrong.update(bad)

    threads = [threading.Thread(target=client, args=(share,)) for share in split(signers, clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start, cpu = time.perf_counter(), time.process_time()
    for t in threads:
        t.join()
    return HttpRun(ok, sorted(times), time.perf_counter() - start, time.process_time() - cpu, wrong, samples)


def http_sign_figures(url: str, args, agency_id: int, author_id: int, figures: list) -> None:
    """Step 4: signed-in people signing through the real view, over HTTP, against the server."""
    from django.db import connections

    from ecitizen.engagement.petitions import conf

    n, clients = args.http_signers, min(args.http_clients, args.http_signers)
    petition_id = open_petition(agency_id, author_id, "Throughput over HTTP")
    accounts = make_accounts("h-", n)
    forwarded = not args.http_one_address
    if forwarded:
        addresses = [signer_address(i) for i in range(n)]
        extra_env = {"TRUSTED_PROXIES": "127.0.0.1"}
        limit = (
            f"petition-sign on at its default rate, {conf.sign_rate()} per address; each signer has its own "
            "address in X-Forwarded-For from 127.0.0.1 (TRUSTED_PROXIES=127.0.0.1, as behind the proxy)"
        )
    else:
        addresses = ["127.0.0.1"] * n
        rate = f"{2 * n}/h"
        extra_env = {"TRUSTED_PROXIES": "", "BENCH_PETITION_SIGN_RATE": rate}
        limit = (
            f"petition-sign on, raised to {rate} (BENCH_PETITION_SIGN_RATE; default {conf.sign_rate()}) "
            "per address: every request comes from 127.0.0.1, one bucket for all"
        )
    signers = make_sessions(accounts, addresses)
    figures.append(("sign over HTTP: rate limit", limit))
    print(figures[-1])
    connections.close_all()
    server = start_server(url, args.port, args.server_workers, args.server_threads, extra_env, server=args.server)
    try:
        check_signed_in(args.port, petition_id, signers[0], forwarded=forwarded)
        # warm up: every worker renders the petition's page (one new connection each, so spread)
        for signer in signers[: 4 * args.server_workers]:
            check_signed_in(args.port, petition_id, signer, forwarded=forwarded)
        run = http_sign(args.port, petition_id, signers, clients, forwarded=forwarded)
    finally:
        stop_server(server)
    count, counted, twice = check_exact(petition_id)
    ok, wrong = run.ok, sum(run.wrong.values())
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    figures.append(
        (
            f"sign by account over HTTP, {args.server} {args.server_workers}x{args.server_threads}, "
            f"{clients} client threads",
            f"{ok / run.elapsed:,.0f} signatures/s ({ok} in {run.elapsed:.1f} s); "
            f"p50 {percentile(run.times, 0.5):.1f} ms, p95 {percentile(run.times, 0.95):.1f} ms, "
            f"p99 {percentile(run.times, 0.99):.1f} ms; not a 302 to signed/: {wrong}"
            + (f" {dict(run.wrong)}" if wrong else "")
            + f"; client CPU {1000 * run.client_cpu / max(1, n):.2f} ms per request "
            f"({100 * run.client_cpu / run.elapsed:.0f}% of one core); "
            f"count {count} = COUNT(*) {counted}: {count == counted}; 302s = count: {ok == count}; "
            f"signed twice: {twice}; load average {load}",
        )
    )
    print(figures[-1])
    for sample in run.samples:
        print("  not a 302:", " ".join(sample.split())[:200])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/hp_bench")
    parser.add_argument("--signers", type=int, default=20_000)
    parser.add_argument("--email-signers", type=int, default=4_000)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--shards", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--race", type=int, default=200)
    parser.add_argument("--http-signers", type=int, default=4000, help="0 skips signing over HTTP")
    parser.add_argument("--http-clients", type=int, default=16)
    parser.add_argument(
        "--http-one-address",
        action="store_true",
        help="sign over HTTP all from 127.0.0.1 (rate raised) rather than each signer from its own address",
    )
    parser.add_argument("--million", type=int, default=1_000_000, help="0 skips the page timing")
    parser.add_argument("--view-repeat", type=int, default=300)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument(
        "--server",
        choices=["granian", "gunicorn"],
        default="granian",
        help="the HTTP server: granian (deployed, ADR 0012) or gunicorn gthread",
    )
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

        if args.http_signers:
            http_sign_figures(url, args, agency_id, author_id, figures)
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
