"""Benchmark of participatory-budget ballots: casting throughput, with one person one ballot exact.

Usage (from the repository root; PostgreSQL only; the database is created, and dropped at the end
unless --keep):

    .venv/bin/python bench/budgeting_ballots.py --database-url postgres://postgres@127.0.0.1:5432/h3_bench

What it does:

1. Migrates a fresh database (``bench.petitions_settings``: test settings, tasks queued nowhere) and
   writes an agency, two districts (problem-report areas) with an address each in the address
   register, a process in its voting phase with a budget and five projects per district, and
   ``--voters`` people: each in the population register, with an account verified against it
   (bound national ID) and a home address in one of the districts. Rows are bulk-inserted: the
   setup is not what is measured.
2. Counts the SQL statements of one cast (``ballot_cast``, the real service: eligibility reads,
   the upsert, the choices, the audit row).
3. ``--threads`` threads, each with its own database connection, released together, call
   ``ballot_cast`` for their share of the voters; every ``--recast-every``-th voter casts twice
   (the second cast replaces the first), and the last ``--race`` voters are cast by every thread
   at once (the same person in many tabs). Prints ballots per second (wall clock, first start to
   last finish) and p50/p99 latency per cast in ms.
4. Checks: exactly one ballot per voter, the version of each equal to the number of its casts,
   the choices of each ballot those of one cast, and no error.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _timing import percentile  # noqa: E402

SETTINGS = "bench.petitions_settings"
DISTRICTS = [("Old Town", 52.020, 52.040, "NB1 1AA"), ("Millbrook", 52.000, 52.020, "NB2 2BB")]


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


def make_world(voters: int) -> tuple[int, list[int]]:
    """Returns (process id, voter user ids)."""
    from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
    from django.core.management import call_command
    from django.utils import timezone

    from ecitizen.accounts.models import Profile, User, VerificationMethod
    from ecitizen.agencies.models import Agency
    from ecitizen.exchange.models import Address, PopulationRecord
    from ecitizen.exchange.selectors import national_id_blind_index
    from ecitizen.reports.models import Area
    from ecitizen.voting.budgeting.models import Budget, Process, Project, ProjectStatus

    call_command("migrate", verbosity=0)
    agency = Agency.objects.create(name="City Council", slug="city-council", code="CC")
    admin = User.objects.create_user(email="admin@bench.example", password=None)
    now = timezone.now()
    at = [now + datetime.timedelta(days=d) for d in (-30, -20, -5, 10)]
    process = Process.objects.create(
        agency=agency,
        title="Bench budget",
        summary="Benchmark",
        ideas_open_at=at[0],
        ideas_close_at=at[1],
        voting_open_at=at[2],
        voting_close_at=at[3],
        created_by=admin,
        published_at=now - datetime.timedelta(days=60),
        max_choices=3,
        min_age=16,
    )
    for i, (name, south, north, postcode) in enumerate(DISTRICTS):
        area = Area(agency=agency, name={"en": name})
        ring = [[0.0, south], [0.02, south], [0.02, north], [0.0, north], [0.0, south]]
        area.set_geometry({"type": "MultiPolygon", "coordinates": [[ring]]})
        area.save()
        Address.objects.create(
            uprn=f"B{i}", line=f"{i + 1} High Street", street="High Street", number=str(i + 1),
            town="Northbridge", postcode=postcode, latitude=(south + north) / 2, longitude=0.01,
        )  # fmt: skip
        budget = Budget.objects.create(process=process, area=area, amount=100_000)
        Project.objects.bulk_create(
            Project(
                process=process,
                budget=budget,
                title=f"{name} project {k}",
                description="-",
                estimated_cost=10_000 * (k + 1),
                official_cost=10_000 * (k + 1),
                status=ProjectStatus.ACCEPTED,
            )
            for k in range(5)
        )
    users = User.objects.bulk_create(
        User(email=f"voter{n}@bench.example", password=UNUSABLE_PASSWORD_PREFIX) for n in range(voters)
    )
    records, profiles = [], []
    for n, user in enumerate(users):
        national_id = f"BV-{n:07d}-Q"
        index = national_id_blind_index(national_id)
        records.append(
            PopulationRecord(
                national_id=national_id,
                national_id_index=index,
                given_name="Bench",
                family_name=f"Voter{n}",
                date_of_birth=datetime.date(1980 + n % 25, 1 + n % 12, 1 + n % 28),
            )
        )
        _, _, _, postcode = DISTRICTS[n % 2]
        profiles.append(
            Profile(
                user=user,
                given_name="Bench",
                family_name=f"Voter{n}",
                address_line_1=f"{n % 2 + 1} High Street",
                town="Northbridge",
                postcode=postcode,
                national_id=national_id,
                national_id_index=index,
                identity_verified=True,
                verified_at=now - datetime.timedelta(days=90),
                verification_method=VerificationMethod.REGISTER,
            )
        )
    PopulationRecord.objects.bulk_create(records, batch_size=2000)
    Profile.objects.bulk_create(profiles, batch_size=2000)
    return process.pk, [u.pk for u in users]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/h3_bench")
    parser.add_argument("--voters", type=int, default=4000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--recast-every", type=int, default=10, help="every n-th voter casts twice")
    parser.add_argument("--race", type=int, default=20, help="voters every thread casts for at once")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("PostgreSQL only: pass --database-url postgres://...")

    recreate_database(args.database_url)
    setup_django(args.database_url)
    from django.db import connection, connections
    from django.test.utils import CaptureQueriesContext

    from ecitizen.accounts.models import User
    from ecitizen.voting.budgeting.ballot_services import ballot_cast
    from ecitizen.voting.budgeting.models import Ballot, BallotChoice, Process

    try:
        started = time.perf_counter()
        process_id, voter_ids = make_world(args.voters)
        print(f"setup: {args.voters} voters in {time.perf_counter() - started:.1f} s")

        def load_process():
            return Process.objects.select_related("agency").prefetch_related("budgets__area").get(pk=process_id)

        projects_of = {}
        for budget_id, pk in load_process().projects.values_list("budget_id", "pk"):
            projects_of.setdefault(budget_id, []).append(pk)

        users = {u.pk: u for u in User.objects.filter(pk__in=voter_ids)}
        budgets = list(load_process().budgets.order_by("pk").values_list("pk", flat=True))
        budget_of = {uid: budgets[n % 2] for n, uid in enumerate(voter_ids)}

        def choices_for(uid: int, rng: random.Random) -> dict[int, int]:
            return dict.fromkeys(rng.sample(projects_of[budget_of[uid]], rng.randint(1, 3)), 1)

        # 2. statements per cast (a spare voter, cast once, not counted in the run below).
        spare = voter_ids.pop()
        with CaptureQueriesContext(connection) as queries:
            ballot_cast(actor=users[spare], process=load_process(), choices=choices_for(spare, random.Random(0)))  # noqa: S311
        print(f"statements in one cast: {len(queries)} (the first three load the process, as a request does)")
        for q in queries.captured_queries:
            print(f"   {q['sql'][:110]}")
        Ballot.objects.filter(user_id=spare).delete()

        race = voter_ids[-args.race :] if args.race else []
        solo = voter_ids[: len(voter_ids) - len(race)]
        expected = {uid: 2 if n % args.recast_every == 0 else 1 for n, uid in enumerate(solo)}
        for uid in race:
            expected[uid] = args.threads
        barrier = threading.Barrier(args.threads)
        latencies: list[list[float]] = [[] for _ in range(args.threads)]
        errors: list[str] = []
        casts = [0] * args.threads

        def work(t: int) -> None:
            rng = random.Random(t)  # noqa: S311 (test data, not a secret)
            process = load_process()
            mine = [uid for n, uid in enumerate(solo) if n % args.threads == t]
            plan = [uid for uid in mine for _ in range(expected[uid])]
            rng.shuffle(plan)
            plan = race + plan  # the race voters first, by everyone at once
            barrier.wait()
            for uid in plan:
                start = time.perf_counter()
                try:
                    ballot_cast(actor=users[uid], process=process, choices=choices_for(uid, rng))
                except Exception as exc:
                    errors.append(f"{uid}: {exc!r}")
                latencies[t].append(time.perf_counter() - start)
                casts[t] += 1
            connections.close_all()

        threads = [threading.Thread(target=work, args=(t,)) for t in range(args.threads)]
        wall = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - wall

        times = sorted(x for per in latencies for x in per)
        total = sum(casts)
        print(
            f"cast {total} ballots ({len(expected)} voters, {args.threads} threads) in {wall:.2f} s: "
            f"{total / wall:.0f} ballots/s; p50 {1000 * percentile(times, 0.5):.1f} ms, "
            f"p99 {1000 * percentile(times, 0.99):.1f} ms"
        )

        # 4. exactness
        versions = dict(Ballot.objects.values_list("user_id", "version"))
        problems = list(errors)
        if len(versions) != len(expected) or Ballot.objects.count() != len(expected):
            problems.append(f"{Ballot.objects.count()} ballots for {len(expected)} voters")
        wrong = [uid for uid, n in expected.items() if versions.get(uid) != n]
        if wrong:
            problems.append(f"{len(wrong)} ballots with the wrong version, e.g. {wrong[:3]}")
        sizes = BallotChoice.objects.values_list("ballot_id", flat=True)
        if len(set(sizes)) != len(expected):
            problems.append("ballots without choices")
        print("checks: " + ("OK, one ballot per voter, versions exact" if not problems else "; ".join(problems[:10])))
        if problems:
            sys.exit(1)
    finally:
        connections.close_all()
        if not args.keep:
            recreate_database(args.database_url, create=False)


if __name__ == "__main__":
    main()
