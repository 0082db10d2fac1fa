"""What the benchmarks share: a fresh database with the demo loaded, and timing requests.

Imported by the scripts in this folder (``from _timing import ...``: a script's own folder is
first on ``sys.path``). Importing it puts the repository root on ``sys.path`` too, so the
scripts can then import the project.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_database(sqlite_name: str) -> None:
    """Set Django up on a fresh, migrated database with DEBUG on (to count queries).

    The database is the SQLite file ``var/<sqlite_name>``, emptied first, unless DATABASE_URL is set.
    """
    if not os.environ.get("DATABASE_URL"):
        db = ROOT / "var" / sqlite_name
        db.parent.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.environ["SQLITE_PATH"] = str(db)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.bench"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    settings.DEBUG = True  # count queries
    call_command("migrate", verbosity=0)


def seed_demo() -> None:
    from django.core.management import call_command

    call_command("seed_demo", register_size=50, stdout=open(os.devnull, "w"))


def time_get(client, url: str, repeat: int) -> tuple[list[float], int]:
    """GET *url* *repeat* times: the times in milliseconds (sorted) and the SQL queries of one request."""
    from django.db import connection, reset_queries

    times, queries = [], 0
    for _ in range(repeat):
        reset_queries()
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        queries = len(connection.queries)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return times, queries


def median(times: list[float]) -> float:
    return statistics.median(times)


def percentile(sorted_times: list[float], fraction: float) -> float:
    """The *fraction* (0.99 for p99) percentile of *sorted_times*, nearest rank below."""
    return sorted_times[min(len(sorted_times) - 1, int(len(sorted_times) * fraction))]
