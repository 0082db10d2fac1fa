"""Surge test: many people at once, a web process and the task worker killed, nothing lost.

    # PostgreSQL (the production shape: two web processes, two task workers, one scheduler)
    createdb -h 127.0.0.1 -U postgres ecitizen_surge
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ecitizen_surge \\
      .venv/bin/python bench/surge.py --clients 1000 --duration 60

    # SQLite (one machine: one web process, one task worker, the scheduler), a file of its own
    .venv/bin/python bench/surge.py --sqlite var/surge/surge.sqlite3 --clients 150 --duration 60

    # The quick version CI runs (40 clients, 20 s, still with the kill and the check)
    DATABASE_URL=... .venv/bin/python bench/surge.py --short

What it does, in order:

1. Prepares the database under production settings: migrate, the cache table, collectstatic into
   var/, ``seed_demo``. Keys come from ``manage.py generate_keys`` (kept in ``var/surge.env``:
   delete it when you drop the database), the environment is that of
   ``scripts/run-multiprocess.sh`` (helpers imported from ``bench/http_load.py``) plus
   ``TRUSTED_PROXIES=127.0.0.1``: each client sends ``X-Forwarded-Proto: https`` and an
   ``X-Forwarded-For`` address of its own, as the TLS proxy in front would, so that per-address
   rate limits count people, not the load generator. E-mail goes to Django's dummy backend.
2. Makes ``--clients`` citizens (verified address, no password) and a signed-in session for each,
   straight in the session table: signing 1000 people in through the sign-in form (Argon2) would
   measure password hashing, not the surge.
3. Starts the production shape on 127.0.0.1 from ``--port`` (default 8101): on PostgreSQL two
   web processes (granian, or gunicorn gthread with ``--server gunicorn``; ``--workers`` ×
   ``--threads`` each) that the clients spread over,
   two task workers (``manage.py run_worker``: ``db_worker`` that first queues again the task its
   killed predecessor left running) and one scheduler (``manage.py run_scheduler``); on
   SQLite one web process and one worker. Logs in var/surge/.
4. Runs locust headless (``bench/surge_locustfile.py``, a process of its own) with ``--clients``
   people spawned within ``--ramp`` seconds, for ``--duration`` seconds: citizens start a licence
   application, answer it, send it, pay its fee by card on the sandbox and wait for the payment's
   confirmation, then report a problem; passers-by report one without signing in. A timeout or a
   cut connection is retried with the same start token, idempotency key or submit token, on the
   other web process; every confirmation a client sees is kept (var/surge/seen.jsonl).
5. At a third of the run it kills (SIGKILL) the last web process with its workers and the first
   task worker, and starts them again ``--down`` seconds later (``--no-kill``: not).
6. Stops the web processes, gives the task workers up to ``--drain`` seconds to finish the queue,
   stops them, and checks the database (``bench/surge_check.py``): every confirmation a client saw
   exists once, no duplicate submission, no bill paid twice, no payment lost, every message sent
   once, no task stuck; and no answer 5xx (connections cut by the kill are counted apart).
7. Prints a table (clients, duration, requests, requests/s, p50/p95/p99 per step, failures by kind,
   the check's lines). Exit status 1 if a check fails or any 5xx was answered, 2 on a set-up error.

Keep runs short on a shared machine; ``--short`` takes about a minute and a half on 2 cores.
"""

# ruff: noqa: S603 - our own fixed commands (manage.py, the web server, locust) on a loopback address
from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import http_load

ROOT = http_load.ROOT
PY = http_load.PY
OUT = ROOT / "var" / "surge"
SERVICE = "street-trading-licence"
PAGES = [
    ("business", {"trading_name": "", "goods": "food", "goods_description": "Hot soup and bread."}),
    (
        "pitch",
        {"days": ["sat", "sun"], "pitch_size": "4", "start_date": "2030-06-01"},
    ),
    ("contact", {}),
]


def fail(message: str) -> None:
    print(f"surge: {message}", file=sys.stderr)
    sys.exit(2)


# --- inside Django (run as `bench/surge.py --django ...` under the run's environment) ------------


def django_prepare(clients: int) -> dict:
    """Citizens and their sessions, the licence's page ids, and a place and kind of problem to report."""
    import django

    django.setup()
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction
    from django.utils import timezone

    from ecitizen.accounts.models import Profile, User
    from ecitizen.catalogue.models import Service
    from ecitizen.reports.models import Report
    from ecitizen.reports.routing import categories_at

    sessions = []
    with transaction.atomic():
        have = {u.email: u for u in User.objects.filter(email__startswith="surge-", email__endswith="@example.org")}
        for i in range(clients):
            email = f"surge-{i}@example.org"
            user = have.get(email)
            if user is None:
                user = User.objects.create_user(email=email, password=None)
                EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
                Profile.objects.create(user=user, given_name="Surge", family_name=f"Citizen {i}")
            session = SessionStore()
            session[SESSION_KEY] = str(user.pk)
            session[BACKEND_SESSION_KEY] = "ecitizen.accounts.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            sessions.append(session.session_key)
    service = Service.objects.get(slug=SERVICE)
    pages = [p["id"] for p in service.current_version.snapshot["form"]["pages"]]
    if pages != [page for page, _ in PAGES]:
        fail(f"the demo licence's pages are now {pages}: update PAGES in bench/surge.py")
    spot = None
    report = Report.objects.filter(is_public=True).order_by("pk").first()
    if report is not None:
        category = categories_at(report.latitude, report.longitude)[0]
        answers = {}
        for question in category.questions or []:  # the first value offered, or a lamp-post number
            values = question.get("values") or [{"key": "12"}]
            answers[f"answer_{question['code']}"] = str(values[0]["key"])
        spot = {
            "location": {"lat": f"{report.latitude:.6f}", "lng": f"{report.longitude:.6f}"},
            "category": category.code,
            "answers": answers,
        }
    if spot is None:
        fail("no demo report to take a place from: run seed_demo")
    # The messages are checked for what is sent from now on: the demo's year of history is rows.
    since = timezone.now().isoformat()
    return {"sessions": sessions, "session_cookie": settings.SESSION_COOKIE_NAME, "report": spot, "since": since}


def django_queue_left() -> dict:
    import django

    django.setup()
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    due = DBTaskResult.objects.filter(status="READY", run_after__lte=timezone.now()).count()
    return {"due": due, "running": DBTaskResult.objects.filter(status="RUNNING").count()}


def django_check(seen_file: str, since: str) -> dict:
    import django

    django.setup()
    from bench import surge_check

    seen: dict[str, list] = {"applications": [], "payments": [], "reports": []}
    for line in Path(seen_file).read_text().splitlines():
        item = json.loads(line)
        seen[item["kind"]].append(item["value"])
    findings = [surge_check.check_seen(seen), *surge_check.check_database(since=datetime.datetime.fromisoformat(since))]
    return {"ok": all(f.ok for f in findings), "lines": [line for f in findings for line in f.lines()]}


# --- the run -----------------------------------------------------------------------------------------


def run_django(env: dict[str, str], what: str, *args: str) -> dict:
    result = subprocess.run([PY, __file__, "--django", what, *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        fail(f"{what} failed:\n{result.stdout[-2000:]}{result.stderr[-4000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def start_web(port: int, env: dict[str, str], args) -> subprocess.Popen:
    log = open(OUT / f"web-{port}.log", "a")
    command = http_load.server_command(args.server, port, args.workers, args.threads)
    if args.server == "gunicorn":
        command += ["--timeout", "60", "--backlog", "4096"]
    else:  # like scripts/run-multiprocess.sh: a worker that dies is started again
        command[1:1] = ["--backlog", "4096", "--respawn-failed-workers"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def start_manage(name: str, env: dict[str, str], *command: str) -> subprocess.Popen:
    log = open(OUT / f"{name}.log", "a")
    return subprocess.Popen(
        [PY, "manage.py", *command], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )


def start_worker(n: int, env: dict[str, str]) -> subprocess.Popen:
    return start_manage(
        f"worker-{n}", env, "run_worker", "--queue-name", "*", "--no-reload", "--worker-id", f"surge-{n}"
    )


def wait_up(port: int, process: subprocess.Popen) -> None:
    if not http_load.wait_healthy(port, process, f"the web process on {port} exited; see var/surge/web-{port}.log"):
        fail(f"the web process on {port} did not answer /api/health within 60 s")


def kill(process: subprocess.Popen) -> None:
    """SIGKILL a process and everything it started (its own process group): a crash."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            kill(process)


def locust_stats(prefix: Path) -> tuple[list[dict], list[dict]]:
    with open(f"{prefix}_stats.csv") as f:
        stats = list(csv.DictReader(f))
    with open(f"{prefix}_failures.csv") as f:
        failures = list(csv.DictReader(f))
    return stats, failures


def ms(value: str) -> str:
    v = float(value or 0)
    return f"{v / 1000:.1f} s" if v >= 1000 else f"{v:.0f} ms"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (default 60)")
    parser.add_argument("--ramp", type=float, default=10, help="seconds to start every client (default 10)")
    parser.add_argument(
        "--sqlite",
        nargs="?",
        const=str(ROOT / "var" / "surge" / "surge.sqlite3"),
        default=None,
        help="SQLite, in this file (default var/surge/surge.sqlite3); also when DATABASE_URL is unset",
    )
    parser.add_argument("--no-kill", action="store_true", help="do not kill a web process and the worker")
    parser.add_argument("--short", action="store_true", help="the quick CI version: 40 clients, 20 s")
    parser.add_argument("--port", type=int, default=8101)
    parser.add_argument(
        "--server", choices=["granian", "gunicorn"], default="granian", help="the web server (default granian)"
    )
    parser.add_argument("--workers", type=int, default=2, help="workers per web process (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker (default 4)")
    parser.add_argument("--down", type=float, default=3, help="seconds the killed processes stay down")
    parser.add_argument("--drain", type=float, default=60, help="seconds the task workers get to drain the queue")
    parser.add_argument("--django", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.django:
        what, *rest = args.django
        result = {
            "prepare": lambda: django_prepare(int(rest[0])),
            "queue": django_queue_left,
            "check": lambda: django_check(rest[0], rest[1]),
        }[what]()
        print(json.dumps(result))
        return 0

    if args.short:
        args.clients, args.duration, args.ramp = 40, 20, 4
    postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
    if args.sqlite or not postgres:
        postgres = False
        args.sqlite = args.sqlite or str(OUT / "surge.sqlite3")
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.log"):
        old.unlink()

    http_load.KEYS = ROOT / "var" / "surge.env"  # keys of our own, next to http_load's
    env = http_load.environment(args.port)
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        TRUSTED_PROXIES="127.0.0.1",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        PYTHONUNBUFFERED="1",
    )
    if not postgres:
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(Path(args.sqlite).resolve())
        Path(args.sqlite).parent.mkdir(parents=True, exist_ok=True)
    ports = [args.port, args.port + 1] if postgres else [args.port]
    task_workers = 2 if postgres else 1

    print(f"== Preparing the database ({'PostgreSQL' if postgres else 'SQLite ' + args.sqlite})", flush=True)
    begun = time.monotonic()
    for command in (
        ["migrate", "--noinput"],
        ["createcachetable"],
        ["collectstatic", "--noinput", "-v", "0"],
        ["seed_demo"],
    ):
        http_load.manage(env, *command)
    t0 = time.monotonic()
    plan = run_django(env, "prepare", str(args.clients))
    print(
        f"   ready in {t0 - begun:.0f} s; {args.clients} citizens with sessions in {time.monotonic() - t0:.1f} s",
        flush=True,
    )
    plan.update(ports=ports, service=SERVICE, pages=PAGES, timeout=30)
    (OUT / "plan.json").write_text(json.dumps(plan))
    seen_file = OUT / "seen.jsonl"
    seen_file.write_text("")

    web = {port: start_web(port, env, args) for port in ports}
    workers = {n: start_worker(n, env) for n in range(1, task_workers + 1)}
    scheduler = start_manage("scheduler", env, "run_scheduler", "--no-reload")
    everything = lambda: [*web.values(), *workers.values(), scheduler]  # noqa: E731
    kills = []
    try:
        for port, process in web.items():
            wait_up(port, process)
        print(
            f"== {len(ports)} web process(es) on {', '.join(map(str, ports))} "
            f"({args.workers} workers × {args.threads} threads), {task_workers} task worker(s), the scheduler; "
            f"{args.clients} clients for {args.duration} s",
            flush=True,
        )
        prefix = OUT / "locust"
        locust = subprocess.Popen(
            [
                ROOT / ".venv/bin/locust",
                "-f",
                ROOT / "bench/surge_locustfile.py",
                "--headless",
                "--only-summary",
                "-u",
                str(args.clients),
                "-r",
                str(max(1, round(args.clients / args.ramp))),
                "-t",
                f"{args.duration}s",
                "--stop-timeout",
                "10" if args.short else "30",
                "--csv",
                prefix,
                "--host",
                f"http://127.0.0.1:{ports[0]}",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**os.environ, "SURGE_PLAN": str(OUT / "plan.json"), "SURGE_SEEN": str(seen_file)},
            stdout=open(OUT / "locust.log", "w"),
            stderr=subprocess.STDOUT,
        )
        started = time.monotonic()
        if not args.no_kill:
            time.sleep(args.duration / 3)
            victim = ports[-1]
            kill(web[victim])
            kill(workers[1])
            kills.append(f"web process on {victim} and task worker 1 killed at {time.monotonic() - started:.0f} s")
            print(f"   {kills[-1]} (SIGKILL)", flush=True)
            time.sleep(args.down)
            web[victim] = start_web(victim, env, args)
            workers[1] = start_worker(1, env)
            wait_up(victim, web[victim])
            kills.append(f"both started again; answering at {time.monotonic() - started:.0f} s")
            print(f"   {kills[-1]}", flush=True)
        locust.wait(args.duration + 120)
        elapsed = time.monotonic() - started
        for process in web.values():
            stop(process)
        print(
            f"== Load over after {elapsed:.0f} s; the task workers drain the queue (at most {args.drain:.0f} s)",
            flush=True,
        )
        deadline = time.monotonic() + args.drain
        while True:
            left = run_django(env, "queue")
            if not left["due"] or time.monotonic() > deadline:
                break
            time.sleep(2)
        print(f"   left: {left['due']} due, {left['running']} running", flush=True)
    finally:
        for process in everything():
            stop(process)

    stats, failures = locust_stats(prefix)
    print(f"== Checking the database ({time.monotonic() - begun:.0f} s since the start)", flush=True)
    check = run_django(env, "check", str(seen_file), plan["since"])
    total = next(row for row in stats if row["Name"] == "Aggregated")
    server_errors = sum(int(f["Occurrences"]) for f in failures if "HTTP 5" in f["Error"])
    print()
    print(
        f"Surge on {'PostgreSQL' if postgres else 'SQLite'}: {args.clients} clients, {args.duration} s, "
        f"{len(ports)} web process(es) × {args.workers} workers × {args.threads} threads, {task_workers} task worker(s)"
    )
    for line in kills:
        print(f"  {line}")
    print(
        f"  {int(total['Request Count']):,} requests, {float(total['Requests/s']):.1f} requests/s, "
        f"{int(total['Failure Count'])} failed\n"
    )
    print("| step | requests | failed | p50 | p95 | p99 |")
    print("|---|---|---|---|---|---|")
    for row in stats:
        print(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | {ms(row['50%'])} | "
            f"{ms(row['95%'])} | {ms(row['99%'])} |"
        )
    kinds: dict[str, int] = {}
    for f in failures:
        kind = re.sub(r"^CatchResponseError\('(.*)'\)$", r"\1", f["Error"])
        kinds[kind] = kinds.get(kind, 0) + int(f["Occurrences"])
    print("\nFailures by kind: " + ("; ".join(f"{k} × {n}" for k, n in sorted(kinds.items())) or "none"))
    print("\nConsistency:")
    for line in check["lines"]:
        print(f"  {line}")
    print(f"  {'ok  ' if not server_errors else 'FAIL'} no 5xx answer: {server_errors}")
    ok = check["ok"] and not server_errors
    print(f"\n{'PASS' if ok else 'FAIL'}: logs and locust's CSV in {OUT.relative_to(ROOT)}/")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
