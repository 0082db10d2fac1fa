"""The rate-limit windows as rows: cheap refusals, no lost hits under concurrency, old rows purged."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

import ecitizen.core.ratelimits as ratelimits
from ecitizen.core.models import RateLimitBucket
from ecitizen.core.ratelimits import Rate, bucket_hit
from ecitizen.core.testing import run_together

on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs a database with row locks")


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor == "postgresql", reason="PostgreSQL refuses in its one statement")
def test_a_full_window_is_refused_without_locking_its_row(monkeypatch):
    rate = Rate.parse("2/m/key")
    assert bucket_hit("b", rate, now=1000.0)[0] == 0
    assert bucket_hit("b", rate, now=1010.0)[0] == 0

    def must_not_lock(*args, **kwargs):
        raise AssertionError("a refusal took the row lock")

    monkeypatch.setattr(ratelimits, "_lock_row", must_not_lock)
    assert bucket_hit("b", rate, now=1030.0) == (30, None)  # the 1000.0 hit leaves at 1060.0


@pytest.mark.django_db
def test_a_hit_inside_a_callers_transaction_is_counted():
    rate = Rate.parse("1/h/key")
    with transaction.atomic():
        assert bucket_hit("b", rate, now=1000.0)[0] == 0
    assert bucket_hit("b", rate, now=1001.0) == (3599, None)


@pytest.mark.django_db
def test_rows_whose_window_has_passed_are_deleted(monkeypatch):
    monkeypatch.setattr(ratelimits, "PURGE_ONE_IN", 1)
    rate = Rate.parse("5/m/key")
    bucket_hit("old", rate, now=1000.0)
    bucket_hit("recent", rate, now=1050.0)
    bucket_hit("new", rate, now=1061.0)
    assert set(RateLimitBucket.objects.values_list("name", flat=True)) == {"recent", "new"}


@pytest.mark.django_db
def test_a_purge_that_fails_does_not_fail_the_allowed_hit(monkeypatch):
    from django.db import DatabaseError

    def busy(*args, **kwargs):
        raise DatabaseError("could not obtain lock")

    monkeypatch.setattr(ratelimits, "PURGE_ONE_IN", 1)
    monkeypatch.setattr(RateLimitBucket.objects.none().__class__, "delete", busy)
    allowed, hit = bucket_hit("p", Rate.parse("5/m/key"), now=2000.0)
    assert allowed == 0 and hit is not None
    assert RateLimitBucket.objects.filter(name="p").exists()  # the hit was recorded all the same


@pytest.mark.django_db(transaction=True)  # outside a transaction, as a view's hit is
@on_postgresql
def test_an_allowed_hit_is_one_statement_and_a_refusal_writes_nothing(django_assert_num_queries):
    rate = Rate.parse("2/m/key")
    with django_assert_num_queries(1):
        assert bucket_hit("b", rate, now=1000.0)[0] == 0
    assert bucket_hit("b", rate, now=1010.0)[0] == 0
    before = RateLimitBucket.objects.get(name="b")
    with django_assert_num_queries(2):  # the refused statement, then how long to wait
        assert bucket_hit("b", rate, now=1030.0) == (30, None)  # the 1000.0 hit leaves at 1060.0
    after = RateLimitBucket.objects.get(name="b")
    assert (after.hits, after.expires_at) == (before.hits, before.expires_at) == ("1010000000 1000000000", 1070.0)
    # Hits that have left the window are dropped when the next one is written.
    assert bucket_hit("b", rate, now=1065.0)[0] == 0
    assert RateLimitBucket.objects.get(name="b").hits == "1065000000 1010000000"


@pytest.mark.django_db
@on_postgresql
def test_the_bucket_table_is_not_written_to_the_write_ahead_log():
    """Its rows are counts of the last minutes: a crash may lose them, and no hit waits for a disk
    flush (ADR 0002)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = %s", [RateLimitBucket._meta.db_table])
        assert cursor.fetchone()[0] == "u"


@pytest.mark.django_db(transaction=True)
@on_postgresql
def test_concurrent_hits_on_one_bucket_allow_exactly_the_rate():
    rate = Rate.parse("10/h/key")
    results, errors = run_together([lambda: bucket_hit("b", rate)] * 24)
    assert errors == []
    assert sum(1 for wait, _hit in results if wait == 0) == 10
    assert len(RateLimitBucket.objects.get(name="b").hits.split()) == 10


@pytest.mark.django_db(transaction=True)
@on_postgresql
def test_a_row_held_by_another_connection_refuses_after_the_wait_unless_fail_open(monkeypatch):
    monkeypatch.setattr(ratelimits, "LOCK_WAIT", 0.2)
    rate = Rate.parse("5/h/key")
    bucket_hit("b", rate)
    held, done = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            list(RateLimitBucket.objects.select_for_update().filter(name="b"))
            held.set()
            done.wait(10)
        connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        held.wait(10)
        assert bucket_hit("b", rate) == (1, None)
        assert bucket_hit("b", rate, fail_open=True) == (0, None)
    finally:
        done.set()
        holder.join()
    assert len(RateLimitBucket.objects.get(name="b").hits.split()) == 1  # neither was counted
