"""Our limiter is a sliding window: never more than its rate in any window, even across a boundary."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.cache import cache
from django.test import RequestFactory

from ecitizen.core.models import RateLimitBucket
from ecitizen.core.ratelimits import Rate, bucket_hit, bucket_release, rate_limited, seconds_until_allowed

START = datetime.datetime(2026, 3, 2, 9, 0, 0, tzinfo=datetime.UTC)  # on a minute boundary

pytestmark = pytest.mark.django_db  # the windows are rows of a table


@pytest.fixture(autouse=True)
def _limits_on(settings):
    settings.ECITIZEN_RATE_LIMITS_ENABLED = True
    cache.clear()
    yield
    cache.clear()


def _request(ip="198.51.100.7"):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().post("/", REMOTE_ADDR=ip)
    request.user = AnonymousUser()
    return request


def test_no_more_than_the_rate_across_a_window_boundary():
    """A fixed window let 10 hits at 0:59 and 10 more at 1:01 through: 20 in two seconds."""
    request = _request()
    with time_machine.travel(START + datetime.timedelta(seconds=59), tick=False):
        assert [seconds_until_allowed(request, "t", "10/m") for _ in range(10)] == [0] * 10
    with time_machine.travel(START + datetime.timedelta(seconds=61), tick=False) as clock:
        wait = seconds_until_allowed(request, "t", "10/m")
        assert wait == 58  # the first of the ten leaves the window at 1:59
        clock.move_to(START + datetime.timedelta(seconds=118))
        assert seconds_until_allowed(request, "t", "10/m") == 1
        clock.move_to(START + datetime.timedelta(seconds=119, microseconds=1))
        assert seconds_until_allowed(request, "t", "10/m") == 0


def test_hits_leave_the_window_one_by_one():
    rate = Rate.parse("3/m/key")
    with time_machine.travel(START, tick=False) as clock:
        for second in (0, 20, 40):
            clock.move_to(START + datetime.timedelta(seconds=second))
            assert bucket_hit("b", rate)[0] == 0
        clock.move_to(START + datetime.timedelta(seconds=50))
        assert bucket_hit("b", rate) == (10, None)
        clock.move_to(START + datetime.timedelta(seconds=60, microseconds=1))
        assert bucket_hit("b", rate)[0] == 0  # the 0:00 hit has left; 0:20, 0:40, 1:00 remain
        assert bucket_hit("b", rate)[0] == 20


def test_refused_hits_do_not_extend_the_wait():
    rate = Rate.parse("1/m/key")
    with time_machine.travel(START, tick=False) as clock:
        assert bucket_hit("b", rate)[0] == 0
        for second in range(1, 60, 5):
            clock.move_to(START + datetime.timedelta(seconds=second))
            assert bucket_hit("b", rate)[1] is None
        clock.move_to(START + datetime.timedelta(seconds=60, microseconds=1))
        assert bucket_hit("b", rate)[0] == 0


def test_a_released_hit_frees_its_place():
    rate = Rate.parse("1/h/key")
    with time_machine.travel(START, tick=False):
        _wait, hit = bucket_hit("b", rate)
        assert bucket_hit("b", rate)[1] is None
        bucket_release(hit)
        assert bucket_hit("b", rate)[0] == 0


def test_the_response_is_a_429_with_retry_after(rf):
    request = _request()
    with time_machine.travel(START, tick=False):
        assert rate_limited(request, "t", "1/h") is None
        response = rate_limited(request, "t", "1/h")
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"


def test_limits_are_counted_per_client_address():
    with time_machine.travel(START, tick=False):
        assert seconds_until_allowed(_request("198.51.100.7"), "t", "1/h") == 0
        assert seconds_until_allowed(_request("198.51.100.7"), "t", "1/h") > 0
        assert seconds_until_allowed(_request("198.51.100.8"), "t", "1/h") == 0


def test_rates_parse_with_and_without_the_counted_thing():
    assert Rate.parse("5/5m") == Rate(amount=5, seconds=300, per="ip")
    assert Rate.parse("5/h/user") == Rate(amount=5, seconds=3600, per="user")


def test_a_database_failure_refuses_the_hit_unless_the_bucket_fails_open(monkeypatch):
    """Failing closed stays the rule; only a bucket marked fail_open lets the hit through, uncounted."""
    from django.db import OperationalError

    import ecitizen.core.ratelimits as ratelimits

    def held(*args, **kwargs):
        raise OperationalError("canceling statement due to lock timeout")

    rate = Rate.parse("5/h/key")
    # another process holds the bucket's row (each database's way of taking it)
    monkeypatch.setattr(ratelimits, "_lock_row", held)
    monkeypatch.setattr(ratelimits, "_hit_in_one_statement", held)
    assert bucket_hit("b", rate) == (1, None)
    assert bucket_hit("b", rate, fail_open=True) == (0, None)
    monkeypatch.undo()
    assert not RateLimitBucket.objects.filter(name="b", hits__gt="").exists()  # nothing was counted
