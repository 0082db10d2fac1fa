"""When a job is due: slots counted from midnight UTC, daily times in the deployment's zone, DST."""

from __future__ import annotations

import datetime

import pytest

from ecitizen.scheduler.schedule import DailyAt, Every, parse_schedule

UTC = datetime.UTC


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text)


def test_every_is_aligned_to_the_clock_not_to_when_the_scheduler_started():
    five = Every(datetime.timedelta(minutes=5))
    assert five.latest(at("2027-01-02T10:07:30+00:00")) == at("2027-01-02T10:05:00+00:00")
    assert five.latest(at("2027-01-02T10:05:00+00:00")) == at("2027-01-02T10:05:00+00:00")
    assert five.next(at("2027-01-02T10:05:00+00:00")) == at("2027-01-02T10:10:00+00:00")
    # The same instant given in another zone is the same slot.
    assert five.latest(at("2027-01-02T11:07:30+01:00")) == at("2027-01-02T10:05:00+00:00")


def test_every_with_an_offset():
    hourly_at_20_past = Every(datetime.timedelta(hours=1), datetime.timedelta(minutes=20))
    assert hourly_at_20_past.latest(at("2027-01-02T10:19:00+00:00")) == at("2027-01-02T09:20:00+00:00")
    assert hourly_at_20_past.latest(at("2027-01-02T10:21:00+00:00")) == at("2027-01-02T10:20:00+00:00")


def test_daily_at_is_local_time():
    daily = DailyAt((datetime.time(0, 30),), "Europe/London")
    # 00:30 in London in summer is 23:30 UTC the day before.
    assert daily.latest(at("2027-06-05T00:00:00+00:00")) == at("2027-06-04T23:30:00+00:00")
    assert daily.next(at("2027-06-05T00:00:00+00:00")) == at("2027-06-05T23:30:00+00:00")
    # In winter London is on UTC.
    assert daily.latest(at("2027-01-05T00:40:00+00:00")) == at("2027-01-05T00:30:00+00:00")
    assert daily.latest(at("2027-01-05T00:20:00+00:00")) == at("2027-01-04T00:30:00+00:00")


def test_daily_at_several_times():
    twice = DailyAt((datetime.time(6, 0), datetime.time(18, 0)), "UTC")
    assert twice.latest(at("2027-01-05T12:00:00+00:00")) == at("2027-01-05T06:00:00+00:00")
    assert twice.next(at("2027-01-05T12:00:00+00:00")) == at("2027-01-05T18:00:00+00:00")
    assert twice.latest(at("2027-01-05T05:00:00+00:00")) == at("2027-01-04T18:00:00+00:00")


def test_a_time_the_clocks_skip_runs_an_hour_on_and_once():
    # London skips 01:00-02:00 on 28 March 2027: "01:30" happens at 02:30 BST (01:30 UTC).
    daily = DailyAt((datetime.time(1, 30),), "Europe/London")
    assert daily.next(at("2027-03-28T00:00:00+00:00")) == at("2027-03-28T01:30:00+00:00")
    assert daily.next(at("2027-03-28T01:30:00+00:00")) == at("2027-03-29T00:30:00+00:00")


def test_a_time_that_happens_twice_runs_once():
    # London repeats 01:00-02:00 on 31 October 2027: "01:30" counts once, the first time (BST).
    daily = DailyAt((datetime.time(1, 30),), "Europe/London")
    first = daily.next(at("2027-10-30T12:00:00+00:00"))
    assert first == at("2027-10-31T00:30:00+00:00")
    assert daily.next(first) == at("2027-11-01T01:30:00+00:00")


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({}, "exactly one of 'every'"),
        ({"every": datetime.timedelta(minutes=5), "at": "02:00"}, "exactly one of 'every'"),
        ({"every": 300}, "timedelta"),
        ({"every": datetime.timedelta(seconds=30)}, "at least one minute"),
        ({"every": datetime.timedelta(hours=1), "offset": datetime.timedelta(hours=1)}, "less than 'every'"),
        ({"at": "2:00"}, "24-hour time"),
        ({"at": "24:00"}, "24-hour time"),
        ({"at": []}, "at least one time"),
        ({"at": "02:00", "offset": datetime.timedelta(minutes=1)}, "goes with 'every'"),
    ],
)
def test_bad_schedules_say_why(spec, error):
    with pytest.raises(ValueError, match=error):
        parse_schedule(spec, zone="Europe/London")


def test_describe():
    assert Every(datetime.timedelta(minutes=5)).describe() == "Every 5 minutes"
    assert parse_schedule({"at": ["18:00", "06:00"]}, zone="UTC").describe() == "Daily at 06:00, 18:00 (UTC)"
