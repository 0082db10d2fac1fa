"""Benchmark of the public log (issue 19): appends per second, and proof times at 10 million entries.

Usage (from the repository root; PostgreSQL only; the database is created when missing and kept):

    .venv/bin/python bench/ledger.py --database-url postgres://postgres@127.0.0.1:5432/bench_ledger \\
        --entries 10000000
    # again, without seeding or appending: the proofs alone, on the kept database
    .venv/bin/python bench/ledger.py --database-url postgres://postgres@127.0.0.1:5432/bench_ledger \\
        --entries 10000000 --skip-seed --skip-appends
    # add --profile to print a pyinstrument profile of one integration run

What it does, in order:

1. Migrates the database (``bench.ledger_settings``: the benchmark settings, tasks queued nowhere).
2. Seeds (unless ``--skip-seed``): grows the log to ``--entries`` entries. Outbox rows
   (``PendingEntry``, ``document.issued`` entries of about 230 bytes, the shape
   :func:`ledger_record` writes) are loaded with COPY, ``--seed-batch`` at a time, and each load is
   integrated with the real :func:`ledger_integrate` (``limit=--seed-batch``): every batch commits
   its entries, tiles and tree size, durably (``synchronous_commit`` as configured, ``on`` by
   default). Then the tree is signed (:func:`ledger_checkpoint`) and ``VACUUM ANALYZE`` run.
3. Appends (unless ``--skip-appends``), on top of the log as it is, for each ``--batch`` size:
   ``--record-entries`` entries recorded the way services do, :func:`ledger_record` called inside
   transactions of ``--record-batch`` calls (each call an INSERT, and an integration task queued
   after each commit: here to the dummy queue), then integrated with ``ledger_integrate(limit=batch)``;
   and ``--append-entries`` entries loaded into the outbox with COPY (a bulk import), then integrated.
   Prints entries per second for the integration alone and end to end (outbox write + integrate).
4. Proofs at tree size ``--entries``: ``selectors.inclusion_proof(i, size)`` for ``--proofs``
   random indexes and ``selectors.consistency_proof(m, size)`` for as many random sizes, each timed
   with the process's cache (full tiles and subtree hashes) cleared first (cold) and again right
   after (warm), p50 and p99 in milliseconds, and the p50 of the process's CPU time (the machine
   may be busy with other work); then inclusion proofs as a running server makes them ("shared
   cache": the cache left as the first half of the indexes' proofs filled it, each proof timed
   once, for the second half); every proof is checked with ``merkle.verify_inclusion`` /
   ``verify_consistency`` against the signed checkpoint's root (and, for consistency, the root of
   size m computed from the tiles). Then ``GET /log/api/entries/<i>?size=<size>`` and
   ``GET /log/api/consistency`` through Django's test client (server time, no network).
5. Prints a table of the figures.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _timing import median, percentile  # noqa: E402


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of *url* if it does not exist."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.ledger_settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def entry_data(n: int, at: str) -> bytes:
    """A ``document.issued`` entry as :func:`ledger_record` writes it (about 230 bytes).

    Written out by hand for speed: :func:`load_outbox` checks it against ``canonical_json``.
    """
    token = hashlib.sha256(n.to_bytes(8, "big")).hexdigest()
    return (
        f'{{"agency":"passport-office","key":"PP-{n:09d}","kind":"document.issued","time":"{at}",'
        f'"token_sha256":"{token}","valid_from":"2026-12-06","valid_until":"2036-12-06"}}'
    ).encode()


def canonical_entry(n: int, at: str) -> bytes:
    from ecitizen.ledger.services import canonical_json

    return canonical_json(
        {
            "agency": "passport-office",
            "kind": "document.issued",
            "key": f"PP-{n:09d}",
            "time": at,
            "token_sha256": hashlib.sha256(n.to_bytes(8, "big")).hexdigest(),
            "valid_from": "2026-12-06",
            "valid_until": "2036-12-06",
        }
    )


def load_outbox(first: int, count: int) -> None:
    """COPY *count* outbox rows (entries ``first`` …) into ``PendingEntry``, in one transaction."""
    from django.db import connection, transaction
    from django.utils import timezone

    from ecitizen.ledger.models import PendingEntry
    from ecitizen.ledger.services import utc_text

    now = timezone.now()
    at = utc_text(now)
    table = PendingEntry._meta.db_table
    assert entry_data(first, at) == canonical_entry(first, at)
    with transaction.atomic(), connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY {table} (kind, "key", data, created_at) FROM STDIN') as copy:
            for n in range(first, first + count):
                copy.write_row(("document.issued", f"PP-{n:09d}", entry_data(n, at), now))


def record(first: int, count: int, per_transaction: int) -> None:
    """:func:`ledger_record` *count* times, *per_transaction* calls to a transaction."""
    from django.db import transaction
    from django_tasks import default_task_backend

    from ecitizen.ledger.services import ledger_record

    for start in range(first, first + count, per_transaction):
        with transaction.atomic():
            for n in range(start, min(first + count, start + per_transaction)):
                ledger_record(
                    kind="document.issued",
                    key=f"PP-{n:09d}",
                    body={
                        "agency": "passport-office",
                        "token_sha256": hashlib.sha256(n.to_bytes(8, "big")).hexdigest(),
                        "valid_from": "2026-12-06",
                        "valid_until": "2036-12-06",
                    },
                )
        default_task_backend.results.clear()  # the integration tasks each commit queued


def log_size() -> int:
    from ecitizen.ledger.selectors import tree_size

    return tree_size()


def seed(target: int, batch: int) -> tuple[int, float, float]:
    """Grow the log to *target* entries; (entries added, seconds in all, seconds integrating)."""
    from ecitizen.ledger.models import PendingEntry
    from ecitizen.ledger.services import ledger_integrate

    size = log_size()
    if PendingEntry.objects.exists():
        ledger_integrate(limit=batch)
        size = log_size()
    start_size, started, integrating, shown = size, time.perf_counter(), 0.0, time.perf_counter()
    while size < target:
        count = min(batch, target - size)
        load_outbox(size, count)
        t0 = time.perf_counter()
        added = ledger_integrate(limit=batch)
        integrating += time.perf_counter() - t0
        assert added == count, (added, count)
        size += added
        if time.perf_counter() - shown > 30 or size == target:
            shown = time.perf_counter()
            elapsed = shown - started
            print(f"  seeded {size:,} entries, {(size - start_size) / elapsed:,.0f}/s so far", flush=True)
    return size - start_size, time.perf_counter() - started, integrating


def integrate_timed(batch: int, profile: bool) -> tuple[int, float]:
    from ecitizen.ledger.services import ledger_integrate

    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    t0 = time.perf_counter()
    added = ledger_integrate(limit=batch)
    seconds = time.perf_counter() - t0
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    return added, seconds


def appends(count: int, recorded: int, batches: list[int], per_transaction: int, profile: bool) -> list[tuple]:
    rows = []
    for batch in batches:
        size = log_size()
        t0 = time.perf_counter()
        record(size, recorded, per_transaction)
        recording = time.perf_counter() - t0
        added, integrating = integrate_timed(batch, False)
        assert added == recorded, (added, recorded)
        rows.append((f"ledger_record, {per_transaction}/transaction", batch, size, recorded, recording, integrating))
        size = log_size()
        t0 = time.perf_counter()
        for first in range(size, size + count, 50_000):
            load_outbox(first, min(50_000, size + count - first))
        loading = time.perf_counter() - t0
        added, integrating = integrate_timed(batch, profile)
        assert added == count, (added, count)
        rows.append(("outbox COPY", batch, size, count, loading, integrating))
        profile = False  # one profile is enough
    return rows


def _ms(times: list[float]) -> tuple[float, float]:
    times = sorted(times)
    return median(times) * 1000, percentile(times, 0.99) * 1000


def proofs(size: int, count: int) -> list[tuple]:
    from ecitizen.ledger import merkle, selectors
    from ecitizen.ledger.models import LogEntry, SignedCheckpoint

    checkpoint = SignedCheckpoint.objects.filter(size=size).first()
    reader = merkle.tiles_reader(selectors.read_tiles)
    root = merkle.tree_hash(size, reader)
    if checkpoint is not None:
        assert bytes(checkpoint.root) == root, "the tiles do not give the signed root"
    else:
        print(f"  (no checkpoint was signed at size {size}: checking against the root from the tiles)")
    rng = random.Random(19)  # noqa: S311 -- which entries to prove, not a secret
    indexes = [rng.randrange(size) for _ in range(count)]
    olds = [rng.randrange(1, size) for _ in range(count)]
    data = dict(LogEntry.objects.filter(index__in=indexes).values_list("index", "data"))

    def timed(call):  # (result, wall seconds, CPU seconds of this process)
        wall, cpu = time.perf_counter(), time.process_time()
        result = call()
        return result, time.perf_counter() - wall, time.process_time() - cpu

    rows = []
    cold, warm, cold_cpu, warm_cpu = [], [], [], []
    for i in indexes:
        selectors._FULL_TILES.clear()
        proof, wall, cpu = timed(lambda: selectors.inclusion_proof(i, size))  # noqa: B023
        cold.append(wall), cold_cpu.append(cpu)
        again, wall, cpu = timed(lambda: selectors.inclusion_proof(i, size))  # noqa: B023
        warm.append(wall), warm_cpu.append(cpu)
        assert again == proof
        merkle.verify_inclusion(merkle.leaf_hash(bytes(data[i])), i, size, proof, root)
    rows.append(("inclusion proof, cold", *_ms(cold), _ms(cold_cpu)[0], len(indexes)))
    rows.append(("inclusion proof, warm", *_ms(warm), _ms(warm_cpu)[0], len(indexes)))
    # As a running server has it: the cache kept, but every proof for another entry than the last.
    selectors._FULL_TILES.clear()
    for i in indexes[: len(indexes) // 2]:
        selectors.inclusion_proof(i, size)
    shared, shared_cpu = [], []
    for i in indexes[len(indexes) // 2 :]:
        _proof, wall, cpu = timed(lambda: selectors.inclusion_proof(i, size))  # noqa: B023
        shared.append(wall), shared_cpu.append(cpu)
    rows.append(("inclusion proof, shared cache", *_ms(shared), _ms(shared_cpu)[0], len(shared)))

    cold, warm, cold_cpu, warm_cpu = [], [], [], []
    for m in olds:
        selectors._FULL_TILES.clear()
        proof, wall, cpu = timed(lambda: selectors.consistency_proof(m, size))  # noqa: B023
        cold.append(wall), cold_cpu.append(cpu)
        again, wall, cpu = timed(lambda: selectors.consistency_proof(m, size))  # noqa: B023
        warm.append(wall), warm_cpu.append(cpu)
        assert again == proof
        merkle.verify_consistency(m, size, merkle.tree_hash(m, reader), root, proof)
    rows.append(("consistency proof, cold", *_ms(cold), _ms(cold_cpu)[0], len(olds)))
    rows.append(("consistency proof, warm", *_ms(warm), _ms(warm_cpu)[0], len(olds)))

    # The same over HTTP, through Django's test client (middleware and JSON included, no network).
    from django.test import Client

    client = Client()
    for label, urls in (
        ("GET /log/api/entries/<i>", [f"/log/api/entries/{i}?size={size}" for i in indexes[:200]]),
        ("GET /log/api/consistency", [f"/log/api/consistency?old={m}&new={size}" for m in olds[:200]]),
    ):
        for state in ("cold", "warm"):
            times, cpus = [], []
            for url in urls:
                if state == "cold":
                    selectors._FULL_TILES.clear()
                else:
                    client.get(url)
                response, wall, cpu = timed(lambda: client.get(url))  # noqa: B023
                times.append(wall), cpus.append(cpu)
                assert response.status_code == 200, response.content
            rows.append((f"{label}, {state}", *_ms(times), _ms(cpus)[0], len(times)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/bench_ledger")
    parser.add_argument("--entries", type=int, default=10_000_000, help="size of the log for the proofs")
    parser.add_argument("--seed-batch", type=int, default=100_000, help="outbox rows loaded and integrated at a time")
    parser.add_argument("--skip-seed", action="store_true", help="do not grow the log (re-run the proofs)")
    parser.add_argument("--skip-appends", action="store_true")
    parser.add_argument("--append-entries", type=int, default=200_000, help="entries appended per measure")
    parser.add_argument("--batch", type=int, nargs="+", default=[10_000], help="ledger_integrate limits to measure")
    parser.add_argument("--record-entries", type=int, default=20_000, help="entries recorded with ledger_record")
    parser.add_argument("--record-batch", type=int, default=1000, help="ledger_record calls per transaction")
    parser.add_argument("--proofs", type=int, default=1000, help="proofs of each kind to time")
    parser.add_argument("--skip-proofs", action="store_true")
    parser.add_argument("--profile", action="store_true", help="pyinstrument profile of one integration")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("--database-url must be a PostgreSQL database.")

    ensure_database(args.database_url)
    setup(args.database_url)
    from django.db import connection

    from ecitizen.ledger.services import ledger_checkpoint

    name = urlsplit(args.database_url).path.lstrip("/")
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        sync = cursor.fetchone()[0]
    print(f"database {name} (synchronous_commit={sync}), log size {log_size():,}")

    seeded = None
    if not args.skip_seed and log_size() < args.entries:
        added, seconds, integrating = seed(args.entries, args.seed_batch)
        ledger_checkpoint()
        with connection.cursor() as cursor:
            for table in ("ledger_logentry", "ledger_logtile", "ledger_pendingentry"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        seeded = (added, seconds, integrating)
        print(f"seeded {added:,} entries in {seconds:.0f} s ({integrating:.0f} s integrating)")
    if log_size() < args.entries:
        sys.exit(f"the log holds {log_size():,} entries, fewer than --entries {args.entries:,}")

    append_rows = []
    if not args.skip_appends:
        append_rows = appends(args.append_entries, args.record_entries, args.batch, args.record_batch, args.profile)

    proof_rows = [] if args.skip_proofs else proofs(args.entries, args.proofs)

    print()
    print(f"Public log benchmark, database {name}, PostgreSQL, synchronous_commit={sync}")
    if seeded:
        added, seconds, integrating = seeded
        print(
            f"seeding: {added:,} entries in {seconds:.0f} s, {added / seconds:,.0f}/s end to end "
            f"(outbox COPY + integrate, {args.seed_batch:,} a batch); integrating alone {added / integrating:,.0f}/s"
        )
    if append_rows:
        print(f"{'appends':<34} {'batch':>7} {'log size':>12} {'entries':>9} {'integrate/s':>12} {'end to end/s':>13}")
        for how, batch, size, count, writing, integrating in append_rows:
            print(
                f"{how:<34} {batch:>7,} {size:>12,} {count:>9,} {count / integrating:>12,.0f} "
                f"{count / (writing + integrating):>13,.0f}"
            )
    if proof_rows:
        print(
            f"{'at ' + format(args.entries, ',') + ' entries':<34} {'p50 ms':>8} {'p99 ms':>8} "
            f"{'p50 CPU ms':>11} {'calls':>7}"
        )
    for label, p50, p99, cpu, n in proof_rows:
        print(f"{label:<34} {p50:>8.3f} {p99:>8.3f} {cpu:>11.3f} {n:>7}")


if __name__ == "__main__":
    main()
