"""HTTP load on the hot pages in the production shape, compared with a bare one-row Django view.

    createdb -h 127.0.0.1 -U postgres ecitizen_load
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecitizen_load \\
      .venv/bin/python bench/http_load.py --applications 10000 --duration 10
    # p50 at 10k and at 1M side by side, in ecitizen_load_10k and ecitizen_load_1m, gunicorn alone:
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecitizen_load \\
      .venv/bin/python bench/http_load.py --sizes 10000 1000000 --servers gunicorn

What it does, in order:

1. Prepares the database (PostgreSQL only): migrate, the cache table, collectstatic, the demo
   (``seed_demo``), then ``seed_volume`` until the database holds ``--applications`` volume
   applications and ``seed_report_volume`` until it holds ``--reports`` volume problem reports
   (default: as many as applications); a second run on the same database adds only what is
   missing; ``--no-seed`` skips this step. With ``--sizes 10000 1000000`` the whole run is made once
   per size, each in its own database named after DATABASE_URL's (``<name>_10k``, ``<name>_1m``:
   created when missing, kept between runs, so a million is seeded once), with that many
   applications and reports. Seeding a million applications (batches of 5,000) and a million
   reports (COPY in batches of 50,000) takes minutes, once per database.
2. Starts the site under production settings (``bench.bare_settings``: production plus the bare view
   ``/bench/bare/<pk>``) with each server of ``--servers`` (default both; one alone halves the
   time), all at once on 127.0.0.1 only (``--port`` and the next one): gunicorn with gthread workers
   and granian's WSGI interface, with the same workers and threads (default 2 × 4). The servers take
   turns page by page, so that other load on the machine weighs on both alike. The environment is
   that of ``scripts/run-multiprocess.sh``: keys from ``manage.py generate_keys`` (kept in
   ``var/http_load.env``: delete it when you drop the databases), ALLOWED_HOSTS, SITE_URL, the sandbox
   with a secret of its own, DEBUG off, static files from whitenoise, and an Open311 read limit
   per address that no run reaches (every request comes from 127.0.0.1; the limiter's lock per
   address is still taken by every read, which real clients, from many addresses, would not
   share: a few 429 answers when it is busy show in non-2xx). Requests carry the
   ``X-Forwarded-Proto: https`` header a TLS proxy would add. Server logs: ``var/http_load-<server>.log``.
3. Signs in over HTTP as the demo citizen (amina@example.org) and the demo caseworker (password, then
   a TOTP code from the secret seed_demo made), once per database; every server uses those sessions.
4. Checks that every page answers 200 (the public pages, the citizen's, the caseworker queue,
   Open311 ``GET requests.json`` and the public map's viewport JSON for the whole city at its
   opening zoom), then drives each with ``wrk``: ``--connections`` (64) for ``--duration`` seconds,
   2 generator threads on the same machine; then a second, shorter pass (``--low-duration``, a
   third as long) at ``--low-connections``, by default workers × threads (8), so that no request
   waits for a free thread (0 skips it). It prints, per server, requests/s, the share of the bare
   view's requests/s, p50, p99 and the count of answers outside 2xx, with the second pass's p50 and
   p99; then which server was faster (geometric mean of the per-page ratios); with ``--sizes``,
   the table "p50 at 1M / p50 at 10k" for the queue, the status page, Open311 ``requests`` and the
   map viewport, at both numbers of connections.

Why two passes: wrk's connections are a closed loop, so by Little's law p50 at 64 connections is
about 64 / requests per second whatever the page does (a page served at 250 requests/s shows a p50
near 250 ms); at 8 connections each request has a thread of its own and p50 and p99 are the
page's own time under that load.

Needs ``wrk`` (Debian: ``apt-get install -y wrk``), gunicorn and granian in ``.venv``. Keep runs
short on a shared machine: 11 pages × servers × sizes × (``--duration`` + ``--low-duration``).
"""

# ruff: noqa: S603 - our own fixed commands (manage.py, the servers, wrk) on a loopback address
from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import html
import json
import math
import os
import re
import secrets
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
KEYS = ROOT / "var" / "http_load.env"
CITIZEN = "amina@example.org"
CASEWORKER = "caseworker@council.example"
PASSWORD = "demo-pass-2026"  # noqa: S105 - the demo's published password, on a loopback server
USER_AGENT = "ecitizen-http-load/1"

# (label, path, who): path may hold {app}, the pk of one of the citizen's applications.
PAGES = [
    ("bare view (one row by pk)", "/bench/bare/{app}", None),
    ("`/api/health`", "/api/health", None),
    ("`/` anonymous", "/", None),
    ("`/services/`", "/services/", None),
    ("`/reports/`", "/reports/", None),
    ("status page `/applications/N/`", "/applications/{app}/", "citizen"),
    ("live status `/applications/N/status.json`", "/applications/{app}/status.json", "citizen"),
    ("citizen list `/applications/`", "/applications/", "citizen"),
    ("caseworker queue `/staff/cases/`", "/staff/cases/", "caseworker"),
    ("Open311 `requests`", "/open311/v2/requests.json", None),
    ("map viewport `/reports/map.json`", "/reports/map.json?bbox={bbox}", None),
]
# What the public map asks for when it opens on Northbridge at city zoom (zoom 14 around the demo's
# centre 52.02, 0.03 in a 1024 x 600 pixel map): about 6 km by 3.5 km, the whole city and its edges.
CITY_VIEWPORT = "-0.0139,52.0041,0.0739,52.0359"
# The pages whose p50 at 1M is compared with their p50 at 10k (``--sizes``).
SCALING = [
    "caseworker queue `/staff/cases/`",
    "status page `/applications/N/`",
    "Open311 `requests`",
    "map viewport `/reports/map.json`",
]

# wrk's Lua: count answers outside 2xx in every thread, then print machine-readable figures.
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body)
  if status < 200 or status > 299 then bad = bad + 1 end
end
function done(summary, latency, requests)
  local non2xx = 0
  for _, t in ipairs(threads) do non2xx = non2xx + t:get("bad") end
  local e = summary.errors
  io.write(string.format("RESULT %d %f %d %d %d %d\\n", summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(99), non2xx,
    e.connect + e.read + e.write + e.timeout))
end
"""


def fail(message: str) -> None:
    print(f"http_load: {message}", file=sys.stderr)
    sys.exit(2)


def environment(port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANIAN_")}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.bare_settings",
        DOTENV_DISABLED="1",
        PYTHONPATH=str(ROOT),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="false",
        PAYMENTS_SANDBOX_ENABLED="true",
        PAYMENT_PROVIDER="sandbox",
        SITE_URL=f"http://127.0.0.1:{port}",
        # Open311 reads are limited per address (600 an hour by default) and every request here comes
        # from 127.0.0.1: a limit no load reaches, over one second (so that the list of hits the
        # limiter keeps per address stays short), keeps the check's work but does not answer 429
        # for being over the limit. It still may when its per-address lock is busy (see non-2xx).
        OPEN311_RATE_GET="1000000000/1s",
    )
    env.setdefault("SANDBOX_CALLBACK_SECRET", secrets.token_urlsafe(32))
    if not KEYS.exists():
        KEYS.parent.mkdir(exist_ok=True)
        keys = subprocess.run(
            [PY, "manage.py", "generate_keys"],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        old = os.umask(0o077)
        try:
            KEYS.write_text(keys)
        finally:
            os.umask(old)
    for line in KEYS.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep:
            env[name] = value
    return env


def manage(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        fail(f"manage.py {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-4000:]}")
    return result.stdout


FACTS = """
import json
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from ecitizen.cases.models import Application
from ecitizen.reports.management.commands.seed_report_volume import volume_reports
from ecitizen.reports.models import Report
volume = Application.objects.filter(citizen__email__startswith="volume-").count()
app = Application.objects.filter(citizen__email=CITIZEN).exclude(submitted_at=None).order_by("pk").first()
totp = Authenticator.objects.filter(user__email=CASEWORKER, type=Authenticator.Type.TOTP).first()
print(json.dumps({
    "volume": volume, "total": Application.objects.count(), "app": app and app.pk,
    "volume_reports": volume_reports().count(), "reports": Report.objects.count(),
    "totp": totp and get_adapter().decrypt(totp.data["secret"])}))
"""


def facts(env: dict[str, str]) -> dict:
    code = f"CITIZEN, CASEWORKER = {CITIZEN!r}, {CASEWORKER!r}\n{FACTS}"
    return json.loads(manage(env, "shell", "-v", "0", "-c", code).strip().splitlines()[-1])


def prepare(env: dict[str, str], applications: int, reports: int, seed: bool) -> dict:
    if seed:
        print("== Preparing the database: migrate, cache table, static files, demo", flush=True)
        manage(env, "migrate", "--noinput")
        manage(env, "createcachetable")
        manage(env, "collectstatic", "--noinput", "-v", "0")
        manage(env, "seed_demo")
    found = facts(env)
    missing = applications - found["volume"]
    missing_reports = reports - found["volume_reports"]
    if seed and (missing > 0 or missing_reports > 0):
        start = time.monotonic()
        if missing > 0:
            print(f"== seed_volume {missing} (the database holds {found['volume']} volume applications)", flush=True)
            manage(env, "seed_volume", str(missing))
        if missing_reports > 0:
            print(
                f"== seed_report_volume {missing_reports} "
                f"(the database holds {found['volume_reports']} volume reports)",
                flush=True,
            )
            manage(env, "seed_report_volume", str(missing_reports))
        manage(
            env, "shell", "-v", "0", "-c", "from django.db import connection\nconnection.cursor().execute('ANALYZE')"
        )
        print(f"   seeded in {time.monotonic() - start:.0f} s", flush=True)
        found = facts(env)
    if not found["app"] or not found["totp"]:
        fail("the demo citizen's application or the caseworker's TOTP secret is missing: run without --no-seed")
    return found


class Session:
    """One signed-in person over plain HTTP, as the TLS proxy would pass the requests on."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(self._NoRedirect)

    def headers(self) -> dict[str, str]:
        headers = {"X-Forwarded-Proto": "https", "User-Agent": USER_AGENT}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def call(self, path: str, form: dict | None = None, base: str = "") -> tuple[int, str, str]:
        base = base or self.base
        data = urllib.parse.urlencode(form).encode() if form else None
        request = urllib.request.Request(base + path, data=data, headers=self.headers())  # noqa: S310
        if form:
            request.add_header("Origin", base.replace("http://", "https://", 1))
        try:
            response = self.opener.open(request, timeout=60)
        except urllib.error.HTTPError as error:
            response = error
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, response.headers.get("Location", ""), response.read().decode("utf-8", "replace")

    def sign_in(self, email: str, totp_secret: str | None = None) -> None:
        _, _, body = self.call("/accounts/login/")
        status, location, _ = self.call(
            "/accounts/login/", {"login": email, "password": PASSWORD, "csrfmiddlewaretoken": csrf(body)}
        )
        if status != 302:
            fail(f"{email} could not sign in ({status})")
        if totp_secret:
            _, _, body = self.call(location)
            form = {"code": totp_now(totp_secret), "csrfmiddlewaretoken": csrf(body)}
            status, location, _ = self.call("/accounts/2fa/authenticate/", form)
            if status != 302:
                fail(f"{email} gave a TOTP code and got {status}")


def csrf(body: str) -> str:
    return html.unescape(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1))


def totp_now(secret: str) -> str:
    if time.time() % 30 > 27:  # do not send a code that expires in flight
        time.sleep(30 - time.time() % 30 + 0.5)
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def server_command(server: str, port: int, workers: int, threads: int) -> list[str]:
    if server == "gunicorn":
        return [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--worker-class=gthread",
            f"--workers={workers}",
            f"--threads={threads}",
            f"--bind=127.0.0.1:{port}",
        ]
    return [
        str(ROOT / ".venv/bin/granian"),
        "--interface=wsgi",
        f"--workers={workers}",
        f"--blocking-threads={threads}",
        "--host=127.0.0.1",
        f"--port={port}",
        "--no-access-log",
        "config.wsgi:application",
    ]


def start(server: str, port: int, env: dict[str, str], args) -> subprocess.Popen:
    log = open(ROOT / "var" / f"http_load-{server}.log", "w")
    process = subprocess.Popen(
        server_command(server, port, args.workers, args.threads),
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    if wait_healthy(port, process, f"{server} exited; see var/http_load-{server}.log"):
        return process
    stop(process)
    fail(f"{server} did not answer /api/health within 60 s")
    raise AssertionError


def wait_healthy(port: int, process: subprocess.Popen, exited: str, seconds: float = 60) -> bool:
    """Wait until the web server on *port* answers /api/health (True), or *seconds* pass (False);
    stop the benchmark with the message *exited* if the process dies first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            fail(f"{exited} (exit status {process.returncode})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=5):
                return True
        except OSError:
            time.sleep(0.3)
    return False


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)  # the server's own process group: it and its workers
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wrk(url: str, headers: dict[str, str], args, script: str, connections: int, duration: int) -> dict:
    threads = min(args.generator_threads, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s"]
    command += ["--timeout", "30s", "-s", script]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    requests, seconds, p50, p99, non2xx, errors = line.split()[1:]
    return {
        "requests": int(requests),
        "rps": int(requests) / float(seconds),
        "p50": int(p50) / 1000,
        "p99": int(p99) / 1000,
        "non2xx": int(non2xx),
        "errors": int(errors),
    }


def ms(value: float) -> str:
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


def p50_p99(r: dict) -> tuple[str, str]:
    """A pass's p50 and p99, or dashes when no request finished within the pass."""
    return (ms(r["p50"]), ms(r["p99"])) if r["requests"] else ("—", "—")


def table(results: dict[str, dict], args) -> list[str]:
    """One line per page: the main pass at ``--connections`` and, when run, the pass at ``--low-connections``."""
    bare = results[PAGES[0][0]]["rps"]
    low = args.low_connections
    head = "| page | requests/s | share of bare | p50 | p99 | non-2xx |"
    head += f" p50 at {low} | p99 at {low} |" if low else ""
    lines = [head, "|---|---|---|---|---|---|" + ("---|---|" if low else "")]
    for label, *_ in PAGES:
        r = results[label]
        bad = f"{r['non2xx']}" + (f" (+{r['errors']} socket errors)" if r["errors"] else "")
        line = f"| {label} | {r['rps']:,.0f} | {100 * r['rps'] / bare:.0f}% | {ms(r['p50'])} | {ms(r['p99'])} | {bad} |"
        if low:
            p50, p99 = p50_p99(r["low"])
            line += f" {p50} | {p99} |"
        lines.append(line)
    return lines


def size_name(size: int) -> str:
    """10000 -> 10k, 1000000 -> 1m: the suffix of the database that holds that size."""
    for unit, suffix in ((1_000_000, "m"), (1_000, "k")):
        if size >= unit and size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)


def database_url(base_url: str, size: int | None) -> str:
    """The URL of the database for *size* (``<name>_10k``), created when missing; *base_url* itself for None."""
    if size is None:
        return base_url
    parts = urllib.parse.urlsplit(base_url)
    name = f"{parts.path.lstrip('/')}_{size_name(size)}"
    import psycopg  # in .venv (Django's PostgreSQL driver); only --sizes needs it here

    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            print(f"== creating database {name}", flush=True)
            connection.execute(f'CREATE DATABASE "{name}"')
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


def run_size(base_env: dict[str, str], url: str, applications: int, reports: int, args, script: str):
    """Seed one database, start the servers on it, load every page; returns (facts, results by server)."""
    env = {**base_env, "DATABASE_URL": url}
    found = prepare(env, applications, reports, seed=not args.no_seed)
    print(
        f"== {url.rsplit('/', 1)[-1]}: {found['total']:,} applications ({found['volume']:,} from seed_volume), "
        f"{found['reports']:,} problem reports ({found['volume_reports']:,} from seed_report_volume); "
        f"{args.connections} connections, {args.duration} s a page"
        + (f", then {args.low_connections} connections, {args.low_duration} s" if args.low_connections else "")
        + f"; {args.workers} workers × {args.threads} threads",
        flush=True,
    )
    ports = {server: args.port + i for i, server in enumerate(args.servers)}
    results: dict[str, dict[str, dict]] = {server: {} for server in args.servers}
    processes: list[subprocess.Popen] = []
    try:
        # All servers run at once (an idle one costs nothing) and take turns page by page, so that
        # other load on the machine weighs on both alike.
        for server, port in ports.items():
            processes.append(start(server, port, {**env, "SITE_URL": f"http://127.0.0.1:{port}"}, args))
        # Sessions live in the database: one sign-in, on the first server, serves every server.
        people = {who: Session(f"http://127.0.0.1:{args.port}") for who in (None, "citizen", "caseworker")}
        people["citizen"].sign_in(CITIZEN)
        people["caseworker"].sign_in(CASEWORKER, found["totp"])
        for label, path, who in PAGES:
            path = path.format(app=found["app"], bbox=CITY_VIEWPORT)
            for server, port in ports.items():
                base = f"http://127.0.0.1:{port}"
                for _ in range(2 * args.workers * args.threads):  # check, and warm every thread
                    status, location, body = people[who].call(path, base=base)
                    if status != 200:
                        fail(f"{server}: GET {path} as {who or 'anonymous'} -> {status} {location} {body[:300]}")
                headers = people[who].headers()
                r = results[server][label] = wrk(base + path, headers, args, script, args.connections, args.duration)
                note = f"{server:8} {path[:40]:40} {r['rps']:8.0f}/s  p50 {ms(r['p50'])}"
                if args.low_connections:
                    # The main pass leaves up to --connections requests queued in the server: one more
                    # request waits behind them, so the second pass starts on an idle server.
                    people[who].call(path, base=base)
                    r["low"] = wrk(base + path, headers, args, script, args.low_connections, args.low_duration)
                    p50, p99 = p50_p99(r["low"])
                    note += f"; at {args.low_connections}: p50 {p50}, p99 {p99}"
                print(f"   {note}", flush=True)
    finally:
        for process in processes:
            stop(process)
    return found, results


def scaling(by_size: dict[int, tuple[dict, dict]], args) -> list[str]:
    """p50 at the largest size over p50 at the smallest, per page and server (target: <= 1.2)."""
    small, large = min(by_size), max(by_size)
    a, b = size_name(small), size_name(large)
    low = args.low_connections
    head = f"| page | server | p50 at {a} | p50 at {b} | p50 at {b} / p50 at {a} |"
    if low:
        head += f" at {low}: p50 at {a} | p50 at {b} | ratio |"
    lines = [head, "|---|---|---|---|---|" + ("---|---|---|" if low else "")]
    for label in SCALING:
        for server in args.servers:
            r1, r2 = by_size[small][1][server][label], by_size[large][1][server][label]
            ratio = r2["p50"] / max(r1["p50"], 1e-3)
            line = f"| {label} | {server} | {ms(r1['p50'])} | {ms(r2['p50'])} | {ratio:.2f} |"
            if low:
                q1, q2 = r1["low"], r2["low"]
                ratio = f"{q2['p50'] / q1['p50']:.2f}" if q1["requests"] and q2["requests"] else "—"
                line += f" {p50_p99(q1)[0]} | {p50_p99(q2)[0]} | {ratio} |"
            lines.append(line)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, default=10_000, help="volume applications (default 10000)")
    parser.add_argument("--reports", type=int, default=None, help="volume problem reports (default: --applications)")
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        help="run once per size, each in its own database <name>_10k, <name>_1m ... (kept between runs), "
        "with that many applications and problem reports, then compare p50 at the largest and smallest size",
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page and server (default 10)")
    parser.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    parser.add_argument(
        "--low-connections",
        type=int,
        default=None,
        help="a second, shorter pass per page with this many connections (default workers × threads; 0: none)",
    )
    parser.add_argument("--low-duration", type=int, help="seconds of the second pass (default duration / 3)")
    parser.add_argument("--generator-threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--servers",
        nargs="+",
        choices=["gunicorn", "granian"],
        default=["gunicorn", "granian"],
        help="one server alone halves the time (default both)",
    )
    parser.add_argument("--port", type=int, default=8061, help="the first server's port; the second takes the next")
    parser.add_argument("--no-seed", action="store_true", help="use the database as it is")
    args = parser.parse_args()
    if args.low_connections is None:
        args.low_connections = args.workers * args.threads
    if args.low_duration is None:
        args.low_duration = max(2, args.duration // 3)

    if not shutil.which("wrk"):
        fail("needs the load generator wrk on PATH (Debian: apt-get install -y wrk).")
    base_url = os.environ.get("DATABASE_URL", "")
    if not base_url.startswith(("postgres://", "postgresql://")):
        fail("set DATABASE_URL=postgres://USER@HOST:PORT/NAME (a database of its own; see --help).")
    for server in args.servers:
        if not (ROOT / ".venv" / "bin" / server).exists():
            fail(f"no .venv/bin/{server}: run 'make install' ({server} is in requirements.lock).")

    env = environment(args.port)
    if args.sizes:
        runs = [(size, size, size) for size in sorted(set(args.sizes))]
    else:
        runs = [(None, args.applications, args.applications if args.reports is None else args.reports)]
    by_size: dict[int | None, tuple[dict, dict]] = {}
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        for size, applications, reports in runs:
            url = database_url(base_url, size)
            by_size[size] = run_size(env, url, applications, reports, args, script.name)
    finally:
        os.unlink(script.name)

    for found, results in by_size.values():
        print()
        for server, per_page in results.items():
            print(
                f"{server} ({args.workers} workers × {args.threads} threads), {found['total']:,} applications, "
                f"{found['reports']:,} problem reports:\n"
            )
            print("\n".join(table(per_page, args)))
            print()
        if len(results) == 2:
            first, second = results
            ratios = [results[second][label]["rps"] / results[first][label]["rps"] for label, *_ in PAGES]
            mean = math.exp(sum(map(math.log, ratios)) / len(ratios))
            wins = sum(ratio > 1 for ratio in ratios)
            faster, factor = (second, mean) if mean > 1 else (first, 1 / mean)
            print(
                f"{second} served {wins} of {len(ratios)} pages faster than {first}; geometric mean of "
                f"{second}/{first} requests/s: {mean:.2f}. Faster overall: {faster} (×{factor:.2f})."
            )
    if len(by_size) > 1:
        print(f"\np50 at {size_name(max(by_size))} / p50 at {size_name(min(by_size))} (target: at most 1.2):\n")
        print("\n".join(scaling(by_size, args)))


if __name__ == "__main__":
    main()
