"""Benchmark of referendum casting over real HTTP: ballots per second, each checked on arrival.

Usage (from the repository root; PostgreSQL only; the database is created, and dropped at the end
unless --keep):

    .venv/bin/python bench/referendum_cast.py --database-url postgres://postgres@127.0.0.1:5432/ref_cast_bench

The issue asks that casting holds at least 100 ballots per second with every ballot verified on
arrival. What it does, in order:

1. Migrates a fresh database (``bench.petitions_settings``: the test settings on this database,
   DEBUG off, our rate limits on, tasks queued nowhere, emails dropped) and writes an open
   referendum with a real election key (three trustees, threshold 2, made with
   ``ecitizen.voting.protocol.trustees``), one question of ``--options`` options (one answer), and
   ``--voters`` accounts on its marked register, each with a credential code of its own (only
   the public credentials are stored, as the credential step does). Rows are bulk-inserted: the
   setup is not what is measured.
2. Encrypts one ballot per voter with ``ballots.encrypt`` (what the booth does in the browser;
   test_booth_js shows the JavaScript makes the same ballots), in a pool of processes, before any
   time is taken: the client's crypto is not the server's throughput.
3. Writes a signed-in session per voter straight to the session store, as signing in leaves it
   (``make_sessions`` of bench/petitions.py), starts the site with granian, the production web
   server (docs/adr/0012), ``--server-workers`` processes × ``--server-threads`` threads, on
   127.0.0.1:``--port``, and checks that one voter's vote page shows the booth's form.
4. ``--clients`` threads, each on a keep-alive connection, POST the vote form as the booth sends it
   (the encrypted ballot and the CSRF token only; Origin and Referer as a browser sends them), one
   ballot per voter, all released together, through every middleware and the real view: the rate
   limit, the register, the ballot's proofs and signature checked (``ballots.Checker``), the short
   transaction that numbers it, the tracker email rendered, and the confirmation page. Expected:
   a 200 showing the tracker. Prints ballots per second (wall clock, release to last answer),
   p50 and p99 in ms, the answers that were not that 200, and the client's own CPU.
5. Checks: one board entry per voter numbered 1…N, every voter marked on the register, no
   credential twice; then the board (the ballots as stored, with their sum) goes through the
   verifier (``protocol.board.verify``) unless ``--no-verify``.

Machine notes: on a small machine the HTTP client, PostgreSQL and the server share the cores;
the client's CPU is printed so that its share can be told apart.
"""

# ruff: noqa: S603 - our own server with fixed arguments, on a loopback address
from __future__ import annotations

import argparse
import datetime
import http.client
import json
import multiprocessing as mp
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _timing import percentile  # noqa: E402

SETTINGS = "bench.petitions_settings"
UUID = "7d1f0c9e-5b2a-4e61-9a3d-0c8b7e6f5a41"


def admin_url(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path="/postgres"))


def recreate_database(url: str, *, create: bool = True) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    import django

    django.setup()


# --- the world --------------------------------------------------------------------------------


def make_key(n: int = 3, t: int = 2) -> tuple[list[dict], str, dict[int, str]]:
    """Three trustees' deals (threshold 2): (deals, public key, verification keys)."""
    from ecitizen.voting.protocol import trustees

    sealing = {j: trustees.new_sealing_keypair() for j in range(1, n + 1)}
    public = {j: pair[1] for j, pair in sealing.items()}
    deals = [trustees.deal(UUID, j, t, public) for j in range(1, n + 1)]
    for j in range(1, n + 1):
        trustees.confirm(UUID, j, t, deals, sealing[j][0])
    return deals, trustees.public_key(deals), {j: trustees.verification_key(deals, j) for j in range(1, n + 1)}


def make_world(voters: int, options: int) -> tuple[int, dict, str, list[int], list[str]]:
    """Returns (referendum id, election, election hash, voter ids, their credential codes)."""
    from django.core.management import call_command
    from django.utils import timezone
    from petitions import make_accounts

    from ecitizen.accounts.models import User
    from ecitizen.agencies.models import Agency, Membership
    from ecitizen.voting.protocol import credentials, hashing
    from ecitizen.voting.referendums.models import (
        ElectorateEntry,
        Option,
        PublicCredential,
        Question,
        Referendum,
        Stage,
        Trustee,
    )

    call_command("migrate", verbosity=0)
    agency = Agency.objects.create(name="City Council", slug="city-council", code="CC")
    staff = [User.objects.create_user(email=f"trustee{j}@bench.example", password=None) for j in (1, 2, 3)]
    for user in staff:
        Membership.objects.create(user=user, agency=agency, role="agency_admin")
    now = timezone.now()
    labels = [{"en": f"Option {k + 1}"} for k in range(options)]
    text = {"en": "Which option should the city choose?"}
    referendum = Referendum.objects.create(
        agency=agency,
        uuid=UUID,
        title={"en": "Bench referendum"},
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=1),
        returning_officer=staff[0],
        created_by=staff[0],
        stage=Stage.READY,
    )
    question = Question.objects.create(referendum=referendum, position=1, text=text, min_choices=1, max_choices=1)
    Option.objects.bulk_create(Option(question=question, position=k + 1, label=label) for k, label in enumerate(labels))
    deals, public_key, keys = make_key()
    for j, (deal, user) in enumerate(zip(deals, staff, strict=True), start=1):
        Trustee.objects.create(
            referendum=referendum, index=j, user=user, deal=deal, verification_key=keys[j], confirmed_at=now
        )
    election = {
        "uuid": UUID,
        "title": referendum.title,
        "questions": [
            {
                "id": "q1",
                "text": text,
                "options": [{"id": f"o{k + 1}", "label": label} for k, label in enumerate(labels)],
                "min": 1,
                "max": 1,
            }
        ],
        "threshold": 2,
        "trustees": [{"index": j, "verification_key": keys[j]} for j in (1, 2, 3)],
        "public_key": public_key,
        "opens_at": referendum.opens_at.astimezone(datetime.UTC).isoformat(),
        "closes_at": referendum.closes_at.astimezone(datetime.UTC).isoformat(),
    }
    accounts = make_accounts("v-", voters)
    codes = [credentials.new_code() for _ in accounts]
    ElectorateEntry.objects.bulk_create(
        [
            ElectorateEntry(referendum=referendum, voter_key=f"user:{pk}", user_id=pk, credential_sent=True)
            for pk in accounts
        ],
        batch_size=5000,
    )
    PublicCredential.objects.bulk_create(
        [
            PublicCredential(referendum=referendum, credential=c)
            for c in sorted(credentials.public_credential(UUID, code) for code in codes)
        ],
        batch_size=5000,
    )
    Referendum.objects.filter(pk=referendum.pk).update(
        election=election,
        election_hash=hashing.election_hash(election),
        public_key=public_key,
        opened_at=now,
        electorate_size=voters,
        credentials_issued=voters,
        stage=Stage.OPEN,
    )
    return referendum.pk, election, hashing.election_hash(election), accounts, codes


def _encrypt(job: tuple[dict, str, str, int]) -> str:
    from ecitizen.voting.protocol import ballots

    election, election_hash, code, choice = job
    ballot, _opening = ballots.encrypt(election, election_hash, code, [[choice]])
    return json.dumps(ballot)


def encrypt_all(election: dict, election_hash: str, codes: list[str], options: int) -> list[str]:
    rng = random.Random(7)  # noqa: S311 (test data)
    jobs = [(election, election_hash, code, rng.randrange(options)) for code in codes]
    with mp.get_context("fork").Pool() as pool:
        return pool.map(_encrypt, jobs, chunksize=64)


# --- the server ---------------------------------------------------------------------------------


def start_server(url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    """granian on 127.0.0.1:*port* in a process group of its own (stopped by :func:`stop_server`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRANIAN_")}
    env.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE=SETTINGS, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "granian"),
            "--interface",
            "wsgi",
            "--workers",
            str(workers),
            "--blocking-threads",
            str(threads),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "config.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(150):
        if proc.poll() is not None:
            raise RuntimeError(f"granian exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/health")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("granian did not start")


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


# --- casting over HTTP ---------------------------------------------------------------------------


def vote_page(port: int, referendum_id: int, signer) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", f"/referendums/{referendum_id}/vote/", headers={"Cookie": signer.cookie})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def cast_all(port: int, referendum_id: int, signers: list, ballots: list[str], clients: int):
    path = f"/referendums/{referendum_id}/vote/"
    origin = f"http://127.0.0.1:{port}"
    jobs = list(zip(signers, ballots, strict=True))
    shares = [jobs[i::clients] for i in range(clients)]
    barrier = threading.Barrier(clients + 1)
    lock = threading.Lock()
    times: list[float] = []
    wrong: Counter = Counter()
    samples: list[str] = []
    ok = [0]

    def client(share) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.connect()
        mine, bad, good = [], Counter(), 0
        barrier.wait()
        for signer, ballot in share:
            body = urlencode({"csrfmiddlewaretoken": signer.csrf_token, "ballot": ballot})
            headers = {
                "Cookie": signer.cookie,
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": origin,
                "Referer": f"{origin}{path}",
            }
            start = time.perf_counter()
            try:
                conn.request("POST", path, body, headers)
                response = conn.getresponse()
                content = response.read()
            except (OSError, http.client.HTTPException) as exc:
                bad[type(exc).__name__] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                continue
            mine.append((time.perf_counter() - start) * 1000)
            if response.status == 200 and b'data-tracker="' in content:
                good += 1
            else:
                bad[str(response.status)] += 1
                if len(samples) < 3:
                    samples.append(" ".join(content[:4000].decode(errors="replace").split())[-300:])
        conn.close()
        with lock:
            ok[0] += good
            times.extend(mine)
            wrong.update(bad)

    threads = [threading.Thread(target=client, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    barrier.wait()
    start, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.join()
    return ok[0], sorted(times), time.perf_counter() - start, time.process_time() - cpu, wrong, samples


# --- checks ---------------------------------------------------------------------------------------


def check_exact(referendum_id: int, voters: int) -> list[str]:
    from ecitizen.voting.referendums.models import BoardBallot, Channel, ElectorateEntry

    problems = []
    numbers = list(BoardBallot.objects.filter(referendum_id=referendum_id).order_by("n").values_list("n", flat=True))
    if numbers != list(range(1, voters + 1)):
        problems.append(f"{len(numbers)} ballots on the board, numbered {numbers[:3]}…, for {voters} voters")
    credentials = BoardBallot.objects.filter(referendum_id=referendum_id).values_list("credential", flat=True)
    if len(set(credentials)) != len(numbers):
        problems.append("a credential cast twice")
    if BoardBallot.objects.filter(referendum_id=referendum_id, replaced_by__isnull=False).exists():
        problems.append("a ballot marked replaced")
    marked = ElectorateEntry.objects.filter(referendum_id=referendum_id, channel=Channel.ONLINE).count()
    if marked != voters:
        problems.append(f"{marked} voters marked on the register for {voters}")
    return problems


def verify_board(referendum_id: int) -> tuple[bool, list[str], float]:
    """The board as served, completed with its sum (no decryption yet), through the verifier."""
    from ecitizen.voting.protocol import board as protocol_board
    from ecitizen.voting.referendums.board_selectors import board_chunks
    from ecitizen.voting.referendums.models import Referendum

    referendum = Referendum.objects.get(pk=referendum_id)
    board = json.loads("".join(board_chunks(referendum, complete=False)))
    board["tally"] = protocol_board.counted_tally(board["election"], [b["ballot"] for b in board["ballots"]])
    board["decryptions"] = []
    board["paper"] = {"ballots": 0, "counts": [[0] * len(q["options"]) for q in board["election"]["questions"]]}
    board["result"] = None
    start = time.perf_counter()
    report = protocol_board.verify(board, workers=os.cpu_count() or 1)
    return report.ok, report.faults, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/ref_cast_bench")
    parser.add_argument("--voters", type=int, default=3000)
    parser.add_argument("--options", type=int, default=5)
    parser.add_argument("--clients", type=int, default=16, help="concurrent client connections")
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--server-threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8461)
    parser.add_argument("--no-verify", action="store_true", help="skip verifying the board afterwards")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("PostgreSQL only: pass --database-url postgres://...")

    recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connections
    from petitions import make_sessions

    server = None
    try:
        started = time.perf_counter()
        referendum_id, election, election_hash, accounts, codes = make_world(args.voters, args.options)
        print(
            f"setup: an open referendum, {args.voters} voters with credentials, "
            f"in {time.perf_counter() - started:.1f} s"
        )
        started = time.perf_counter()
        ballots = encrypt_all(election, election_hash, codes, args.options)
        print(f"encrypted {len(ballots)} ballots ({args.options} options) in {time.perf_counter() - started:.1f} s")
        signers = make_sessions(accounts, ["127.0.0.1"] * len(accounts))
        connections.close_all()

        server = start_server(args.database_url, args.port, args.server_workers, args.server_threads)
        status, page = vote_page(args.port, referendum_id, signers[0])
        if status != 200 or 'id="referendum-booth"' not in page:
            raise RuntimeError(f"the vote page does not show the booth's form to a voter ({status})")
        for signer in signers[1 : 1 + 2 * args.server_workers * args.server_threads]:
            vote_page(args.port, referendum_id, signer)  # warm every worker up (no vote cast)

        ok, times, elapsed, client_cpu, wrong, samples = cast_all(
            args.port, referendum_id, signers, ballots, args.clients
        )
        load = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(
            f"cast {ok} ballots over HTTP (granian {args.server_workers}x{args.server_threads}, {args.clients} "
            f"clients, each ballot checked on arrival) in {elapsed:.1f} s: {ok / elapsed:.0f} ballots/s; "
            f"p50 {percentile(times, 0.5):.1f} ms, p99 {percentile(times, 0.99):.1f} ms; "
            f"not a 200 with the tracker: {sum(wrong.values())}{f' {dict(wrong)}' if wrong else ''}; "
            f"client CPU {100 * client_cpu / elapsed:.0f}% of one core; load average {load}"
        )
        for sample in samples:
            print("  not a 200:", sample)
        stop_server(server)
        server = None

        problems = check_exact(referendum_id, args.voters)
        print(
            "checks: " + ("OK, one ballot per voter, numbered 1…N, all marked" if not problems else "; ".join(problems))
        )
        if not args.no_verify:
            good, faults, seconds = verify_board(referendum_id)
            print(f"verifier on the board: {'OK' if good else 'FAULTS ' + '; '.join(faults[:5])} ({seconds:.1f} s)")
            if not good:
                problems.append("the board does not verify")
        if problems or wrong:
            sys.exit(1)
    finally:
        if server is not None:
            stop_server(server)
        connections.close_all()
        if not args.keep:
            recreate_database(args.database_url, create=False)


if __name__ == "__main__":
    main()
